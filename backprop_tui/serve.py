"""``backprop-tui serve``: the app in web browsers, one app process per visitor.

A small aiohttp server. Every visitor's page (``web/page.html``, textual-serve's
page changed to load nothing from the internet) runs textual-serve's terminal
(its ``textual.js``), which talks over a websocket to that visitor's own app,
``python -m backprop_tui … --visitor-dir=DIR``, driven by Textual's web driver:
the browser's keys and sizes go to the app's stdin as packets, the app's screen
comes back from its stdout (see :class:`Visit`).

Made for a classroom:

* Only this server's own pages can talk to it. Every request must name the
  server in its Host header (a DNS name pointed at this machine gets 403), a
  request with an Origin must come from that same address, and the websocket
  must have one: a page of another site the teacher opens cannot start, read
  or drive an app (403).
* Each visitor's app gets a fresh private folder (mode 0700) as
  ``--visitor-dir`` and working folder, removed when the visitor leaves. The
  folders are made in the server's own folder (:mod:`backprop_tui.visitors`),
  removed when the server stops; what a server killed with SIGKILL left is
  removed when the next one starts.
* Caps (:class:`Limits`): visitors at once, idle time, the terminal size a
  visitor may ask for, and the size and rate of what a visitor sends.
  Messages that are malformed, too big or too fast are dropped with one log line.
* Each app is started without a shell, in its own process group, and the whole
  group is killed when its visitor leaves and when the server stops (Ctrl+C,
  SIGTERM, SIGHUP).

A class (``serve --class``, :class:`ClassSettings`): one :class:`.hub.Hub` for the
room. ``/`` is a join form (a name, and the class code when there is one); a
join that is accepted gets the terminal page, whose websocket address carries a
one-time ticket (``/ws/TICKET``) that names the student. The teacher's address,
``/teach/TOKEN``, carries a secret token printed at start and written to
:data:`TEACHER_URL_FILE` (mode 0600); it never appears in a student's page. Each
app joins the hub with the token :meth:`.hub.Hub.admit` gave its visit. Wrong class
codes, and guessed teacher's tokens, are slowed and then refused unchecked by address
(:class:`.gate.Throttle`); the teacher's own token is never refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import html
import ipaddress
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from aiohttp import WSCloseCode, WSMessage, WSMsgType, web

from .gate import PER_ADDRESS, Gate, Throttle
from .hub import ENV_SOCKET, ENV_TOKEN, NAME_MOST, AnswerLog, Hub, check_name
from .listen import MAX_COLUMNS, MAX_ROWS, bind_error_message, read_one_line, terminal_size
from .model.errors import FileError
from .model.files import shown_name
from .visitors import VisitorFolders, sweep
from .warm import APP_PROGRAM, Launcher, PipedApp

log = logging.getLogger("backprop_tui.serve")

PAGE = Path(__file__).parent / "web" / "page.html"
"""The page every visitor gets: a terminal connected to their own app process."""
JOIN_PAGE = Path(__file__).parent / "web" / "join.html"
"""A class's first page: a student's name (and the class code), before any app."""
TEACHER_URL_FILE = "backprop-tui-teacher-url.txt"
"""The file, in the folder the server starts in, that keeps the teacher's address."""
TICKET_SECONDS = 120.0
"""How long a join's ticket lets its page connect (once)."""
STATIC = Path(str(resources.files("textual_serve") / "static"))
"""textual-serve's terminal script, its style sheet and its fonts."""
TITLE = "backprop-tui"
SHUTDOWN_SECONDS = 5
"""How long stopping the server waits for the visitors' connections to close."""
EXIT_SECONDS = 2
"""How long a killed app may take to be gone."""
DEFAULT_FONT_SIZE = 16
"""Pixels; ``?fontsize=N`` in the address changes it (8 to 64)."""
LOG_LINES_PER_VISITOR = 10
"""Dropped messages of one visitor that are logged; the rest are only counted."""
EVERYWHERE = ("", "0.0.0.0", "::")
"""Host values that listen on every network interface."""


