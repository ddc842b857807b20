"""What one visitor of ``backprop-tui ssh`` cannot do to the class.

Each limit is tried as an unfriendly student would, against a real server on a
free loopback port, with asyncssh's client (which sends what OpenSSH's would not:
a 10000×10000 terminal, a 250,000-character terminal type, a second session on
one connection) or the OpenSSH client where its message is what a student reads.
Sizes and floods are bounded, and so is every wait.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from backprop_tui import gate
from backprop_tui.gate import Gate, Throttle
from backprop_tui.listen import MAX_COLUMNS, MAX_ROWS
from backprop_tui.ssh import (
    DEFAULT_TERM,
    INPUT_WAITING,
    import_asyncssh,
    terminal_type,
    window,
)

from .test_ssh import (
    CLIENT_OPTIONS,
    READY,
    SSH,
    WAIT,
    SshServer,
    _cmdline,
    alive,
    children,
)

pyte = pytest.importorskip("pyte")
if not os.path.exists(SSH):
    pytestmark = pytest.mark.skip(reason=f"{SSH} is missing (apt-get install openssh-client)")

# --- the rules, without a server ------------------------------------------------------------


def test_the_window_is_clamped_as_the_browser_s_is() -> None:
    assert window(10000, 10000, 0, 0) == (MAX_COLUMNS, MAX_ROWS, 0, 0)
    assert window(65535, 65535, 70000, 1 << 31) == (MAX_COLUMNS, MAX_ROWS, 0xFFFF, 0xFFFF)
    assert window(1 << 32, 1 << 40, -1, 5) == (MAX_COLUMNS, MAX_ROWS, 0, 5)
    assert window(120, 40, 960, 640) == (120, 40, 960, 640)


def test_a_terminal_type_is_short_printable_ascii_or_the_default() -> None:
    assert terminal_type("xterm-kitty") == "xterm-kitty"
    assert terminal_type("x" * 64) == "x" * 64
    for bad in ("x" * 65, "x" * 250_000, "", None, "xterm\x1b[2J", "my term", "xtérm", "a\nb"):
        assert terminal_type(bad) == DEFAULT_TERM


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_throttle_slows_then_refuses_and_forgets() -> None:
    clock = Clock()
    throttle = Throttle(clock)
    for _ in range(gate.FREE_FAILURES):
        assert throttle.delay("10.0.0.1") == 0.0
        throttle.begin("10.0.0.1")
        throttle.end("10.0.0.1", right=False)
    for _ in range(gate.MOST_FAILURES - gate.FREE_FAILURES):
        assert throttle.delay("10.0.0.1") == gate.FAILURE_DELAY
        throttle.begin("10.0.0.1")
        throttle.end("10.0.0.1", right=False)
    assert throttle.delay("10.0.0.1") is None  # refused, before any password is checked
    assert throttle.delay("10.0.0.2") == 0.0  # another address is not punished
    clock.now += gate.FAILURE_WINDOW + 1
    assert throttle.delay("10.0.0.1") == 0.0
    assert throttle.failures == {}  # nothing kept for addresses that went quiet


def test_guesses_being_checked_count_as_failures() -> None:
    throttle = Throttle(Clock())
    for _ in range(gate.MOST_FAILURES):
        assert throttle.delay("h") is not None
        throttle.begin("h")  # all in flight at once, none answered yet
    assert throttle.delay("h") is None
    for _ in range(gate.MOST_FAILURES):
        throttle.end("h", right=True)
    assert throttle.delay("h") == 0.0  # right ones are not held against the address


def test_the_gate_counts_per_address_and_waiting() -> None:
    door = Gate(per_address=2, waiting=3)
    assert door.arrive("a") is None and door.arrive("a") is None
    refusal = door.arrive("a")
    assert refusal is not None and "too many connections from a (2 at most)" in refusal.reason
    assert not refusal.full  # it may wait to be told why (held), as there is room
    door.hold()
    door.release()
    assert door.arrive("b") is None
    refusal = door.arrive("c")
    assert refusal is not None and "logging in" in refusal.reason
    door.started()  # one of a's has its app
    assert door.arrive("c") is None
    door.leave("a", waiting=False)
    door.leave("a", waiting=True)
    door.leave("b", waiting=True)
    door.leave("c", waiting=True)
    assert door.open == {} and door.waiting == 0


# --- a real server --------------------------------------------------------------------------


@pytest.fixture
def servers() -> Iterator[list[SshServer]]:
    made: list[SshServer] = []
    yield made
    for server in made:
        server.stop()


def start(servers: list[SshServer], folder: Path, *args: str) -> SshServer:
    server = SshServer(folder, *args)
    servers.append(server)
    return server


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def connect(port: int, **options):
    asyncssh = import_asyncssh()
    return asyncssh.connect("127.0.0.1", port, username="student", known_hosts=None,
                            client_keys=None, agent_path=None, **options)


class Screen:
    """What an asyncssh client's process has written, kept by pyte."""

    def __init__(self, process, cols: int, rows: int) -> None:
        self.process = process
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()

    def text(self) -> str:
        return "\n".join(self.screen.display)

    async def wait_for(self, text: str, most_bytes: int = 16 << 20) -> None:
        deadline = time.monotonic() + WAIT
        while text not in self.text():
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} not on screen within {WAIT} s"
            assert len(self.raw) < most_bytes, f"{len(self.raw)} bytes and still no {text!r}"
            try:
                data = await asyncio.wait_for(self.process.stdout.read(65536), left)
            except asyncio.TimeoutError:
                continue
            assert data, f"the session ended before {text!r} showed:\n{self.text()}"
            self.raw += data
            self.stream.feed(data)


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 120))


