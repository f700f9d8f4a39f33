"""`finops alerts check` against a real webhook receiver on 127.0.0.1 (apprise json://).

The warehouse is the anomaly test's data (tests/sql/cost_rows.anomaly_rows: a planted rise on
i-b on 2026-10-14) plus a budget recorded by "the last build" in meta.config_trees, as after
`./finops demo`: its amount puts the October forecast between 80% and 100%.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sql"))
import cost_rows  # noqa: E402
from cost_rows import SPIKE_DAY, anomaly_rows  # noqa: E402

from finops_lib import budgets  # noqa: E402
from finops_lib.cli import main  # noqa: E402

SECRET = "tok3n-s3cret"


class Receiver:
    """A webhook receiver in a thread: keeps every JSON body POSTed to it."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", 0))
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_port}/hook/{SECRET}"

    def take(self) -> list[dict]:
        out = list(self.bodies)
        self.bodies.clear()
        return out

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("alerts")
    path = cost_rows.write(root / "w.duckdb", anomaly_rows(), budgets={})
    with duckdb.connect(str(path)) as con:
        (status,) = budgets.evaluate(con, budgets.parse({"p": {"amount": 1}}), "2026-10")
        _record_budget(con, status.actual / Decimal("0.9"))
    config = root / "finops.toml"
    config.write_text(f'[project]\nreports_dir = "{root / "reports"}"\n', encoding="utf-8")
    return {"database": str(path), "config": str(config), "root": str(root)}


def _record_budget(con: duckdb.DuckDBPyConnection, amount: Decimal) -> None:
    body = {"platform": {"amount": str(amount.quantize(Decimal(1))), "providers": ["AWS"]}}
    con.execute(
        "insert into meta.config_trees values ('budgets', $b, now() + interval 1 second)",
        {"b": json.dumps(body)},
    )


def _check(warehouse: dict[str, str], *args: str) -> int:
    return main(
        [
            "--database",
            warehouse["database"],
            "--config",
            warehouse["config"],
            "alerts",
            "check",
            *args,
        ]
    )


def _sent_rows(warehouse: dict[str, str]) -> list[tuple]:
    with duckdb.connect(warehouse["database"], read_only=True) as con:
        return con.execute(
            "select kind, alert_key, fingerprint, targets from meta.alerts_sent order by sent_at"
        ).fetchall()


def test_first_run_sends_the_budget_and_the_anomaly_once(
    warehouse: dict[str, str], receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _check(warehouse, "--url", receiver.url) == 0
    bodies = receiver.take()
    assert len(bodies) == 2
    budget, anomaly = bodies
    assert "platform" in budget["title"] and "forecast 80%" in budget["title"]
    assert "65_track_budgets.html" in budget["message"]
    assert str(SPIKE_DAY) in anomaly["message"] and "i-b" in anomaly["message"]
    assert "60_detect_anomalies.html" in anomaly["message"]
    rows = _sent_rows(warehouse)
    assert [r[0] for r in rows] == ["budget", "anomaly"]
    assert all(r[3] == "json://…" for r in rows)
    out = capsys.readouterr()
    assert SECRET not in out.out + out.err and "json://…" in out.out


def test_second_run_sends_nothing(warehouse: dict[str, str], receiver: Receiver) -> None:
    before = _sent_rows(warehouse)
    assert _check(warehouse, "--url", receiver.url) == 0
    assert receiver.take() == []
    assert _sent_rows(warehouse) == before


def test_dry_run_prints_and_neither_sends_nor_records(
    warehouse: dict[str, str], receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    with duckdb.connect(warehouse["database"]) as con:
        (status,) = budgets.evaluate(con, budgets.parse({"p": {"amount": 1}}), "2026-10")
        _record_budget(con, status.actual / Decimal("1.1"))  # now over 100% of the actual too
    before = _sent_rows(warehouse)
    assert _check(warehouse, "--dry-run", "--url", receiver.url) == 0
    out = capsys.readouterr().out
    assert "would send" in out and "actual 100%" in out and SECRET not in out
    assert receiver.take() == []
    assert _sent_rows(warehouse) == before


def test_a_higher_threshold_and_a_bigger_anomaly_send_again(
    warehouse: dict[str, str], receiver: Receiver
) -> None:
    with duckdb.connect(warehouse["database"]) as con:
        con.execute(
            "update focus.cost_and_usage set EffectiveCost = EffectiveCost + 600 "
            "where ResourceId = 'i-b' and cast(ChargePeriodStart as date) = $d",
            {"d": SPIKE_DAY},
        )
    assert _check(warehouse, "--url", receiver.url) == 0
    bodies = receiver.take()
    assert len(bodies) == 2
    assert "actual 100%" in bodies[0]["title"]
    assert "+1,000.00" in bodies[1]["message"]
    assert _check(warehouse, "--url", receiver.url) == 0
    assert receiver.take() == []


def test_dead_receiver_is_one_line_error_and_nothing_recorded(
    warehouse: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    with duckdb.connect(warehouse["database"]) as con:
        con.execute("delete from meta.alerts_sent")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nobody listens there
    code = _check(warehouse, "--url", f"json://127.0.0.1:{port}/hook/{SECRET}")
    err = capsys.readouterr().err
    assert code != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "json://…" in lines[0]
    assert SECRET not in err
    assert _sent_rows(warehouse) == []


def test_without_a_url_it_shows_the_alerts_and_records_nothing(
    warehouse: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    before = _sent_rows(warehouse)
    assert _check(warehouse) == 0
    out = capsys.readouterr().out
    assert "would send" in out and "no alert URL" in out and "nothing sent or recorded" in out
    assert _sent_rows(warehouse) == before


def test_import_with_alerts_runs_the_check_after_the_import(
    tmp_path: Path, receiver: Receiver
) -> None:
    from finops_lib.demo import generate_gcp

    generated = generate_gcp(tmp_path / "gcp", rows=300, seed=5)
    config = tmp_path / "finops.toml"
    config.write_text(
        f'[project]\ndatabase = "{tmp_path / "w.duckdb"}"\npublish_dir = "{tmp_path / "pub"}"\n'
        f'reports_dir = "{tmp_path / "reports"}"\n'
        f'[gcp.exports.demo-gcp]\nextract = "{generated.extract}"\n'
        f'[alerts]\nurls = ["{receiver.url}"]\n'
        '[budgets.tiny]\namount = 1\ncurrency = "USD"\n',
        encoding="utf-8",
    )
    receiver.take()
    assert main(["--config", str(config), "import", "--alerts"]) == 0
    titles = [b["title"] for b in receiver.take()]
    assert any(t.startswith("Budget tiny ") and "actual 100%" in t for t in titles), titles


def test_a_dimension_anomaly_of_the_same_event_is_named_on_its_service_line() -> None:
    from finops_lib import alerts

    def alert(key: str, body: str, dimension: str = "") -> alerts.Alert:
        return alerts.Alert(
            key, "1", "anomaly", Decimal(400), body, body, "2026-10-14|i-b|USD", dimension
        )

    found = [
        alert("anomaly:AWS/111/EC2:USD:2026-10-14", "EC2 line"),
        alert("anomaly:team=data:USD:2026-10-14", "team line", "team data"),
    ]
    (message,) = alerts.messages(found, "report.html")
    assert message.title == "1 cost anomaly (usage)" and len(message.alerts) == 2
    assert "EC2 line (also team data)" in message.body and "team line" not in message.body
