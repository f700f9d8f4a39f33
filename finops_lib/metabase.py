"""Metabase as code, kept thin: card SQL files, dashboard layout, and an idempotent REST provisioner.

Metabase reads the published Parquet snapshot through DuckDB views created by the connection's
``init_sql`` (see ``compose.yaml``), so it never holds a lock on the live warehouse. Every card's SQL is
plain DuckDB over the FOCUS columns; the tests run each one against the demo snapshot.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finops_lib.errors import FinopsError
from finops_lib.sql import safe_ident

METABASE_DIR = Path(__file__).resolve().parent.parent / "metabase"
_OPTIONAL = re.compile(r"\[\[(.*?)\]\]", re.S)
_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_SAFE_PATH = re.compile(r"^[A-Za-z0-9_./-]+$")


@dataclass(frozen=True)
class Card:
    name: str
    file: str
    display: str
    sql: str
    layout: dict[str, int]

    @property
    def variables(self) -> list[str]:
        return sorted(set(_VARIABLE.findall(self.sql)))


def load_spec(path: Path | None = None) -> dict[str, Any]:
    """The dashboard spec (``metabase/dashboards.json``)."""
    return json.loads((path or METABASE_DIR / "dashboards.json").read_text())


def cards(spec: dict[str, Any] | None = None) -> list[Card]:
    """Every card of every dashboard, with its SQL text."""
    spec = spec or load_spec()
    out = []
    for dashboard in spec["dashboards"]:
        for c in dashboard["cards"]:
            sql = (METABASE_DIR / "cards" / c["file"]).read_text()
            layout = {k: c[k] for k in ("row", "col", "size_x", "size_y")}
            out.append(Card(c["name"], c["file"], c["display"], sql, layout))
    return out


def to_duckdb(sql: str, values: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Resolve Metabase's native-query syntax the way Metabase does, for running a card locally.

    ``[[ ... ]]`` clauses are kept only when all their ``{{variables}}`` have values; variables become
    bound DuckDB parameters (``$name``), never text.
    """

    def optional(match: re.Match[str]) -> str:
        inner = match.group(1)
        return inner if all(v in values for v in _VARIABLE.findall(inner)) else ""

    text = _OPTIONAL.sub(optional, sql)
    used = set(_VARIABLE.findall(text))
    missing = used - set(values)
    if missing:
        raise FinopsError(f"card needs a value for {', '.join(sorted(missing))}")
    return _VARIABLE.sub(lambda m: "$" + m.group(1), text), {k: values[k] for k in used}


def init_sql(parquet_dir: str, tables: list[str]) -> str:
    """DuckDB ``init_sql`` for the Metabase connection: one view per published Parquet table.

    ``tables`` are published names like ``focus__cost_and_usage`` (view ``focus_cost_and_usage``), each
    a folder of Parquet files (the FOCUS table has one per billing period, see ``publish``). The
    directory is a path inside the Metabase container; it is checked against a strict pattern because
    Metabase runs this text itself (there is nothing to bind parameters to).
    """
    if not _SAFE_PATH.match(parquet_dir):
        raise FinopsError(f"unsafe parquet directory for init_sql: {parquet_dir!r}")
    stmts = ["SET temp_directory = '/tmp/duckdb'"]
    for table in tables:
        view = safe_ident(table.replace("__", "_"))
        safe_ident(table)  # validates the file stem too
        stmts.append(
            # Metabase executes this text itself; both parts are validated above.
            f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM read_parquet('{parquet_dir}/{table}/*.parquet')"  # noqa: S608
        )
    return ";\n".join(stmts) + ";"


PUBLISHED_VIEW = re.compile(r"\b(focus|marts|meta)_([a-z][a-z0-9_]*)\b")


def tables_used(card_list: list[Card]) -> list[str]:
    """The published tables (``schema__table``) the cards read as ``schema_table`` views."""
    found = {
        f"{m.group(1)}__{m.group(2)}"
        for card in card_list
        for m in PUBLISHED_VIEW.finditer(card.sql)
    }
    return sorted(found | {"focus__cost_and_usage"})


