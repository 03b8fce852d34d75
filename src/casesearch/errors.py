"""One exception family; the CLI and web layers turn these into messages and codes."""

from __future__ import annotations


class CasesearchError(Exception):
    """Base of every error casesearch raises on purpose."""

    exit_code = 1


class ConfigError(CasesearchError):
    """A setting is missing, of the wrong type or unknown."""

    exit_code = 2


class ContentError(CasesearchError):
    """A page cannot be read: names the file, the line where known, and the cause."""

    def __init__(self, source: str, message: str, line: int | None = None) -> None:
        self.source = source
        self.message = message
        self.line = line
        where = f"'{source}'" + (f", line {line}" if line else "")
        super().__init__(f"Error reading page {where}: {message}")


class IndexMissing(CasesearchError):
    """No built index where one was expected."""


class IndexOutdated(IndexMissing):
    """The live generation was built by another version of casesearch: its format differs."""


class IndexBusy(CasesearchError):
    """Another reindex holds the lock."""

    exit_code = 4


class SafetyCheckFailed(CasesearchError):
    """A build would drop too many pages of the live index."""

    exit_code = 3


class QueryError(CasesearchError):
    """A visitor's query or its parameters are out of bounds."""

    exit_code = 2


class IndexDamaged(IndexMissing):
    """No generation of the index verifies: files missing, truncated or changed."""


class IndexWriteError(CasesearchError):
    """A build could not write its generation (disk full, permissions): nothing was published."""
