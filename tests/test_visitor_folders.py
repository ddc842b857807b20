"""Visitor folders: where the servers make them, what a killed server leaves and the next
one removes, writers at once within a visitor folder's cap, and clients that vanish.

The servers run as subprocesses on free loopback ports, each with its own temporary
folder (TMPDIR), so that what they make and remove is seen here and nowhere else.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from backprop_tui.model import FileError, Folder
from backprop_tui.model.files import VISITOR_FILES
from backprop_tui.visitors import LOCK_NAME, PREFIX, VisitorFolders, sweep

from .test_ssh import alive

WAIT = 30.0
"""Seconds any one wait may take at most."""


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout} s")
        time.sleep(0.05)


def server_folders(tmp: Path) -> list[Path]:
    return sorted(path for path in tmp.iterdir() if path.name.startswith(PREFIX))


# --- the module itself ----------------------------------------------------------------------

def test_a_servers_folder_is_private_locked_and_removed_on_close(tmp_path: Path) -> None:
    folders = VisitorFolders(tmp_path)
    parent = folders.parent
    assert parent.parent == tmp_path and parent.name.startswith(PREFIX)
    assert stat.S_IMODE(parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in parent.iterdir()) == [LOCK_NAME]
    visitor = folders.make("backprop-visitor-")
    assert visitor.parent == parent and stat.S_IMODE(visitor.stat().st_mode) == 0o700
    # The lock is held, by a file the apps do not inherit.
    assert folders.lock is not None
    assert fcntl.fcntl(folders.lock, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
    with open(parent / LOCK_NAME) as other, pytest.raises(BlockingIOError):
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    assert sweep(tmp_path) == [] and visitor.is_dir()  # a running server's folder is kept
    folders.close()
    assert not parent.exists()


def test_a_sweep_removes_only_folders_of_servers_now_gone(tmp_path: Path) -> None:
    running = VisitorFolders(tmp_path)
    # A server killed with SIGKILL: its folder and lock file stay, nobody holds the lock.
    gone = tmp_path / f"{PREFIX}gone"
    (gone / "backprop-visitor-x").mkdir(parents=True, mode=0o700)
    (gone / "backprop-visitor-x" / "backprop-session.json").write_text("{}")
    (gone / LOCK_NAME).touch()
    # Not a server's: no lock file; a symbolic link to one; a file.
    unlocked_elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    (unlocked_elsewhere / "keep").mkdir(parents=True)
    (unlocked_elsewhere / LOCK_NAME).touch()
    try:
        no_lock = tmp_path / f"{PREFIX}nolock"
        (no_lock / "keep").mkdir(parents=True)
        link = tmp_path / f"{PREFIX}link"
        link.symlink_to(unlocked_elsewhere)
        plain = tmp_path / f"{PREFIX}file"
        plain.write_text("not a folder")
        lock_is_a_link = tmp_path / f"{PREFIX}locklink"
        lock_is_a_link.mkdir()
        (lock_is_a_link / LOCK_NAME).symlink_to(unlocked_elsewhere / LOCK_NAME)
        other_prefix = tmp_path / "backprop-visitor-old"
        other_prefix.mkdir()
        (other_prefix / LOCK_NAME).touch()

        assert sweep(tmp_path) == [gone]
        assert not gone.exists()
        for kept in (running.parent, no_lock / "keep", link, plain, lock_is_a_link,
                     other_prefix, unlocked_elsewhere / "keep"):
            assert kept.exists() or kept.is_symlink(), kept
        running.close()
        assert sweep(tmp_path) == []  # closed: already removed, nothing left to sweep
    finally:
        running.close()
        for path in (unlocked_elsewhere / "keep", ):
            path.rmdir()
        (unlocked_elsewhere / LOCK_NAME).unlink()
        unlocked_elsewhere.rmdir()


def test_a_folder_whose_lock_is_held_elsewhere_is_kept(tmp_path: Path) -> None:
    """The lock of another process (another server still running) keeps its folder."""
    folder = tmp_path / f"{PREFIX}other"
    folder.mkdir()
    (folder / LOCK_NAME).touch()
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import fcntl, sys
            lock = open({str(folder / LOCK_NAME)!r})
            fcntl.flock(lock, fcntl.LOCK_EX)
            print("locked", flush=True)
            sys.stdin.read()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        assert sweep(tmp_path) == [] and folder.is_dir()
    finally:
        holder.kill()
        holder.wait(WAIT)
    assert sweep(tmp_path) == [folder] and not folder.exists()


# --- writers at once in one visitor folder ---------------------------------------------------

ROUNDS = 20
"""Rounds of writers at once (today's code passed the cap in most rounds before the fix)."""


def test_threads_writing_at_once_never_pass_the_cap(tmp_path: Path) -> None:
    refusals: list[str] = []
    for round_ in range(ROUNDS):
        where = tmp_path / f"visitor-{round_}"
        where.mkdir()
        for k in range(VISITOR_FILES - 4):  # four places left
            (where / f"earlier-{k}.txt").touch()
        folder = Folder(where)
        barrier = threading.Barrier(16)
        failures: list[BaseException] = []

        def writer(barrier: threading.Barrier = barrier, folder: Folder = folder,
                   failures: list[BaseException] = failures) -> None:
            try:
                barrier.wait(timeout=WAIT)
                for _ in range(2):
                    try:
                        folder.write_new("backprop-screenshot", ".svg", b"<svg/>", "screenshot")
                    except FileError as exc:
                        refusals.append(str(exc))
            except BaseException as exc:  # noqa: BLE001 - reported below
                failures.append(exc)

        threads = [threading.Thread(target=writer) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=WAIT)
        assert not failures, failures
        names = [path.name for path in where.iterdir()]
        assert len(names) <= VISITOR_FILES, f"round {round_}: {len(names)} files"
        assert len(names) == VISITOR_FILES  # and the places left were all taken
        assert not [name for name in names if name.endswith(".tmp")]
    assert set(refusals) == {f"cannot save the backprop-screenshot.svg: this app's folder holds "
                             f"{VISITOR_FILES} files, the most allowed (nothing was written)"}


WRITER = """
import os, sys, time
from backprop_tui.model import FileError, Folder

go, folders = sys.argv[1], sys.argv[2:]
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.001)
written = 0
for where in folders:
    folder = Folder(where)
    while True:
        try:
            folder.write_new("backprop-session", ".json", b"{}", "session")
        except FileError as exc:
            assert "the most allowed" in str(exc), exc
            break
        written += 1
print(written)
"""
"""A process that waits for the go file, then saves new files in each folder until refused."""


def test_processes_writing_at_once_never_pass_the_cap(tmp_path: Path) -> None:
    where = [tmp_path / f"visitor-{k}" for k in range(32)]
    for folder in where:
        folder.mkdir()
        for k in range(VISITOR_FILES - 10):
            (folder / f"earlier-{k}.txt").touch()
    go = tmp_path / "go"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(go), *map(str, where)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(4)]
    try:
        for writer in writers:  # all started, all waiting for the go
            assert writer.stdout is not None and writer.stdout.readline() == "ready\n"
        go.touch()
        written = 0
        for writer in writers:
            out, err = writer.communicate(timeout=WAIT * 2)
            assert writer.returncode == 0, err
            written += int(out)
    finally:
        for writer in writers:
            writer.kill()
    counts = [len(list(folder.iterdir())) for folder in where]
    assert max(counts) <= VISITOR_FILES, counts
    assert counts == [VISITOR_FILES] * len(where), counts  # every place left was taken
    assert written == 10 * len(where)