@dataclass(frozen=True)
class Limits:
    """What the server allows (the command line's defaults: ``serve --help``)."""

    max_sessions: int
    """Visitors at once; one more gets "the class is full" and no app."""
    idle_seconds: float
    """A visitor who sends nothing for this long has their app ended."""
    per_address: int = PER_ADDRESS
    """Visitors one address may connect at once (:class:`.gate.Gate`, as over ssh)."""
    max_width: int = MAX_COLUMNS
    """Columns a visitor's terminal may have (each cell costs the app memory)."""
    max_height: int = MAX_ROWS
    """Rows a visitor's terminal may have."""
    max_message: int = 64 * 1024
    """Characters in one message; a longer one is dropped."""
    max_frame: int = 1024 * 1024
    """Bytes in one websocket message; a longer one closes the visitor's connection."""
    chars_per_second: float = 64 * 1024
    """What a visitor may send on average (a burst may be four seconds' worth)."""
    messages_per_second: float = 200
    """Messages a visitor may send on average (typing and the mouse are far below)."""


class ServeError(Exception):
    """The server cannot start; the message names the option (``--host``, ``--port``)."""


Value = str | tuple[int, int] | None
"""What a browser's message carries: text, a (width, height) or nothing."""


class BadMessage(Exception):
    """A browser's message that is dropped; the text says what was wrong with it."""


def listens_everywhere(host: str) -> bool:
    """Whether ``host`` means every network interface (the whole network can connect)."""
    return host in EVERYWHERE


def url_for(host: str, port: int) -> str:
    """The address to open in a browser on this machine, for a server listening on ``host``."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else "[::1]" if host == "::" else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def address_for_others(port: int) -> str:
    """The address other machines on the network may use: this machine's outgoing address.

    Nothing is sent: connecting a UDP socket only picks the interface.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # a documentation address, never reached
            address = probe.getsockname()[0]
    except OSError:
        address = socket.gethostname()
    return f"http://{address}:{port}/"


def font_size(text: str) -> int:
    """The page's font size in pixels from ``?fontsize=N`` (a projector wants it bigger)."""
    try:
        size = int(text)
    except ValueError:
        return DEFAULT_FONT_SIZE
    return min(max(size, 8), 64)


def visitor_size(width: object, height: object, limits: Limits) -> tuple[int, int]:
    """The terminal size a visitor asked for, within the server's limits (listen.terminal_size)."""
    return terminal_size(width, height, limits.max_width, limits.max_height)


def read_message(text: str) -> tuple[str, Value]:
    """(kind, value) of a browser's message, as textual.js sends them; :class:`BadMessage` else.

    ``["stdin", text]``, ``["resize", {"width": W, "height": H}]``, ``["ping", text]``,
    ``["focus"]`` and ``["blur"]``.
    """
    try:
        envelope = json.loads(text)
    except (ValueError, RecursionError):
        raise BadMessage("not JSON") from None
    if not (isinstance(envelope, list) and envelope and isinstance(envelope[0], str)):
        raise BadMessage("not a [kind, …] list")
    kind, rest = envelope[0], envelope[1:]
    if kind in ("stdin", "ping") and len(rest) == 1 and isinstance(rest[0], str):
        return kind, rest[0]
    if kind == "resize" and len(rest) == 1 and isinstance(rest[0], dict):
        size = rest[0]
        if all(isinstance(size.get(key), int) and not isinstance(size.get(key), bool)
               for key in ("width", "height")):
            return kind, (size["width"], size["height"])
    if kind in ("focus", "blur") and not rest:
        return kind, None
    raise BadMessage(f"a {kind[:20]!r} message that is not understood")


def packet(kind: bytes, payload: bytes) -> bytes:
    """A packet for the app's web driver: b"D" (keys) or b"M" (JSON meta), length, payload."""
    return kind + len(payload).to_bytes(4, "big") + payload


def meta(data: dict[str, object]) -> bytes:
    return packet(b"M", json.dumps(data).encode("utf-8"))