CURSOR = re.compile(rb"\x1b\[(\d+);(\d+)H")


def test_a_huge_terminal_is_drawn_at_the_most_and_a_larger_one_keeps_the_session(
        tmp_path: Path, servers: list[SshServer]) -> None:
    server = start(servers, tmp_path)

    async def visit() -> None:
        async with connect(server.port) as conn:
            process = await conn.create_process(term_type="xterm-256color",
                                                term_size=(10000, 10000), encoding=None)
            screen = Screen(process, MAX_COLUMNS, MAX_ROWS)
            await screen.wait_for(READY, most_bytes=4 << 20)
            places = [(int(r), int(c)) for r, c in CURSOR.findall(bytes(screen.raw))]
            assert places and max(r for r, _ in places) <= MAX_ROWS
            assert max(c for _, c in places) <= MAX_COLUMNS
            # Beyond what a pty can hold (asyncssh's own client packs 32 bits).
            process.change_terminal_size(70000, 70000)
            process.change_terminal_size(1 << 20, 65536)
            process.stdin.write(b"f")
            await screen.wait_for("C ")
            process.stdin.write(b"q")
            done = await asyncio.wait_for(process.wait(), WAIT)
            assert done.exit_status == 0

    run(visit())
    assert rss_kib(server.process.pid) < 200 * 1024


async def settled_growth(pid: int, before: int) -> int:
    """How much ``pid``'s resident size grew from ``before`` (KiB), once it has not changed
    for a second (loopback moves a flood in well under that), or after WAIT."""
    deadline = time.monotonic() + WAIT
    last, since = rss_kib(pid), time.monotonic()
    while time.monotonic() - since < 1.0 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        now = rss_kib(pid)
        if now != last:
            last, since = now, time.monotonic()
    return last - before


def test_a_flood_of_typing_waits_in_the_client_not_in_the_server(
        tmp_path: Path, servers: list[SshServer]) -> None:
    server = start(servers, tmp_path)
    flood = 48 << 20

    async def visit() -> int:
        async with connect(server.port) as conn:
            process = await conn.create_process(term_type="xterm-256color",
                                                term_size=(80, 24), encoding=None)
            screen = Screen(process, 80, 24)
            await screen.wait_for(READY)
            before = rss_kib(server.process.pid)
            chunk = b"\x00" * (1 << 20)  # ctrl+@: a key the app does nothing with
            for _ in range(flood >> 20):
                process.stdin.write(chunk)
            grown = await settled_growth(server.process.pid, before)
            process.close()
            return grown

    grown = run(visit())
    # The server holds what flow control lets through: the SSH window (2 MiB) and
    # INPUT_WAITING, not the flood.
    assert grown * 1024 < 16 << 20, f"the server grew by {grown} KiB for a {flood >> 20} MiB flood"
    assert INPUT_WAITING <= 64 * 1024


def test_one_connection_gets_one_app(tmp_path: Path, servers: list[SshServer]) -> None:
    server = start(servers, tmp_path)
    asyncssh = import_asyncssh()

    async def visit() -> None:
        async with connect(server.port) as conn:
            first = await conn.create_process(term_type="xterm", term_size=(80, 24),
                                              encoding=None)
            await Screen(first, 80, 24).wait_for(READY)
            for _ in range(3):
                with pytest.raises(asyncssh.ChannelOpenError, match="one app per connection"):
                    await conn.create_process(term_type="xterm", term_size=(80, 24))
            assert len(server.apps()) == 1
            first.stdin.write(b"q")
            await asyncio.wait_for(first.wait(), WAIT)

    run(visit())


