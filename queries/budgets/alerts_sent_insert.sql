-- Record one delivered alert in meta.alerts_sent.
insert into meta.alerts_sent (alert_key, fingerprint, sent_at, kind, severity, title, targets)
values ($key, $fingerprint, now(), $kind, $severity, $title, $targets)
