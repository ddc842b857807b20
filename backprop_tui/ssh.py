"""``backprop-tui ssh``: the app over SSH, one app process per connection.

A class connects with ``ssh -p 2222 HOST``: no accounts, nothing to install.
The server is asyncssh's (an optional extra: ``pip install 'backprop-tui[ssh]'``).
Every connection gets its own app, on its own pseudo-terminal, started with the
client's terminal type and size, in its own session and process group, in a
fresh private folder that is removed when the connection ends. Only interactive
sessions with a terminal are served: commands, sessions without a terminal,
port, agent and X11 forwarding, sftp and scp are refused.

Starting many apps at once (a class arriving together) is the slow part: each
app imports Textual and numpy before it draws anything. So the apps are forked
from a warm "zygote" process that has imported them once: it runs no event loop
and no threads, and on each request forks a child that makes the connection's
pseudo-terminal its controlling terminal and runs the app. If the zygote cannot
start (or goes away), each app is started as a new process instead
(``python -m backprop_tui …``).

This module does not depend on the command line: it is handed plain values
(the app's arguments already checked) and runs the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hmac
import importlib
import io
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .lifeline import dies_with_this_process
from .listen import bind_error_message

PROG = "backprop-tui"
INSTALL_HINT = "pip install 'backprop-tui[ssh]'"
HANGUP_GRACE = 1.0
"""Seconds an app has to quit after SIGHUP before its process group is killed."""
DRAIN_SECONDS = 1.0
"""Seconds to wait, once the app has exited, for the last of its output."""
ZYGOTE_READY_SECONDS = 60.0
"""How long the server waits for the zygote's imports before starting apps without it."""
KEEPALIVE_SECONDS = 15
"""A client that answers no keepalive for 4 of these is taken as gone (closed laptop)."""

WARM_MODULES = (
    "numpy",
    "textual.app",
    "textual.drivers.linux_driver",
    "textual.layouts.factory",
    "textual.layouts.horizontal",
    "textual.layouts.vertical",
    "textual.layouts.stream",
    "backprop_tui.cli",
    "backprop_tui.tui.app",
    "backprop_tui.model.lesson",
    "backprop_tui.present.tables",
    "plotext",
    "rich.ansi",
)
"""What the zygote imports once, so that no app has to: everything the app loads
to draw its first frame, the lesson it makes after it (with numpy, first here, so
loaded at once), the tables of the every-layer grid, and plotext, which it loads for
the first loss curve; and then the widgets it makes when first shown (tui/later.py)."""

RESET_TERMINAL = (
    "\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l"  # mouse reporting off
    "\x1b[?1004l\x1b[?2004l"  # focus events, bracketed paste off
    "\x1b[<u"  # kitty keyboard protocol: pop
    "\x1b[?1049l\x1b[?25h\x1b[0m"  # main screen, cursor shown, plain text
)
"""What the client's terminal needs after an app that was stopped (not quit) mid-screen."""


class SshError(Exception):
    """The server cannot start; the message names the option at fault."""


def import_asyncssh() -> Any:
    """The asyncssh module, imported without the one warning it makes on import.

    cryptography 51 deprecates DSA, and asyncssh 2.24 names its DSA classes when
    imported: that one :class:`CryptographyDeprecationWarning` ("DSA is deprecated")
    would be printed ten times before every line the server says. It is ignored
    while asyncssh is imported, and only then: every other warning stays visible.
    """
    with warnings.catch_warnings():
        try:
            from cryptography.utils import CryptographyDeprecationWarning
        except ImportError:  # an asyncssh without cryptography fails below, as it should
            pass
        else:
            warnings.filterwarnings("ignore", message="DSA is deprecated",
                                    category=CryptographyDeprecationWarning)
        import asyncssh
    return asyncssh


def asyncssh_missing() -> str | None:
    """One line saying how to install asyncssh, or None if it is there."""
    try:
        import_asyncssh()
    except ImportError:
        return f"the ssh server needs asyncssh: {INSTALL_HINT}"
    return None


