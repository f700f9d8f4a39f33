"""`finops metabase sync` against a local HTTP server on 127.0.0.1 answering with the shapes
Metabase's API documentation gives (Metabase itself cannot be fetched on these machines).

The server keeps its objects in memory like Metabase does: a one-time setup token until
``POST /api/setup``, sessions from ``POST /api/session``, and every other call refused without a
valid ``X-Metabase-Session``. Endpoints and shapes: https://www.metabase.com/docs/latest/api
(session/properties, setup, session, database, collection, collection/:id/items, card, dashboard).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from finops_lib import metabase

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "s3cret-Passw0rd-for-tests"
EMAIL = "ops@example.com"


class FakeMetabase:
    def __init__(self) -> None:
        self.setup_token: str | None = str(uuid.uuid4())
        self.users: dict[str, str] = {}
        self.sessions: set[str] = set()
        self.objects: dict[str, dict[int, dict[str, Any]]] = {
            "database": {},
            "collection": {},
            "card": {},
            "dashboard": {},
        }
        self.calls: list[tuple[str, str]] = []
        self.bodies: list[bytes] = []
        self._next = 1

    def new_id(self) -> int:
        self._next += 1
        return self._next

    def handle(self, method: str, path: str, headers: Any, body: Any) -> tuple[int, Any]:
        self.calls.append((method, path.split("?")[0]))
        if (method, path) == ("GET", "/api/session/properties"):
            return 200, {
                "setup-token": self.setup_token,
                "has-user-setup": bool(self.users),
                "site-name": "Metabase",
            }
        if (method, path) == ("GET", "/api/health"):
            return 200, {"status": "ok"}
        if (method, path) == ("POST", "/api/setup"):
            if body.get("token") != self.setup_token or self.users:
                return 403, {"message": "The setup token is invalid."}
            self.users[body["user"]["email"]] = body["user"]["password"]
            self.setup_token = None
            return 200, {"id": self._session()}
        if (method, path) == ("POST", "/api/session"):
            if self.users.get(body.get("username")) != body.get("password"):
                return 401, {"errors": {"password": "did not match stored password"}}
            return 200, {"id": self._session()}
        if headers.get("X-Metabase-Session") not in self.sessions:
            return 401, "Unauthenticated"
        return self._api(method, path, body)

    def _session(self) -> str:
        sid = str(uuid.uuid4())
        self.sessions.add(sid)
        return sid

    def _api(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        dbs, colls = self.objects["database"], self.objects["collection"]
        if (method, path) == ("GET", "/api/database"):
            return 200, {"data": list(dbs.values()), "total": len(dbs)}
        if (method, path) == ("GET", "/api/collection"):
            root = {"id": "root", "name": "Our analytics", "can_write": True}
            return 200, [root, *colls.values()]
        m = re.fullmatch(r"/api/collection/(\d+)/items\?(.*)", path)
        if m and method == "GET":
            models = re.findall(r"models=(\w+)", m.group(2))
            items = [
                {"id": o["id"], "name": o["name"], "model": kind}
                for kind in ("card", "dashboard")
                if kind in models
                for o in self.objects[kind].values()
                if o.get("collection_id") == int(m.group(1))
            ]
            return 200, {"data": items, "total": len(items), "models": models}
        m = re.fullmatch(
            r"/api/(database|collection|card|dashboard)(?:/(\d+))?(/sync_schema)?", path
        )
        if not m:
            return 404, "API endpoint does not exist."
        kind, oid, sync = m.group(1), m.group(2), m.group(3)
        store = self.objects[kind]
        if sync and method == "POST":
            return (200, {"status": "ok"}) if int(oid) in store else (404, "Not found.")
        if method == "POST" and oid is None:
            if kind == "card" and body["dataset_query"]["database"] not in dbs:
                return 400, {"errors": {"database": "not found"}}
            obj = {**body, "id": self.new_id()}
            store[obj["id"]] = obj
            return 200, obj
        if method == "PUT" and oid is not None:
            if int(oid) not in store:
                return 404, "Not found."
            store[int(oid)].update(body)
            return 200, store[int(oid)]
        return 405, "Method not allowed."


@pytest.fixture()
def server() -> Iterator[tuple[str, FakeMetabase]]:
    fake = FakeMetabase()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            fake.bodies.append(raw)
            status, payload = fake.handle(
                self.command, self.path, self.headers, json.loads(raw) if raw else None
            )
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", fake
    finally:
        httpd.shutdown()
        httpd.server_close()


def _sync_cli(url: str, password: str | None = PASSWORD) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT), "METABASE_ADMIN_EMAIL": EMAIL}
    if password is not None:
        env["METABASE_ADMIN_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "finops_lib.cli", "metabase", "sync", "--url", url, "--wait", "5"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_first_sync_sets_up_and_creates_every_card_and_dashboard(server: Any) -> None:
    url, fake = server
    done = _sync_cli(url)
    assert done.returncode == 0, done.stderr
    assert fake.setup_token is None and fake.users == {EMAIL: PASSWORD}  # set-up is closed
    spec = metabase.load_spec()
    cards = {c.name for c in metabase.cards(spec)}
    dashboards = {d["name"] for d in spec["dashboards"]}
    assert {c["name"] for c in fake.objects["card"].values()} == cards
    assert {d["name"] for d in fake.objects["dashboard"].values()} == dashboards
    assert [d["name"] for d in fake.objects["database"].values()] == [spec["database"]["name"]]
    # every dashboard holds its cards, each pointing at a card that exists
    for dash in fake.objects["dashboard"].values():
        want = next(d for d in spec["dashboards"] if d["name"] == dash["name"])
        assert len(dash["dashcards"]) == len(want["cards"])
        assert all(dc["card_id"] in fake.objects["card"] for dc in dash["dashcards"])
    # the connection reads the published Parquet through views, for every table a card reads
    details = next(iter(fake.objects["database"].values()))["details"]
    for table in metabase.tables_used(metabase.cards(spec)):
        assert f"/data/published/parquet/{table}/*.parquet" in details["init_sql"]
    assert PASSWORD not in done.stdout + done.stderr


def test_second_sync_creates_nothing_new_and_logs_in_without_set_up(server: Any) -> None:
    url, fake = server
    first = metabase.sync(url, admin=metabase.Admin(EMAIL, PASSWORD))
    spec = metabase.load_spec()
    # the database, the collection, every card and every dashboard
    want = 2 + len({c.name for c in metabase.cards(spec)}) + len(spec["dashboards"])
    assert first.set_up and len(first.created) == want
    counts = {kind: len(store) for kind, store in fake.objects.items()}
    posts_before = sum(1 for m, p in fake.calls if m == "POST")
    done = _sync_cli(url)
    assert done.returncode == 0, done.stderr
    assert "created: nothing new" in done.stdout
    assert {kind: len(store) for kind, store in fake.objects.items()} == counts
    new_posts = [p for m, p in fake.calls if m == "POST"][posts_before:]
    assert "/api/setup" not in new_posts
    assert all(p in ("/api/session",) or p.endswith("/sync_schema") for p in new_posts)


def test_wrong_password_is_one_line_and_never_printed(server: Any) -> None:
    url, fake = server
    metabase.sync(url, admin=metabase.Admin(EMAIL, PASSWORD))
    done = _sync_cli(url, password="not-the-password")
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "/api/session" in lines[0] and "401" in lines[0]
    assert "not-the-password" not in done.stdout + done.stderr


def test_no_credentials_is_one_line(server: Any) -> None:
    url, fake = server
    done = _sync_cli(url, password=None)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "error: no Metabase credentials (hint: set METABASE_ADMIN_PASSWORD (and "
        "METABASE_ADMIN_EMAIL) or METABASE_API_KEY)"
    ]
    assert fake.setup_token is not None  # nothing was set up
