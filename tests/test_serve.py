"""``backprop-tui serve``: the server as a subprocess, its page, its safety, and a real browser.

The safety tests talk to the server with aiohttp's websocket client, as a
browser's page would (the protocol of textual-serve's ``textual.js``), on a
free port of 127.0.0.1.

The browser test drives Debian's ``chromium`` with Playwright and reads the
app's text from the page's DOM. textual-serve's terminal (xterm.js) draws on a
canvas, so the test turns on the terminal's screen-reader mode, which mirrors
every row of the screen as text in its accessibility tree
(``.xterm-accessibility-tree``), and reads that. It is skipped only when no
chromium can be found.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import aiohttp
import pytest
import textual_serve
from aiohttp import web

from backprop_tui import cli
from backprop_tui.cli import (
    app_arguments,
    app_takes,
    build_parser,
    join_negative_values,
    start_values,
)
from backprop_tui.model import Network, Samples
from backprop_tui.present.format import number
from backprop_tui.serve import (
    Addresses,
    BadMessage,
    Budget,
    ClassServer,
    Limits,
    font_size,
    read_message,
    url_for,
    visitor_size,
)

WAIT = 30.0
"""Seconds any one wait may take at most (the server starting, the page showing text)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backprop_tui", *args], capture_output=True,
                          text=True, timeout=60, cwd=cwd)


def fetch(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


def page_says_full(url: str) -> bool:
    """Whether the server's page answers 503, "the class is full"."""
    try:
        fetch(url)
    except urllib.error.HTTPError as exc:
        if exc.code == 503:
            return True
        raise
    return False


def children_of(parent: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.append(int(stat.parent.name))
    return children


class Server:
    """``backprop-tui serve`` on a free loopback port, as a subprocess."""

    def __init__(self, *args: str, cwd: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "backprop_tui", "serve", "--port", str(self.port), *args],
            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )

    def wait_until_it_answers(self) -> None:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                out, err = self.process.communicate()
                pytest.fail(f"the server ended with {self.process.returncode}: {err or out}")
            try:
                fetch(self.url)
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        pytest.fail(f"the server did not answer on {self.url} within {WAIT} s")

    def app_processes(self) -> list[int]:
        """The ids of the visitors' apps (one per visitor): the children of the server's warm
        process, and the server's other children (apps started anew)."""
        apps = []
        for child in children_of(self.process.pid):
            if b"--zygote" in Path(f"/proc/{child}/cmdline").read_bytes():
                apps.extend(children_of(child))
            else:
                apps.append(child)
        return apps


    def stop(self) -> tuple[int, str, str]:
        """Ctrl+C (SIGINT), then the exit status and what it printed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            out, err = self.process.communicate(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"the server did not stop within {WAIT} s of Ctrl+C")
        return self.process.returncode, out, err

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()


@pytest.fixture
def start_server(tmp_path):
    servers: list[Server] = []

    def start(*args: str, cwd: Path = tmp_path) -> Server:
        server = Server(*args, cwd=cwd)
        servers.append(server)
        server.wait_until_it_answers()
        return server

    yield start
    for server in servers:
        server.kill()


class Links(HTMLParser):
    """Every address a page refers to with src= or href=."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])
        for name in ("src", "href"):
            if attrs.get(name):
                self.links.append(attrs[name])


# --- the server, without a browser ------------------------------------------------------


def test_the_page_and_its_script_are_served_locally(start_server):
    server = start_server()
    status, kind, body = fetch(server.url)
    assert status == 200 and kind.startswith("text/html")
    page = body.decode()
    links = Links()
    links.feed(page)
    assert links.scripts == ["/static/js/textual.js"]
    # Nothing from outside: every address is on this server (or an empty data: icon).
    for link in links.links:
        assert link.startswith("/") and not link.startswith("//") or link == "data:,", link
    assert "googleapis" not in page and "https://" not in page
    for address in re.findall(r'url\("([^"]+)"\)', page):
        assert address.startswith("/static/"), address
        assert fetch(server.url.rstrip("/") + address)[0] == 200
    status, kind, script = fetch(server.url.rstrip("/") + links.scripts[0])
    assert status == 200 and "javascript" in kind
    bundle = Path(textual_serve.__file__).parent / "static" / "js" / "textual.js"
    assert script == bundle.read_bytes()
    # The terminal connects back to the address the page was asked for.
    assert f'data-session-websocket-url="ws://127.0.0.1:{server.port}/ws"' in page
    code, out, err = server.stop()
    assert code == 0, err
    assert f"serving the app on {server.url}" in out
    assert "Traceback" not in err


def test_the_page_font_size_follows_the_address(start_server):
    server = start_server()
    assert 'data-font-size="24"' in fetch(server.url + "?fontsize=24")[2].decode()
    assert 'data-font-size="16"' in fetch(server.url + "?fontsize=big")[2].decode()
    assert font_size("1000") == 64 and font_size("2") == 8 and font_size("") == 16


def test_a_port_in_use_is_one_line_and_exit_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run("serve", "--port", str(port))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--port" in lines[0] and "in use" in lines[0], done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("args, option", [
    (["--port", "0"], "--port"),
    (["--port", "70000"], "--port"),
    (["--port", "http"], "--port"),
    (["--w", "1,2", "--b", "0"], "--b"),
    (["--lr", "nan"], "--lr"),
    (["--data", "missing.csv"], "--data"),
    (["--session", "missing.json"], "--session"),
    (["--activation", "tanh", "--cost", "cross-entropy"], "--cost"),
    (["--host", "no-such-host.invalid"], "--host"),
])
def test_bad_options_are_refused_before_serving(tmp_path, args, option):
    done = run("serve", *args, cwd=tmp_path)
    assert done.returncode == 2, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and option in lines[0], done.stderr
    assert "serving" not in done.stdout


