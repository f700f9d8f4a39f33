-- The amortised cost that AWS's Cloud Intelligence Dashboards compute (CID summary_view
-- "amortized_cost"), recomputed on raw_aws.cur independently of the FOCUS mapping.
select
    x_provider as provider,
    x_export_name as export_name,
    x_billing_period as billing_period,
    nullif(bill_payer_account_id, '') as billing_account_id,
    nullif(line_item_currency_code, '') as currency,
    cast(sum(coalesce(line_item_unblended_cost, 0)) as decimal(38, 10)) as raw_unblended_cost,
    cast(sum(case
        when line_item_line_item_type = 'SavingsPlanCoveredUsage'
            then coalesce(savings_plan_savings_plan_effective_cost, 0)
        when line_item_line_item_type = 'SavingsPlanRecurringFee'
            then coalesce(savings_plan_total_commitment_to_date, 0) - coalesce(savings_plan_used_commitment, 0)
        when line_item_line_item_type = 'SavingsPlanNegation' then 0
        when line_item_line_item_type = 'SavingsPlanUpfrontFee' then 0
        when line_item_line_item_type = 'DiscountedUsage' then coalesce(reservation_effective_cost, 0)
        when line_item_line_item_type = 'RIFee'
            then coalesce(reservation_unused_amortized_upfront_fee_for_billing_period, 0)
                + coalesce(reservation_unused_recurring_fee, 0)
        when line_item_line_item_type = 'Fee' and coalesce(reservation_reservation_a_r_n, '') <> '' then 0
        else coalesce(line_item_unblended_cost, 0)
    end) as decimal(38, 10)) as cid_amortized_cost
from (
    select * from raw_aws.cur
    union all by name
    -- columns an export may lack become typed NULLs (no rows come from this branch)
    select
        cast(null as varchar) as x_provider,
        cast(null as varchar) as x_export_name,
        cast(null as varchar) as x_billing_period,
        cast(null as varchar) as bill_payer_account_id,
        cast(null as varchar) as line_item_currency_code,
        cast(null as varchar) as line_item_line_item_type,
        cast(null as decimal(38, 10)) as line_item_unblended_cost,
        cast(null as decimal(38, 10)) as savings_plan_savings_plan_effective_cost,
        cast(null as decimal(38, 10)) as savings_plan_total_commitment_to_date,
        cast(null as decimal(38, 10)) as savings_plan_used_commitment,
        cast(null as decimal(38, 10)) as reservation_effective_cost,
        cast(null as decimal(38, 10)) as reservation_unused_amortized_upfront_fee_for_billing_period,
        cast(null as decimal(38, 10)) as reservation_unused_recurring_fee,
        cast(null as varchar) as reservation_reservation_a_r_n
    where false
) as raw
group by all
