-- requires: raw_aws.cur
-- AWS CUR v1 / CUR 2.0 source totals, measured on raw_aws.cur independently of the FOCUS mapping
-- (the pipeline stores them in meta.source_totals right after each load; reconciliation compares
-- focus.cost_and_usage to them):
-- * billed basis: the sum of line_item_unblended_cost (what the invoice shows);
-- * effective basis: the amortised cost of AWS's Cloud Intelligence Dashboards (CID summary_view
--   "amortized_cost"). This file is the one place the formula is written.
select
    x_provider as provider,
    x_export_name as export_name,
    x_billing_period as billing_period,
    nullif(bill_payer_account_id, '') as billing_account_id,
    nullif(line_item_currency_code, '') as currency,
    count(*) as rows,
    cast(sum(coalesce(line_item_unblended_cost, 0)) as decimal(38, 10)) as billed_cost,
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
    end) as decimal(38, 10)) as effective_cost,
    'unblended cost' as billed_basis,
    'CID amortised formula' as effective_basis
from raw_aws.cur
group by x_provider, x_export_name, x_billing_period, nullif(bill_payer_account_id, ''),
    nullif(line_item_currency_code, '')