def test_the_options_reach_each_visitors_app_unchanged(tmp_path, monkeypatch):
    folder = tmp_path / "it's a class"
    folder.mkdir()
    (folder / "data.csv").write_text("x,y\n0,0\n0.3,0\n0.6,1\n0.9,1\n")
    monkeypatch.chdir(tmp_path)
    given = ["serve", "--w", "-0.3,0.1,1e-7", "--b", "0.1,-0.2,0.30000000000000004",
             "--lr", "1.5", "--data", "it's a class/data.csv", "--activation", "tanh"]
    served = build_parser().parse_args(join_negative_values(given))
    arguments = app_arguments(served)
    assert f"--data={folder / 'data.csv'}" in arguments
    expected = start_values(served)
    monkeypatch.chdir(folder)  # the app does not depend on the folder it starts in
    app = build_parser().parse_args(arguments)
    assert app.command is None
    assert start_values(app) == expected
    layered = build_parser().parse_args(["serve", "--layers", "5", "--seed", "3"])
    assert app_arguments(layered) == ["--layers=5", "--seed=3"]
    assert start_values(build_parser().parse_args(app_arguments(layered))) == \
        start_values(layered)


def test_the_url_said_is_one_a_browser_can_open():
    assert url_for("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert url_for("0.0.0.0", 8080) == "http://127.0.0.1:8080/"
    assert url_for("::1", 8000) == "http://[::1]:8000/"
    assert url_for("localhost", 9000) == "http://localhost:9000/"


# --- safety: who may connect, caps, malformed messages, the apps' processes ---------------

GONE_SECONDS = 2.0
"""How long a visitor's app (its whole process group) may outlive its visitor or the server."""
FOREIGN = "http://evil.example"
LIMITS = Limits(max_sessions=40, idle_seconds=1800)


def origin_of(server: Server) -> str:
    return f"http://127.0.0.1:{server.port}"


def process_stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state, ppid, pgrp, …)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def group_members(pgid: int) -> list[int]:
    """The processes (zombies included) of process group ``pgid``."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = process_stat(int(stat.parent.name))
        if fields is not None and int(fields[2]) == pgid:
            members.append(int(stat.parent.name))
    return members


async def wait_until(condition, seconds: float = WAIT) -> bool:
    """Whether ``condition()`` became true within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()


async def first_screen(ws) -> bytes:
    """What the visitor's app draws first (its title is in it)."""
    screen = b""
    deadline = time.monotonic() + WAIT
    while b"backprop-tui" not in screen:
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"the app drew nothing within {WAIT} s: {screen[:200]!r}")
        message = await ws.receive(timeout=left)
        if message.type != aiohttp.WSMsgType.BINARY:
            pytest.fail(f"the server sent {message.type!r} {message.data!r} {message.extra!r}")
        screen += message.data
    return screen


async def closing(ws, seconds: float = WAIT) -> aiohttp.WSMessage:
    """The message that closes ``ws`` (screen updates before it are skipped)."""
    deadline = time.monotonic() + seconds
    while True:
        message = await ws.receive(timeout=max(deadline - time.monotonic(), 0.01))
        if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                            aiohttp.WSMsgType.CLOSING):
            return message


