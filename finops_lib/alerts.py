"""Alerts: budgets whose thresholds are crossed and usage anomalies, each sent once via apprise.

``check`` evaluates the budgets (``finops_lib.budgets``) and the usage anomalies of one period
(``finops_lib.analysis.anomalies``), compares them with what ``meta.alerts_sent`` says was sent,
and sends what is new through apprise to ``[alerts] urls`` (Slack, Teams, e-mail, webhooks...).

What counts as new (the state is one row per sent alert, the newest per ``alert_key`` counts):

* a budget (key ``budget:<name>:<period>``): a threshold crossed that was not crossed in the last
  alert sent for it (a higher threshold, or the actual after the forecast); thresholds no longer
  crossed send nothing.
* an anomaly (key ``anomaly:<series>:<day>``, the series being provider / account / service or a
  dimension value): not sent yet, or its rise grew by a quarter or more since it was sent.

Budgets send one message each; the new anomalies of a run go in one message (the largest first),
each recorded on its own. A failed delivery stops the run and records nothing for that message.
URLs hold secrets: only their scheme is ever shown.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl

from finops_lib import budgets, db, sql
from finops_lib.analysis import anomalies
from finops_lib.analysis.base import Filters
from finops_lib.config import Settings
from finops_lib.errors import FinopsError

log = logging.getLogger(__name__)

STATE_TABLE = "meta.alerts_sent"
BUDGETS_REPORT = "65_track_budgets.html"
ANOMALIES_REPORT = "60_detect_anomalies.html"
#: An anomaly already sent is sent again when its rise grows by this factor.
GROWTH = Decimal("1.25")
#: Anomaly lines in one message (the rest are counted and left to the report).
MAX_LINES = 20


@dataclass(frozen=True)
class Alert:
    """One situation worth telling: its identity, what it is now, and the message."""

    key: str
    fingerprint: str
    kind: str  # 'budget' | 'anomaly'
    severity: Decimal
    title: str
    body: str
    #: anomalies: the day and top resource ('' for budgets), and the dimension value if any
    driver: str = ""
    dimension: str = ""


@dataclass(frozen=True)
class Message:
    """What one notification carries: a title, a body and the alerts it reports."""

    title: str
    body: str
    alerts: tuple[Alert, ...]


@dataclass
class CheckResult:
    """What a check found and did."""

    period: str
    budgets: list[budgets.BudgetStatus] = field(default_factory=list)
    anomalies: pl.DataFrame = field(default_factory=pl.DataFrame)
    messages: list[Message] = field(default_factory=list)
    sent: list[Message] = field(default_factory=list)


def redact(url: str) -> str:
    """A notification URL as it may be shown: its scheme only (``slack://…``)."""
    scheme, sep, _ = url.partition("://")
    return f"{scheme}://…" if sep else "(not a URL)"


def report_link(settings: Settings, report: str) -> str:
    """Where the report showing an alert lives: ``[alerts] report_url``/<report>, else its path."""
    base = settings.get("alerts", "report_url")
    if base:
        return f"{base.rstrip('/')}/{report}"
    return str((Path(settings.get("project", "reports_dir")) / report).resolve())


# --- building the alerts -----------------------------------------------------------------------


def budget_alerts(statuses: list[budgets.BudgetStatus], link: str) -> list[Alert]:
    """One alert per budget with a threshold crossed."""
    out = []
    for s in statuses:
        if not s.crossed:
            continue
        b = s.budget
        crossed = ", ".join(t.label for t in s.crossed)
        title = f"Budget {b.name} {s.period}: {crossed} reached"
        body = (
            f"Budget {b.name} ({b.scope}), {s.period}: amount {b.amount:,.2f} {b.currency}; "
            f"actual {s.actual:,.2f} ({s.actual_percent}%) as of {s.as_of or 'no charge yet'}; "
            f"forecast to {s.end} {s.forecast:,.2f} ({s.forecast_percent}%). "
            f"Thresholds crossed: {crossed}.\nReport: {link}"
        )
        out.append(
            Alert(
                key=f"budget:{b.name}:{s.period}",
                fingerprint=_crossed_fingerprint(s.crossed),
                kind="budget",
                severity=max(s.actual_percent, s.forecast_percent),
                title=title,
                body=body,
            )
        )
    return out


def _crossed_fingerprint(crossed: tuple[budgets.Threshold, ...]) -> str:
    return ",".join(sorted(f"{t.kind}:{t.percent.normalize():f}" for t in crossed))


def anomaly_alerts(frame: pl.DataFrame) -> list[Alert]:
    """One alert per anomaly (the frame of :func:`anomalies.usage_anomalies`)."""
    out = []
    for row in frame.iter_rows(named=True):
        if row["dimension"]:
            series = f"{row['dimension']}={row['dimension_value']}"
            where = f"{row['dimension']} {row['dimension_value']}"
        else:
            series = f"{row['provider']}/{row['sub_account_id']}/{row['service_name']}"
            where = f"{row['provider']} {row['sub_account_name']} {row['service_name']}"
        top = ""
        if row["top_resource_id"]:
            top = f"; top resource {row['top_resource_id']} +{row['top_resource_delta']:,.2f}"
        line = (
            f"{row['day']} {where}: {row['effective_cost']:,.2f} {row['currency']} against "
            f"{row['expected']:,.2f} expected (+{row['delta']:,.2f}){top}"
        )
        out.append(
            Alert(
                key=f"anomaly:{series}:{row['currency']}:{row['day']}",
                fingerprint=f"{row['delta']}",
                kind="anomaly",
                severity=Decimal(row["delta"]),
                title=line,
                body=line,
                # without a resource to tie it to, an anomaly is an event of its own
                driver=f"{row['day']}|{row['top_resource_id']}|{row['currency']}"
                if row["top_resource_id"]
                else f"{series}|{row['day']}",
                dimension=where if row["dimension"] else "",
            )
        )
    return out


def new_alerts(alerts: list[Alert], previous: dict[str, tuple[str, Decimal]]) -> list[Alert]:
    """The alerts whose situation is new or changed since the last one sent for the same key."""
    out = []
    for a in alerts:
        last = previous.get(a.key)
        if last is None:
            out.append(a)
        elif a.kind == "budget":
            if set(a.fingerprint.split(",")) - set(last[0].split(",")):
                out.append(a)
        elif a.severity >= last[1] * GROWTH:
            out.append(a)
    return out


def messages(new: list[Alert], anomalies_link: str) -> list[Message]:
    """Budgets one message each; the new anomalies together in one message."""
    out = [Message(a.title, a.body, (a,)) for a in new if a.kind == "budget"]
    found = sorted((a for a in new if a.kind == "anomaly"), key=lambda a: -a.severity)
    if found:
        # anomalies driven by the same resource on the same day are one event: one line (the
        # account and service one when there is one) naming the dimension values it touched
        lead: dict[str, Alert] = {}
        for a in found:
            if a.driver not in lead or (lead[a.driver].dimension and not a.dimension):
                lead[a.driver] = a
        also: dict[str, list[str]] = {}
        for a in found:
            if a is not lead[a.driver]:
                also.setdefault(a.driver, []).append(a.dimension)
        lines = [
            a.body + (f" (also {', '.join(also[a.driver])})" if a.driver in also else "")
            for a in found
            if a is lead[a.driver]
        ]
        events = len(lines)
        if events > MAX_LINES:
            lines = [*lines[:MAX_LINES], f"... and {events - MAX_LINES} more"]
        title = f"{events} cost anomal{'y' if events == 1 else 'ies'} (usage)"
        body = "\n".join([*lines, f"Report: {anomalies_link}"])
        out.append(Message(title, body, tuple(found)))
    return out


# --- state -------------------------------------------------------------------------------------


def sent_state(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, Decimal]]:
    """The last fingerprint and severity sent per alert key (``{}`` before the first)."""
    if not db.table_exists(con, "meta", "alerts_sent"):
        return {}
    rows = sql.run(con, "budgets/alerts_sent_last").fetchall()
    return {key: (fingerprint, Decimal(severity)) for key, fingerprint, severity in rows}