def card_payload(card: Card, database_id: int, collection_id: int) -> dict[str, Any]:
    """The ``POST /api/card`` body for one native-SQL card."""
    tags = {
        v: {"id": v, "name": v, "display-name": v.replace("_", " ").title(), "type": "text"}
        for v in card.variables
    }
    return {
        "name": card.name,
        "collection_id": collection_id,
        "display": card.display,
        "visualization_settings": {},
        "dataset_query": {
            "type": "native",
            "database": database_id,
            "native": {"query": card.sql, "template-tags": tags},
        },
    }


class MetabaseClient:
    """Minimal REST client: an API key (``X-API-KEY``) or a session (``X-Metabase-Session``).

    Objects are matched by name so re-runs update, not duplicate. No request body (which may hold a
    password) ever appears in an error message.
    """

    def __init__(self, url: str, api_key: str = "", session: str = "") -> None:
        self.url = url.rstrip("/")
        self._headers = {"Content-Type": "application/json"}
        if api_key:
            self._headers["X-API-KEY"] = api_key
        if session:
            self._headers["X-Metabase-Session"] = session

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data, self._headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 - user-configured URL
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise FinopsError(
                f"Metabase API {method} {path} answered {exc.code} {exc.reason}",
                hint="check the Metabase URL and that the user or API key is an admin",
            ) from None
        except OSError as exc:
            raise FinopsError(
                f"Metabase API {method} {path} failed: {exc}",
                hint="check the Metabase URL (is Metabase running? `finops deploy status`)",
            ) from None


@dataclass(frozen=True)
class Admin:
    """The first admin user, created by :func:`setup`; the password comes from the environment."""

    email: str
    password: str = field(repr=False)
    first_name: str = "FinOps"
    last_name: str = "Admin"
    site_name: str = "Open FinOps"


def wait_until_up(url: str, seconds: float) -> None:
    """Poll ``GET /api/health`` until Metabase answers ``{"status": "ok"}`` (it starts in minutes)."""
    client = MetabaseClient(url)
    deadline = time.monotonic() + seconds
    while True:
        try:
            if (client.call("GET", "/api/health") or {}).get("status") == "ok":
                return
        except FinopsError:
            pass
        if time.monotonic() >= deadline:
            raise FinopsError(
                f"Metabase at {url} did not answer /api/health within {seconds:.0f} s",
                hint="see `finops deploy status` and the metabase container's logs",
            )
        time.sleep(2)


def setup(url: str, admin: Admin) -> bool:
    """Metabase's first-run set-up (``POST /api/setup``) when it is still open; True if it ran.

    ``GET /api/session/properties`` tells whether a user exists (``has-user-setup``) and carries the
    one-time ``setup-token`` while none does. Until this runs anyone reaching the port could claim
    the instance, which is why `finops deploy up` runs it as soon as Metabase answers.
    """
    client = MetabaseClient(url)
    props = client.call("GET", "/api/session/properties") or {}
    token = props.get("setup-token")
    if props.get("has-user-setup") or not token:
        return False
    client.call(
        "POST",
        "/api/setup",
        {
            "token": token,
            "user": {
                "email": admin.email,
                "password": admin.password,
                "first_name": admin.first_name,
                "last_name": admin.last_name,
                "site_name": admin.site_name,
            },
            "prefs": {"site_name": admin.site_name, "site_locale": "en", "allow_tracking": False},
        },
    )
    return True


def login(url: str, admin: Admin) -> MetabaseClient:
    """A client holding a session of the admin user (``POST /api/session``)."""
    session = MetabaseClient(url).call(
        "POST", "/api/session", {"username": admin.email, "password": admin.password}
    )
    if not isinstance(session, dict) or not session.get("id"):
        raise FinopsError(f"Metabase at {url} gave no session for {admin.email}")
    return MetabaseClient(url, session=str(session["id"]))


