"""The apps a server starts end when the server ends, however it ends (Linux).

A server stopped by a signal it can handle ends its apps itself; one killed with
SIGKILL, or crashing, cannot. So each app asks the kernel, before it runs, to be
killed when its parent ends (``prctl(PR_SET_PDEATHSIG)``). Elsewhere this does nothing.

An app told to end by a signal (its terminal hung up, or SIGTERM) ends as ``q``
ends it, and :func:`end_at_once_after` makes sure it does end: restoring a terminal
that is gone can hang.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's prctl (loaded when first needed: ctypes is not free to import), or None."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True).prctl  # libc, which the interpreter links
    except (OSError, AttributeError):
        return None


def die_with_parent(parent: int, prctl: Callable[..., int] | None = None) -> None:
    """In a child of ``parent``: be killed when ``parent`` ends; end now if it already has.
    ``prctl``: libc's, looked up beforehand (else looked up here)."""
    prctl = prctl or _prctl()
    if prctl is None:
        return
    prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # it ended before the request: the kernel will not tell
        os._exit(1)


def dies_with_this_process() -> Callable[[], None] | None:
    """A ``preexec_fn`` for a child that must not outlive this process; None where no-op.

    It runs between fork and exec, where another thread's lock may be held for ever,
    so it imports nothing and takes no lock: two system calls, through a function
    looked up beforehand. The kernel ties the request to the thread that forks: call
    it from the thread that lives as long as the server (the event loop's).
    """
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()
    return lambda: die_with_parent(parent, prctl)


SIGNAL_GRACE = 1.5
"""Seconds an app told to end by a signal has to end its own way (it takes about 0.1 s)
before it ends at once."""


def end_at_once_after(seconds: float, code: int) -> None:
    """End this process with exit status ``code`` in ``seconds`` unless it has ended by
    then (a daemon thread: it never keeps the process alive)."""
    timer = threading.Timer(seconds, os._exit, (code,))
    timer.daemon = True
    timer.start()