async def pong(ws, text: str) -> None:
    """Ping through ``ws``; the server's pong for ``text`` must come back."""
    await ws.send_str(f'["ping", "{text}"]')
    deadline = time.monotonic() + WAIT
    while True:
        message = await ws.receive(timeout=max(deadline - time.monotonic(), 0.01))
        if message.type == aiohttp.WSMsgType.TEXT and message.json() == ["pong", text]:
            return
        assert message.type == aiohttp.WSMsgType.BINARY, (message.type, message.data)


def the_app_of(server: Server) -> int:
    apps = server.app_processes()
    assert len(apps) == 1, apps
    return apps[0]


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def argv_of(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]


async def test_a_foreign_page_can_neither_start_nor_reach_an_app(start_server):
    server = start_server()
    ws_url = f"http://127.0.0.1:{server.port}/ws"
    async with aiohttp.ClientSession() as session:
        for origin, headers in [
            (FOREIGN, {}),  # a page of another site the teacher opens
            (f"http://localhost:{server.port + 1}", {}),  # another server on this machine
            ("null", {}),  # a sandboxed page, or a file
            (None, {}),  # no Origin at all: not a page of this server
            # DNS rebinding: a name of the attacker's pointed at 127.0.0.1
            (f"http://evil.example:{server.port}", {"Host": f"evil.example:{server.port}"}),
        ]:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                async with session.ws_connect(ws_url, origin=origin, headers=headers):
                    pass
            assert refused.value.status == 403, origin
        # The page itself is not given to another name, nor to another site's script.
        async with session.get(server.url, headers={"Host": f"evil.example:{server.port}"}) as r:
            assert r.status == 403 and "websocket" not in await r.text()
        async with session.get(server.url, headers={"Origin": FOREIGN}) as response:
            assert response.status == 403
    assert server.app_processes() == []  # nothing was started
    code, out, err = server.stop()
    assert code == 0 and "Traceback" not in err
    assert "requests from 'http://evil.example' are not served" in err


@pytest.mark.parametrize("warm", [True, False], ids=["forked", "anew"])
async def test_the_pages_own_origin_gets_an_app_in_a_private_folder(start_server, warm):
    server = start_server(*([] if warm else ["--no-zygote"]))
    async with aiohttp.ClientSession() as session:
        # The address the page was loaded from, written as 127.0.0.1 or as localhost.
        for name in ("127.0.0.1", "localhost"):
            async with session.ws_connect(
                    f"http://127.0.0.1:{server.port}/ws", origin=f"http://{name}:{server.port}",
                    headers={"Host": f"{name}:{server.port}"}) as ws:
                await first_screen(ws)
                app = the_app_of(server)
                parent = parent_of(app)
                if warm:  # forked by the server's warm process, which imported the app once
                    assert b"--zygote" in Path(f"/proc/{parent}/cmdline").read_bytes()
                    assert parent_of(parent) == server.process.pid
                else:  # started directly (no shell)
                    assert parent == server.process.pid
                    argv = argv_of(app)
                    assert argv[:3] == [sys.executable, "-m", "backprop_tui"]
                # In a private folder of its own, which the app is told is its visitor's
                # (once the app has the option).
                folder = Path(f"/proc/{app}/cwd").resolve()
                assert folder.name.startswith("backprop-visitor-")
                # Made in the server's own folder (which the next server removes should
                # this one be killed: tests/test_visitor_folders.py).
                assert folder.parent.name.startswith("backprop-tui-server-")
                assert folder.is_dir() and folder.stat().st_mode & 0o777 == 0o700
                if not warm:
                    given = [arg for arg in argv if arg.startswith("--visitor-dir")]
                    assert given == ([f"--visitor-dir={folder}"]
                                     if app_takes("--visitor-dir") else [])
                # Its own process group and session, which it leads.
                assert os.getpgid(app) == app and os.getsid(app) == app
                assert os.getpgid(app) != os.getpgid(server.process.pid)
                await pong(ws, name)
            # The visitor left: the app's whole group is gone, the folder removed.
            assert await wait_until(lambda app=app: not group_members(app), GONE_SECONDS), \
                group_members(app)
            assert await wait_until(lambda folder=folder: not folder.exists(), GONE_SECONDS)
    code, out, err = server.stop()
    assert code == 0 and "Traceback" not in err