# --- the servers: a killed one's folders are removed by the next, and only those -----------

def lock_holders(path: Path) -> set[int]:
    """The processes with ``path`` open (from /proc/PID/fd)."""
    found = set()
    for fds in Path("/proc").glob("[0-9]*/fd"):
        try:
            links = [os.readlink(fd) for fd in fds.iterdir()]
        except OSError:
            continue  # gone meanwhile, or not ours
        if str(path) in links:
            found.add(int(fds.parent.name))
    return found


@pytest.fixture
def tmp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder of the servers started by the test (TMPDIR), with a folder
    named as a server's but without a lock file: not one of ours, never removed."""
    tmp = tmp_path / "tmp"
    (tmp / f"{PREFIX}foreign" / "keep").mkdir(parents=True)
    monkeypatch.setenv("TMPDIR", str(tmp))
    return tmp


def check_the_running_folder(tmp_dir: Path, visitor: Path, prefix: str, server: int) -> Path:
    """The server's own folder of ``visitor``, checked: private, locked by the server alone."""
    parent = visitor.parent
    assert parent.parent == tmp_dir and parent.name.startswith(PREFIX), visitor
    assert visitor.name.startswith(prefix), visitor
    for folder in (parent, visitor):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    # Only the server holds the lock file open: neither its apps nor the warm process.
    assert lock_holders(parent / LOCK_NAME) == {server}
    return parent