def record(con: duckdb.DuckDBPyConnection, message: Message, targets: list[str]) -> None:
    """Write the alerts of a delivered message to ``meta.alerts_sent``."""
    sql.run(con, "budgets/alerts_sent_create")
    for a in message.alerts:
        sql.run(
            con,
            "budgets/alerts_sent_insert",
            {
                "key": a.key,
                "fingerprint": a.fingerprint,
                "kind": a.kind,
                "severity": a.severity,
                "title": a.title,
                "targets": ", ".join(redact(t) for t in targets),
            },
        )


# --- sending -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet_apprise() -> Iterator[None]:
    """apprise logs failures with details of the target; the caller reports them in one line."""
    logger = logging.getLogger("apprise")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def send(message: Message, urls: list[str]) -> None:
    """Deliver one message to every URL.

    Raises:
        FinopsError: a URL apprise does not understand, or a delivery that failed (the message
            shows the scheme only, never the URL).
    """
    import apprise

    with _quiet_apprise():
        for n, url in enumerate(urls, 1):
            target = apprise.Apprise()
            if not target.add(url):
                raise FinopsError(
                    f"alert URL #{n} ({redact(url)}) is not a notification URL apprise understands",
                    hint="see https://github.com/caronc/apprise/wiki for the URL forms",
                )
            if not target.notify(title=message.title, body=message.body):
                raise FinopsError(
                    f"sending alert {message.title!r} to URL #{n} ({redact(url)}) failed",
                    hint="check the receiver is up and the URL right, then run "
                    "`finops alerts check` again (nothing was recorded for it)",
                )


