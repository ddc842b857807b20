"""``backprop-tui ssh``: the server as a subprocess, the OpenSSH client as the student.

Each client runs in a pseudo-terminal the test controls, and what it writes is
fed to pyte, a terminal emulator, so the test reads the screen a student sees.
The tests are skipped (with the reason) when /usr/bin/ssh or asyncssh is
missing; .ci/run installs both.
"""

from __future__ import annotations

import fcntl
import math
import os
import pty
import select
import signal
import socket
import stat
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from backprop_tui.model import Network, Samples, defaults
from backprop_tui.present.format import number

SSH = "/usr/bin/ssh"
WAIT = 30.0
"""Seconds any one wait may take at most (a server starting, a screen drawn)."""

try:
    import pyte

    from backprop_tui.ssh import import_asyncssh

    import_asyncssh()
except ImportError as exc:  # pragma: no cover - CI installs the test extra
    pytestmark = pytest.mark.skip(reason=f"{exc.name} is not installed (pip install -e '.[test]')")
else:
    if not os.path.exists(SSH):
        pytestmark = pytest.mark.skip(reason=f"{SSH} is missing (apt-get install openssh-client)")

CLIENT_OPTIONS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                  "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-F", "/dev/null"]
READY = "Nothing is computed for the numbers on screen yet."
"""The app's first frame says this."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def default_cost() -> float:
    """C of the default chain and sample, computed here from the definitions."""
    a = defaults.X[0]
    for w, b in zip(defaults.W, defaults.B):
        a = 1 / (1 + math.exp(-(w * a + b)))
    return (a - defaults.Y[0]) ** 2


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            out.append(int(entry))
    return out


def alive(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2] != "Z"


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout} s")
        time.sleep(0.05)


class SshServer:
    """``backprop-tui ssh`` on a free loopback port, as a subprocess."""

    def __init__(self, folder: Path, *args: str) -> None:
        self.port = free_port()
        self.folder = folder
        self.process = subprocess.Popen(
            [sys.executable, "-m", "backprop_tui", "ssh", "--port", str(self.port), *args],
            cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.wait_for_line("serving the app over SSH")

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for_line(self, text: str) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for line in self.lines:
                if text in line:
                    return line
            if self.process.poll() is not None:
                self.reader.join(5)
                pytest.fail(f"the server ended with {self.process.returncode}: "
                            f"{self.process.stderr.read()} {self.lines}")
            time.sleep(0.05)
        pytest.fail(f"the server never printed {text!r}: {self.lines}")

    def apps(self) -> list[int]:
        """The app processes: the zygote's children, or the server's own children."""
        found = []
        for pid in children(self.process.pid):
            kids = [k for k in children(pid) if alive(k)]
            found.extend(kids if kids else ([pid] if b"--zygote" not in _cmdline(pid) else []))
        return [pid for pid in found if alive(pid)]

    def stop(self, signum: int = signal.SIGINT) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signum)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.reader.join(5)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


class Client:
    """``ssh -tt`` in a pseudo-terminal of ``cols`` × ``rows``, its screen kept by pyte."""

    def __init__(self, port: int, *extra: str, cols: int = 80, rows: int = 24,
                 env: dict[str, str] | None = None, term: str = "xterm-256color",
                 user: str = "student") -> None:
        # ssh keeps the first value of an option: the test's own come first.
        argv = [SSH, "-tt", *extra, *CLIENT_OPTIONS, "-p", str(port), f"{user}@127.0.0.1"]
        environment = dict(os.environ if env is None else env, TERM=term)
        pid, fd = pty.fork()
        if pid == 0:  # the child: the pty is its terminal
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                os.execve(SSH, argv, environment)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self.closed = False
        self.status: int | None = None

    def pump(self, seconds: float) -> None:
        """Read what the client writes for up to ``seconds`` (less if it ends)."""
        deadline = time.monotonic() + seconds
        while not self.closed:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.05))
            if not ready:
                continue
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                data = b""
            if not data:
                self.closed = True
                return
            self.raw += data
            self.stream.feed(data)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, text: str, timeout: float = WAIT) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.text():
            if time.monotonic() > deadline or self.closed:
                pytest.fail(f"{text!r} not on screen within {timeout} s:\n{self.text()}"
                            f"\nraw end: {bytes(self.raw[-400:])!r}")
            self.pump(0.1)

    def press(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def resize(self, cols: int, rows: int) -> None:
        """The window changes size: the client's pty (ssh gets SIGWINCH) and the emulator."""
        self.screen.resize(rows, cols)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def wait_exit(self, timeout: float = WAIT) -> int:
        """The client's exit status, reading its last output meanwhile."""
        deadline = time.monotonic() + timeout
        while self.status is None:
            self.pump(0.05)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.pump(0.2)
                self.status = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                pytest.fail(f"the ssh client did not end within {timeout} s:\n{self.text()}")
        return self.status

    def kill(self) -> None:
        if self.status is None:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.status = -9

    def close(self) -> None:
        self.kill()
        os.close(self.fd)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """One server with the default settings for the tests that need nothing else."""
    running = SshServer(tmp_path_factory.mktemp("ssh"))
    yield running
    running.stop()


