"""Starting visitors' apps, for both servers: forked from a warm process, or each anew.

Starting many apps at once (a class arriving together) is the slow part: each app
imports Textual and numpy before it draws anything. So a server forks its apps
from a warm "zygote" process that has imported them once: it runs no event loop
and no threads, and on each request forks a child that takes the files it was
handed as its standard input, output and error and runs the app:

- ``ssh``: one pseudo-terminal, which the child makes its controlling terminal;
- ``serve``: three pipes, Textual's web driver speaking on them.

If the zygote cannot start (or goes away), each app is started as a new process
instead (``python -m backprop_tui …``); a request the zygote cannot take (too
large, say) starts that one app anew and leaves the zygote serving the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import importlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import termios
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .lifeline import die_with_parent, dies_with_this_process

PROG = "backprop-tui"
READY_SECONDS = 60.0
"""How long a server waits for the zygote's imports before starting apps without it."""
MESSAGE_MOST = 256 * 1024
"""The largest request sent to the zygote (it reads up to 1 MiB at once)."""

WARM_MODULES = (
    "numpy",
    "textual.app",
    "textual.drivers.linux_driver",
    "textual.drivers.web_driver",
    "textual.layouts.factory",
    "textual.layouts.horizontal",
    "textual.layouts.vertical",
    "textual.layouts.stream",
    "backprop_tui.cli",
    "backprop_tui.tui.app",
    "backprop_tui.tui.network_screen",
    "backprop_tui.tui.widgets.grid",
    "backprop_tui.tui.widgets.weight_derivation",
    "backprop_tui.tui.widgets.neuron",
    "backprop_tui.tui.widgets.derivation",
    "backprop_tui.model.lesson",
    "backprop_tui.present.tables",
    "plotext",
    "rich.ansi",
)
"""What the zygote imports once, so that no app has to: everything the app loads
to draw its first frame (in a terminal or a browser), the lesson it makes after it
(with numpy, first here, so loaded at once), the tables of the every-layer grid, and
plotext, which it loads for the first loss curve; and then the widgets it makes when
first shown (tui/later.py)."""


@dataclass
class AppProcess:
    """A started app: its process id (also its process group and session id)."""

    pid: int
    exited: asyncio.Future
    """Its exit status (as ``subprocess`` gives it), or None if it cannot be known."""
    controlling_terminal: bool
    """Whether its terminal is its controlling terminal (then a resize signals it by itself)."""


class ZygoteGone(Exception):
    """The zygote process is no longer there."""


class NotHandedOver(OSError):
    """One request could not be handed to the zygote (the zygote itself is still there)."""


def _standard_files(fds: Sequence[int]) -> tuple[int, int, int]:
    """stdin, stdout, stderr: one terminal for all three, or three files."""
    return (fds[0], fds[0], fds[0]) if len(fds) == 1 else (fds[0], fds[1], fds[2])


APP_PROGRAM = (sys.executable, "-m", "backprop_tui")
"""The command of an app started anew (no shell): this Python, this package."""


