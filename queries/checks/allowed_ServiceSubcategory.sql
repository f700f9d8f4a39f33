-- rule: FOCUS-1.2/ServiceSubcategory/allowed-values
-- severity: error
-- spec: ServiceSubcategory MUST be one of the allowed values and MUST belong to its ServiceCategory.
-- model: focus-validator 2.2.1 model-1.2.0.1 ServiceSubcategory-C-003-M, ServiceSubcategory-C-004-M
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
select f.*
from focus_check_input as f
left join check_service_subcategories as s
    on s.service_category = f.ServiceCategory and s.service_subcategory = f.ServiceSubcategory
where f.ServiceSubcategory is not null and s.service_subcategory is null