class Budget:
    """What a visitor may send: ``rate`` a second on average, four seconds' worth at once."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.capacity = 4 * rate
        self.left = self.capacity
        self.clock = clock
        self.last = clock()

    def spend(self, amount: float) -> bool:
        """Take ``amount`` if it is there."""
        now = self.clock()
        self.left = min(self.capacity, self.left + (now - self.last) * self.rate)
        self.last = now
        if amount > self.left:
            return False
        self.left -= amount
        return True


# --- who may connect ----------------------------------------------------------------------

_HOST_AND_PORT = re.compile(r"(?P<name>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(?P<port>\d{1,5}))?")
_ORIGIN = re.compile(r"(?P<scheme>https?)://(?P<rest>.+)")


def _name(text: str) -> str:
    """A host name or address written one way: lower case, IP addresses in their short form."""
    text = text.strip("[]").lower()
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text


def _host_and_port(text: str, default_port: int) -> tuple[str, int] | None:
    """("name", port) of a Host header value or an Origin's host part; None if it is not one."""
    match = _HOST_AND_PORT.fullmatch(text)
    if match is None:
        return None
    return _name(match["name"]), int(match["port"]) if match["port"] else default_port


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class Addresses:
    """The names this server answers to, from the address it listens on.

    On loopback: ``localhost``, ``127.0.0.1`` and ``[::1]``. On one address: that
    one. On every interface: any IP address, ``localhost`` and this machine's
    name. Never another name (a DNS name pointed at this machine by a web page).
    """

    def __init__(self, host: str, port: int) -> None:
        self.port = port
        self.everywhere = listens_everywhere(host)
        if self.everywhere:
            here = socket.gethostname().lower()
            self.names = {"localhost", here, f"{here}.local"}
        elif host.lower() == "localhost" or _is_address(_name(host)) and \
                ipaddress.ip_address(_name(host)).is_loopback:
            self.names = {"localhost", "127.0.0.1", "::1"}
        else:
            self.names = {_name(host)}

    def allows(self, where: tuple[str, int] | None) -> bool:
        if where is None or where[1] != self.port:
            return False
        return where[0] in self.names or self.everywhere and _is_address(where[0])

    def refusal(self, host: str, origin: str | None, websocket: bool) -> str | None:
        """Why a request with these Host and Origin headers is refused; None if it is not."""
        here = _host_and_port(host, 80)
        if not self.allows(here):
            return f"this server does not answer to the address {host!r}"
        if origin is None:
            return "a websocket needs an Origin" if websocket else None
        match = _ORIGIN.fullmatch(origin)
        default_port = 443 if match and match["scheme"] == "https" else 80
        if match is None or _host_and_port(match["rest"], default_port) != here:
            return f"requests from {origin[:100]!r} are not served"
        return None


# --- one visitor ----------------------------------------------------------------------------

