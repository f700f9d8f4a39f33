"""The official FOCUS validator (PyPI ``focus-validator`` 2.2.1) as a second opinion.

It needs Python >= 3.12, ``pyarrow<26`` and numpy 1.x, which conflict with the project, so it lives in
its own virtual environment under ``.cache/focus-validator`` and runs as a subprocess. It exits 0 even
when rules fail, so the result is read from its JUnit XML. Some of its rules are defective (FOCUS.md §7):
they fail on conformant data and are reported apart from real failures.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from finops_lib.errors import FinopsError

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".cache" / "focus-validator"
REQUIREMENTS = ("focus-validator==2.2.1", "pyarrow<26")
# Rules of validator 2.2.1 / model 1.2.0.1 that fail on spec-conformant data (FOCUS.md §7, seen on
# hand-made conformant files): a missing condition (InvoiceId-C-004-C), inverted conditions (the two
# *Status-C-004-C), and the composite rules above them. Exactly the list of FOCUS.md §7 and
# EMULATORS.md; anything else that fails is a real failure.
KNOWN_DEFECTS = frozenset(
    {
        "InvoiceId-C-004-C",
        # its mirror "MUST NOT be null" has no condition either: a warehouse where one provider's
        # export carries no invoice id (Azure EA, koku-nise CUR) fails both, and their composites
        "InvoiceId-C-005-C",
        "InvoiceId-C-003-C",
        "InvoiceId-C-000-O",
        "CommitmentDiscountStatus-C-004-C",
        "CapacityReservationStatus-C-004-C",
        "CommitmentDiscountStatus-C-000-C",
        "CommitmentDiscountStatus-C-002-C",
        "CapacityReservationStatus-C-000-C",
        "CapacityReservationStatus-C-002-C",
        "CostAndUsage-D-000-M",
        "CostAndUsage-D-002-M",
    }
)
# What a real failure of a rule usually means, for rules whose model wording hides it.
HINTS = {
    "BilledCost-C-005-C": (
        "the validator reads ProviderName <> InvoiceIssuerName as 'a third party collects payment' "
        "and then wants BilledCost 0: name the same entity the same way in both for direct charges"
    ),
}


@dataclass
class OfficialResult:
    total: int
    failures: list[str] = field(default_factory=list)
    skipped: int = 0

    @property
    def known_defects(self) -> list[str]:
        return [f for f in self.failures if _is_known_defect(f)]

    @property
    def real_failures(self) -> list[str]:
        return [f for f in self.failures if not _is_known_defect(f)]


def _is_known_defect(rule_id: str) -> bool:
    # Composite ids carry a suffix letter that differs between model releases (-M / -C / -O).
    stem = rule_id.rsplit("-", 1)[0]
    return rule_id in KNOWN_DEFECTS or any(k.rsplit("-", 1)[0] == stem for k in KNOWN_DEFECTS)


def find_python312() -> str | None:
    """The path of a local Python 3.12 interpreter, or None (never downloads one).

    Tried in order: ``uv python find 3.12`` (downloads off), ``python3.12`` on PATH, the same with
    ``PYENV_VERSION`` set to each installed pyenv 3.12.x, then pyenv's version folders directly.
    """
    candidates: list[tuple[list[str], dict[str, str]]] = []
    try:
        out = subprocess.run(
            [sys.executable, "-m", "uv", "python", "find", "--no-python-downloads", "3.12"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if out.returncode == 0 and out.stdout.strip():
            candidates.append(([out.stdout.strip()], {}))
    except (OSError, subprocess.TimeoutExpired):
        pass
    if found := shutil.which("python3.12"):
        candidates.append(([found], {}))
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    versions = sorted((pyenv_root / "versions").glob("3.12*"), reverse=True)
    if found:
        candidates += [([found], {"PYENV_VERSION": v.name}) for v in versions]
    candidates += [([str(v / "bin" / "python3.12")], {}) for v in versions]
    for cmd, env in candidates:
        if exe := _real_312(cmd, env):
            return exe
    return None


def _real_312(cmd: list[str], extra_env: dict[str, str]) -> str | None:
    """The interpreter's own executable path when ``cmd`` runs a Python 3.12 (shims resolved)."""
    try:
        out = subprocess.run(
            [*cmd, "-c", "import sys; print(sys.version_info[:2] == (3, 12), sys.executable)"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            env={**os.environ, **extra_env},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    ok, _, exe = out.stdout.strip().partition(" ")
    return exe if out.returncode == 0 and ok == "True" and exe else None


def ensure_venv() -> Path:
    """Create (once) the validator's own environment and return its ``focus-validator`` script.

    The environment counts as ready only when its marker file names the pinned requirements, so an
    interrupted install is redone rather than used half-built.

    Raises:
        FinopsError: no local Python 3.12, or the install failed.
    """
    script = VENV / "bin" / "focus-validator"
    marker = VENV / ".finops-installed"
    wanted = " ".join(REQUIREMENTS)
    if script.exists() and marker.exists() and marker.read_text().strip() == wanted:
        return script
    python = find_python312()
    if python is None:
        raise FinopsError(
            "the official focus-validator 2.2.1 needs Python 3.12, and no local Python 3.12 was found",
            hint="install Python 3.12 (e.g. `uv python install 3.12` or pyenv) and re-run",
        )
    log.info("installing %s into %s with %s", wanted, VENV, python)
    uv = [sys.executable, "-m", "uv"]
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    try:
        subprocess.run(
            [*uv, "venv", "-q", "--clear", "--python", python, str(VENV)],
            check=True,
            timeout=300,
            env=env,
        )
        subprocess.run(
            [*uv, "pip", "install", "-q", "--python", str(VENV / "bin" / "python"), *REQUIREMENTS],
            check=True,
            timeout=600,
            env=env,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(VENV, ignore_errors=True)
        raise FinopsError(
            f"installing focus-validator into {VENV} failed: {exc}",
            hint="check access to PyPI and re-run",
        ) from None
    marker.write_text(wanted + "\n")
    return script


def run(data_file: Path) -> OfficialResult:
    """Validate one FOCUS 1.2 Parquet file with every applicability criterion switched on."""
    script = ensure_venv()
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        # 2.2.1 opens focus_validator/rules/currency_codes.csv relative to the working directory.
        rules = cwd / "focus_validator" / "rules"
        rules.mkdir(parents=True)
        site = next((VENV / "lib").glob("python3.12/site-packages/focus_validator/rules"))
        (rules / "currency_codes.csv").symlink_to(site / "currency_codes.csv")
        report = cwd / "report.xml"
        cmd = [
            str(script),
            "--data-file",
            str(Path(data_file).resolve()),
            "--validate-version",
            "1.2",
            "--block-download",
            "--applicability-criteria",
            "ALL",
            "--output-type",
            "unittest",
            "--output-destination",
            str(report),
        ]
        proc = subprocess.run(
            cmd, cwd=cwd, capture_output=True, text=True, timeout=900, check=False
        )
        if proc.returncode != 0 or not report.exists():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise FinopsError(f"focus-validator crashed on {data_file}: {' | '.join(tail)}")
        return parse_junit(report.read_text())


def parse_junit(text: str) -> OfficialResult:
    """Failures (by rule id) from the validator's JUnit XML."""
    root = ET.fromstring(text)
    total = skipped = 0
    failures = []
    for case in root.iter("testcase"):
        total += 1
        name = case.get("name", "")
        rule_id = name.split(":")[0].split(" ")[0].strip()
        if case.find("failure") is not None or case.find("error") is not None:
            failures.append(rule_id)
        elif case.find("skipped") is not None:
            skipped += 1
    return OfficialResult(total=total, failures=sorted(set(failures)), skipped=skipped)
