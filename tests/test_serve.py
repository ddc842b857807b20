"""``backprop-tui serve``: the server as a subprocess, its page, and the app in a real browser.

The browser test drives Debian's ``chromium`` with Playwright and reads the
app's text from the page's DOM. textual-serve's terminal (xterm.js) draws on a
canvas, so the test turns on the terminal's screen-reader mode, which mirrors
every row of the screen as text in its accessibility tree
(``.xterm-accessibility-tree``), and reads that. It is skipped only when no
chromium can be found.
"""

from __future__ import annotations

import os
import re
import shlex
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

import pytest
import textual_serve

from backprop_tui.cli import app_arguments, build_parser, join_negative_values, start_values
from backprop_tui.formulas import number
from backprop_tui.model import Chain, Samples
from backprop_tui.serve import app_command, font_size, url_for

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
        """The ids of the processes the server started (one app per visitor)."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children

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
    command = app_command(arguments)
    assert shlex.split(command) == [sys.executable, "-m", "backprop_tui", *arguments]
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
                          "--data", "my class/data.csv")
    chain = Chain(w, b)
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
            # Ctrl+C on the server while visitors are connected: a clean stop.
            code, out, err = server.stop()
        finally:
            browser.close()
    assert code == 0, err
    assert "Traceback" not in err and "stopped serving" in out
    assert not any(running(pid) for pid in apps)
    assert requested and all(url.startswith(server.url) or url.startswith("data:")
                             for url in requested), requested