def provision(
    client: MetabaseClient,
    spec: dict[str, Any] | None = None,
    created: list[str] | None = None,
) -> dict[str, int]:
    """Create or update the database, collection, cards and dashboards. Returns object ids by name;
    appends the name of every object it had to create to ``created``."""
    spec = spec or load_spec()
    made = created if created is not None else []
    db_spec = spec["database"]
    tables = tables_used(cards(spec))
    details = {
        "database_file": ":memory:",
        "read_only": False,
        "old_implicit_casting": True,
        "init_sql": init_sql(db_spec["parquet_dir"], tables),
    }
    ids: dict[str, int] = {}
    dbs = client.call("GET", "/api/database")
    dbs = dbs.get("data", dbs) if isinstance(dbs, dict) else dbs
    found = next((d for d in dbs if d["name"] == db_spec["name"]), None)
    body = {"engine": "duckdb", "name": db_spec["name"], "details": details}
    if found:
        db = client.call("PUT", f"/api/database/{found['id']}", body)
    else:
        db = client.call("POST", "/api/database", body)
        made.append(db_spec["name"])
    ids["database"] = db["id"]
    client.call("POST", f"/api/database/{db['id']}/sync_schema")
    collections = client.call("GET", "/api/collection")
    coll = next((c for c in collections if c.get("name") == spec["collection"]), None)
    if coll is None:
        coll = client.call("POST", "/api/collection", {"name": spec["collection"]})
        made.append(spec["collection"])
    ids["collection"] = coll["id"]
    items = client.call("GET", f"/api/collection/{coll['id']}/items?models=card&models=dashboard")
    existing = {(c.get("model"), c["name"]): c["id"] for c in items["data"]}
    by_file = {c.file: c for c in cards(spec)}
    for dash in spec["dashboards"]:
        dashcards = []
        for i, entry in enumerate(dash["cards"]):
            card = by_file[entry["file"]]
            payload = card_payload(card, db["id"], coll["id"])
            if ("card", card.name) in existing:
                card_id = client.call("PUT", f"/api/card/{existing['card', card.name]}", payload)[
                    "id"
                ]
            else:
                card_id = client.call("POST", "/api/card", payload)["id"]
                existing["card", card.name] = card_id  # a card on two dashboards is one card
                made.append(card.name)
            ids[card.name] = card_id
            mappings = [
                {"parameter_id": v, "card_id": card_id, "target": ["variable", ["template-tag", v]]}
                for v in card.variables
                if any(p["slug"] == v for p in dash["parameters"])
            ]
            dashcards.append(
                {
                    "id": -(i + 1),
                    "card_id": card_id,
                    **card.layout,
                    "parameter_mappings": mappings,
                    "visualization_settings": {},
                }
            )
        params = [{"id": p["slug"], **p} for p in dash["parameters"]]
        if ("dashboard", dash["name"]) in existing:
            dash_id = existing["dashboard", dash["name"]]
        else:
            dash_id = client.call(
                "POST", "/api/dashboard", {"name": dash["name"], "collection_id": coll["id"]}
            )["id"]
            made.append(dash["name"])
        client.call(
            "PUT", f"/api/dashboard/{dash_id}", {"parameters": params, "dashcards": dashcards}
        )
        ids[dash["name"]] = dash_id
    return ids


@dataclass(frozen=True)
class SyncResult:
    set_up: bool  # the first-run set-up ran now
    ids: dict[str, int]
    created: list[str]


def sync(
    url: str,
    admin: Admin | None = None,
    api_key: str = "",
    spec: dict[str, Any] | None = None,
) -> SyncResult:
    """Set-up (when still open), then the database, collection, cards and dashboards, by name.

    With an API key the set-up must already be done; with an admin, it is done here if needed.
    """
    if admin is None and not api_key:
        raise FinopsError(
            "no Metabase credentials",
            hint="set METABASE_ADMIN_PASSWORD (and METABASE_ADMIN_EMAIL) or METABASE_API_KEY",
        )
    ran = False
    if admin is not None:
        ran = setup(url, admin)
        client = login(url, admin)
    else:
        client = MetabaseClient(url, api_key=api_key)
    created: list[str] = []
    ids = provision(client, spec, created)
    return SyncResult(ran, ids, created)