async def test_one_address_connects_a_bounded_number_of_visitors(start_server):
    server = start_server("--max-per-address", "1")
    async with aiohttp.ClientSession() as session:
        ws_url, origin = f"{origin_of(server)}/ws", origin_of(server)
        async with session.ws_connect(ws_url, origin=origin) as first:
            await first_screen(first)
            async with session.ws_connect(ws_url, origin=origin) as second:
                refused = await closing(second)
                assert refused.data == 1013
                assert refused.extra.startswith("too many connections from 127.0.0.1 (1 at most)")
            assert len(server.app_processes()) == 1
            await pong(first, "still here")
        # Once the first has gone, the address may connect again.
        assert await wait_until(lambda: not server.app_processes(), GONE_SECONDS)
        async with session.ws_connect(ws_url, origin=origin) as again:
            await first_screen(again)
    code, _, err = server.stop()
    assert code == 0 and "turned away: too many connections from 127.0.0.1" in err


async def test_one_visitor_more_than_the_cap_is_told_the_class_is_full(start_server):
    server = start_server("--max-sessions", "2")
    async with aiohttp.ClientSession() as session:
        ws_url, origin = f"{origin_of(server)}/ws", origin_of(server)
        async with session.ws_connect(ws_url, origin=origin) as first, \
                session.ws_connect(ws_url, origin=origin) as second:
            await first_screen(first)
            await first_screen(second)
            async with session.ws_connect(ws_url, origin=origin) as third:
                refused = await closing(third)
                assert refused.type == aiohttp.WSMsgType.CLOSE
                assert refused.data == 1013 and refused.extra == "the class is full, 2 of 2"
            async with session.get(server.url) as response:
                assert response.status == 503
                assert (await response.text()).splitlines() == [
                    "backprop-tui: the class is full, 2 of 2; try again later"]
            assert len(server.app_processes()) == 2
            await first.close()
            # One left: the next newcomer gets in.
            ok = await wait_until(lambda: len(server.app_processes()) == 1, GONE_SECONDS)
            assert ok, server.app_processes()
            # The server frees the place once it has seen the app end, a moment after
            # the process is gone: the page stops saying "full" first.
            assert await wait_until(lambda: not page_says_full(server.url), GONE_SECONDS)
            async with session.ws_connect(ws_url, origin=origin) as fourth:
                await first_screen(fourth)
                await pong(second, "still here")
    code, out, err = server.stop()
    assert code == 0 and "Traceback" not in err
    assert "a visitor was turned away: the class is full, 2 of 2" in err


async def test_an_idle_visitors_app_is_ended_with_a_message(start_server):
    server = start_server("--idle-minutes", "0.02")  # 1.2 s
    async with aiohttp.ClientSession() as session:
        ws_url, origin = f"{origin_of(server)}/ws", origin_of(server)
        async with session.ws_connect(ws_url, origin=origin) as busy, \
                session.ws_connect(ws_url, origin=origin) as idle:
            await first_screen(busy)
            await first_screen(idle)
            apps = server.app_processes()
            assert len(apps) == 2
            # Two idle times pass; the busy visitor sends something every 0.3 s.
            ended = asyncio.create_task(closing(idle))
            for _ in range(8):
                await busy.send_str('["focus"]')
                await asyncio.sleep(0.3)
            message = await ended
            assert message.type == aiohttp.WSMsgType.CLOSE
            assert message.extra == ("ended after 0.02 minutes without input; "
                                     "reload the page to start again")
            assert not busy.closed
            await pong(busy, "awake")
            assert await wait_until(lambda: len(server.app_processes()) == 1, GONE_SECONDS)
    code, out, err = server.stop()
    assert code == 0 and "Traceback" not in err
    assert "idle for 0.02 minutes: the app is ended" in err


def test_the_terminal_size_a_visitor_asks_for_is_capped():
    limits = LIMITS
    assert visitor_size(20000, 20000, limits) == (500, 200)
    assert visitor_size("1000", "300", limits) == (500, 200)
    assert visitor_size(0, -5, limits) == (1, 1)
    assert visitor_size("wide", True, limits) == (80, 24)
    assert visitor_size(None, None, limits) == (80, 24)
    assert visitor_size(120, 40, limits) == (120, 40)


