"""What the servers (``serve``, ``ssh``) say when they cannot listen on an address."""

from __future__ import annotations

import errno


def bind_error_message(exc: OSError, host: str, port: int) -> str:
    """One line saying why a server could not listen on ``host``:``port``, naming the option."""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.EADDRINUSE:
        return (f"argument --port: port {port} on {host} is already in use "
                "(another server?); choose another with --port")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (f"argument --port: not allowed to listen on port {port} "
                f"({reason}); ports below 1024 need special rights")
    return f"argument --host: cannot listen on {host!r}, port {port}: {reason}"
