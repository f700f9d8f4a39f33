-- The newest billing period in the FOCUS table (the default period of budgets and alerts).
select max(x_billing_period) as billing_period
from focus.cost_and_usage
