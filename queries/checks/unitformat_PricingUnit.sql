-- rule: FOCUS-1.2/PricingUnit/unit-format
-- severity: warning
-- spec: PricingUnit SHOULD follow the FOCUS UnitFormat attribute: an optional unit quantity, then a data
-- size abbreviation (B, KB, GiB, ...) or capitalised count nouns (Requests, Users), alone, per a
-- singular time unit (GB/Hour) or with a plural time unit after '-' (GB-Hours); provider
-- spellings such as Hrs, GB-Mo, days or Terabytes do not.
-- model: focus-validator 2.2.1 model-1.2.0.1 FormatUnit (PricingUnit)
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select * from focus_check_input
where PricingUnit is not null
    and (
        not regexp_full_match(
            PricingUnit,
            '(?:[1-9][0-9]* )?(?:(?:(?:[KMGTPE]i?)?[Bb]|(?:[A-Z]|v[A-Z])[A-Za-z0-9]*(?: (?:[A-Z]|v[A-Z])[A-Za-z0-9]*)*)|(?:(?:[KMGTPE]i?)?[Bb]|(?:[A-Z]|v[A-Z])[A-Za-z0-9]*(?: (?:[A-Z]|v[A-Z])[A-Za-z0-9]*)*)-(?:Year|Month|Day|Hour|Minute|Second)s|(?:(?:[KMGTPE]i?)?[Bb]|(?:[A-Z]|v[A-Z])[A-Za-z0-9]*(?: (?:[A-Z]|v[A-Z])[A-Za-z0-9]*)*)/(?:Year|Month|Day|Hour|Minute|Second))'
        )
        or regexp_matches(PricingUnit, '(?:^|[ -])(?:Hrs?|Mo|Mos|Secs?|Mins?|Yrs?|Year|Month|Day|Hour|Minute|Second)$|[Bb]ytes?\b')
    )
