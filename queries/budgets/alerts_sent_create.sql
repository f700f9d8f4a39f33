-- meta.alerts_sent: one row per alert delivered by `finops alerts check` (finops_lib/alerts.py).
-- alert_key names the situation (budget:<name>:<period>, anomaly:<series>:<currency>:<day>),
-- fingerprint what it was when sent (the thresholds crossed, the anomaly's rise), severity the
-- figure compared on the next run; targets holds the URL schemes only, never a URL.
create schema if not exists meta;

create table if not exists meta.alerts_sent (
    alert_key varchar not null,
    fingerprint varchar not null,
    sent_at timestamptz not null,
    kind varchar not null,
    severity decimal(38, 10),
    title varchar,
    targets varchar
)