def plain_ssh(port: int, *args: str, stdin: str | None = None,
              program: str = SSH) -> subprocess.CompletedProcess:
    """A client without a terminal (its output captured), bounded in time."""
    return subprocess.run([program, *CLIENT_OPTIONS, *args], input=stdin or "",
                          capture_output=True, text=True, timeout=WAIT)


def test_forward_pass_shows_the_cost_and_quitting_ends_with_status_0(
        server: SshServer, clients: list[Client]) -> None:
    client = Client(server.port)
    clients.append(client)
    client.wait_for(READY)
    client.press("f")
    client.wait_for(f"C {number(default_cost(), signed=True)}")
    client.press("q")
    assert client.wait_exit() == 0
    wait_until(lambda: not server.apps(), 5, "the app process ended")


def assert_plain_lines(raw: bytes) -> None:
    """What a plain session sent: lines of at most 80 columns, no escape sequence, no
    box-drawing, block or braille character."""
    text = raw.decode("utf-8")
    assert "\x1b" not in text, text[:400]
    assert not [c for c in text if 0x2500 <= ord(c) <= 0x259F or 0x2800 <= ord(c) <= 0x28FF]
    assert max(len(line) for line in text.replace("\r", "").split("\n")) <= 80


def test_a_client_with_term_dumb_gets_the_plain_lesson(server: SshServer,
                                                       clients: list[Client]) -> None:
    """A screen reader's terminal (TERM=dumb, sent by OpenSSH's client) gets plain lines:
    the forward pass's cost as a fact, no escape sequence in the whole session."""
    client = Client(server.port, term="dumb", rows=200)
    clients.append(client)
    client.wait_for("plain mode")
    client.press("f")
    client.wait_for(f"C = {number(default_cost(), signed=True)}")
    net = Network.chain(defaults.W, defaults.B)
    bp = net.forward(Samples(defaults.X, defaults.Y)).backward()
    for layer in (3, 2, 1):  # the first pass: each b a layer, output first, then s
        client.press("b")
        said = number(float(bp.mean_dC_dw[layer - 1][0, 0]), signed=True).replace("−", "minus ")
        client.wait_for(f"dC/dw({'L' if layer == 3 else f'L-{3 - layer}'}) = {said}")
    client.press("s")
    client.wait_for("w(L-2) becomes")
    client.press("q")
    assert client.wait_exit() == 0
    assert_plain_lines(bytes(client.raw))


def test_the_server_s_plain_option_gives_every_visitor_plain_lines(
        tmp_path: Path, clients: list[Client]) -> None:
    running = SshServer(tmp_path, "--plain", "--xor")
    try:
        client = Client(running.port)  # an ordinary terminal type
        clients.append(client)
        client.wait_for("plain mode")
        client.press("f")
        client.wait_for("shape 2,2,1")
        client.press("q")
        assert client.wait_exit() == 0
        assert_plain_lines(bytes(client.raw))
    finally:
        running.stop()