async def test_the_served_app_gets_at_most_500_by_200(start_server):
    server = start_server()
    async with aiohttp.ClientSession() as session:
        ws_url, origin = f"{origin_of(server)}/ws", origin_of(server)
        # Asked for on connecting (each visitor's app starts at its size): the app draws
        # rows 1 to 200 and columns 1 to 500 (cursor moves ESC[row;colH), no more.
        async with session.ws_connect(ws_url + "?width=1000&height=300", origin=origin) as ws:
            drawn = await first_screen(ws)

            def places() -> list[tuple[int, int]]:
                return [(int(r), int(c)) for r, c in re.findall(rb"\x1b\[(\d+);(\d+)H", drawn)]

            deadline = time.monotonic() + WAIT
            while max(r for r, _ in places()) < 200 and time.monotonic() < deadline:
                with contextlib.suppress(asyncio.TimeoutError):
                    message = await ws.receive(timeout=0.5)
                    if message.type == aiohttp.WSMsgType.BINARY:
                        drawn += message.data
            assert max(r for r, _ in places()) == 200 and max(c for _, c in places()) <= 500
        assert await wait_until(lambda: not server.app_processes(), GONE_SECONDS)
        # Asked for later: the app draws rows 1 to 200 (cursor moves ESC[row;colH), no more.
        async with session.ws_connect(ws_url, origin=origin) as ws:
            screen = await first_screen(ws)

            def rows() -> set[int]:
                return {int(row) for row in re.findall(rb"\x1b\[(\d+);\d+H", screen)}

            assert max(rows()) <= 24
            await ws.send_str('["resize", {"width": 1000, "height": 300}]')
            deadline = time.monotonic() + WAIT
            while max(rows()) < 200 and time.monotonic() < deadline:
                try:
                    message = await ws.receive(timeout=0.5)
                except asyncio.TimeoutError:
                    continue
                if message.type == aiohttp.WSMsgType.BINARY:
                    screen += message.data
            await pong(ws, "resized")  # everything drawn before the pong is in
            assert max(rows()) == 200
    server.stop()


def test_what_a_browser_may_send_is_read_strictly():
    assert read_message('["stdin", "f"]') == ("stdin", "f")
    assert read_message('["resize", {"width": 90, "height": 30}]') == ("resize", (90, 30))
    assert read_message('["ping", "1"]') == ("ping", "1")
    assert read_message('["focus"]') == ("focus", None)
    for text in ["", "nonsense", "{}", "[]", "[1]", '["stdin"]', '["stdin", 5]',
                 '["resize", {"width": "90", "height": 30}]', '["resize", {"width": true, '
                 '"height": 1}]', '["resize", [1, 2]]', '["focus", 1]', '["shell", "ls"]',
                 "[" * 100_000]:
        with pytest.raises(BadMessage):
            read_message(text)


def test_a_visitors_budget_refills_at_its_rate():
    now = [0.0]
    budget = Budget(10, clock=lambda: now[0])  # 10 a second, 40 at once
    assert budget.spend(40) and not budget.spend(1)
    now[0] = 0.5
    assert budget.spend(5) and not budget.spend(1)
    now[0] = 100.0
    assert budget.spend(40) and not budget.spend(1)  # no more than four seconds' worth


async def test_malformed_messages_are_dropped_and_the_server_goes_on(start_server):
    server = start_server()
    async with aiohttp.ClientSession() as session:
        ws_url, origin = f"{origin_of(server)}/ws", origin_of(server)
        async with session.ws_connect(ws_url, origin=origin) as ws, \
                session.ws_connect(ws_url, origin=origin) as other:
            await first_screen(ws)
            await first_screen(other)
            bad = ["not json", "{}", '["stdin", 5]', '["resize", {"width": "9e9"}]',
                   '["resize", {"width": true, "height": 1}]', "[" * 50_000,
                   '["stdin", "' + "x" * 200_000 + '"]']
            for text in bad:
                await ws.send_str(text)
            await ws.send_bytes(b"\x00\xff")
            await pong(ws, "after the bad ones")
            # Too fast: a burst of 2000 pings at once gets a few hundred answers, no more.
            for i in range(2000):
                await ws.send_str(f'["ping", "{i}"]')
            await pong(other, "meanwhile")
            answered = 0
            while True:
                try:
                    message = await ws.receive(timeout=2)
                except asyncio.TimeoutError:
                    break
                answered += message.type == aiohttp.WSMsgType.TEXT
            assert 200 <= answered < 2000, answered
            # A message bigger than a websocket frame may be closes that one connection.
            await ws.send_str("x" * (LIMITS.max_frame + 1))
            assert (await closing(ws)).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            await pong(other, "still serving")
            assert await wait_until(lambda: len(server.app_processes()) == 1, GONE_SECONDS)
    code, out, err = server.stop()
    assert code == 0, err
    assert "Traceback" not in err
    dropped = [line for line in err.splitlines() if "visitor 1: dropped a message" in line]
    assert len(dropped) == 10  # the first ten, then no more lines
    assert "not JSON" in dropped[0] and "further ones are not logged" in dropped[-1]
    assert "more than 65536" in err


