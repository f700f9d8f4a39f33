"""`finops deploy up|down|status|tick`: the compose stack (compose.yaml) under Podman or Docker.

Podman first (`podman-compose`, or `podman compose` where Podman has it), Docker when that is what
is there. On hosts whose cgroups or rlimits Podman's default runtime refuses (cgroup v1 or hybrid),
``deploy/containers.conf`` (runc, cgroupfs, no default ulimits) is used unless ``CONTAINERS_CONF``
names another. Two commands run inside the project image: ``serve-app`` (the `app` service) and
``scheduler`` (the `scheduler` service).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer

from finops_lib.cli import serve
from finops_lib.cli.common import console
from finops_lib.errors import ConfigError, FinopsError

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "compose.yaml"
CONTAINERS_CONF = ROOT / "deploy" / "containers.conf"
IMAGE = "localhost/open-finops:latest"
METABASE_IMAGE = "localhost/open-finops-metabase:latest"
DEFAULT_BASE_IMAGE = "docker.io/library/python:3.11-slim-bookworm"
DEFAULT_SERVICES = ("app", "scheduler")
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def default_schedule() -> str:
    """The scheduler's default: the cron schedule `finops report schedule` prints."""
    from finops_lib.reports import CRON_LINE

    return " ".join(CRON_LINE.split()[:5])


app = typer.Typer(help="Run the stack (compose.yaml) under Podman or Docker.", no_args_is_help=True)


# --------------------------------------------------------------------------- the container engine


@dataclass(frozen=True)
class Engine:
    """A container engine and the compose command that drives it."""

    name: str  # "podman" or "docker"
    compose: tuple[str, ...]  # e.g. ("podman-compose",) or ("docker", "compose")
    env: dict[str, str] = field(default_factory=dict)  # extra environment (CONTAINERS_CONF)

    def run(self, args: Sequence[str], *, check: bool = True) -> int:
        env = {**dotenv(ROOT / ".env"), **os.environ, **self.env}
        code = subprocess.call([*args], env=env, cwd=ROOT)
        if check and code:
            raise FinopsError(
                f"`{' '.join(args[:4])} ...` failed with exit code {code}",
                hint="see its output above; `finops deploy status` shows the services",
            )
        return code

    def compose_cmd(self, *args: str) -> list[str]:
        return [*self.compose, "-p", project_name(), "-f", str(COMPOSE_FILE), *args]


def project_name() -> str:
    """The compose project (volume and container name prefix): COMPOSE_PROJECT_NAME or open-finops."""
    return os.environ.get("COMPOSE_PROJECT_NAME") or "open-finops"


