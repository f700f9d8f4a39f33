-- Values offered by the filter widgets, with the cost that ranks them.
select
    provider,
    sub_account_id,
    max(sub_account_name) as sub_account_name,
    service_name,
    sum(effective_cost)::decimal(38, 10) as effective_cost
from marts.daily_cost
group by provider, sub_account_id, service_name
order by effective_cost desc, provider, sub_account_id, service_name
