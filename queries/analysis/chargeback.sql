-- Chargeback: effective cost per sub-account and value of one tag key (long form).
with source as (
    select
        *,
        coalesce(ProviderName, ServiceProviderName, x_provider) as provider,
        coalesce(SubAccountId, BillingAccountId) as sub_account_id,
        coalesce(SubAccountName, SubAccountId, BillingAccountId) as sub_account_name,
        coalesce(ServiceName, '(none)') as service_name
    from focus.cost_and_usage
    where x_billing_period = $period
),

filtered as (
    select
        sub_account_name,
        coalesce(nullif(json_extract_string(Tags, '$."' || $tag_key || '"'), ''), '(untagged)') as tag_value,
        EffectiveCost
    from source
    where true
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
)

select
    sub_account_name,
    tag_value,
    sum(EffectiveCost)::decimal(38, 10) as effective_cost
from filtered
group by all
order by sub_account_name, tag_value