def read_password(path: str | os.PathLike) -> str:
    """The one password in the file at ``path`` (a final line break is not part of it)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SshError(f"argument --password-file: {path}: no such file") from None
    except IsADirectoryError:
        raise SshError(f"argument --password-file: {path}: is a folder, not a file") from None
    except UnicodeDecodeError:
        raise SshError(f"argument --password-file: {path}: is not UTF-8 text") from None
    except OSError as exc:
        raise SshError(f"argument --password-file: {path}: {exc.strerror or exc}") from None
    password = text[:-1] if text.endswith("\n") else text
    password = password[:-1] if password.endswith("\r") else password
    if not password:
        raise SshError(f"argument --password-file: {path}: is empty; write one password in it")
    if "\n" in password:
        raise SshError(f"argument --password-file: {path}: has more than one line; "
                       "write one password in it")
    return password


def load_host_key(path: str | os.PathLike) -> tuple[Any, bool]:
    """(the host key in ``path``, whether it was created now).

    A missing file gets a new Ed25519 key (mode 0600, never replacing a file that
    appeared meanwhile); a file that is not a key is reported, never overwritten.
    """
    asyncssh = import_asyncssh()

    file = Path(path)
    if not file.exists():
        key = asyncssh.generate_private_key("ssh-ed25519", comment=f"{PROG} ssh host key")
        try:
            fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another server made it meanwhile: use theirs
        except OSError as exc:
            raise SshError(f"argument --host-key: cannot create {path}: "
                           f"{exc.strerror or exc}") from None
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(key.export_private_key())
            return key, True
    if file.is_dir():
        raise SshError(f"argument --host-key: {path}: is a folder, not a key file")
    try:
        return asyncssh.read_private_key(file), False
    except (OSError, ValueError, asyncssh.KeyImportError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise SshError(f"argument --host-key: {path}: not a private key this server can "
                       f"use ({reason}); move it away or choose another with --host-key") from None


@dataclass(frozen=True)
class Settings:
    """Everything the server needs, checked by the caller."""

    app_arguments: tuple[str, ...]
    """The app's own arguments (``--w=…``, ``--data=/abs/path``, …)."""
    host: str
    port: int
    max_sessions: int
    idle_seconds: float
    password: str | None
    """Clients must give it; None: any user name, no password."""
    host_key: str | os.PathLike
    """The host key's file, made if missing."""
    visitor_dir_option: str | None = None
    """The app option that keeps a visitor's files in their folder (``--visitor-dir``),
    or None if the app has none: then the folder is only the app's working folder."""
    zygote: bool = True
    """Fork the apps from a warm process (False: start each with ``python -m``)."""


# --------------------------------------------------------------------------
# Starting an app on a pseudo-terminal


@dataclass
class AppProcess:
    """A started app: its process id (also its process group and session id)."""

    pid: int
    exited: asyncio.Future
    """Its exit status (as ``subprocess`` gives it), or None if it cannot be known."""
    controlling_terminal: bool
    """Whether the pty is its controlling terminal (then a resize signals it by itself)."""


def _app_environment(term: str) -> dict[str, str]:
    """The server's environment for an app, with the client's terminal type.

    COLUMNS and LINES would override the pty's size, so they are left out.
    """
    env = {k: v for k, v in os.environ.items()
           if k not in ("COLUMNS", "LINES", "TERM", "COLORTERM")}
    env["TERM"] = term or "xterm-256color"
    return env


class ExecLauncher:
    """Each app a new process: ``python -m backprop_tui ARGS``, in its own session."""

    async def start(self, args: Sequence[str], env: dict[str, str], cwd: str,
                    slave: int) -> AppProcess:
        loop = asyncio.get_running_loop()
        proc = subprocess.Popen(
            [sys.executable, "-m", "backprop_tui", *args],
            stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env,
            start_new_session=True, close_fds=True, preexec_fn=dies_with_this_process(),
        )
        exited: asyncio.Future = loop.create_future()
        _watch_child(loop, proc, exited)
        return AppProcess(proc.pid, exited, controlling_terminal=False)

    def close(self) -> None:
        pass


def _watch_child(loop: asyncio.AbstractEventLoop, proc: subprocess.Popen,
                 exited: asyncio.Future) -> None:
    """Resolve ``exited`` with ``proc``'s status when it ends (pidfd, else polling)."""

    def done() -> None:
        if not exited.done():
            exited.set_result(proc.returncode)

    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        def poll() -> None:
            if proc.poll() is None:
                loop.call_later(0.05, poll)
            else:
                done()
        poll()
        return

    def readable() -> None:
        loop.remove_reader(pidfd)
        os.close(pidfd)
        proc.wait()
        done()

    loop.add_reader(pidfd, readable)


