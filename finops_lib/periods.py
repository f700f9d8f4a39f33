"""Billing periods: the one place that decides what a valid ``YYYY-MM`` period is.

Every command-line option, notebook parameter and library argument that names a billing period goes
through :func:`parse_period`, so a typo fails the same way everywhere, before any query runs.
"""

from __future__ import annotations

import re

from finops_lib.errors import InputError

_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
HINT = "give the billing period as YYYY-MM, e.g. 2026-09"


def parse_period(text: str) -> str:
    """Check a billing period and return it as ``YYYY-MM`` (surrounding spaces removed).

    Strict on purpose: ``2026-9`` or ``2026-09-01`` would silently match no row of
    ``x_billing_period``, so they are refused rather than guessed.

    Raises:
        InputError: the text is not a ``YYYY-MM`` month (one line, with a hint).
    """
    period = text.strip() if isinstance(text, str) else ""
    if not _PERIOD.fullmatch(period):
        raise InputError(f"bad period {text!r}", hint=HINT)
    return period
