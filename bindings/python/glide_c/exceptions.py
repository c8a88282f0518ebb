"""The exception classes of Valkey GLIDE's Python client, fed by glide-c's error kinds."""

from typing import Optional


class GlideError(Exception):
    """Base of every error the client reports.

    ``kind`` is glide-c's error kind name (``"SERVER"``, ``"TIMEOUT"``, ...), an extension of
    GLIDE's classes that tells apart errors sharing a class (e.g. CROSSSLOT from a server error).
    """

    def __init__(self, message: Optional[str] = None, kind: str = "UNKNOWN"):
        super().__init__(message or "No error message provided")
        self.kind = kind

    def name(self) -> str:
        return self.__class__.__name__


class ClosingError(GlideError):
    """The client is closed (or closing) and can no longer be used."""


class RequestError(GlideError):
    """An error reported for a request: a server error reply, or a client-side failure."""


class TimeoutError(RequestError):  # noqa: A001 - GLIDE's name, shadowing the builtin on purpose
    """The request (or the whole batch) timed out."""


class ExecAbortError(RequestError):
    """The server discarded an atomic batch (EXECABORT)."""


class ConnectionError(RequestError):  # noqa: A001 - GLIDE's name
    """The connection was lost or could not be made."""


class ConfigurationError(RequestError):
    """The configuration (or a request's options) was refused."""


class LoggerError(GlideError):
    """Kept for source compatibility with GLIDE; glide-c never raises it (it does not log)."""


# glide_error_kind (include/glide_c.h) -> (name, class). The enum is append-only, so the index is
# the value; kinds added later fall back to RequestError with their name from the library.
_KINDS = [
    ("OK", RequestError),
    ("INVALID_ARGUMENT", RequestError),
    ("CONNECTION", ConnectionError),
    ("TIMEOUT", TimeoutError),
    ("SERVER", RequestError),
    ("EXEC_ABORT", ExecAbortError),
    ("CROSSSLOT", RequestError),
    ("CLOSING", ClosingError),
    ("TLS", ConnectionError),
    ("AUTH", ConnectionError),
    ("PROTOCOL", RequestError),
    ("OUT_OF_MEMORY", RequestError),
    ("NOT_SUPPORTED", RequestError),
    ("INFLIGHT_LIMIT", RequestError),
]


def error_from_kind(kind: int, message: str) -> GlideError:
    """The exception object for an error of glide-c kind ``kind`` (not raised)."""
    if 0 <= kind < len(_KINDS):
        name, cls = _KINDS[kind]
    else:
        name, cls = "UNKNOWN", RequestError
    return cls(message, name)