def _watch_orphan(loop: asyncio.AbstractEventLoop, pid: int, exited: asyncio.Future) -> None:
    """Resolve ``exited`` with None (status unknown) when ``pid``, not our child, ends."""

    def done() -> None:
        if not exited.done():
            exited.set_result(None)

    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        def poll() -> None:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                done()
            else:
                loop.call_later(0.1, poll)
        poll()
        return

    def readable() -> None:
        loop.remove_reader(pidfd)
        os.close(pidfd)
        done()

    loop.add_reader(pidfd, readable)


class ZygoteGone(Exception):
    """The zygote process is no longer there."""


class ZygoteLauncher:
    """Apps forked from a warm process that has imported them (see the module's text)."""

    def __init__(self) -> None:
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "backprop_tui.ssh", "--zygote", str(theirs.fileno())],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
            start_new_session=True, close_fds=True, env=_zygote_environment(),
            preexec_fn=dies_with_this_process(),
        )
        theirs.close()
        self.ready: asyncio.Future | None = None
        self.starting: dict[int, asyncio.Future] = {}
        self.running: dict[int, asyncio.Future] = {}
        self.next_id = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self.gone = False

    def attach(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future:
        """Listen to the zygote on ``loop``; returns a future done when it is ready."""
        self.loop = loop
        self.ready = loop.create_future()
        loop.add_reader(self.control.fileno(), self._receive)
        return self.ready

    def _receive(self) -> None:
        try:
            data = self.control.recv(65536)
        except OSError:
            data = b""
        if not data:
            self._lost()
            return
        message = json.loads(data)
        if "ready" in message:
            if self.ready is not None and not self.ready.done():
                self.ready.set_result(True)
        elif "id" in message:
            assert self.loop is not None
            waiter = self.starting.pop(message["id"], None)
            if waiter is None or waiter.done():
                return
            if "error" in message:
                waiter.set_exception(OSError(message["error"]))
            else:
                exited = self.loop.create_future()
                self.running[message["pid"]] = exited
                waiter.set_result(AppProcess(message["pid"], exited, controlling_terminal=True))
        elif "status" in message:
            ended = self.running.pop(message["pid"], None)
            if ended is not None and not ended.done():
                ended.set_result(message["status"])

    def _lost(self) -> None:
        """The zygote went away: waiting starts fail; running apps are watched without it."""
        if self.gone:
            return
        self.gone = True
        if self.loop is not None:
            self.loop.remove_reader(self.control.fileno())
        for waiter in self.starting.values():
            if not waiter.done():
                waiter.set_exception(ZygoteGone())
        for pid, exited in self.running.items():
            if not exited.done() and self.loop is not None:
                _watch_orphan(self.loop, pid, exited)
        if self.ready is not None and not self.ready.done():
            self.ready.set_exception(ZygoteGone())
        self.starting.clear()
        self.running.clear()

    async def start(self, args: Sequence[str], env: dict[str, str], cwd: str,
                    slave: int) -> AppProcess:
        if self.gone or self.loop is None:
            raise ZygoteGone()
        self.next_id += 1
        request = {"id": self.next_id, "args": list(args), "env": env, "cwd": cwd}
        waiter = self.loop.create_future()
        self.starting[self.next_id] = waiter
        try:
            socket.send_fds(self.control, [json.dumps(request).encode()], [slave])
        except OSError:
            self.starting.pop(self.next_id, None)
            self._lost()
            raise ZygoteGone() from None
        return await waiter

    def close(self) -> None:
        if self.loop is not None and not self.gone:
            self.loop.remove_reader(self.control.fileno())
        self.gone = True
        self.control.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _zygote_environment() -> dict[str, str]:
    """The server's environment, with numpy's BLAS on one thread: the zygote forks, so it
    must hold no threads (each child gets the server's environment back for itself)."""
    return dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                MKL_NUM_THREADS="1")


