-- The newest delivered alert per alert_key: what a new check compares its situation with.
select
    alert_key,
    arg_max(fingerprint, sent_at) as fingerprint,
    arg_max(severity, sent_at) as severity
from meta.alerts_sent
group by alert_key