class Visit:
    """One visitor: their websocket, their app process and their private folder."""

    def __init__(self, number: int, websocket: web.WebSocketResponse, limits: Limits) -> None:
        self.number = number
        self.websocket = websocket
        self.limits = limits
        self.process: PipedApp | None = None
        self.folder: Path | None = None
        self.error_reader: asyncio.Task[None] | None = None
        self.ended = False
        self.finished = asyncio.Event()
        """Set once the app is gone and the folder removed."""
        self.dropped = 0
        self.errors = bytearray()
        """The end of what the app wrote on stderr (why it failed to start, say)."""
        self.chars = Budget(limits.chars_per_second)
        self.messages = Budget(limits.messages_per_second)

    def say(self, message: str, *args: object) -> None:
        log.warning(f"visitor {self.number}: {message}", *args)

    async def run(self, launcher: Launcher, arguments: Sequence[str], visitor_dir: str | None,
                  size: tuple[int, int], folders: VisitorFolders,
                  environment: dict[str, str] | None = None) -> None:
        """Start the app in a fresh folder, connect it to the browser until either ends.

        The folder, made in ``folders``, is the app's working folder, and given with
        the app's option ``visitor_dir`` (``--visitor-dir``) when it has one.
        ``environment``: more for the app's environment (a class's hub and token).
        """
        self.folder = folders.make("backprop-visitor-")  # mode 0700
        if visitor_dir is not None:
            arguments = [*arguments, f"{visitor_dir}={self.folder}"]
        try:
            self.process = await PipedApp.start(
                launcher, arguments, {**app_environment(*size), **(environment or {})},
                str(self.folder))
            self.error_reader = asyncio.create_task(self.read_errors())
            screen = asyncio.create_task(self.app_to_browser())
            try:
                await self.browser_to_app()
            finally:
                await self.end("")
                screen.cancel()
                self.error_reader.cancel()
                await self.wait_for_app()
                self.process.close()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.finished.set()

    async def end(self, reason: str) -> None:
        """Kill the app's process group and close the websocket, ``reason`` shown on the page."""
        if self.ended:
            return
        self.ended = True
        self.kill()
        await self.websocket.close(code=WSCloseCode.OK, message=reason.encode()[:120])

    def kill(self) -> None:
        """Kill the app and every process it started (its process group), now."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
                os.killpg(self.process.pid, signal.SIGKILL)

    async def wait_for_app(self) -> None:
        if self.process is None:
            return
        try:
            status = await asyncio.wait_for(self.process.wait(), EXIT_SECONDS)
        except asyncio.TimeoutError:
            self.say("the app did not end within %s s of being killed", EXIT_SECONDS)
            return
        if status not in (0, -signal.SIGKILL, None):  # None: not known (its warm process went)
            self.say("the app ended with status %s: %s", status, self.last_error())

    def last_error(self) -> str:
        lines = self.errors.decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else "(it wrote nothing on stderr)"

    async def read_errors(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        while data := await self.process.stderr.read(4096):
            self.errors = (self.errors + data)[-4096:]

    async def to_app(self, data: bytes) -> None:
        assert self.process is not None and self.process.stdin is not None
        try:
            self.process.stdin.write(data)
            await self.process.stdin.drain()
        except (ConnectionError, RuntimeError):
            pass  # the app has ended; app_to_browser closes the connection

    async def app_to_browser(self) -> None:
        """The app's screen to the browser, until the app ends."""
        assert self.process is not None and self.process.stdout is not None
        stdout = self.process.stdout
        try:
            for _ in range(10):  # Textual's web driver says it is ready with this line
                line = await stdout.readline()
                if line in (b"", b"__GANGLION__\n"):
                    break
            if line != b"__GANGLION__\n":
                assert self.error_reader is not None
                await asyncio.wait([self.error_reader], timeout=EXIT_SECONDS)
                self.say("the app did not start: %s", self.last_error())
                await self.end("the app could not start (the server's log says why)")
                return
            while True:
                kind = await stdout.readexactly(1)
                payload = await stdout.readexactly(int.from_bytes(await stdout.readexactly(4),
                                                                  "big"))
                if kind == b"D":
                    await self.websocket.send_bytes(payload)
                elif kind == b"M" and json.loads(payload) == {"type": "exit"}:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass  # the app or the browser went away
        await self.end("")

    async def browser_to_app(self) -> None:
        """The browser's keys and sizes to the app, until the browser leaves or stays idle."""
        idle_since = time.monotonic()
        while not self.ended:
            left = idle_since + self.limits.idle_seconds - time.monotonic()
            try:
                message = await self.websocket.receive(timeout=max(left, 0))
            except asyncio.TimeoutError:
                minutes = self.limits.idle_seconds / 60
                self.say("idle for %g minutes: the app is ended", minutes)
                await self.end(f"ended after {minutes:g} minutes without input; "
                               "reload the page to start again")
                return
            if message.type == WSMsgType.ERROR:
                self.say("connection closed: %s", message.data)
                return
            if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
                return
            try:
                kind, value = self.read(message)
            except BadMessage as exc:
                self.drop(str(exc))
                continue
            idle_since = time.monotonic()
            if kind == "stdin":
                await self.to_app(packet(b"D", str(value).encode("utf-8", "replace")))
            elif kind == "resize" and isinstance(value, tuple):
                width, height = visitor_size(*value, self.limits)
                await self.to_app(meta({"type": "resize", "width": width, "height": height}))
            elif kind == "ping":
                await self.websocket.send_json(["pong", value])
            else:
                await self.to_app(meta({"type": kind}))

    def read(self, message: WSMessage) -> tuple[str, Value]:
        """A message's (kind, value) if it is within the limits and well formed."""
        if message.type != WSMsgType.TEXT:
            raise BadMessage("not text")
        size = len(message.data)
        if size > self.limits.max_message:
            raise BadMessage(f"{size} characters, more than {self.limits.max_message}")
        if not (self.messages.spend(1) and self.chars.spend(size)):
            raise BadMessage("sent faster than allowed")
        return read_message(message.data)

    def drop(self, why: str) -> None:
        """One log line for a dropped message, up to LOG_LINES_PER_VISITOR of them."""
        self.dropped += 1
        if self.dropped <= LOG_LINES_PER_VISITOR:
            more = " (further ones are not logged)" if self.dropped == LOG_LINES_PER_VISITOR else ""
            self.say("dropped a message: %s%s", why, more)


def web_environment() -> dict[str, str]:
    """The server's environment with Textual's web driver (what the warm process imports in)."""
    return {**os.environ, "TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver",
            "TEXTUAL_COLOR_SYSTEM": "truecolor", "TEXTUAL_FPS": "60"}


def app_environment(width: int, height: int) -> dict[str, str]:
    """The app's environment: Textual's web driver, on a terminal of this size."""
    return {**web_environment(), "COLUMNS": str(width), "ROWS": str(height)}


# --- a class -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClassSettings:
    """``serve --class``: one lesson for the room, the teacher's (see :mod:`.hub`)."""

    code: str | None = None
    """The class code a student types to join (``--class-code-file``), or None: a name
    is enough."""
    answers: str | os.PathLike | None = None
    """The CSV file every answer is appended to (``--answers``), or None."""
    url_file: str | os.PathLike = TEACHER_URL_FILE
    """Where the teacher's address is written (mode 0600)."""
    tell: Callable[[str], None] = lambda line: None
    """Where a line for the person who started the server goes (the teacher's address,
    who joins and leaves)."""