def zygote_main(control_fd: int) -> None:
    """The zygote: import the app once, then fork one child per request until EOF."""
    control = socket.socket(fileno=control_fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in WARM_MODULES:
        with contextlib.suppress(ImportError):  # the app imports it itself if it needs it
            importlib.import_module(name)
    with contextlib.suppress(ImportError):
        importlib.import_module("backprop_tui.tui.later").import_all()
    with contextlib.suppress(Exception):  # rich's table of character widths, loaded once
        from rich._unicode_data import load

        load()
    import gc

    gc.collect()
    gc.freeze()  # what was imported stays out of the collector: fewer pages copied per child
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    control.send(json.dumps({"ready": True}).encode())
    import select

    while True:
        readable, _, _ = select.select([control.fileno(), wake_read], [], [])
        if wake_read in readable:
            try:
                while os.read(wake_read, 512):
                    pass
            except BlockingIOError:
                pass
            _reap(control)
        if control.fileno() in readable:
            try:
                data, fds, _, _ = socket.recv_fds(control, 1 << 20, 4)
            except OSError:
                data, fds = b"", []
            if not data:
                break
            request = json.loads(data)
            if len(fds) != 1:
                for fd in fds:
                    os.close(fd)
                control.send(json.dumps({"id": request["id"],
                                         "error": "no terminal received"}).encode())
                continue
            try:
                pid = os.fork()
            except OSError as exc:
                os.close(fds[0])
                control.send(json.dumps({"id": request["id"], "error": str(exc)}).encode())
                continue
            if pid == 0:
                _zygote_child(request, fds[0], control, (wake_read, wake_write))
            os.close(fds[0])
            control.send(json.dumps({"id": request["id"], "pid": pid}).encode())
            _reap(control)
    sys.exit(0)


def _reap(control: socket.socket) -> None:
    """Report every child that has ended."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        with contextlib.suppress(OSError):
            control.send(json.dumps({"pid": pid,
                                     "status": os.waitstatus_to_exitcode(status)}).encode())


def _zygote_child(request: dict, slave: int, control: socket.socket,
                  close: Sequence[int]) -> None:
    """In the forked child: the pty becomes the controlling terminal; run the app; exit."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        control.close()
        for fd in close:
            os.close(fd)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if slave > 2:
            os.close(slave)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # sys.stdin, stdout and stderr are on fds 0, 1, 2, now the pty: as a new
        # process would, write lines as they come.
        if isinstance(sys.stdout, io.TextIOWrapper):
            sys.stdout.reconfigure(line_buffering=True)
        sys.argv = [PROG, *request["args"]]
        import runpy

        try:
            runpy.run_module("backprop_tui", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            if exc.code is None:
                code = 0
            elif isinstance(exc.code, int):
                code = exc.code
            else:
                print(exc.code, file=sys.stderr)
                code = 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


# --------------------------------------------------------------------------
# The server


def visitor_arguments(settings: Settings, folder: str) -> list[str]:
    """The arguments of an app whose private folder is ``folder``."""
    args = list(settings.app_arguments)
    if settings.visitor_dir_option:
        args.append(f"{settings.visitor_dir_option}={folder}")
    return args


def _set_size(fd: int, cols: int, rows: int, xpixels: int = 0, ypixels: int = 0) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, xpixels, ypixels))


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def serve(settings: Settings, announce: Callable[[str], None] | None = None) -> None:
    """Serve the app over SSH until Ctrl+C (SIGINT), SIGTERM or SIGHUP (terminal closed).

    ``announce`` gets each line worth telling the person who started it (the
    host key, the address). A host or port the server cannot listen on, a host
    key that cannot be read or made, raise :class:`SshError`.
    """
    asyncssh = import_asyncssh()

    tell = announce or (lambda line: None)
    key, created = load_host_key(settings.host_key)
    where = Path(settings.host_key).absolute()
    tell(f"host key {where} ({'created' if created else 'kept from before'}; "
         f"fingerprint {key.get_fingerprint()})")
    asyncio.run(_serve(asyncssh, settings, key, tell))


