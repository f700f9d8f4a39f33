-- rule: project/CommitmentDiscountStatus/unused-not-billed
-- severity: warning
-- spec: Not a normative FOCUS MUST (the 1.2 appendix on commitment discounts shows it): Unused commitment rows carry the unused amortisation in EffectiveCost and were billed on the Purchase row, so their BilledCost is 0 (this project's mapping contract, issue 4).
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where CommitmentDiscountStatus = 'Unused' and BilledCost <> 0
