-- rule: FOCUS-1.2/CommitmentDiscountStatus/unused-not-billed
-- severity: error
-- spec: Unused commitment rows carry the unused amortisation in EffectiveCost; they were billed on the purchase, so BilledCost is 0.
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where CommitmentDiscountStatus = 'Unused' and BilledCost <> 0
