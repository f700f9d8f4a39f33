-- Loads recorded by ingestion (meta.load_state), newest first.
select * from meta.load_state
order by loaded_at desc, provider, export_name, billing_period desc