FAKE_APP = """
import subprocess, sys, time
subprocess.Popen(["sleep", "300"])  # a process the app started: in the app's group
sys.stdout.write("__GANGLION__\\n")
screen = b"backprop-tui (a stand-in)"
sys.stdout.buffer.write(b"D" + len(screen).to_bytes(4, "big") + screen)
sys.stdout.flush()
time.sleep(300)
"""
"""A stand-in app that starts a process of its own, then draws and waits."""


async def test_the_whole_process_group_of_an_app_is_killed():
    port = free_port()
    server = ClassServer([], None, "127.0.0.1", port, LIMITS, warm=False,
                         program=(sys.executable, "-c", FAKE_APP))
    runner = web.AppRunner(server.application())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    groups = []
    try:
        async with aiohttp.ClientSession() as session:
            ws_url, origin = f"http://127.0.0.1:{port}/ws", f"http://127.0.0.1:{port}"
            async with session.ws_connect(ws_url, origin=origin) as leaving, \
                    session.ws_connect(ws_url, origin=origin) as staying:
                await first_screen(leaving)
                await first_screen(staying)
                groups = [visit.process.pid for visit in server.visits]
                assert await wait_until(lambda: all(len(group_members(group)) == 2
                                                    for group in groups))
                leaving_group, = [visit.process.pid for visit in server.visits
                                  if visit.number == 1]  # the first to connect
                await leaving.close()
                assert await wait_until(lambda: not group_members(leaving_group),
                                        GONE_SECONDS), group_members(leaving_group)
                staying_group, = set(groups) - {leaving_group}
                assert len(group_members(staying_group)) == 2
                await runner.cleanup()  # the server stops with a visitor connected
                assert await wait_until(lambda: not group_members(staying_group),
                                        GONE_SECONDS), group_members(staying_group)
                assert (await closing(staying)).extra == "the server stopped"
    finally:
        await runner.cleanup()
        for group in groups:
            for pid in group_members(group):
                os.kill(pid, signal.SIGKILL)


async def shows(ws, *texts: bytes) -> bytes:
    """The app's output until all of ``texts`` were drawn (each within one run of text)."""
    screen = b""
    deadline = time.monotonic() + WAIT
    while not all(text in screen for text in texts):
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"the app did not draw {texts} within {WAIT} s")
        try:
            message = await ws.receive(timeout=left)
        except asyncio.TimeoutError:
            continue
        assert message.type == aiohttp.WSMsgType.BINARY, (message.type, message.data)
        screen += message.data
    return screen


async def test_a_visitor_reads_and_writes_in_their_own_folder_only(start_server):
    server = start_server()
    async with aiohttp.ClientSession() as session, session.ws_connect(
            f"{origin_of(server)}/ws?width=120&height=40", origin=origin_of(server)) as ws:
        seen = await first_screen(ws)
        folder = Path(f"/proc/{the_app_of(server)}/cwd").resolve()  # the visitor's folder
        # A screenshot goes to the visitor's folder.
        await ws.send_str('["stdin", "i"]')
        seen += await shows(ws, b"screenshot written to backprop-screenshot-1.svg")
        assert [path.name for path in folder.iterdir()] == ["backprop-screenshot-1.svg"]
        # The palette's Load CSV with a file of the server's: refused, nothing read.
        await ws.send_str('["stdin", "\\u0010"]')  # ctrl+p
        seen += await shows(ws, b"Search")
        await ws.send_str('["stdin", "Load CSV"]')
        seen += await shows(ws, b"samples from a CSV file")
        await ws.send_str('["stdin", "\\r"]')
        seen += await shows(ws, b"load samples from a CSV file")
        await ws.send_str('["stdin", "/etc/passwd\\r"]')
        seen += await shows(ws, b"refused")
        assert b"root:" not in seen and b"loaded from" not in seen
    assert await wait_until(lambda: not folder.exists(), GONE_SECONDS)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