def test_the_app_runs_in_a_private_folder_that_is_removed(
        server: SshServer, clients: list[Client]) -> None:
    client = Client(server.port)
    clients.append(client)
    client.wait_for(READY)
    (app,) = server.apps()
    folder = Path(os.readlink(f"/proc/{app}/cwd"))
    assert folder != server.folder
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    # The pty is the app's controlling terminal, and the app leads its own session.
    fields = Path(f"/proc/{app}/stat").read_text().rsplit(")", 1)[1].split()
    assert int(fields[2]) == app  # process group
    assert int(fields[3]) == app  # session
    assert int(fields[4]) != 0  # controlling terminal
    client.press("q")
    assert client.wait_exit() == 0
    wait_until(lambda: not folder.exists(), 5, "the visitor's folder removed")


def test_the_warm_process_holds_one_thread(server: SshServer) -> None:
    """It forks the apps: a thread of it would be missing (mid-work) in every child."""
    (zygote,) = [pid for pid in children(server.process.pid) if b"--zygote" in _cmdline(pid)]
    status = Path(f"/proc/{zygote}/status").read_text()
    assert "\nThreads:\t1\n" in status


def test_a_visitor_saves_in_their_folder_never_over_the_teachers_session(
        tmp_path: Path, clients: list[Client]) -> None:
    """The app gets --visitor-dir: ctrl+s writes in the visitor's folder, and the
    session file the server was started with is only read."""
    made = run("train", "--steps", "3", "--save", "teacher.json", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    teacher = (tmp_path / "teacher.json").read_bytes()
    server = SshServer(tmp_path, "--session", "teacher.json")
    try:
        client = Client(server.port)
        clients.append(client)
        client.wait_for(READY)
        (app,) = server.apps()
        folder = Path(os.readlink(f"/proc/{app}/cwd"))
        client.press("s")  # one more step: a lesson unlike the teacher's file
        client.press("\x13")  # ctrl+s
        wait_until(lambda: (client.pump(0.1), (folder / "backprop-session.json").exists())[1],
                   WAIT, "the session saved in the visitor's folder")
        assert (tmp_path / "teacher.json").read_bytes() == teacher
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "backprop-tui-ssh-host-key", "teacher.json"]
        client.press("q")
        assert client.wait_exit() == 0
    finally:
        server.stop()


def test_a_resized_window_redraws_the_app_at_the_new_size(
        server: SshServer, clients: list[Client]) -> None:
    client = Client(server.port, cols=80, rows=24)
    clients.append(client)
    client.wait_for(READY)
    # The screen may arrive in more than one write: wait for its last row too.
    wait_until(lambda: (client.pump(0.1), "q quit" in client.screen.display[23])[1], WAIT,
               "the footer on the last row of 24")
    client.resize(110, 34)
    wait_until(lambda: (client.pump(0.1), "q quit" in client.screen.display[33])[1], WAIT,
               "the footer on the last row of 34")
    # The derivation panel is drawn across the new width: its right border at column 110.
    client.pump(0.5)
    assert any(row.rstrip().endswith("╮") and len(row.rstrip()) == 110
               for row in client.screen.display), client.text()
    client.press("q")
    assert client.wait_exit() == 0


def test_a_client_that_vanishes_leaves_no_app_behind(
        server: SshServer, clients: list[Client]) -> None:
    client = Client(server.port)
    clients.append(client)
    client.wait_for(READY)
    (app,) = server.apps()
    folder = Path(os.readlink(f"/proc/{app}/cwd"))
    client.kill()  # SIGKILL: no goodbye, as when a laptop lid closes
    wait_until(lambda: not alive(app), 2.0, "the app process gone after the client vanished")
    wait_until(lambda: not folder.exists(), 5, "the visitor's folder removed")


@pytest.mark.parametrize("args, said", [
    (["ls"], "runs no commands"),
    (["-T"], "needs a terminal"),
])
def test_commands_and_sessions_without_a_terminal_are_refused(
        server: SshServer, args: list[str], said: str) -> None:
    where = ["-p", str(server.port), "student@127.0.0.1"]
    argv = [*where, *args] if args[0] != "-T" else ["-T", *where]
    done = plain_ssh(server.port, *argv)
    assert done.returncode == 1
    assert said in done.stderr
    assert not server.apps()


def test_a_command_with_a_terminal_is_refused_too(server: SshServer) -> None:
    done = subprocess.run([SSH, "-tt", *CLIENT_OPTIONS, "-p", str(server.port),
                           "student@127.0.0.1", "cat", "/etc/passwd"],
                          capture_output=True, text=True, timeout=WAIT, stdin=subprocess.DEVNULL)
    assert done.returncode == 1
    assert "runs no commands" in done.stdout + done.stderr
    assert "root:" not in done.stdout