class ExecLauncher:
    """Each app a new process: ``python -m backprop_tui ARGS``, in its own session."""

    def __init__(self, program: Sequence[str] = APP_PROGRAM) -> None:
        self.program = tuple(program)

    async def start(self, args: Sequence[str], env: dict[str, str], cwd: str,
                    fds: Sequence[int]) -> AppProcess:
        """Start the app on ``fds``: one terminal, or stdin, stdout and stderr."""
        loop = asyncio.get_running_loop()
        stdin, stdout, stderr = _standard_files(fds)
        proc = subprocess.Popen(
            [*self.program, *args],
            stdin=stdin, stdout=stdout, stderr=stderr, cwd=cwd, env=env,
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


_CONNECTION_GONE = (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN, errno.EBADF)
"""Errors of a send to the zygote that mean it is gone (others concern one request)."""


class ZygoteLauncher:
    """Apps forked from a warm process that has imported them (see the module's text)."""

    def __init__(self, environment: dict[str, str] | None = None) -> None:
        """``environment``: what the zygote imports the app in (the server's own by default);
        settings read at import (Textual's driver, say) must be in it."""
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "backprop_tui.warm", "--zygote", str(theirs.fileno())],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
            start_new_session=True, close_fds=True,
            env=zygote_environment(os.environ if environment is None else environment),
            preexec_fn=dies_with_this_process(),
        )
        theirs.close()
        self.ready: asyncio.Future | None = None
        self.starting: dict[int, tuple[asyncio.Future, bool]] = {}
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
            waiter, terminal = self.starting.pop(message["id"], (None, False))
            if waiter is None or waiter.done():
                return
            if "error" in message:
                waiter.set_exception(NotHandedOver(message["error"]))
            else:
                exited = self.loop.create_future()
                self.running[message["pid"]] = exited
                waiter.set_result(AppProcess(message["pid"], exited,
                                             controlling_terminal=terminal))
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
        for waiter, _ in self.starting.values():
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
                    fds: Sequence[int]) -> AppProcess:
        """Start the app on ``fds``: one terminal (which becomes the app's controlling
        terminal), or stdin, stdout and stderr."""
        if self.gone or self.loop is None:
            raise ZygoteGone()
        self.next_id += 1
        request = json.dumps({"id": self.next_id, "args": list(args), "env": env,
                              "cwd": cwd}).encode()
        if len(request) > MESSAGE_MOST:
            raise NotHandedOver(f"the request is {len(request)} bytes, more than {MESSAGE_MOST}")
        waiter = self.loop.create_future()
        self.starting[self.next_id] = (waiter, len(fds) == 1)
        try:
            socket.send_fds(self.control, [request], list(fds))
        except OSError as exc:
            self.starting.pop(self.next_id, None)
            if self.process.poll() is None and exc.errno not in _CONNECTION_GONE:
                raise NotHandedOver(exc.errno, exc.strerror) from None  # this request only
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


class Launcher:
    """The apps of one server: forked by the zygote while it is there, else each anew.

    ``say`` gets a line for the server's console when the zygote goes or fails a start.
    """

    def __init__(self, zygote: ZygoteLauncher | None, say: Callable[[str], None],
                 program: Sequence[str] = APP_PROGRAM) -> None:
        self.zygote = zygote
        self.fallback = ExecLauncher(program)
        self.say = say

    @classmethod
    async def open(cls, warm: bool, say: Callable[[str], None],
                   environment: dict[str, str] | None = None,
                   program: Sequence[str] = APP_PROGRAM) -> Launcher:
        """A launcher with a zygote when ``warm`` and it starts (``say`` tells if it does
        not); ``environment`` as :class:`ZygoteLauncher` takes it; ``program``: the command
        of an app started anew."""
        zygote: ZygoteLauncher | None = None
        if warm:
            try:
                zygote = ZygoteLauncher(environment)
                await asyncio.wait_for(zygote.attach(asyncio.get_running_loop()), READY_SECONDS)
            except (OSError, ZygoteGone, asyncio.TimeoutError):
                say("could not start the warm app process; each app starts on its own "
                    "(slower when many connect at once)")
                if zygote is not None:
                    zygote.close()
                zygote = None
        return cls(zygote, say, program)

    async def start(self, args: Sequence[str], env: dict[str, str], cwd: str,
                    fds: Sequence[int]) -> AppProcess:
        """Start an app on ``fds`` (one terminal, or stdin, stdout and stderr): forked by
        the zygote, or anew when the zygote is gone (from now on) or could not take this
        one request (this one only)."""
        if self.zygote is not None:
            try:
                return await self.zygote.start(args, env, cwd, fds)
            except ZygoteGone:
                self.say("the warm app process is gone; apps now start on their own")
                self.zygote.close()
                self.zygote = None
            except OSError as exc:
                self.say(f"the warm app process could not start an app ({exc}); "
                         "this one starts on its own")
        return await self.fallback.start(args, env, cwd, fds)

    def close(self) -> None:
        if self.zygote is not None:
            self.zygote.close()
            self.zygote = None


