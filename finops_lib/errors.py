"""The one exception type users see: what failed, where, and what to do about it."""

from __future__ import annotations


class FinopsError(Exception):
    """An expected failure caused by input, config or environment, not by a bug.

    The CLI prints it as one line (``error: <message> (hint: <hint>)``) and exits non-zero;
    anything else is a bug and gets a traceback with ``--debug``.
    """

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message


class ConfigError(FinopsError):
    """Bad config: unknown key, bad value, malformed or missing file."""

    exit_code = 2


class InputError(FinopsError):
    """Bad billing input: corrupt file, bad manifest, missing column, unsafe key."""

    exit_code = 3