def test_sftp_and_scp_are_refused(server: SshServer, tmp_path: Path) -> None:
    sftp = subprocess.run(["/usr/bin/sftp", *CLIENT_OPTIONS, "-P", str(server.port), "-b", "-",
                           "student@127.0.0.1"], input="ls\n", capture_output=True, text=True,
                          timeout=WAIT)
    assert sftp.returncode != 0
    assert "subsystem request failed" in sftp.stderr or "Connection closed" in sftp.stderr
    source = tmp_path / "note.txt"
    source.write_text("hello\n")
    for legacy in ([], ["-O"]):  # the sftp protocol (OpenSSH ≥ 9) and the old "scp -t"
        scp = subprocess.run(["/usr/bin/scp", *legacy, *CLIENT_OPTIONS, "-P", str(server.port),
                              str(source), "student@127.0.0.1:note.txt"],
                             capture_output=True, text=True, timeout=WAIT)
        assert scp.returncode != 0, legacy
    assert not list(server.folder.glob("note.txt"))


def test_port_forwarding_is_refused(server: SshServer, clients: list[Client]) -> None:
    # A service the forward would reach: it must never see a connection.
    target = socket.socket()
    target.bind(("127.0.0.1", 0))
    target.listen()
    target.settimeout(0.5)
    local = free_port()
    client = Client(server.port, "-L", f"{local}:127.0.0.1:{target.getsockname()[1]}")
    clients.append(client)
    client.wait_for(READY)  # the session itself is served
    with socket.create_connection(("127.0.0.1", local), timeout=WAIT) as through:
        through.settimeout(WAIT)
        assert through.recv(100) == b""  # the server refused the channel: closed at once
    with pytest.raises(socket.timeout):
        target.accept()
    target.close()
    remote = plain_ssh(server.port, "-N", "-o", "ExitOnForwardFailure=yes",
                       "-R", f"{free_port()}:127.0.0.1:{local}", "-p", str(server.port),
                       "student@127.0.0.1")
    assert remote.returncode != 0
    assert "forwarding failed" in remote.stderr
    client.press("q")
    assert client.wait_exit() == 0


def test_apps_started_as_new_processes_work_alike(tmp_path: Path,
                                                  clients: list[Client]) -> None:
    """The way without the warm process: the pty is no controlling terminal there, so
    the server itself signals a resize (SIGWINCH) and a hang-up (SIGHUP)."""
    server = SshServer(tmp_path, "--no-zygote")
    try:
        client = Client(server.port)
        clients.append(client)
        client.wait_for(READY)
        (app,) = server.apps()
        assert app in children(server.process.pid)
        client.press("f")
        client.wait_for(f"C {number(default_cost(), signed=True)}")
        client.resize(100, 30)
        wait_until(lambda: (client.pump(0.1), "q quit" in client.screen.display[29])[1], WAIT,
                   "the footer on the last row of 30")
        client.kill()
        wait_until(lambda: not alive(app), 2.0, "the app gone after the client vanished")
    finally:
        server.stop()


def test_without_the_warm_process_apps_start_as_new_processes(
        tmp_path: Path, clients: list[Client]) -> None:
    server = SshServer(tmp_path)
    try:
        running = Client(server.port)  # an app forked before the warm process goes
        clients.append(running)
        running.wait_for(READY)
        (forked,) = server.apps()
        (zygote,) = [p for p in children(server.process.pid) if b"--zygote" in _cmdline(p)]
        os.kill(zygote, signal.SIGKILL)
        wait_until(lambda: not alive(zygote), 5, "the warm process gone")
        running.pump(1.5)
        assert alive(forked) and not running.closed  # still served
        running.press("f")
        running.wait_for(f"C {number(default_cost(), signed=True)}")
        client = Client(server.port)
        clients.append(client)
        client.wait_for(READY)
        (app,) = server.apps()  # started by the server itself, as a new process
        assert app != forked and app in children(server.process.pid)
        client.press("q")
        assert client.wait_exit() == 0
        running.press("q")
        running.wait_exit()  # its status went with the warm process: ssh's own code
        wait_until(lambda: not alive(forked), 5, "the orphaned app ended")
    finally:
        server.stop()