def dotenv(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines of a compose ``.env`` file (the environment wins over it). Passed to the
    compose command so that pass-through variables (secrets) reach the containers under
    podman-compose too, which reads ``.env`` only for interpolation."""
    if not path.is_file():
        return {}
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out[key.strip()] = value
    return out


def _ok(cmd: Sequence[str], env: dict[str, str] | None = None) -> bool:
    try:
        done = subprocess.run(
            cmd, env={**os.environ, **(env or {})}, capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def podman_env() -> dict[str, str]:
    """``CONTAINERS_CONF`` for hosts where crun cannot start containers (cgroup v1 or hybrid)."""
    if os.environ.get("CONTAINERS_CONF"):
        return {}
    cgroup2 = Path("/sys/fs/cgroup/cgroup.controllers").exists()
    if not cgroup2 and shutil.which("runc"):
        return {"CONTAINERS_CONF": str(CONTAINERS_CONF)}
    return {}


def find_engine() -> Engine:
    """Podman with a compose front end first, then Docker with its compose plugin; else one line."""
    podman = shutil.which("podman")
    if podman:
        env = podman_env()
        if shutil.which("podman-compose"):
            return Engine("podman", ("podman-compose",), env)
        if _ok([podman, "compose", "version"], env):
            return Engine("podman", (podman, "compose"), env)
    docker = shutil.which("docker")
    if docker and _ok([docker, "compose", "version"]):
        if not _ok([docker, "info"]):
            raise FinopsError(
                "docker is installed but its daemon does not answer",
                hint="start Docker (or install podman and podman-compose); docs/DEPLOY.md",
            )
        return Engine("docker", (docker, "compose"))
    if podman:
        raise FinopsError(
            "podman is installed but no compose front end is (podman compose / podman-compose)",
            hint="install podman-compose (apt-get install podman-compose, or pip install podman-compose)",
        )
    raise FinopsError(
        "no container engine found: neither podman nor docker (with compose) is on PATH",
        hint="install podman, runc and podman-compose (apt-get install podman runc podman-compose), "
        "or Docker; docs/DEPLOY.md",
    )


def _ca_bundle() -> Path | None:
    """The host's CA bundle, mounted into image builds so that TLS-inspecting proxies work."""
    for name in (os.environ.get("SSL_CERT_FILE"), "/etc/ssl/certs/ca-certificates.crt"):
        if name and Path(name).is_file():
            return Path(name)
    return None


def build_cmd(
    engine: Engine, base_image: str, cache_dir: Path | None = None, tag: str = IMAGE
) -> list[str]:
    """``podman build`` of the project image (Docker builds through compose instead)."""
    cmd = [engine.name, "build", "-t", tag, "-f", str(ROOT / "Containerfile")]
    cmd += ["--build-arg", f"BASE_IMAGE={base_image}"]
    ca = _ca_bundle()
    if ca is not None:
        cmd += [
            "-v",
            f"{ca.parent}:/host-certs:ro",
            "--build-arg",
            f"CA_BUNDLE=/host-certs/{ca.name}",
        ]
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        cmd += ["-v", f"{cache_dir.resolve()}:/uv-cache", "--build-arg", "UV_CACHE_DIR=/uv-cache"]
    return [*cmd, str(ROOT)]


def check_access(env: dict[str, str], services: Sequence[str]) -> None:
    """Refuse a set-up that would leave the app or Metabase open (one line, before anything runs)."""
    bind = env.get("FINOPS_APP_BIND") or "127.0.0.1"
    if "app" in services and bind not in LOOPBACK and not env.get("FINOPS_APP_TOKEN"):
        raise ConfigError(
            f"FINOPS_APP_BIND={bind} publishes the app beyond loopback without a token",
            hint="set FINOPS_APP_TOKEN (marimo's token authentication), or keep FINOPS_APP_BIND=127.0.0.1",
        )
    if "metabase" in services:
        for name in ("METABASE_DB_PASSWORD", "METABASE_ADMIN_PASSWORD"):
            if not env.get(name):
                raise ConfigError(
                    f"{name} is not set: Metabase would start without it",
                    hint=f"export {name} (or put it in .env next to compose.yaml); docs/DEPLOY.md",
                )


def _image_exists(engine: Engine, tag: str) -> bool:
    return _ok([engine.name, "image", "exists", tag], engine.env)


LOCAL_BASE_IMAGE = "localhost/finops-base:bookworm"
BASE_PACKAGES = "python3,python3-venv,python3-pip,ca-certificates"
BASE_TAR = ROOT / ".cache" / "deploy" / "base.tar"


def mmdebstrap_cmd(target: Path) -> list[str]:
    """A minimal Debian bookworm with Python, as a tarball (no image registry needed)."""
    return [
        "mmdebstrap",
        "--variant=minbase",
        f"--include={BASE_PACKAGES}",
        "bookworm",
        str(target),
    ]


@app.command("base-image")
def base_image_cmd(
    tag: Annotated[
        str, typer.Option("--tag", help="Name of the imported image.")
    ] = LOCAL_BASE_IMAGE,
) -> None:
    """Build a base image from Debian packages (mmdebstrap, podman import) where no registry is
    reachable; then `finops deploy up --base-image <tag>`."""
    engine = find_engine()
    if engine.name != "podman":
        raise FinopsError("base-image imports into Podman", hint="install podman; docs/DEPLOY.md")
    if not BASE_TAR.exists():
        if not shutil.which("mmdebstrap"):
            raise FinopsError(
                "mmdebstrap is not installed", hint="apt-get install mmdebstrap (Debian/Ubuntu)"
            )
        BASE_TAR.parent.mkdir(parents=True, exist_ok=True)
        partial = BASE_TAR.with_name("base.partial.tar")
        console.print(f"building a Debian bookworm base with {BASE_PACKAGES} (about a minute)")
        engine.run(mmdebstrap_cmd(partial))
        partial.rename(BASE_TAR)
    engine.run([engine.name, "import", str(BASE_TAR), tag])
    console.print(f"next: finops deploy up --base-image {tag}")


@app.command("up")
def up(
    services: Annotated[
        list[str] | None,
        typer.Argument(help="Services to start (default: app scheduler; add metabase for it)."),
    ] = None,
    build: Annotated[
        bool, typer.Option("--build", help="Rebuild the project image first.")
    ] = False,
    base_image: Annotated[
        str,
        typer.Option(
            "--base-image",
            envvar="OPEN_FINOPS_BASE_IMAGE",
            help="Base image of the project image (any Debian image with python3, python3-venv, "
            "python3-pip, ca-certificates).",
        ),
    ] = DEFAULT_BASE_IMAGE,
) -> None:
    """Build the image when missing, then start the services (app on 127.0.0.1:2718)."""
    chosen = list(services or DEFAULT_SERVICES)
    for key, value in dotenv(ROOT / ".env").items():
        os.environ.setdefault(key, value)
    check_access(dict(os.environ), chosen)
    engine = find_engine()
    engine.env["OPEN_FINOPS_BASE_IMAGE"] = base_image
    if engine.name == "podman":
        if (build or not _image_exists(engine, IMAGE)) and {"app", "scheduler"} & set(chosen):
            console.print(f"building {IMAGE} on {base_image} (the first build takes minutes)")
            try:
                engine.run(build_cmd(engine, base_image))
            except FinopsError as exc:
                raise FinopsError(
                    f"building {IMAGE} on {base_image} failed",
                    hint="no registry reachable? `finops deploy base-image`, then "
                    f"`finops deploy up --base-image {LOCAL_BASE_IMAGE}`",
                ) from exc
        if "metabase" in chosen and (build or not _image_exists(engine, METABASE_IMAGE)):
            console.print(f"building {METABASE_IMAGE} (downloads Metabase and its DuckDB driver)")
            engine.run([engine.name, "build", "-t", METABASE_IMAGE, str(ROOT / "metabase")])
        engine.run(engine.compose_cmd("up", "-d", *chosen))
    else:
        engine.run(engine.compose_cmd("up", "-d", *(["--build"] if build else []), *chosen))
    port = os.environ.get("FINOPS_APP_PORT") or "2718"
    if "app" in chosen:
        bind = os.environ.get("FINOPS_APP_BIND") or "127.0.0.1"
        console.print(f"app: http://{bind}:{port}/ (it answers once marimo has started)")
    if "metabase" in chosen:
        from finops_lib.cli.metabase import DEFAULT_EMAIL, sync

        port = os.environ.get("METABASE_PORT") or "3000"
        url = os.environ.get("METABASE_URL") or f"http://127.0.0.1:{port}"
        console.print(f"metabase: {url}/ (setting it up and syncing the dashboards)")
        sync(url=url, email=os.environ.get("METABASE_ADMIN_EMAIL") or DEFAULT_EMAIL, wait=600)


@app.command("down")
def down() -> None:
    """Stop and remove the containers; the volumes (warehouse, snapshot, reports) stay."""
    engine = find_engine()
    engine.run(engine.compose_cmd("down"))


@app.command("status")
def status() -> None:
    """The services and their state."""
    engine = find_engine()
    console.print(f"engine: {engine.name} ({' '.join(engine.compose)})")
    engine.run(engine.compose_cmd("ps"))


@app.command("tick")
def tick() -> None:
    """Run one scheduler tick now in the running `scheduler` container (import, alerts, reports)."""
    engine = find_engine()
    # by the labels both compose front ends set; `podman-compose exec` would replace pass-through
    # variables with "None" and drop the exit code
    found = subprocess.run(
        [engine.name, "ps", "-q", "--filter", f"label=com.docker.compose.project={project_name()}"]
        + ["--filter", "label=com.docker.compose.service=scheduler"],
        env={**os.environ, **engine.env},
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    if not found:
        raise FinopsError("the scheduler is not running", hint="start it with `finops deploy up`")
    engine.run([engine.name, "exec", found[0], "finops", "deploy", "scheduler", "--once"])


# ------------------------------------------------------------------ inside the project image


def _field(text: str, low: int, high: int, name: str) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        rng, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if rng == "*":
            start, end = low, high
        elif "-" in rng:
            a, b = rng.split("-", 1)
            start, end = int(a), int(b)
        else:
            start = end = int(rng)
            if step_text:
                end = high
        if not (low <= start <= end <= high) or step < 1:
            raise ValueError(name)
        values.update(range(start, end + 1, step))
    return values


@dataclass(frozen=True)
class Schedule:
    """A five-field cron expression (minute hour day-of-month month day-of-week)."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, text: str) -> Schedule:
        aliases = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@weekly": "0 0 * * 0"}
        expr = aliases.get(text.strip(), text.strip())
        parts = expr.split()
        try:
            if len(parts) != 5:
                raise ValueError("fields")
            spec = [(0, 59, "minute"), (0, 23, "hour"), (1, 31, "day"), (1, 12, "month")]
            m, h, d, mo = (
                _field(p, lo, hi, n) for p, (lo, hi, n) in zip(parts, spec, strict=False)
            )
            wd = {v % 7 for v in _field(parts[4], 0, 7, "weekday")}
        except ValueError:
            raise ConfigError(
                f"bad FINOPS_SCHEDULE {text!r}: not a five-field cron expression",
                hint=f"e.g. {default_schedule()!r} (minute hour day month weekday) or @hourly",
            ) from None
        return cls(
            text,
            frozenset(m),
            frozenset(h),
            frozenset(d),
            frozenset(mo),
            frozenset(wd),
            parts[2] == "*",
            parts[4] == "*",
        )

    def matches(self, t: dt.datetime) -> bool:
        day_ok = t.day in self.days
        weekday_ok = (t.isoweekday() % 7) in self.weekdays
        # cron: when both day fields are restricted, either may match
        if self.any_day or self.any_weekday:
            date_ok = day_ok and weekday_ok
        else:
            date_ok = day_ok or weekday_ok
        return (
            t.minute in self.minutes and t.hour in self.hours and t.month in self.months and date_ok
        )

    def next_after(self, t: dt.datetime) -> dt.datetime:
        """The first matching minute strictly after ``t``."""
        t = t.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        for _ in range(366 * 24 * 60 * 5):
            if self.matches(t):
                return t
            t += dt.timedelta(minutes=1)
        raise ConfigError(f"FINOPS_SCHEDULE {self.text!r} never fires", hint="check its fields")


def tick_steps(reports: str = "") -> list[list[str]]:
    """The commands of one tick; ``reports`` (FINOPS_REPORTS) narrows the notebooks rendered."""
    names = [n.strip() for n in reports.replace(",", " ").split() if n.strip()]
    return [["import", "--alerts"], ["report", "render", *names]]


def _log(message: str) -> None:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    print(f"{stamp} scheduler: {message}", flush=True)


def _stop_on_sigterm() -> None:
    """As PID 1 in a container Python ignores SIGTERM: stop at once when compose stops us."""

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)


def run_tick(reports: str = "") -> int:
    """One tick: every configured import with alerts, then the reports (rendered from the last good
    snapshot even when the import failed, as the cron line does). Each step is its own process."""
    worst = 0
    for step in tick_steps(reports):
        _log("finops " + " ".join(step))
        code = subprocess.call([sys.executable, "-m", "finops_lib.cli", *step])
        _log(f"finops {' '.join(step)} exited {code}")
        worst = worst or code
    return worst


@app.command("scheduler", hidden=True)
def scheduler(
    schedule: Annotated[
        str,
        typer.Option("--schedule", envvar="FINOPS_SCHEDULE", help="Cron expression (5 fields)."),
    ] = "",
    once: Annotated[bool, typer.Option("--once", help="Run one tick now and exit.")] = False,
    reports: Annotated[
        str,
        typer.Option(
            "--reports", envvar="FINOPS_REPORTS", help="Notebooks to render (default all)."
        ),
    ] = "",
) -> None:
    """The `scheduler` service: a tick at every time the schedule names, logged to stdout."""
    if once:
        raise typer.Exit(run_tick(reports))
    cron = Schedule.parse(schedule or default_schedule())
    _stop_on_sigterm()
    _log(f"schedule {cron.text!r}")
    while True:
        now = dt.datetime.now()
        due = cron.next_after(now)
        _log(f"next tick at {due:%Y-%m-%d %H:%M}")
        while (left := (due - dt.datetime.now()).total_seconds()) > 0:
            time.sleep(min(left, 60))
        code = run_tick(reports)
        _log("tick done" if code == 0 else f"tick failed (exit {code}); retried at the next tick")


@app.command("serve-app", hidden=True)
def serve_app(
    port: Annotated[int, typer.Option("--port")] = 2718,
) -> None:
    """The `app` service: `marimo run` of the notebooks, with a token unless published on loopback."""
    env = dict(os.environ)
    check_access(env, ["app"])
    token = env.pop("FINOPS_APP_TOKEN", "")
    cmd = serve.command("0.0.0.0", port)  # inside the container; compose publishes it
    if token:
        cmd = [c for c in cmd if c != "--no-token"] + ["--token", "--token-password-file", "-"]
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, text=True)
    signal.signal(signal.SIGTERM, lambda signum, frame: proc.terminate())
    assert proc.stdin is not None
    proc.stdin.write(token)
    proc.stdin.close()
    raise typer.Exit(proc.wait())