async def test_stopping_the_server_kills_every_visitors_app(start_server, signum):
    server = start_server()
    async with aiohttp.ClientSession() as session:
        ws_url, origin = f"{origin_of(server)}/ws", origin_of(server)
        async with session.ws_connect(ws_url, origin=origin) as first, \
                session.ws_connect(ws_url, origin=origin) as second:
            await first_screen(first)
            await first_screen(second)
            apps = server.app_processes()
            assert len(apps) == 2
            server.process.send_signal(signum)
            assert await wait_until(lambda: not any(group_members(app) for app in apps),
                                    GONE_SECONDS), [group_members(app) for app in apps]
            for ws in (first, second):
                message = await closing(ws)
                assert message.extra == "the server stopped"
    out, err = server.process.communicate(timeout=WAIT)
    assert server.process.returncode == 0, err
    assert "stopped serving" in out and "Traceback" not in err


def test_listening_everywhere_says_so(monkeypatch, capsys):
    heard = {}

    def serve(arguments, visitor_dir, host, port, limits, announce, warm):  # listens nowhere
        heard.update(host=host, port=port, limits=limits, visitor_dir=visitor_dir)
        announce()

    monkeypatch.setattr("backprop_tui.serve.serve", serve)
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "8080",
                     "--max-sessions", "25", "--idle-minutes", "10"]) == 0
    out, err = capsys.readouterr()
    warning, = err.splitlines()
    assert warning == ("backprop-tui: warning: --host '0.0.0.0' listens on every network "
                       "interface: anyone on the network can open the app on port 8080")
    assert "serving the app on every network interface (http://" in out
    assert "http://127.0.0.1:8080/ here" in out
    assert heard["limits"] == Limits(max_sessions=25, idle_seconds=600)
    assert heard["visitor_dir"] == ("--visitor-dir" if app_takes("--visitor-dir") else None)
    # This machine only: no warning.
    assert cli.main(["serve", "--port", "8080"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "serving the app on http://127.0.0.1:8080/ " in out


def test_the_addresses_a_server_answers_to():
    loopback = Addresses("127.0.0.1", 8000)
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LOCALHOST:8000"):
        assert loopback.refusal(host, None, websocket=False) is None
        assert loopback.refusal(host, f"http://{host}", websocket=True) is None
    assert loopback.refusal("127.0.0.1:8000", None, websocket=True) is not None
    assert loopback.refusal("127.0.0.1:8000", "http://localhost:8000", True) is not None
    for host in ("127.0.0.1:8001", "127.0.0.1", "evil.example:8000", "192.168.1.5:8000",
                 "user@127.0.0.1:8000", "127.0.0.1:8000/x", ""):
        assert loopback.refusal(host, None, websocket=False) is not None, host
    everywhere = Addresses("0.0.0.0", 8080)
    assert everywhere.refusal("192.168.1.5:8080", "http://192.168.1.5:8080", True) is None
    assert everywhere.refusal("[fe80::1]:8080", "http://[fe80::1]:8080", True) is None
    assert everywhere.refusal("192.168.1.5:8080", "http://192.168.1.9:8080", True) is not None
    assert everywhere.refusal("evil.example:8080", "http://evil.example:8080", True) is not None
    one = Addresses("192.168.1.5", 80)
    assert one.refusal("192.168.1.5", "http://192.168.1.5", True) is None
    assert one.refusal("127.0.0.1:80", None, False) is not None


def test_serve_without_its_extra_is_one_line_and_exit_2(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['aiohttp'] = None; "
                               "from backprop_tui.cli import main; sys.exit(main(['serve']))"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "backprop-tui: error: serve needs aiohttp, which is not installed: "
        "pip install 'backprop-tui[serve]'"]


def test_the_server_is_an_extra():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]

    def names(requirements: list[str]) -> set[str]:
        return {re.split(r"[<>=\[ ]", requirement)[0] for requirement in requirements}

    assert not names(project["dependencies"]) & {"textual-serve", "aiohttp", "playwright"}
    assert names(project["optional-dependencies"]["serve"]) == {"textual-serve", "aiohttp"}
    test = project["optional-dependencies"]["test"]
    assert "backprop-tui[serve]" in test and "playwright" in names(test)


# --- the app in a real browser ------------------------------------------------------------

CHROMIUM = next((path for path in (shutil.which("chromium"), shutil.which("chromium-browser"),
                                   "/usr/bin/chromium") if path and os.access(path, os.X_OK)),
                None)
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]