def test_beyond_max_sessions_a_newcomer_is_told_the_class_is_full(
        tmp_path: Path, clients: list[Client]) -> None:
    server = SshServer(tmp_path, "--max-sessions", "1")
    try:
        first = Client(server.port)
        clients.append(first)
        first.wait_for(READY)
        second = Client(server.port)
        clients.append(second)
        assert second.wait_exit() == 1
        assert "the class is full, 1 of 1" in second.raw.decode()
        assert len(server.apps()) == 1
        first.press("q")
        assert first.wait_exit() == 0
        wait_until(lambda: not server.apps(), 5, "the first app ended")
        third = Client(server.port)  # a place is free again
        clients.append(third)
        third.wait_for(READY)
        third.press("q")
        assert third.wait_exit() == 0
    finally:
        server.stop()


def test_an_idle_session_is_ended_with_a_message(tmp_path: Path,
                                                 clients: list[Client]) -> None:
    server = SshServer(tmp_path, "--idle-seconds", "3")
    try:
        client = Client(server.port)
        clients.append(client)
        client.wait_for(READY)
        (app,) = server.apps()
        client.press("f")  # a key restarts the count
        client.wait_for("C +")
        assert client.wait_exit(timeout=WAIT) == 1
        assert "no key pressed for 3 seconds" in client.raw.decode()
        assert not alive(app)
        # What the app had switched on in the client's terminal is switched off.
        tail = bytes(client.raw[-300:])
        assert b"\x1b[?1049l" in tail and b"\x1b[?1000l" in tail
    finally:
        server.stop()


def test_a_password_file_lets_in_only_those_who_know_it(
        tmp_path: Path, clients: list[Client]) -> None:
    (tmp_path / "password").write_text("correct horse\n")
    server = SshServer(tmp_path, "--password-file", "password")
    try:
        def env_with(password: str) -> dict[str, str]:
            askpass = tmp_path / f"askpass-{len(password)}"
            askpass.write_text(f"#!/bin/sh\necho '{password}'\n")
            askpass.chmod(0o700)
            return dict(os.environ, SSH_ASKPASS=str(askpass), SSH_ASKPASS_REQUIRE="force",
                        DISPLAY="none")

        options = ["-o", "BatchMode=no", "-o", "NumberOfPasswordPrompts=1",
                   "-o", "PreferredAuthentications=password"]
        wrong = Client(server.port, *options, env=env_with("wrong"))
        clients.append(wrong)
        assert wrong.wait_exit() == 255
        assert "Permission denied" in wrong.raw.decode()
        right = Client(server.port, *options, env=env_with("correct horse"))
        clients.append(right)
        right.wait_for(READY)
        right.press("q")
        assert right.wait_exit() == 0
    finally:
        server.stop()


def test_the_host_key_is_made_once_and_kept(tmp_path: Path, clients: list[Client]) -> None:
    server = SshServer(tmp_path)
    key = tmp_path / "backprop-tui-ssh-host-key"
    try:
        first = server.wait_for_line("host key")
        assert str(key) in first and "created" in first
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        scan = subprocess.run(["/usr/bin/ssh-keyscan", "-p", str(server.port), "-t", "ed25519",
                               "127.0.0.1"], capture_output=True, text=True, timeout=WAIT)
        offered = scan.stdout.split()[-1]
    finally:
        server.stop()
    contents = key.read_bytes()
    again = SshServer(tmp_path)
    try:
        line = again.wait_for_line("host key")
        assert "kept from before" in line
        assert first.split("fingerprint ")[1] == line.split("fingerprint ")[1]
        scan = subprocess.run(["/usr/bin/ssh-keyscan", "-p", str(again.port), "-t", "ed25519",
                               "127.0.0.1"], capture_output=True, text=True, timeout=WAIT)
        assert scan.stdout.split()[-1] == offered
    finally:
        again.stop()
    assert key.read_bytes() == contents


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP])
def test_stopping_the_server_ends_every_session_with_a_message(
        tmp_path: Path, clients: list[Client], signum: int) -> None:
    server = SshServer(tmp_path)
    client = Client(server.port)
    clients.append(client)
    client.wait_for(READY)
    (app,) = server.apps()
    folder = Path(os.readlink(f"/proc/{app}/cwd"))
    server.stop(signum)  # Ctrl+C, or the terminal closed
    assert server.process.returncode == 0
    assert client.wait_exit() == 1
    assert "the server is stopping" in client.raw.decode()
    assert not alive(app)
    assert not folder.exists()