class PipedApp:
    """An app started on three pipes, with asyncio's streams on this side of them (what
    ``asyncio.create_subprocess_exec`` gives, from a launcher)."""

    def __init__(self, process: AppProcess, stdin: asyncio.StreamWriter,
                 stdout: asyncio.StreamReader, stderr: asyncio.StreamReader,
                 transports: Sequence[asyncio.BaseTransport]) -> None:
        self.process = process
        self.pid = process.pid
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.transports = transports

    @classmethod
    async def start(cls, launcher: Launcher, args: Sequence[str], env: dict[str, str],
                    cwd: str, limit: int = 1 << 16) -> PipedApp:
        """Start an app with ``launcher`` on three new pipes."""
        loop = asyncio.get_running_loop()
        stdin_r, stdin_w = os.pipe()
        stdout_r, stdout_w = os.pipe()
        stderr_r, stderr_w = os.pipe()
        ours = [stdin_w, stdout_r, stderr_r]
        try:
            process = await launcher.start(args, env, cwd, [stdin_r, stdout_w, stderr_w])
        except BaseException:
            for fd in ours:
                os.close(fd)
            raise
        finally:
            for fd in (stdin_r, stdout_w, stderr_w):
                os.close(fd)
        readers = []
        transports: list[asyncio.BaseTransport] = []
        for fd in (stdout_r, stderr_r):
            reader = asyncio.StreamReader(limit=limit, loop=loop)
            protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
            transport, _ = await loop.connect_read_pipe(lambda p=protocol: p,  # type: ignore[misc]
                                                        os.fdopen(fd, "rb", 0))
            readers.append(reader)
            transports.append(transport)
        writing = asyncio.StreamReaderProtocol(asyncio.StreamReader(loop=loop), loop=loop)
        write_transport, _ = await loop.connect_write_pipe(lambda: writing,
                                                           os.fdopen(stdin_w, "wb", 0))
        transports.append(write_transport)
        writer = asyncio.StreamWriter(write_transport, writing, None, loop)
        return cls(process, writer, readers[0], readers[1], transports)

    async def wait(self) -> int | None:
        """Its exit status once it has ended (None: it could not be known)."""
        status: int | None = await asyncio.shield(self.process.exited)
        return status

    def close(self) -> None:
        """Close this side of the pipes."""
        for transport in self.transports:
            transport.close()


def zygote_environment(environment: os._Environ[str] | dict[str, str]) -> dict[str, str]:
    """``environment`` with numpy's BLAS on one thread: the zygote forks, so it must hold
    no threads (each child gets its own environment back from its request)."""
    return dict(environment, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
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
            try:
                request = json.loads(data)
                request["id"]
            except (ValueError, TypeError, KeyError):  # cut short: not the server's
                for fd in fds:
                    os.close(fd)
                continue
            if len(fds) not in (1, 3):
                for fd in fds:
                    os.close(fd)
                control.send(json.dumps({"id": request["id"],
                                         "error": "no terminal or pipes received"}).encode())
                continue
            try:
                pid = os.fork()
            except OSError as exc:
                for fd in fds:
                    os.close(fd)
                control.send(json.dumps({"id": request["id"], "error": str(exc)}).encode())
                continue
            if pid == 0:
                _zygote_child(request, fds, control, (wake_read, wake_write))
            for fd in fds:
                os.close(fd)
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


def _zygote_child(request: dict, fds: Sequence[int], control: socket.socket,
                  close: Sequence[int]) -> None:
    """In the forked child: take ``fds`` as stdin, stdout and stderr (a terminal becomes the
    controlling terminal); run the app; exit."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        control.close()
        for fd in close:
            os.close(fd)
        os.setsid()
        if len(fds) == 1:
            fcntl.ioctl(fds[0], termios.TIOCSCTTY, 0)
        else:
            # Pipes do not hang up when the server goes: end with the zygote, which ends
            # with the server (a terminal's app gets SIGHUP instead).
            die_with_parent(os.getppid())
        for target, fd in enumerate(_standard_files(fds)):
            os.dup2(fd, target)
        for fd in set(fds):
            if fd > 2:
                os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # sys.stdin, stdout and stderr are on fds 0, 1, 2, now the app's: as a new
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


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--zygote":
        zygote_main(int(sys.argv[2]))
    else:
        print(f"usage: python -m backprop_tui.warm --zygote FD (started by {PROG} ssh or serve)",
              file=sys.stderr)
        sys.exit(2)