def openssh(port: int, source: str = "127.0.0.1") -> subprocess.CompletedProcess:
    return subprocess.run([SSH, *CLIENT_OPTIONS, "-b", source, "-p", str(port), "127.0.0.1",
                           "-T"], capture_output=True, text=True, timeout=WAIT)


def test_one_address_holds_a_bounded_number_of_connections(
        tmp_path: Path, servers: list[SshServer]) -> None:
    server = start(servers, tmp_path, "--max-per-address", "2", "--max-sessions", "5")

    async def visit() -> None:
        async with connect(server.port) as one, connect(server.port) as two:
            for conn in (one, two):
                process = await conn.create_process(term_type="xterm", term_size=(80, 24),
                                                    encoding=None)
                await Screen(process, 80, 24).wait_for(READY)
            refused = await asyncio.to_thread(openssh, server.port)
            assert refused.returncode == 255
            assert "too many connections from 127.0.0.1 (2 at most)" in refused.stderr
            other = await asyncio.to_thread(openssh, server.port, "127.0.0.2")
            assert "the app needs a terminal" in other.stderr  # let in: another address

    run(visit())


def test_connections_without_an_app_are_bounded_and_timed_out(
        tmp_path: Path, servers: list[SshServer]) -> None:
    server = start(servers, tmp_path, "--login-seconds", "3", "--max-sessions", "2")
    idle: list[socket.socket] = []
    try:
        for n in range(2 + gate.WAITING):  # each from its own address: the per-address cap aside
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=WAIT,
                                            source_address=(f"127.0.0.{n + 10}", 0))
            assert sock.recv(256).startswith(b"SSH-2.0-")
            idle.append(sock)
        started = time.monotonic()
        extra = socket.create_connection(("127.0.0.1", server.port), timeout=WAIT,
                                         source_address=("127.0.0.200", 0))
        received = b""
        while chunk := extra.recv(4096):
            received += chunk
        extra.close()
        assert b"too many connections are logging in at once" in received
        for sock in idle:  # closed by the server at the login time, not kept for ever
            while sock.recv(4096):
                pass
        waited = time.monotonic() - started
        assert waited < WAIT
        done = openssh(server.port)  # and the server goes on letting people in
        assert "the app needs a terminal" in done.stderr
    finally:
        for sock in idle:
            sock.close()


def test_a_terminal_type_of_250000_characters_harms_no_one(
        tmp_path: Path, servers: list[SshServer]) -> None:
    server = start(servers, tmp_path)

    async def visit(term: str) -> None:
        async with connect(server.port) as conn:
            process = await conn.create_process(term_type=term, term_size=(80, 24),
                                                encoding=None)
            await Screen(process, 80, 24).wait_for(READY)
            (app,) = server.apps()
            parent = int(Path(f"/proc/{app}/stat").read_text().rsplit(")", 1)[1].split()[1])
            assert b"--zygote" in _cmdline(parent)  # forked by the warm process
            process.stdin.write(b"q")
            await asyncio.wait_for(process.wait(), WAIT)

    run(visit("x" * 250_000))
    run(visit("xterm-256color"))  # the warm process still serves the next one
    zygotes = [p for p in children(server.process.pid) if b"--zygote" in _cmdline(p)]
    assert len(zygotes) == 1 and alive(zygotes[0])


def test_wrong_passwords_are_slowed_then_refused_unchecked(
        tmp_path: Path, servers: list[SshServer]) -> None:
    (tmp_path / "password").write_text("correct horse\n")
    server = start(servers, tmp_path, "--password-file", "password")
    asyncssh = import_asyncssh()

    async def attempt(password: str) -> tuple[str, float]:
        began = time.monotonic()
        try:
            async with connect(server.port, password=password,
                               preferred_auth="password"):
                return "in", time.monotonic() - began
        except asyncssh.DisconnectError as exc:  # PermissionDenied is one
            return f"denied: {exc.reason}", time.monotonic() - began

    async def guess() -> None:
        assert (await attempt("correct horse"))[0] == "in"
        took = []
        for _ in range(gate.MOST_FAILURES):
            outcome, seconds = await attempt("wrong")
            assert outcome.startswith("denied") and "too many" not in outcome
            took.append(seconds)
        # the first few at once; each later one waits before it is checked
        assert all(t >= gate.FAILURE_DELAY * 0.9 for t in took[gate.FREE_FAILURES:]), took
        outcome, _ = await attempt("correct horse")  # refused unchecked, with the reason
        assert outcome.startswith("denied") and "too many wrong passwords" in outcome

    run(guess())