SCREEN_READER = """
// Keep the page's terminal when textual.js stores it, and let it mirror its rows
// as text in the accessibility tree (xterm.js's screen-reader mode).
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal",
                          {value, writable: true, configurable: true, enumerable: true});
    if (value && value.options) { value.options.screenReaderMode = true; }
  },
});
"""


def running(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie waiting to be reaped does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def screen_text(page) -> str:
    """The terminal's rows as the accessibility tree has them, spaces run together."""
    rows = page.locator(".xterm-accessibility-tree")
    if rows.count() == 0:
        return ""
    return re.sub(r"\s+", " ", rows.inner_text())


def wait_for_text(page, *texts: str) -> str:
    deadline = time.monotonic() + WAIT
    shown = ""
    while time.monotonic() < deadline:
        shown = screen_text(page)
        if all(text in shown for text in texts):
            return shown
        page.wait_for_timeout(100)
    missing = [text for text in texts if text not in shown]
    pytest.fail(f"the page did not show {missing} within {WAIT} s; it showed: {shown!r}")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium browser found (Debian: "
                                             "apt-get install chromium)")
def test_the_app_runs_in_a_real_browser(start_server, tmp_path):
    from playwright.sync_api import sync_playwright

    folder = tmp_path / "my class"
    folder.mkdir()
    (folder / "data.csv").write_text("x,y\n0,0\n0.3,0\n0.6,1\n0.9,1\n")
    w, b = (-0.3, 0.5, 1.0), (0.0, 0.0, 0.0)
    server = start_server("--w", "-0.3,0.5,1", "--b", "0,0,0", "--lr", "1.5",
                          "--data", "my class/data.csv", "--max-sessions", "2")
    chain = Network.chain(w, b)
    samples = Samples([0, 0.3, 0.6, 0.9], [0, 0, 1, 1])
    mean_cost = chain.forward(samples).mean_cost

    requested: list[str] = []
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=BROWSER_ARGS, headless=True,
            viewport={"width": 1280, "height": 800}, timeout=WAIT * 1000,
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(WAIT * 1000)
            page.on("request", lambda request: requested.append(request.url))
            page.add_init_script(SCREEN_READER)
            page.goto(server.url)
            shown = wait_for_text(page, "backprop-tui", "(L−1)", "sample 1/4",
                                  f"w {number(w[0])}", "η 1.5000")
            assert "phase: —" in shown
            apps = server.app_processes()
            assert len(apps) == 1  # this visitor's own app
            # A key goes to the app: the forward pass, with the model's numbers.
            page.locator(".xterm-helper-textarea").focus()
            page.keyboard.press("f")
            wait_for_text(page, "phase: forward", "z(L−2) = w(L−2)·x+b(L−2)",
                          f"C̄ {number(mean_cost, signed=True)}")
            # A second visitor gets a second app of their own.
            other = browser.new_page()
            other.add_init_script(SCREEN_READER)
            other.goto(server.url)
            wait_for_text(other, "backprop-tui", "phase: —")
            assert len(server.app_processes()) == 2
            assert "phase: forward" in screen_text(page)
            # A third is one too many.
            third = browser.new_page()
            response = third.goto(server.url)
            assert response is not None and response.status == 503
            assert third.inner_text("body").strip() == (
                "backprop-tui: the class is full, 2 of 2; try again later")
            assert len(server.app_processes()) == 2
            # Ctrl+C on the server while visitors are connected: a clean stop, and the
            # pages say why their app ended.
            code, out, err = server.stop()
            for visitor in (page, other):
                ended = visitor.locator(".closed-dialog .message")
                ended.wait_for(state="visible")
                assert ended.inner_text() == "the server stopped"
        finally:
            browser.close()
    assert code == 0, err
    assert "Traceback" not in err and "stopped serving" in out
    assert not any(running(pid) for pid in apps)
    assert requested and all(url.startswith(server.url) or url.startswith("data:")
                             for url in requested), requested


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
async def test_a_killed_server_leaves_no_app_behind(start_server):
    """SIGKILL gives the server no chance to end its apps: the kernel does."""
    server = start_server()
    async with aiohttp.ClientSession() as session, \
            session.ws_connect(f"{origin_of(server)}/ws", origin=origin_of(server)) as ws:
        await first_screen(ws)
        app = the_app_of(server)
        server.process.kill()
        server.process.wait(timeout=WAIT)
        assert await wait_until(lambda: not group_members(app), 3.0), group_members(app)
