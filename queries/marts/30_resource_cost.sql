-- marts.resource_cost: cost per billing period and resource, with the dimensions the notebooks filter by
-- and the resource's tags. One row per billing period x provider x sub account (id, name) x service x
-- ResourceId x Tags; rows without a ResourceId are kept (resource_id null) so that marts.tag_cost,
-- built from this mart, covers every FOCUS row. FOCUS 1.2 columns from focus.cost_and_usage.
-- tagged_keys: the tag keys carrying a non-empty value, worked out once per billing period and distinct
-- Tags value after the aggregation (there are a few thousand of them, not millions), sorted. Per
-- period, so that a build of one period (a filter on billing_period) reads that period only.
create schema if not exists marts;

create or replace table marts.resource_cost as
with source as (
    select * from focus.cost_and_usage
),

by_resource as (
    select
        x_billing_period as billing_period,
        -- ProviderName (FOCUS 1.2, deprecated in 1.3) else ServiceProviderName, else the loader's tag
        coalesce(ProviderName, ServiceProviderName, x_provider) as provider,
        coalesce(SubAccountId, BillingAccountId) as sub_account_id,
        coalesce(SubAccountName, SubAccountId, BillingAccountId) as sub_account_name,
        coalesce(ServiceName, '(none)') as service_name,
        ResourceId as resource_id,
        max(ResourceName) as resource_name,
        max(ResourceType) as resource_type,
        Tags as tags,
        sum(EffectiveCost)::decimal(38, 10) as effective_cost,
        sum(BilledCost)::decimal(38, 10) as billed_cost,
        count(*)::bigint as rows
    from source
    group by all
),

tag_sets as (
    -- the same test the analysis queries made per row: json_extract_string(Tags, '$."key"') not
    -- null nor ''. Quotes and backslashes in a key are escaped so that no key can break the path.
    select
        billing_period,
        tags,
        list_sort(list_filter(
            list_distinct(json_keys(tags)),
            k -> nullif(json_extract_string(
                tags, '$."' || replace(replace(k, '\', '\\'), '"', '\"') || '"'
            ), '') is not null
        )) as tagged_keys
    from (select distinct billing_period, tags from by_resource where tags is not null)
),

final as (
    select
        by_resource.* exclude (effective_cost, billed_cost, rows),
        coalesce(tag_sets.tagged_keys, []::varchar[]) as tagged_keys,
        by_resource.effective_cost,
        by_resource.billed_cost,
        by_resource.rows
    from by_resource
    left join tag_sets
        on by_resource.billing_period = tag_sets.billing_period
        and by_resource.tags = tag_sets.tags
)

-- stored in period order: a query of one period then reads only that period's row groups
select * from final
order by billing_period, resource_id
