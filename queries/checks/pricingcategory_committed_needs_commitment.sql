-- rule: FOCUS-1.2/PricingCategory/committed-needs-commitment
-- severity: error
-- spec: PricingCategory MUST be Committed only for charges covered by a commitment discount (CommitmentDiscountId set), and never for the purchase itself.
-- model: focus-validator 2.2.1 model-1.2.0.1 PricingCategory-C-009-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where PricingCategory = 'Committed' and (CommitmentDiscountId is null or ChargeCategory = 'Purchase')
