-- rule: FOCUS-1.2/ServiceName/one-category
-- severity: error
-- spec: Each ServiceName MUST map to exactly one ServiceCategory (per provider).
-- model: focus-validator 2.2.1 model-1.2.0.1 ServiceName-C-005-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select ProviderName, ServiceName, list(distinct ServiceCategory order by ServiceCategory) as categories
from focus_check_input
group by ProviderName, ServiceName
having count(distinct ServiceCategory) > 1
