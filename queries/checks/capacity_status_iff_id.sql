-- rule: FOCUS-1.2/CapacityReservationStatus/null-without-id
-- severity: error
-- spec: CapacityReservationStatus MUST be null when CapacityReservationId is null, and not null for Usage rows with an id.
-- model: focus-validator 2.2.1 model-1.2.0.1 CapacityReservationStatus-C-003-C, CapacityReservationStatus-C-004-C
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where (CapacityReservationId is null and CapacityReservationStatus is not null) or (CapacityReservationId is not null and ChargeCategory = 'Usage' and CapacityReservationStatus is null)
