"""The app's end of a class (``backprop-tui ssh --class``): the connection to the hub
(:mod:`backprop_tui.hub`), what the app knows of the class, and the line that says it.

The teacher's app publishes its lesson and screen (:meth:`ClassLink.publish`) at once
after a change, then at most every :data:`PUBLISH_GAP` seconds while changes keep
coming (training): the newest state wins, nothing queues. A student's app is told the
teacher's state, the questions' results, who teaches and whether it follows; what it
does with them is the lesson screen's (:meth:`.lesson_screen.LessonScreen.class_message`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

from ..hub import LINE_MOST, Seat, message
from ..present.format import number

PUBLISH_GAP = 0.2
"""Seconds between two states the teacher's app sends while changes keep coming."""


class ClassLink(Seat):
    """The connection to the class's hub, and what the app knows of the class."""

    def __init__(self, path: str, token: str) -> None:
        super().__init__()
        self.path = path
        self.token = token
        self.tally: dict[str, Any] = {}
        """The teacher's: the answers to the question asked (see :meth:`.hub.Hub.tally`)."""
        self.roster: list[dict[str, Any]] = []
        """The teacher's: who is in the class."""
        self._writer: asyncio.StreamWriter | None = None
        self._make: Callable[[], dict[str, Any]] | None = None
        self._last_sent = float("-inf")
        self._scheduled: asyncio.TimerHandle | None = None

    async def run(self, received: Callable[[str, dict[str, Any]], None]) -> None:
        """Connect, then hand every message to ``received`` (kind, fields) until the hub
        is gone (then ``lost``)."""
        try:
            reader, writer = await asyncio.open_unix_connection(self.path, limit=LINE_MOST)
        except OSError:
            received("lost", {})
            return
        self._writer = writer
        self.connected = True
        writer.write(message("hello", token=self.token))
        try:
            while True:
                try:
                    line = await reader.readline()
                except (ValueError, asyncio.LimitOverrunError, OSError):
                    break
                if not line:
                    break
                try:
                    data = json.loads(line)
                except ValueError:
                    continue
                if isinstance(data, dict):
                    received(str(data.get("kind")), data)
        finally:
            self.connected = False
            self._writer = None
            writer.close()
        received("lost", {})

    def send(self, kind: str, **fields: Any) -> None:
        """Send one message (dropped when the hub is not there)."""
        writer = self._writer
        if writer is None or writer.is_closing():
            return
        with contextlib.suppress(OSError, ValueError):
            writer.write(message(kind, **fields))

    def publish(self, make: Callable[[], dict[str, Any]], now: float) -> None:
        """The teacher's lesson changed at ``now`` (the app's clock): ``make`` gives its
        state, sent now or, when a state went less than :data:`PUBLISH_GAP` ago, once
        that gap is over."""
        self._make = make
        if self._scheduled is not None:
            return
        wait = self._last_sent + PUBLISH_GAP - now
        if wait <= 0:
            self._flush(now)
        else:
            self._scheduled = asyncio.get_running_loop().call_later(
                wait, self._flush, now + wait)

    def _flush(self, now: float) -> None:
        self._scheduled = None
        make, self._make = self._make, None
        if make is None:
            return
        self._last_sent = now
        self.send("state", shared=make())

    def close(self) -> None:
        if self._scheduled is not None:
            self._scheduled.cancel()
            self._scheduled = None


def class_text(link: ClassLink, width: int) -> str:
    """The class line: who follows whom, and for the teacher who is here and the answers
    so far; the most important part first, parts left out (never cut) to fit ``width``."""
    if not link.connected:
        return "class: the class server is gone; on your own"
    if not link.teacher:
        if link.teaching is None:
            parts = [f"class · {link.name}: the teacher is away, on your own until they are back"]
        elif link.following:
            parts = [f"following {link.teaching}", "F: your own way"]
        else:
            parts = [f"on your own ({link.name})", f"F: follow {link.teaching} again"]
        return _fit(parts, width)
    students = [m for m in link.roster if not m.get("teacher") and m.get("here")]
    following = sum(1 for m in students if m.get("following"))
    parts = [f"teaching {len(students)}", f"{following} following"]
    tally = link.tally
    if tally.get("id") is not None:
        answered, here = tally.get("answered", 0), tally.get("here", 0)
        head = f"{tally.get('symbol')}: answered {answered} of {here}"
        parts.append(head if tally.get("open") else head + " (revealed)")
        if answered:
            share = round(100 * tally.get("right", 0) / answered)
            parts.append(f"{share}% right")
            median = tally.get("median")
            if isinstance(median, (int, float)):
                parts.append(f"median {number(float(median))}")
            wrong = tally.get("wrong") or []
            if wrong:
                parts.append("wrong: " + ", ".join(f"{number(float(v))} ×{n}" for v, n in wrong))
    parts.append("W: who · F: all follow")
    return _fit(parts, width)


def _fit(parts: list[str], width: int) -> str:
    """``parts`` joined, the last ones left out until the line fits (the first stays)."""
    while len(parts) > 1 and len(" · ".join(parts)) > width:
        parts = parts[:-1]
    return " · ".join(parts)
