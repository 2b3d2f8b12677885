"""One error hierarchy for the whole library; ``cli.py`` maps it to messages and exit codes."""

from __future__ import annotations

# Exit codes, documented in the README.
EXIT_OK = 0
EXIT_PROBLEM = 1  # verification found a problem
EXIT_USAGE = 2  # bad command line or bad input
EXIT_ARCHIVE = 3  # archive missing, unreadable, corrupt or from a newer schema
EXIT_BUSY = 4  # archive locked by another process for too long
EXIT_UNAVAILABLE = 5  # an outside service (e.g. a TSA) could not be reached; retry later
EXIT_INTERNAL = 70  # a bug: please report it
EXIT_INTERRUPTED = 130


class VestigeError(Exception):
    """Base of every error Vestige raises on purpose."""

    exit_code = EXIT_USAGE
    kind = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def diagnostics(self) -> str:
        """The one-line message a user sees (with a hint when there is one)."""
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InputError(VestigeError):
    """A file, item or argument the user gave cannot be used."""

    kind = "input"


class ArchiveError(VestigeError):
    """The archive is missing, unreadable or damaged beyond normal verification."""

    exit_code = EXIT_ARCHIVE
    kind = "archive"


class ArchiveNotFound(ArchiveError):
    kind = "archive-not-found"


class SchemaTooNew(ArchiveError):
    kind = "schema-too-new"


class ArchiveBusy(VestigeError):
    exit_code = EXIT_BUSY
    kind = "busy"


class ServiceUnavailable(VestigeError):
    """An outside service (a TSA) did not answer; the attempt is recorded and can be retried."""

    exit_code = EXIT_UNAVAILABLE
    kind = "unavailable"


class CustodyViolation(VestigeError):
    """The evidence or its custody record is not what the ledger says it should be."""

    exit_code = EXIT_PROBLEM
    kind = "custody"


class FormatError(VestigeError):
    """A checkpoint, proof or token could not be parsed."""

    exit_code = EXIT_PROBLEM
    kind = "format"