async def _serve(asyncssh: Any, settings: Settings, key: Any,
                 tell: Callable[[str], None]) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGHUP: terminal closed
        loop.add_signal_handler(signum, stop.set)
    launcher: ExecLauncher | ZygoteLauncher = ExecLauncher()
    zygote: ZygoteLauncher | None = None
    if settings.zygote:
        try:
            zygote = ZygoteLauncher()
            await asyncio.wait_for(zygote.attach(loop), ZYGOTE_READY_SECONDS)
            launcher = zygote
        except (OSError, ZygoteGone, asyncio.TimeoutError):
            tell("could not start the warm app process; each app starts on its own "
                 "(slower when many connect at once)")
            if zygote is not None:
                zygote.close()
                zygote = None
    classroom = Classroom(asyncssh, settings, launcher)
    try:
        server = await asyncssh.create_server(
            lambda: classroom.connection(), settings.host, settings.port,
            server_host_keys=[key],
            encoding=None,
            line_editor=False,
            agent_forwarding=False,
            x11_forwarding=False,
            allow_scp=False,
            sftp_factory=None,
            gss_host=None,
            keepalive_interval=KEEPALIVE_SECONDS,
            keepalive_count_max=4,
            login_timeout=60,
            reuse_address=True,
        )
    except OSError as exc:
        if zygote is not None:
            zygote.close()
        raise _bind_error(exc, settings.host, settings.port) from None
    try:
        port = server.sockets[0].getsockname()[1] if server.sockets else settings.port
        shown = settings.host if ":" not in settings.host else f"[{settings.host}]"
        tell(f"serving the app over SSH on {shown} port {port}: "
             f"ssh -p {port} {_client_host(settings.host)} "
             f"(up to {settings.max_sessions} at once); Ctrl+C stops")
        if settings.host in ("0.0.0.0", "::", ""):
            tell("everyone on the network can reach this server (--host "
                 f"{settings.host or '0.0.0.0'})"
                 + ("" if settings.password else "; --password-file asks for a password"))
        await stop.wait()
    finally:
        server.close()
        await classroom.stop_all()
        if zygote is not None:
            zygote.close()


def _client_host(host: str) -> str:
    if host in ("0.0.0.0", "", "::"):
        return "THIS-MACHINE'S-ADDRESS"
    return host


def _bind_error(exc: OSError, host: str, port: int) -> SshError:
    return SshError(bind_error_message(exc, host, port))


class Classroom:
    """The server's state: its settings, the launcher, the apps running."""

    def __init__(self, asyncssh: Any, settings: Settings,
                 launcher: ExecLauncher | ZygoteLauncher) -> None:
        self.asyncssh = asyncssh
        self.settings = settings
        self.launcher = launcher
        self.fallback = ExecLauncher()
        self.sessions: set[AppSession] = set()
        """Sessions with an app starting or running (what --max-sessions counts)."""
        self.all: set[AppSession] = set()
        """Every session with an app, to stop them all with the server."""
        self.session_class = type("ClassSession", (AppSession, asyncssh.SSHServerSession), {})
        self.connection_class = self._connection_class()

    def connection(self) -> Any:
        """The server object of a new connection."""
        return self.connection_class()

    def _connection_class(self) -> type:
        classroom = self
        server: Any = self.asyncssh.SSHServer

        class Connection(server):
            """One client: authentication, and which channels it may open."""

            def begin_auth(self, username: str) -> bool:
                return classroom.settings.password is not None

            def password_auth_supported(self) -> bool:
                return classroom.settings.password is not None

            def validate_password(self, username: str, password: str) -> bool:
                expected = classroom.settings.password or ""
                return hmac.compare_digest(password.encode(), expected.encode())

            def session_requested(self) -> Any:
                return classroom.session_class(classroom)

            def connection_requested(self, *_: Any) -> bool:
                return False  # -L / -D: no port forwarding

            def server_requested(self, *_: Any) -> bool:
                return False  # -R: no port forwarding

            def unix_connection_requested(self, *_: Any) -> bool:
                return False

            def unix_server_requested(self, *_: Any) -> bool:
                return False

        return Connection

    async def launch(self, args: Sequence[str], env: dict[str, str], cwd: str,
                     slave: int) -> AppProcess:
        if isinstance(self.launcher, ZygoteLauncher):
            try:
                return await self.launcher.start(args, env, cwd, slave)
            except (ZygoteGone, OSError):
                print(f"{PROG} ssh: the warm app process is gone; apps now start on their own",
                      file=sys.stderr, flush=True)
                self.launcher = self.fallback
        return await self.fallback.start(args, env, cwd, slave)

    async def stop_all(self) -> None:
        sessions = list(self.all)
        for session in sessions:
            session.end(f"{PROG}: the server is stopping; goodbye")
        waits = [s.finished for s in sessions if s.finished is not None]
        if waits:
            await asyncio.wait(waits, timeout=HANGUP_GRACE + DRAIN_SECONDS + 2)
        for session in sessions:
            session.kill_left()


