-- marts.tag_cost: effective cost per billing period, the filter dimensions (provider, sub account id and
-- name, service), tag key and tag value, with the FOCUS Tags JSON parsed at build time. Built from
-- marts.resource_cost (so it runs after it). Grain: billing period x dimensions x tag_key x tag_value:
--   * tag_key set: the rows carrying that key; tag_value null when its value is '' or JSON null
--     (the analysis queries count those as untagged);
--   * tag_key null (tag_value null too): the total of ALL rows of the group, tagged or not, so the
--     cost without a key is total - tagged, and a key absent from the data needs no row of its own.
create schema if not exists marts;

create or replace table marts.tag_cost as
with source as (
    select
        billing_period,
        provider,
        sub_account_id,
        sub_account_name,
        service_name,
        tags,
        sum(effective_cost)::decimal(38, 10) as effective_cost,
        sum(billed_cost)::decimal(38, 10) as billed_cost,
        sum(rows)::bigint as rows
    from marts.resource_cost
    group by all
),

pairs as (
    select
        source.* exclude (tags),
        k as tag_key,
        nullif(json_extract_string(
            tags, '$."' || replace(replace(k, '\', '\\'), '"', '\"') || '"'
        ), '') as tag_value
    from source, unnest(list_distinct(json_keys(tags))) as keys(k)
),

totals as (
    select
        source.* exclude (tags),
        null::varchar as tag_key,
        null::varchar as tag_value
    from source
),

final as (
    select
        billing_period,
        provider,
        sub_account_id,
        sub_account_name,
        service_name,
        tag_key,
        tag_value,
        sum(effective_cost)::decimal(38, 10) as effective_cost,
        sum(billed_cost)::decimal(38, 10) as billed_cost,
        sum(rows)::bigint as rows
    from (select * from pairs union all select * from totals)  -- the same columns, in order
    group by all
)

select * from final
