-- Effective cost per billing period (up to $period, $months of them) by one allow-listed dimension.
select
    billing_period,
    coalesce(case $dimension
            when 'provider' then provider
            when 'account' then sub_account_name
            when 'billing_account' then coalesce(billing_account_name, billing_account_id)
            when 'service' then service_name
            when 'service_category' then service_category
            when 'region' then region
            when 'charge_category' then charge_category
            when 'pricing_category' then pricing_category
        end, '(none)') as name,
    sum(effective_cost)::decimal(38, 10) as effective_cost
from marts.daily_cost
where billing_period <= $period
    and billing_period > strftime(strptime($period || '-01', '%Y-%m-%d') - to_months($months), '%Y-%m')
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
group by all
order by billing_period, effective_cost desc, name