def test_listening_everywhere_says_so(tmp_path: Path) -> None:
    (tmp_path / "password").write_text("only for this test\n")
    server = SshServer(tmp_path, "--host", "0.0.0.0", "--password-file", "password")
    try:
        assert "everyone on the network" in server.wait_for_line("everyone on the network")
    finally:
        server.stop()
    assert server.process.returncode == 0
    assert server.lines[-1].endswith("stopped serving")


# ---------------------------------------------------------------- bad start


def test_the_visitor_folder_is_passed_when_the_app_takes_it() -> None:
    from backprop_tui.ssh import Settings, visitor_arguments

    plain = Settings(("--lr=1.5",), "127.0.0.1", 2222, 40, 60.0, None, "key")
    assert visitor_arguments(plain, "/tmp/v") == ["--lr=1.5"]
    given = Settings(("--lr=1.5",), "127.0.0.1", 2222, 40, 60.0, None, "key",
                     visitor_dir_option="--visitor-dir")
    assert visitor_arguments(given, "/tmp/v") == ["--lr=1.5", "--visitor-dir=/tmp/v"]


def test_app_takes_knows_the_app_options() -> None:
    from backprop_tui.cli import APP_OPTIONS, app_takes, option_string

    assert all(app_takes(option_string(name)) for name in APP_OPTIONS)
    assert not app_takes("--no-such-option")
    assert not app_takes("--max-sessions")  # the server's, not the app's


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backprop_tui", *args], capture_output=True,
                          text=True, timeout=60, cwd=cwd, env=env)


@pytest.mark.parametrize("args, option", [
    (["--max-sessions", "0"], "--max-sessions"),
    (["--idle-minutes", "-1"], "--idle-minutes"),
    (["--port", "70000"], "--port"),
    (["--w", "1,2", "--b", "1"], "--b"),
    (["--lr", "nan"], "--lr"),
    (["--data", "missing.csv"], "--data"),
    (["--password-file", "missing"], "--password-file"),
    (["--password-file", "empty"], "--password-file"),
    (["--host-key", "broken-key"], "--host-key"),
])
def test_bad_options_exit_2_with_one_line(tmp_path: Path, args: list[str], option: str) -> None:
    (tmp_path / "empty").write_text("")
    (tmp_path / "broken-key").write_text("not a key\n")
    done = run("ssh", "--port", str(free_port()), *args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" or "host key" not in done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert option in lines[0]
    assert (tmp_path / "broken-key").read_text() == "not a key\n"


def test_a_port_in_use_exits_2_with_one_line(server: SshServer, tmp_path: Path) -> None:
    done = run("ssh", "--port", str(server.port), cwd=tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "--port" in line and "in use" in line


def test_without_asyncssh_the_command_says_how_to_install_it(tmp_path: Path) -> None:
    hide = ("import sys; sys.modules['asyncssh'] = None; "
            "from backprop_tui.cli import main; sys.exit(main(['ssh']))")
    done = subprocess.run([sys.executable, "-c", hide], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "pip install 'backprop-tui[ssh]'" in line
    assert not (tmp_path / "backprop-tui-ssh-host-key").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("options", [[], ["--no-zygote"]], ids=["warm", "new-process"])
def test_a_killed_server_leaves_no_process_behind(tmp_path: Path, clients: list[Client],
                                                  options: list[str]) -> None:
    """SIGKILL gives the server no chance to end its apps (nor the warm process): the
    kernel does."""
    server = SshServer(tmp_path, *options)
    try:
        client = Client(server.port)
        clients.append(client)
        client.wait_for(READY)
        (app,) = server.apps()
        started = children(server.process.pid)
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=WAIT)
        left = {app, *started}
        wait_until(lambda: not any(alive(pid) for pid in left), 3.0,
                   f"processes {left} gone with their server")
    finally:
        server.stop()