def check_the_sweep(tmp_dir: Path, killed: Path, kept: Path, server: int) -> None:
    """``killed``'s folder is gone, ``kept`` (a running server's) and the foreign one stay,
    and the new server has its own."""
    assert not killed.exists()
    foreign = tmp_dir / f"{PREFIX}foreign"
    assert (foreign / "keep").is_dir() and (kept / LOCK_NAME).exists()
    (new,) = set(server_folders(tmp_dir)) - {foreign, kept}
    assert lock_holders(new / LOCK_NAME) == {server}


def test_ssh_removes_what_a_killed_server_left_and_nothing_else(
        tmp_dir: Path, tmp_path: Path) -> None:
    test_ssh = pytest.importorskip("tests.test_ssh")
    if getattr(test_ssh, "pytestmark", None) is not None:
        pytest.skip(test_ssh.pytestmark.kwargs["reason"])
    home = tmp_path / "home"
    home.mkdir()
    killed = test_ssh.SshServer(home)
    running = test_ssh.SshServer(home)
    servers = [killed, running]
    client = test_ssh.Client(killed.port)
    try:
        client.wait_for(test_ssh.READY)
        (app,) = killed.apps()
        visitor = Path(os.readlink(f"/proc/{app}/cwd"))
        parent = check_the_running_folder(tmp_dir, visitor, "backprop-tui-visitor-",
                                          killed.process.pid)
        (kept,) = set(server_folders(tmp_dir)) - {parent, tmp_dir / f"{PREFIX}foreign"}
        killed.process.kill()  # SIGKILL: the server removes nothing
        killed.process.wait(WAIT)
        wait_until(lambda: not alive(app), 5, "the app gone with its server")
        assert visitor.is_dir()
        restarted = test_ssh.SshServer(home)  # says it serves once it has swept
        servers.append(restarted)
        check_the_sweep(tmp_dir, parent, kept, restarted.process.pid)
        for server in (running, restarted):  # a normal stop removes the server's folder
            server.stop()
            assert server.process.returncode == 0
        assert server_folders(tmp_dir) == [tmp_dir / f"{PREFIX}foreign"]
    finally:
        client.close()
        for server in servers:
            server.stop(signal.SIGKILL)


async def test_serve_removes_what_a_killed_server_left_and_nothing_else(
        tmp_dir: Path, tmp_path: Path) -> None:
    import aiohttp

    from tests.test_serve import Server, first_screen

    home = tmp_path / "home"
    home.mkdir()
    servers = [Server(cwd=home), Server(cwd=home)]
    killed, running = servers
    try:
        for server in servers:
            server.wait_until_it_answers()
        origin = f"http://127.0.0.1:{killed.port}"
        async with aiohttp.ClientSession() as session, \
                session.ws_connect(f"{origin}/ws", origin=origin) as ws:
            await first_screen(ws)
            (app,) = killed.app_processes()
            visitor = Path(os.readlink(f"/proc/{app}/cwd"))
            parent = check_the_running_folder(tmp_dir, visitor, "backprop-visitor-",
                                              killed.process.pid)
            (kept,) = set(server_folders(tmp_dir)) - {parent, tmp_dir / f"{PREFIX}foreign"}
            killed.kill()  # SIGKILL: the server removes nothing
            deadline = time.monotonic() + 5
            while alive(app) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert not alive(app), "the app gone with its server"
        assert visitor.is_dir()
        restarted = Server(cwd=home)
        servers.append(restarted)
        restarted.wait_until_it_answers()  # it swept before it listened
        check_the_sweep(tmp_dir, parent, kept, restarted.process.pid)
        for server in (running, restarted):  # a normal stop removes the server's folder
            code, _, err = server.stop()
            assert code == 0, err
        assert server_folders(tmp_dir) == [tmp_dir / f"{PREFIX}foreign"]
    finally:
        for server in servers:
            server.kill()