class AppSession:
    """One SSH session: refused, or one app on its own pseudo-terminal."""

    def __init__(self, classroom: Classroom) -> None:
        self.classroom = classroom
        self.loop = asyncio.get_running_loop()
        self.chan: Any = None
        self.term: str | None = None
        self.size = (80, 24, 0, 0)
        self.refusal: str | None = None
        self.master: int | None = None
        self.app: AppProcess | None = None
        self.folder: str | None = None
        self.pending = bytearray()
        """Keys typed that the pty has not taken yet."""
        self.reading = False
        self.writing = False
        self.paused = False
        self.eof = asyncio.Event()
        self.gone = False
        """The client went away."""
        self.ending: str | None = None
        """Why the server ends the session (idle, stopping), shown after the app is gone."""
        self.last_input = time.monotonic()
        self.idle_timer: asyncio.TimerHandle | None = None
        self.finished: asyncio.Future | None = None

    # ----- asyncssh's session interface

    def connection_made(self, chan: Any) -> None:
        self.chan = chan

    def pty_requested(self, term_type: str, term_size: tuple[int, int, int, int],
                      term_modes: Any) -> bool:
        self.term = term_type
        if term_size[0] and term_size[1]:
            self.size = term_size
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        self.refusal = (f"{PROG}: this server runs no commands; connect with plain "
                        "ssh (no command after the host) to open the app")
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        return False  # sftp and the like

    def break_received(self, msec: int) -> bool:
        return False

    def signal_received(self, signal: str) -> None:
        pass

    def session_started(self) -> None:
        classroom = self.classroom
        if self.refusal is None and self.term is None:
            self.refusal = (f"{PROG}: the app needs a terminal; connect without -T "
                            "(plain ssh -p PORT HOST)")
        if self.refusal is not None:
            self.chan.write_stderr((self.refusal + "\r\n").encode())
            self.chan.exit(1)
            return
        limit = classroom.settings.max_sessions
        if len(classroom.sessions) >= limit:
            self.chan.write(f"{PROG}: the class is full, {limit} of {limit}; "
                            "try again later\r\n".encode())
            self.chan.exit(1)
            return
        classroom.sessions.add(self)
        classroom.all.add(self)
        self.finished = self.loop.create_future()
        task = self.loop.create_task(self._run())
        task.add_done_callback(self._ran)

    def data_received(self, data: bytes, datatype: Any) -> None:
        self.last_input = time.monotonic()
        if self.master is None:
            return  # keys before the app is there (its first frame) are dropped
        self.pending += data
        self._write_pending()

    def eof_received(self) -> bool:
        return True  # keep the channel open: the app decides when it ends

    def terminal_size_changed(self, width: int, height: int, pixwidth: int,
                              pixheight: int) -> None:
        if not (width and height):
            return
        self.size = (width, height, pixwidth, pixheight)
        if self.master is None:
            return
        _set_size(self.master, width, height, pixwidth, pixheight)
        if self.app is not None and not self.app.exited.done() and not self.app.controlling_terminal:
            _signal_group(self.app.pid, signal.SIGWINCH)

    def pause_writing(self) -> None:
        self.paused = True
        self._stop_reading()

    def resume_writing(self) -> None:
        self.paused = False
        self._start_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.gone = True
        self._hang_up()

    # ----- the app

    async def _run(self) -> None:
        settings = self.classroom.settings
        if self.gone:
            return
        self.folder = tempfile.mkdtemp(prefix=f"{PROG}-visitor-")
        os.chmod(self.folder, 0o700)
        args = visitor_arguments(settings, self.folder)
        master, slave = os.openpty()
        self.master = master
        os.set_blocking(master, False)
        cols, rows, xpixels, ypixels = self.size
        _set_size(master, cols, rows, xpixels, ypixels)
        try:
            self.app = await self.classroom.launch(
                args, _app_environment(self.term or ""), self.folder, slave)
        finally:
            os.close(slave)
        if self.gone:
            self._hang_up()
        self._start_reading()
        self._write_pending()
        self._arm_idle()
        status = await self.app.exited
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.eof.wait(), DRAIN_SECONDS)
        self._stop_reading()
        if self.gone:
            return
        if self.ending is not None:
            self.chan.write((RESET_TERMINAL + "\r\n" + self.ending + "\r\n").encode())
            self.chan.exit(1)
        elif status is None:
            self.chan.close()
        else:
            self.chan.exit(status if status >= 0 else 128 - status)

    def _ran(self, task: asyncio.Task) -> None:
        self.classroom.sessions.discard(self)
        self.classroom.all.discard(self)
        if self.idle_timer is not None:
            self.idle_timer.cancel()
        self._stop_reading()
        if self.writing and self.master is not None:
            self.loop.remove_writer(self.master)
            self.writing = False
        if self.master is not None:
            os.close(self.master)
            self.master = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            print(f"{PROG} ssh: an app could not start: {exc}", file=sys.stderr, flush=True)
            if not self.gone:
                self.chan.write_stderr(f"{PROG}: the app could not start\r\n".encode())
                self.chan.exit(1)
        if self.finished is not None and not self.finished.done():
            self.finished.set_result(None)

    def end(self, message: str) -> None:
        """End the session from the server's side, ``message`` shown once the app is gone."""
        if self.ending is None:
            self.ending = message
        self._hang_up()

    def kill_left(self) -> None:
        """As the server exits: an app still there (a machine too busy to let it quit in
        time) is killed with its group, and its folder removed, so nothing outlives the
        server."""
        app = self.app
        if app is not None and not app.exited.done():
            _signal_group(app.pid, signal.SIGKILL)
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _hang_up(self) -> None:
        """SIGHUP to the app's process group; SIGKILL if it is still there after a grace."""
        app = self.app
        if app is None or app.exited.done():
            return
        _signal_group(app.pid, signal.SIGHUP)

        def kill() -> None:
            if not app.exited.done():
                _signal_group(app.pid, signal.SIGKILL)

        self.loop.call_later(HANGUP_GRACE, kill)

    def _arm_idle(self) -> None:
        idle = self.classroom.settings.idle_seconds
        left = self.last_input + idle - time.monotonic()
        if left <= 0:
            minutes = idle / 60
            shown = (f"{minutes:g} minute{'s' * (minutes != 1)}" if idle >= 60
                     else f"{idle:g} second{'s' * (idle != 1)}")
            self.end(f"{PROG}: no key pressed for {shown}; the session has ended. "
                     "Connect again to start anew.")
            return
        self.idle_timer = self.loop.call_later(left, self._arm_idle)

    # ----- moving bytes

    def _start_reading(self) -> None:
        if self.master is not None and not self.reading and not self.paused \
                and not self.eof.is_set():
            self.loop.add_reader(self.master, self._read)
            self.reading = True

    def _stop_reading(self) -> None:
        if self.reading and self.master is not None:
            self.loop.remove_reader(self.master)
        self.reading = False

    def _read(self) -> None:
        if self.master is None:
            return
        try:
            data = os.read(self.master, 65536)
        except BlockingIOError:
            return
        except OSError:  # EIO: every holder of the other end has closed it
            data = b""
        if not data:
            self._stop_reading()
            self.eof.set()
            return
        if not self.gone:
            self.chan.write(data)

    def _write_pending(self) -> None:
        """Write the keys typed to the app; what the pty cannot take yet waits for it."""
        if self.master is None:
            return
        if self.pending:
            try:
                written = os.write(self.master, self.pending)
            except BlockingIOError:
                written = 0
            except OSError:
                written = len(self.pending)
            del self.pending[:written]
        if self.pending and not self.writing:
            self.loop.add_writer(self.master, self._write_pending)
            self.writing = True
        elif not self.pending and self.writing:
            self.loop.remove_writer(self.master)
            self.writing = False

if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--zygote":
        zygote_main(int(sys.argv[2]))
    else:
        print(f"usage: python -m backprop_tui.ssh --zygote FD (started by {PROG} ssh)",
              file=sys.stderr)
        sys.exit(2)
