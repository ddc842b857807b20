"""What both servers (``serve``, ``ssh``) share: what they say when they cannot listen on
an address, the largest terminal a visitor may ask for, and the one-line secrets they read
(a password, a class code)."""

from __future__ import annotations

import errno
import os

from .model.errors import FileError
from .model.files import read_text, shown_name

MAX_COLUMNS = 500
"""Columns a visitor's terminal may have: each cell costs the app memory and the server
bytes to send (a 10000×10000 terminal made one app take 1.4 GB)."""
MAX_ROWS = 200
"""Rows a visitor's terminal may have."""
DEFAULT_SIZE = (80, 24)
"""The size of a terminal whose size is not a whole number."""


def terminal_size(width: object, height: object, max_width: int = MAX_COLUMNS,
                  max_height: int = MAX_ROWS) -> tuple[int, int]:
    """The size a visitor's terminal is given for the (width, height) it asked for: each
    within 1 … its most; what is not a whole number (text that is not one, too) counts as
    80 × 24. Every size a server hands an app goes through here, at start and on each
    change."""

    def whole(value: object, default: int) -> int:
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                return default
        return value if isinstance(value, int) and not isinstance(value, bool) else default

    return (min(max(whole(width, DEFAULT_SIZE[0]), 1), max_width),
            min(max(whole(height, DEFAULT_SIZE[1]), 1), max_height))


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


def read_one_line(path: str | os.PathLike, what: str, limit: int) -> str:
    """The one line in the file at ``path`` (a final line break is not part of it): a
    password, a class code. Read as every file is (:func:`.model.files.read_text`):
    anything but a regular file is refused before it is opened, and at most ``limit``
    bytes. A :class:`FileError` naming the file otherwise (empty, several lines)."""
    text = read_text(path, what, limit)
    line = text[:-1] if text.endswith("\n") else text
    line = line[:-1] if line.endswith("\r") else line
    if not line or "\n" in line:
        raise FileError(f"{shown_name(path)}: "
                        f"{'is empty' if not line else 'has more than one line'}; "
                        f"write the {what} on one line")
    return line