def evaluate(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    period: str | None = None,
    *,
    min_impact: Decimal | float = anomalies.MIN_IMPACT,
) -> CheckResult:
    """Budgets and anomalies of ``period`` (default: the latest in the data) and the messages
    that would go out now (not sent)."""
    month = period or budgets.latest_period(con)
    statuses = budgets.evaluate(con, budgets.configured(con, settings), month)
    found = anomalies.usage_anomalies(
        con,
        Filters(month),
        threshold=float(settings.get("project", "anomaly_threshold")),
        min_impact=min_impact,
    )
    alerts = budget_alerts(statuses, report_link(settings, BUDGETS_REPORT))
    alerts += anomaly_alerts(found)
    fresh = new_alerts(alerts, sent_state(con))
    result = CheckResult(month, statuses, found)
    result.messages = messages(fresh, report_link(settings, ANOMALIES_REPORT))
    return result


def deliver(con: duckdb.DuckDBPyConnection, result: CheckResult, urls: list[str]) -> None:
    """Send each message of ``result`` and record it once delivered (``result.sent``).

    Raises:
        FinopsError: no URL configured, or a delivery failed (earlier messages stay recorded).
    """
    if result.messages and not urls:
        raise FinopsError(
            "no alert URL configured",
            hint="set [alerts] urls (or OPEN_FINOPS_ALERTS_URLS) or pass --url",
        )
    for message in result.messages:
        send(message, urls)
        record(con, message, urls)
        result.sent.append(message)


def open_warehouse(settings: Settings, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """The warehouse for a check: writable (to record what was sent) unless ``read_only``.

    Raises:
        FinopsError: one line when another process (an import, a build) holds the warehouse.
    """
    try:
        if read_only:
            return db.connect(settings.database, read_only=True)
        return db.connect_writer(settings)
    except FinopsError as exc:
        if "lock" in str(exc).lower():
            raise FinopsError(
                f"the warehouse {settings.database} is locked by another process "
                "(an import or a build)",
                hint="run `finops alerts check` again when it has finished",
            ) from None
        raise
