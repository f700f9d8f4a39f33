"""The official FOCUS validator (PyPI ``focus-validator`` 2.2.1) as a second opinion.

It needs Python >= 3.12, ``pyarrow<26`` and numpy 1.x, which conflict with the project, so it lives in
its own virtual environment under ``.cache/focus-validator`` and runs as a subprocess. It exits 0 even
when rules fail, so the result is read from its JUnit XML. Some of its rules are defective (FOCUS.md §7):
they fail on conformant data and are reported apart from real failures.
"""

from __future__ import annotations

import glob
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
# Rules of validator 2.2.1 / model 1.2.0.1 that fail on spec-conformant data (seen on hand-made
# conformant files): missing or inverted conditions, and the composites above them.
KNOWN_DEFECTS = frozenset(
    {
        "InvoiceId-C-004-C",
        "CommitmentDiscountStatus-C-004-C",
        "CapacityReservationStatus-C-004-C",
        "CommitmentDiscountStatus-C-000-C",
        "CommitmentDiscountStatus-C-002-C",
        "CapacityReservationStatus-C-000-C",
        "CapacityReservationStatus-C-002-C",
        "CostAndUsage-D-000-M",
        "CostAndUsage-D-002-M",
        # With every applicability criterion on, the marketplace rule "BilledCost MUST be 0 when a
        # third party collects payment" is applied to every row (seen failing on conformant data).
        "BilledCost-C-005-C",
        "BilledCost-C-000-M",
    }
)


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
    """A local Python 3.12 interpreter (never downloaded)."""
    for candidate in ("python3.12",):
        found = shutil.which(candidate)
        if found and _is_312(found):
            return found
    for found in sorted(glob.glob("/root/.pyenv/versions/3.12*/bin/python3.12")) + sorted(
        glob.glob(os.path.expanduser("~/.pyenv/versions/3.12*/bin/python3.12"))
    ):
        if _is_312(found):
            return found
    try:
        out = subprocess.run(
            [sys.executable, "-m", "uv", "python", "find", "--no-python-downloads", "3.12"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    return None


def _is_312(path: str) -> bool:
    try:
        out = subprocess.run(
            [path, "-c", "import sys;print(sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.stdout.strip() == "(3, 12)"


def ensure_venv() -> Path:
    """Create (once) the validator's own environment and return its ``focus-validator`` script."""
    script = VENV / "bin" / "focus-validator"
    if script.exists():
        return script
    python = find_python312()
    if python is None:
        raise FinopsError(
            "the official focus-validator needs Python 3.12, and none was found",
            hint="install Python 3.12 (e.g. `uv python install 3.12` or pyenv) and re-run",
        )
    uv = [sys.executable, "-m", "uv"]
    try:
        subprocess.run([*uv, "venv", "-q", "--python", python, str(VENV)], check=True, timeout=300)
        subprocess.run(
            [*uv, "pip", "install", "-q", "--python", str(VENV / "bin" / "python"), *REQUIREMENTS],
            check=True,
            timeout=600,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(VENV, ignore_errors=True)
        raise FinopsError(
            f"installing focus-validator failed: {exc}", hint="check access to PyPI and re-run"
        ) from None
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
