-- Effective cost per value of one tag key (FOCUS Tags JSON), '(untagged)' when the key is absent.
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
        coalesce(nullif(json_extract_string(Tags, '$."' || $tag_key || '"'), ''), '(untagged)') as tag_value,
        EffectiveCost
    from source
    where true
      and (len($providers::varchar[]) = 0 or list_contains($providers::varchar[], provider))
      and (len($accounts::varchar[]) = 0 or list_contains($accounts::varchar[], sub_account_id))
      and (len($services::varchar[]) = 0 or list_contains($services::varchar[], service_name))
)

select
    tag_value,
    sum(EffectiveCost)::decimal(38, 10) as effective_cost,
    (sum(EffectiveCost) / nullif(sum(sum(EffectiveCost)) over (), 0))::double as share
from filtered
group by tag_value
order by tag_value = '(untagged)', effective_cost desc
