"""``backprop-tui serve --class``: the browser side of a class that follows its teacher.

The real server as a subprocess (as tests/test_serve.py drives it): a student joins on
the server's page with a name and the class code, and their app follows the teacher,
whose secret address was printed at start. The refusals (a bad name, a wrong code,
too many wrong codes, an unknown or used ticket) are checked on a server in this
process, where no app is ever started. The app's screen is read from its websocket
as textual.js would receive it.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from backprop_tui import hub
from backprop_tui.gate import MOST_FAILURES
from backprop_tui.serve import (
    TEACHER_URL_FILE,
    ClassDoor,
    ClassServer,
    ClassSettings,
    Limits,
    ServeError,
    write_url_file,
)

from .test_serve import (
    BROWSER_ARGS,
    CHROMIUM,
    SCREEN_READER,
    WAIT,
    Server,
    closing,
    first_screen,
    free_port,
    origin_of,
    run,
    shows,
    wait_for_text,
    wait_until,
)

CODE = "open sesame"
TICKETED = re.compile(r'data-session-websocket-url="(ws://[^"]+/ws/[A-Za-z0-9_-]+)"')


@pytest.fixture
def servers():
    started: list[Server] = []
    yield started
    for server in started:
        server.kill()


def environment_of(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(pair.decode().split("=", 1) for pair in pairs if b"=" in pair)


def websocket_of(page: str) -> str:
    """The websocket address a terminal page connects to (its one-time ticket in it)."""
    match = TICKETED.search(page)
    assert match is not None, page
    return match[1].replace("ws://", "http://", 1)


async def join(session: aiohttp.ClientSession, origin: str, **form: str) -> tuple[int, str]:
    async with session.post(f"{origin}/join", data=form, headers={"Origin": origin}) as r:
        return r.status, await r.text()


async def test_a_student_joins_with_a_name_and_follows_the_teacher(tmp_path, servers):
    (tmp_path / "code.txt").write_text(CODE + "\n")
    server = Server("--class", "--class-code-file", "code.txt", "--answers", "answers.csv",
                    "--max-sessions", "2", cwd=tmp_path)
    servers.append(server)
    server.wait_until_it_answers()
    url_file = tmp_path / TEACHER_URL_FILE
    assert await wait_until(url_file.exists)
    assert stat.S_IMODE(url_file.stat().st_mode) == 0o600
    teacher_url = url_file.read_text().strip()
    token = teacher_url.rsplit("/", 1)[1]
    assert teacher_url == f"{server.url}teach/{token}" and len(token) >= 32
    origin = origin_of(server)
    size = "?width=120&height=36"
    async with aiohttp.ClientSession() as session:
        # The students' page: a join form asking for the name and the class code.
        async with session.get(server.url) as response:
            form = await response.text()
        assert response.status == 200 and 'name="name"' in form and 'name="code"' in form
        assert token not in form
        status, page = await join(session, origin, name="bob", code=CODE)
        assert status == 200 and token not in page
        student_ws = websocket_of(page)
        async with session.get(teacher_url, headers={"Origin": origin}) as response:
            assert response.status == 200
            teacher_page = await response.text()
        assert token not in teacher_page  # the page's websocket carries a ticket instead
        async with session.ws_connect(websocket_of(teacher_page) + size, origin=origin) as teacher:
            await first_screen(teacher)
            async with session.ws_connect(student_ws + size, origin=origin) as student:
                await first_screen(student)
                await shows(student, b"following teacher")
                assert len(server.app_processes()) == 2
                # The teacher's f reaches the student's screen.
                await teacher.send_str('["stdin", "f"]')
                await shows(student, b"phase: forward")
                # A third visitor is one more than --max-sessions 2.
                status, page = await join(session, origin, name="cy", code=CODE)
                assert status == 503 and "the class is full, 2 of 2" in page
                assert len(server.app_processes()) == 2
    code, out, err = server.stop()
    assert code == 0 and "Traceback" not in err, err
    assert "class: teacher joined as the teacher" in out
    assert "class: bob joined as a student" in out
    assert f"the teacher's address (keep it to yourself; also in {url_file}" in out
    assert teacher_url in out
    assert (tmp_path / "answers.csv").read_text().startswith("time,name,question")


async def test_a_taken_name_gets_a_number_and_each_app_its_own_hub_token(tmp_path, servers):
    server = Server("--class", "--no-zygote", cwd=tmp_path)  # each app's environment in /proc
    servers.append(server)
    server.wait_until_it_answers()
    origin = origin_of(server)
    async with aiohttp.ClientSession() as session:
        async with session.get(server.url) as response:
            assert 'name="code"' not in await response.text()  # no class code: a name only
        pages = [await join(session, origin, name=" ann ") for _ in range(2)]
        assert [status for status, _ in pages] == [200, 200]
        async with session.ws_connect(websocket_of(pages[0][1]), origin=origin) as first, \
                session.ws_connect(websocket_of(pages[1][1]), origin=origin) as second:
            await first_screen(first)
            await first_screen(second)
            # each app has joined the class (its line says the teacher is away)
            await shows(first, b"teacher is away")
            await shows(second, b"teacher is away")
            apps = server.app_processes()
            assert len(apps) == 2
            tokens = {environment_of(app).get(hub.ENV_TOKEN) for app in apps}
            teacher_token = (tmp_path / TEACHER_URL_FILE).read_text().strip().rsplit("/")[-1]
            assert None not in tokens and len(tokens) == 2 and teacher_token not in tokens
            for app in apps:
                socket_path = environment_of(app)[hub.ENV_SOCKET]
                assert stat.S_ISSOCK(os.stat(socket_path).st_mode)
            # A ticket lets in once: the first page used it.
            async with session.ws_connect(websocket_of(pages[0][1]), origin=origin) as again:
                assert "join the class again" in (await closing(again)).extra
            assert len(server.app_processes()) == 2
    code, out, err = server.stop()
    assert code == 0, err
    assert "class: ann joined as a student" in out
    assert "class: ann#2 joined as a student" in out, out


# --- refusals, on a server in this process (no app is started) ------------------------------

@pytest.fixture
async def in_process(tmp_path):
    """A class server with a class code on a free port; (server, its origin)."""
    port = free_port()
    door = ClassDoor(ClassSettings(code=CODE, url_file=tmp_path / TEACHER_URL_FILE))
    server = ClassServer([], None, "127.0.0.1", port, Limits(max_sessions=5, idle_seconds=60),
                         warm=False, program=(sys.executable, "-c", "raise SystemExit(3)"),
                         door=door)
    runner = web.AppRunner(server.application())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield server, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_a_bad_name_or_a_wrong_code_is_refused_with_no_app(in_process):
    server, origin = in_process
    door = server.door
    assert door is not None
    async with aiohttp.ClientSession() as session:
        for name in ("", "   ", "x" * 25, "a\x1b[31mb", "tab\there"):
            status, page = await join(session, origin, name=name, code=CODE)
            assert status == 400 and "a name is 1 to 24 characters" in page, name
            assert TICKETED.search(page) is None
        status, page = await join(session, origin, name="<script>x</script>",
                                  code="guess")
        assert status == 403 and "that is not the class code" in page
        assert "<script>x" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
        assert "guess" not in page  # a code typed is never shown again
        status, page = await join(session, origin, name="bob")
        assert status == 403 and TICKETED.search(page) is None
        # Many wrong codes from one address: refused before the code is checked.
        door.throttle.failures["127.0.0.1"] = deque([time.monotonic()] * MOST_FAILURES)
        status, page = await join(session, origin, name="bob", code=CODE)
        assert status == 429 and "too many wrong class codes from 127.0.0.1" in page
        assert TICKETED.search(page) is None
        async with session.get(f"{origin}/teach/{door.teacher_token}") as response:
            assert response.status == 200  # the teacher is never locked out with them
        door.throttle.failures.clear()
        door.tickets.clear()
        # The teacher's address with another token is no page at all.
        async with session.get(f"{origin}/teach/{door.teacher_token[:-1]}x") as response:
            assert response.status == 404
            assert door.teacher_token not in await response.text()
        assert len(door.throttle.failures["127.0.0.1"]) == 1  # counted as a wrong code
        # A websocket needs a ticket of a join.
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            async with session.ws_connect(f"{origin}/ws", origin=origin):
                pass
        assert refused.value.status == 404
        async with session.ws_connect(f"{origin}/ws/made-up", origin=origin) as ws:
            assert "join the class again" in (await closing(ws)).extra
        # ... from the server's own page, as every websocket.
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            async with session.ws_connect(f"{origin}/ws/made-up", origin="http://evil.example"):
                pass
        assert refused.value.status == 403
    assert door.tickets == {} and server.visits == set()


async def test_the_teacher_token_is_never_in_a_students_page(in_process):
    server, origin = in_process
    door = server.door
    assert door is not None
    async with aiohttp.ClientSession() as session:
        pages = []
        for path in ("/", "/join", "/?fontsize=30"):
            async with session.get(origin + path) as response:
                pages.append(await response.text())
        pages.append((await join(session, origin, name="bob", code=CODE))[1])
        pages.append((await join(session, origin, name="bob", code="wrong"))[1])
        async with session.get(f"{origin}/teach/{door.teacher_token}") as response:
            teacher_page = await response.text()
    for page in pages:
        assert door.teacher_token not in page
    # The teacher's page and the student's each got a ticket of their own.
    assert [t.teacher for t in door.tickets.values()] == [False, True]
    assert websocket_of(teacher_page).rsplit("/", 1)[1] != websocket_of(pages[3]).rsplit(
        "/", 1)[1]


def test_a_ticket_lets_in_once_and_expires():
    now = [1000.0]
    door = ClassDoor(ClassSettings(), clock=lambda: now[0])
    ticket = door.ticket("bob", False, most=5)
    now[0] += 121
    assert door.take(ticket) is None
    ticket = door.ticket("bob", False, most=5)
    assert door.take(ticket) is not None and door.take(ticket) is None
    for _ in range(7):  # at most `most` wait: the oldest go
        door.ticket("x", False, most=5)
    assert len(door.tickets) == 5


def test_the_teacher_address_file_is_private_and_never_replaces_a_special_file(tmp_path):
    path = tmp_path / TEACHER_URL_FILE
    path.write_text("old and longer than the address\n")
    path.chmod(0o644)
    write_url_file(path, "http://127.0.0.1:8000/teach/abc")
    assert path.read_text() == "http://127.0.0.1:8000/teach/abc\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    target = tmp_path / "target"
    target.write_text("kept\n")
    link = tmp_path / "link"
    link.symlink_to(target)
    for special in (fifo, link, tmp_path):
        with pytest.raises(ServeError, match="not a regular file"):
            write_url_file(special, "http://x/")
    assert target.read_text() == "kept\n"


# --- the command line ---------------------------------------------------------------------

def test_class_options_are_refused_in_one_line_when_they_do_not_go_together(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "two.txt").write_text("one\ntwo\n")
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    (tmp_path / "keys").write_text("ssh-ed25519 AAAA\n")
    port = str(free_port())
    for args, says in (
            (["--class-code-file", "two.txt"], "--class-code-file is for a class: add --class"),
            (["--answers", "a.csv"], "--answers is for a class: add --class"),
            (["--class", "--teacher-key", "keys"], "--teacher-key"),
            (["--class", "--plain"], "--plain"),
            (["--class", "--class-code-file", "missing.txt"], "--class-code-file"),
            (["--class", "--class-code-file", "empty.txt"], "is empty"),
            (["--class", "--class-code-file", "two.txt"], "more than one line"),
            (["--class", "--answers", "other.csv"], "--answers"),
    ):
        done = run("serve", "--port", port, *args, cwd=tmp_path)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and says in lines[0], (args, done.stderr)
        assert "Traceback" not in done.stderr and "serving" not in done.stdout
    assert (tmp_path / "other.csv").read_text() == "a,b\n1,2\n"
    assert not (tmp_path / TEACHER_URL_FILE).exists()
    # Where the teacher's address would go is a folder: refused, left as it is.
    (tmp_path / TEACHER_URL_FILE).mkdir()
    done = run("serve", "--port", port, "--class", cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "not a regular file" in lines[0], done.stderr
    assert (tmp_path / TEACHER_URL_FILE).is_dir()


def test_without_class_serve_is_called_as_before(monkeypatch, capsys):
    heard = {}

    def serve(arguments, visitor_dir, host, port, limits, announce, warm, **more):
        heard.update(more)

    monkeypatch.setattr("backprop_tui.serve.serve", serve)
    from backprop_tui import cli

    assert cli.main(["serve", "--port", "8080"]) == 0
    assert heard == {}
    assert cli.main(["serve", "--port", "8080", "--class", "--answers", "a.csv"]) == 0
    settings = heard["class_"]
    assert settings.code is None and settings.answers == "a.csv"
    capsys.readouterr()



# --- in a real browser ----------------------------------------------------------------------

@pytest.mark.skipif(CHROMIUM is None, reason="no chromium browser found (Debian: "
                                             "apt-get install chromium)")
def test_a_student_joins_in_a_real_browser_and_follows(tmp_path, servers):
    from playwright.sync_api import sync_playwright

    (tmp_path / "code.txt").write_text(CODE + "\n")
    server = Server("--class", "--class-code-file", "code.txt", cwd=tmp_path)
    servers.append(server)
    server.wait_until_it_answers()
    teacher_url = (tmp_path / TEACHER_URL_FILE).read_text().strip()
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=BROWSER_ARGS, headless=True,
            viewport={"width": 1280, "height": 800}, timeout=WAIT * 1000,
        )
        try:
            student = browser.new_page()
            student.set_default_timeout(WAIT * 1000)
            student.add_init_script(SCREEN_READER)
            student.goto(server.url)
            student.fill("#name", "dee")
            student.fill("#code", "not it")
            student.click("button[type=submit]")
            assert "that is not the class code" in student.inner_text("body")
            assert student.input_value("#name") == "dee"
            student.fill("#code", CODE)
            student.click("button[type=submit]")
            wait_for_text(student, "backprop-tui", "teacher is away")
            teacher = browser.new_page()
            teacher.set_default_timeout(WAIT * 1000)
            teacher.add_init_script(SCREEN_READER)
            teacher.goto(teacher_url)
            wait_for_text(teacher, "backprop-tui", "teaching 1")
            wait_for_text(student, "following teacher")
            teacher.locator(".xterm-helper-textarea").focus()
            teacher.keyboard.press("f")
            wait_for_text(student, "phase: forward")
        finally:
            browser.close()
    code, out, err = server.stop()
    assert code == 0 and "Traceback" not in err, err
    assert "class: dee joined as a student" in out
