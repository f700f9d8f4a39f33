-- rule: FOCUS-1.2/InvoiceIssuerName/not-null
-- severity: error
-- spec: InvoiceIssuerName MUST NOT be null.
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input where InvoiceIssuerName is null