@dataclass(frozen=True)
class Ticket:
    """A join that was accepted: the name asked for, and when (it expires)."""

    name: str
    teacher: bool
    made: float


class ClassDoor:
    """Who may come into the class: the teacher's secret token, the students' one-time
    tickets, wrong class codes by address (:class:`.gate.Throttle`), and the hub."""

    def __init__(self, settings: ClassSettings, answers: AnswerLog | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.answers = answers
        self.clock = clock
        self.teacher_token = secrets.token_urlsafe(24)
        self.tickets: dict[str, Ticket] = {}
        self.throttle = Throttle(clock)
        self.hub: Hub | None = None
        self.socket: Path | None = None

    def is_teacher(self, token: str) -> bool:
        return hmac.compare_digest(token.encode("utf-8", "replace"), self.teacher_token.encode())

    def ticket(self, name: str, teacher: bool, most: int) -> str:
        """A new one-time ticket for ``name``; at most ``most`` wait (the oldest goes)."""
        self._expire()
        while len(self.tickets) >= most:
            del self.tickets[next(iter(self.tickets))]
        ticket = secrets.token_urlsafe(18)
        self.tickets[ticket] = Ticket(name, teacher, self.clock())
        return ticket

    def take(self, ticket: str) -> Ticket | None:
        """The join ``ticket`` stands for, once (None: unknown, used or expired)."""
        self._expire()
        return self.tickets.pop(ticket, None)

    def _expire(self) -> None:
        now = self.clock()
        for ticket, held in list(self.tickets.items()):
            if now - held.made > TICKET_SECONDS:
                del self.tickets[ticket]

    async def start(self, folders: VisitorFolders, keep_seconds: float) -> None:
        """Start the hub, its socket in the server's own folder."""
        self.hub = Hub(self.settings.tell, self.answers, keep_seconds=keep_seconds)
        self.socket = folders.parent / "class"
        await self.hub.start(self.socket)

    async def close(self) -> None:
        if self.hub is not None:
            await self.hub.close()
            self.hub = None
        elif self.answers is not None:
            self.answers.close()
        self.answers = None


CODE_LIMIT = 1024
"""The largest class code file read (bytes)."""


def read_class_code(path: str | os.PathLike) -> str:
    """The class code in the file at ``path``, as :func:`.listen.read_one_line` reads it; a
    :class:`ServeError` naming ``--class-code-file`` otherwise."""
    try:
        return read_one_line(path, "class code", CODE_LIMIT)
    except FileError as exc:
        raise ServeError(f"--class-code-file {exc}") from None


def name_refusal(name: str) -> str | None:
    """Why ``name`` cannot be a student's name (as :func:`.hub.check_name`), or None."""
    if check_name(name) is None:
        return None
    return (f"a name is 1 to {NAME_MOST} characters: letters, digits, spaces and "
            "punctuation (no control characters)")


def teacher_url(host: str, port: int, token: str) -> str:
    return f"{url_for(host, port)}teach/{token}"


def check_url_file(path: str | os.PathLike) -> None:
    """A :class:`ServeError` if the teacher's address could not be written at ``path``:
    something there that is not a regular file (never overwritten), or no folder."""
    name = shown_name(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ServeError(f"{name}: cannot write the teacher's address: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ServeError(f"{name}: cannot write the teacher's address there: it is not a "
                         "regular file (it was left as it is)")


def write_url_file(path: str | os.PathLike, url: str) -> None:
    """``url`` and a line break in the file at ``path``, readable by its owner only; a
    :class:`ServeError` if it cannot be (anything but a regular file is left alone)."""
    check_url_file(path)
    name = shown_name(path)
    flags = (os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
             | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        raise ServeError(f"{name}: cannot write the teacher's address: {exc.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ServeError(f"{name}: cannot write the teacher's address there: it is not a "
                             "regular file (it was left as it is)")
        os.fchmod(fd, 0o600)
        os.ftruncate(fd, 0)
        os.write(fd, (url + "\n").encode())
    except OSError as exc:
        raise ServeError(f"{name}: cannot write the teacher's address: {exc.strerror}") from None
    finally:
        os.close(fd)


def fill(template: str, values: dict[str, object]) -> str:
    """``template`` with each ``{{ name }}`` replaced by its value, HTML-escaped."""
    return re.sub(r"\{\{ (\w+) \}\}", lambda m: html.escape(str(values[m[1]])), template)


# --- the server -----------------------------------------------------------------------------

class ClassServer:
    """The page, the static files and one :class:`Visit` per websocket."""

    def __init__(self, arguments: Sequence[str], visitor_dir: str | None, host: str, port: int,
                 limits: Limits, warm: bool = True, program: Sequence[str] = APP_PROGRAM,
                 door: ClassDoor | None = None) -> None:
        """``arguments``: each visitor's app's; ``warm``: fork the apps from a warm process
        (:mod:`.warm`); ``program``: the command of an app started anew; ``door``: a
        class (None: every visitor their own app, no class)."""
        self.door = door
        self.arguments = list(arguments)
        self.warm = warm
        self.program = tuple(program)
        self.launcher: Launcher | None = None
        self.visitor_dir = visitor_dir
        self.addresses = Addresses(host, port)
        self.limits = limits
        self.page = PAGE.read_text(encoding="utf-8")
        self.join_page = JOIN_PAGE.read_text(encoding="utf-8")
        self.visits: set[Visit] = set()
        self.gate = Gate(limits.per_address, waiting=limits.max_sessions)
        """Visitors per address (a visitor waits for nothing: no login)."""
        self.visitors = 0
        """Visitors so far: the number each one has in the log."""
        self.folders: VisitorFolders | None = None
        """The server's own folder, where the visitors' folders are made (while it runs)."""

    def application(self) -> web.Application:
        app = web.Application(middlewares=[self.check_addresses],
                              client_max_size=self.limits.max_message)
        if self.door is None:
            app.add_routes([web.get("/", self.handle_page),
                            web.get("/ws", self.handle_websocket)])
        else:
            app.add_routes([web.get("/", self.handle_join_page),
                            web.get("/join", self.handle_join_page),
                            web.post("/join", self.handle_join),
                            web.get("/teach/{token}", self.handle_teacher),
                            web.get("/ws/{ticket}", self.handle_websocket)])
        app.add_routes([web.static("/static", STATIC)])
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        app.on_cleanup.append(self.on_cleanup)
        return app

    async def on_startup(self, app: web.Application) -> None:
        """Make the server's own folder (locked while it runs; see :mod:`.visitors`)."""
        try:
            self.folders = VisitorFolders()
        except OSError as exc:
            raise ServeError(f"cannot make a folder for the visitors in "
                             f"{tempfile.gettempdir()}: {exc.strerror or exc}") from None
        # The warm process imports Textual with the web driver's settings (read at import).
        self.launcher = await Launcher.open(self.warm, log.warning, web_environment(),
                                            self.program)
        if self.door is not None:
            await self.door.start(self.folders, self.limits.idle_seconds)

    async def on_cleanup(self, app: web.Application) -> None:
        """Remove the server's folder, with any visitor's folder still in it; end the warm
        process; stop the class's hub."""
        if self.door is not None:
            await self.door.close()
        if self.launcher is not None:
            self.launcher.close()
            self.launcher = None
        if self.folders is not None:
            self.folders.close()
            self.folders = None

    @web.middleware
    async def check_addresses(self, request: web.Request, handler) -> web.StreamResponse:
        """403 for a request to another name or from another site's page; no framing."""
        why = self.addresses.refusal(request.headers.get("Host", ""),
                                     request.headers.get("Origin"),
                                     request.path == "/ws" or request.path.startswith("/ws/"))
        if why is not None:
            log.warning("refused %r from %s: %s", request.path[:100], request.remote, why)
            return web.Response(status=403, text=f"{TITLE}: {why}\n")
        response = await handler(request)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
        return response

    def full(self) -> str | None:
        """"the class is full, N of N" when no one more may come in."""
        most = self.limits.max_sessions
        return f"the class is full, {most} of {most}" if len(self.visits) >= most else None

    async def handle_page(self, request: web.Request, ticket: str | None = None
                          ) -> web.Response:
        """The terminal page; in a class, its websocket carries ``ticket`` (``/ws/TICKET``)."""
        if full := self.full():
            return web.Response(status=503, text=f"{TITLE}: {full}; try again later\n")
        scheme = "wss" if request.secure else "ws"
        values = {
            "title": TITLE,
            "font_size": font_size(request.query.get("fontsize", "")),
            "static_url": "/static/",
            "websocket_url": f"{scheme}://{request.host}/ws"
                             + ("" if ticket is None else f"/{ticket}"),
        }
        return web.Response(text=fill(self.page, values), content_type="text/html",
                            headers={"Cache-Control": "no-store"})

    # -- a class: the join form, the teacher's address -----------------------------------------

    def joining(self, request: web.Request, status: int = 200, name: str = "",
                problem: str = "") -> web.Response:
        """The join form: ``problem`` said above it, ``name`` typed again for the student."""
        assert self.door is not None
        values = {"title": TITLE, "name": name, "most": NAME_MOST, "problem": problem,
                  "fontsize": font_size(request.query.get("fontsize", ""))}
        page = fill(self.join_page, values)
        if self.door.settings.code is None:
            page = re.sub(r"<!--code-->.*?<!--/code-->", "", page, flags=re.DOTALL)
        if not problem:
            page = re.sub(r"<!--problem-->.*?<!--/problem-->", "", page, flags=re.DOTALL)
        return web.Response(status=status, text=page, content_type="text/html",
                            headers={"Cache-Control": "no-store"})

    async def handle_join_page(self, request: web.Request) -> web.Response:
        if full := self.full():
            return self.joining(request, 503, problem=f"{full}; try again later")
        return self.joining(request)

    async def handle_join(self, request: web.Request) -> web.Response:
        """A student's name (and the class code): the terminal page with a one-time ticket,
        or the form again saying what was wrong. Wrong codes are slowed, then refused
        unchecked, by address (:class:`.gate.Throttle`)."""
        door = self.door
        assert door is not None
        try:
            form = await request.post()
        except (ValueError, web.HTTPException):
            return self.joining(request, 400, problem="the form could not be read; try again")
        name = str(form.get("name", "")).strip()
        if full := self.full():
            return self.joining(request, 503, name, f"{full}; try again later")
        if (wrong := name_refusal(name)) is not None:
            return self.joining(request, 400, name if len(name) <= 100 else "", wrong)
        code = door.settings.code
        if code is not None:
            address = request.remote or "?"
            throttle = door.throttle
            delay = throttle.delay(address)
            if delay is None:
                log.warning("a join from %s was refused unchecked: too many wrong class codes",
                            address)
                return self.joining(request, 429, name, (
                    f"too many wrong class codes from {address}; try again in a few minutes"))
            throttle.begin(address)
            right = False
            try:
                if delay:
                    await asyncio.sleep(delay)
                given = str(form.get("code", ""))
                right = hmac.compare_digest(given.encode("utf-8", "replace"), code.encode())
            finally:
                throttle.end(address, right)
            if not right:
                return self.joining(request, 403, name, "that is not the class code; ask your "
                                                        "teacher for it")
        ticket = door.ticket(name, False, self.limits.max_sessions + self.limits.per_address)
        return await self.handle_page(request, ticket)

    async def handle_teacher(self, request: web.Request) -> web.Response:
        """The teacher's address: the terminal page, as the teacher."""
        door = self.door
        assert door is not None
        address = request.remote or "?"
        if not door.is_teacher(request.match_info["token"]):
            door.throttle.begin(address)  # a guessed token counts as a wrong class code
            door.throttle.end(address, False)
            log.warning("refused a teacher's address from %s: not the token printed at start",
                        address)
            return web.Response(status=404, text=f"{TITLE}: no such page\n")
        ticket = door.ticket("teacher", True, self.limits.max_sessions + self.limits.per_address)
        return await self.handle_page(request, ticket)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=30, timeout=EXIT_SECONDS,
                                          max_msg_size=self.limits.max_frame)
        if full := self.full():
            log.warning("a visitor was turned away: %s", full)
            await websocket.prepare(request)
            await websocket.close(code=WSCloseCode.TRY_AGAIN_LATER, message=full.encode())
            return websocket
        joined: Ticket | None = None
        if self.door is not None:
            joined = self.door.take(request.match_info.get("ticket", ""))
            if joined is None:
                why = "join the class again: this page's ticket was used or is too old"
                log.warning("a visitor was turned away: no valid ticket")
                await websocket.prepare(request)
                await websocket.close(code=WSCloseCode.POLICY_VIOLATION, message=why.encode())
                return websocket
        address = request.remote or "?"
        refusal = self.gate.arrive(address)
        if refusal is not None:
            log.warning("a visitor was turned away: %s", refusal.reason)
            await websocket.prepare(request)
            await websocket.close(code=WSCloseCode.TRY_AGAIN_LATER,
                                  message=refusal.reason.encode()[:120])
            return websocket
        self.gate.started()
        self.visitors += 1
        visit = Visit(self.visitors, websocket, self.limits)
        self.visits.add(visit)
        token: str | None = None
        try:
            await websocket.prepare(request)
            size = visitor_size(request.query.get("width"), request.query.get("height"),
                                 self.limits)
            if self.folders is None or self.launcher is None:
                raise RuntimeError("the server is not started")
            environment: dict[str, str] = {}
            door = self.door
            if door is not None and joined is not None:  # the app joins the class
                if door.hub is None or door.socket is None:
                    raise RuntimeError("the class is not started")
                token, _ = door.hub.admit(joined.name, joined.teacher)
                environment = {ENV_SOCKET: str(door.socket), ENV_TOKEN: token}
            await visit.run(self.launcher, self.arguments, self.visitor_dir, size, self.folders,
                            environment)
        except Exception as exc:  # one visitor's failure is a log line, never the server's
            visit.say("ended by %s: %s", type(exc).__name__, exc)
            visit.kill()
        finally:
            if token is not None and self.door is not None and self.door.hub is not None:
                self.door.hub.left(token)
            self.visits.discard(visit)
            self.gate.leave(address, waiting=False)
            visit.finished.set()
        return websocket

    async def on_shutdown(self, app: web.Application) -> None:
        """Kill every visitor's app, tell their pages, wait (bounded) for each to be gone."""
        visits = list(self.visits)
        if visits:
            await asyncio.wait([asyncio.create_task(visit.end("the server stopped"))
                                for visit in visits], timeout=SHUTDOWN_SECONDS)
            await asyncio.wait([asyncio.create_task(visit.finished.wait()) for visit in visits],
                               timeout=SHUTDOWN_SECONDS)


def serve(arguments: Sequence[str], visitor_dir: str | None, host: str, port: int,
          limits: Limits, announce: Callable[[], None] | None = None, warm: bool = True,
          class_: ClassSettings | None = None) -> None:
    """Serve the app until Ctrl+C, SIGTERM or SIGHUP; each visitor's app takes ``arguments``
    (forked from a warm process unless ``warm`` is false).

    ``visitor_dir`` is the app's option for its visitor's folder (``--visitor-dir``;
    None: the folder is only the app's working folder). ``announce`` is called once
    the server listens. A host or port the server cannot listen on raises
    :class:`ServeError`.

    ``class_``: one class for the room (:class:`ClassSettings`); the teacher's address is
    told (``class_.tell``) and written to ``class_.url_file`` once the server listens. An
    answers file or a teacher's address file that cannot be written raises
    :class:`ServeError` before anyone is served.
    """
    logging.basicConfig(level=logging.WARNING, format=f"{TITLE} serve: %(message)s")
    door = None
    if class_ is not None:
        check_url_file(class_.url_file)
        try:
            answers = None if class_.answers is None else AnswerLog(class_.answers)
        except FileError as exc:
            raise ServeError(f"--answers {exc}") from None
        door = ClassDoor(class_, answers)
    server = ClassServer(arguments, visitor_dir, host, port, limits, warm, door=door)

    async def run() -> None:
        sweep()  # the folders of servers killed before they could remove them
        runner = web.AppRunner(server.application(), access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, host or None, port, shutdown_timeout=SHUTDOWN_SECONDS)
            try:
                await site.start()
            except OSError as exc:
                raise ServeError(bind_error_message(exc, host, port)) from None
            stop = asyncio.Event()
            if sys.platform != "win32":  # on Windows, Ctrl+C arrives as KeyboardInterrupt
                for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                    asyncio.get_running_loop().add_signal_handler(signum, stop.set)
            if announce is not None:
                announce()
            if door is not None:
                announce_class(door, host, port)
            await stop.wait()
        finally:
            await runner.cleanup()

    try:
        asyncio.run(run())
    finally:
        if door is not None and door.answers is not None:  # never started
            door.answers.close()


def announce_class(door: ClassDoor, host: str, port: int) -> None:
    """The teacher's address, told and written to its file (readable by its owner only)."""
    settings = door.settings
    url = teacher_url(host, port, door.teacher_token)
    write_url_file(settings.url_file, url)
    where = Path(settings.url_file).absolute()
    code = ("with their name and the class code" if settings.code is not None
            else "with their name")
    students = address_for_others(port) if listens_everywhere(host) else url_for(host, port)
    settings.tell(f"a class: students open {students} and join {code}")
    settings.tell(f"the teacher's address (keep it to yourself; also in {shown_name(where)}, "
                  f"readable by you only): {url}")
