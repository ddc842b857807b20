"""Who may come in: what a server allows each address, before and after it knows them.

A class server is open to a room, and one unfriendly visitor must not be able to
take it from the others. :class:`Gate` counts the connections of each address
and those not yet in the app (not authenticated, or with no session yet), and
says when one more is refused. :class:`Throttle` slows and then refuses repeated
wrong passwords from one address, *before* the password is checked, so guessing
gets nowhere fast. Both take the clock they read, for tests.

Pure bookkeeping: no sockets, no asyncio, no ssh library.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import NamedTuple

PER_ADDRESS = 10
"""Connections one address may hold at once (raise it with ``--max-per-address`` when a
whole class reaches the server through one address, behind NAT)."""
WAITING = 20
"""Connections, from all addresses together, that may be open without an app yet (key
exchange, authentication, or authenticated with no session), beyond the class's seats:
a whole class arriving at once is let in, a flood of half-open connections is not."""
LOGIN_SECONDS = 30.0
"""A connection must authenticate and start its app within this time, or is closed."""

FREE_FAILURES = 3
"""Wrong passwords from one address that cost nothing (a typo, then another)."""
FAILURE_DELAY = 1.0
"""Seconds each further attempt from that address waits before its password is checked."""
MOST_FAILURES = 10
"""Wrong passwords from one address within :data:`FAILURE_WINDOW` after which every attempt
from it is refused unchecked, until the oldest of them is older than the window."""
FAILURE_WINDOW = 600.0
"""Seconds a wrong password is remembered."""


class Refusal(NamedTuple):
    """Why a connection is not let in, in words for the client and the console."""

    reason: str
    full: bool = True
    """Whether no more connections may wait at all (else only this address has too many:
    the connection may wait, counted by :meth:`Gate.hold`, to be told why in its time)."""


class Gate:
    """The connections open, by address, and those without an app yet."""

    def __init__(self, per_address: int = PER_ADDRESS, waiting: int = WAITING) -> None:
        self.per_address = per_address
        self.waiting_most = waiting
        self.open: dict[str, int] = defaultdict(int)
        self.waiting = 0

    def arrive(self, address: str) -> Refusal | None:
        """A new connection from ``address``: None if it may come in (it is then counted,
        and waiting), else why not (it is not counted)."""
        if self.open[address] >= self.per_address:
            return Refusal(f"too many connections from {address} "
                           f"({self.per_address} at most); close one and try again",
                           full=self.waiting >= self.waiting_most)
        if self.waiting >= self.waiting_most:
            return Refusal("too many connections are logging in at once; try again shortly")
        self.open[address] += 1
        self.waiting += 1
        return None

    def hold(self) -> None:
        """A refused connection waits to be told why (it counts among those waiting)."""
        self.waiting += 1

    def release(self) -> None:
        """A connection :meth:`hold` counted has closed."""
        self.waiting = max(self.waiting - 1, 0)

    def started(self) -> None:
        """A counted connection now has its app: it no longer waits."""
        self.waiting = max(self.waiting - 1, 0)

    def leave(self, address: str, waiting: bool) -> None:
        """A counted connection from ``address`` closed (``waiting``: before its app)."""
        if waiting:
            self.waiting = max(self.waiting - 1, 0)
        self.open[address] -= 1
        if self.open[address] <= 0:
            del self.open[address]


class Throttle:
    """Wrong passwords remembered per address: slowed after a few, refused after many."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.failures: dict[str, deque[float]] = {}
        self.checking: dict[str, int] = defaultdict(int)

    def _recent(self, address: str) -> int:
        kept = self.failures.get(address)
        if kept is None:
            return 0
        now = self.clock()
        while kept and kept[0] <= now - FAILURE_WINDOW:
            kept.popleft()
        if not kept:
            del self.failures[address]
            return 0
        return len(kept)

    def delay(self, address: str) -> float | None:
        """Seconds to wait before checking a password from ``address``, or None: refuse it
        unchecked. Attempts being checked count as failures, so parallel guesses gain nothing."""
        count = self._recent(address) + self.checking[address]
        if count >= MOST_FAILURES:
            return None
        return 0.0 if count < FREE_FAILURES else FAILURE_DELAY

    def begin(self, address: str) -> None:
        """An attempt from ``address`` is being checked."""
        self.checking[address] += 1

    def end(self, address: str, right: bool) -> None:
        """The attempt from ``address`` begun with :meth:`begin` was ``right`` or not."""
        self.checking[address] -= 1
        if self.checking[address] <= 0:
            del self.checking[address]
        if not right:
            self.failures.setdefault(address, deque()).append(self.clock())
