-- rule: FOCUS-1.2/SkuPriceDetails/keys
-- severity: error
-- spec: SkuPriceDetails keys MUST be FOCUS-defined properties or start with x_.
-- model: focus-validator 2.2.1 model-1.2.0.1 SkuPriceDetails-C-017-C, SkuPriceDetails-C-020-M
-- Selects the failing rows; an empty result means the rule holds. FOCUS 1.2.
with keys as (
    select *, unnest(json_keys(SkuPriceDetails::JSON)) as detail_key
    from focus_check_input
    where try(json_type(SkuPriceDetails::VARCHAR)) = 'OBJECT'
)
select * exclude (detail_key), detail_key from keys
where not starts_with(detail_key, 'x_')
    and detail_key not in ('CoreCount', 'DiskMaxIops', 'DiskSpace', 'DiskType', 'GpuCount', 'InstanceType',
        'InstanceSeries', 'MemorySize', 'NetworkMaxIops', 'NetworkMaxThroughput', 'OperatingSystem',
        'Redundancy', 'StorageClass')
