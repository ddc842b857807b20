"""``backprop-tui ssh``: the app over SSH, one app process per connection.

A class connects with ``ssh -p 2222 HOST``: no accounts, nothing to install.
The server is asyncssh's (an optional extra: ``pip install 'backprop-tui[ssh]'``).
Every connection gets its own app, on its own pseudo-terminal, started with the
client's terminal type and size, in its own session and process group, in a
fresh private folder that is removed when the connection ends (made in the
server's own folder, which the next server removes should this one be killed:
see :mod:`backprop_tui.visitors`). Only interactive sessions with a terminal
are served: commands, sessions without a terminal, port, agent and X11
forwarding, sftp and scp are refused.

The apps are forked from a warm process that has imported them once, as the
browser's are (:mod:`backprop_tui.warm`): each child makes the connection's
pseudo-terminal its controlling terminal and runs the app.

This module does not depend on the command line: it is handed plain values
(the app's arguments already checked) and runs the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hmac
import os
import pwd
import shlex
import shutil
import signal
import stat
import struct
import sys
import tempfile
import termios
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .gate import LOGIN_SECONDS, PER_ADDRESS, WAITING, Gate, Throttle
from .hub import ENV_SOCKET, ENV_TOKEN, AnswerLog, Hub, check_name
from .listen import bind_error_message, read_one_line, terminal_size
from .model.errors import FileError
from .model.files import KiB, read_text, shown_name
from .visitors import VisitorFolders, sweep
from .warm import AppProcess, Launcher

PROG = "backprop-tui"
INSTALL_HINT = "pip install 'backprop-tui[ssh]'"
HANGUP_GRACE = 1.0
"""Seconds an app has to quit after SIGHUP before its process group is killed."""
DRAIN_SECONDS = 1.0
"""Seconds to wait, once the app has exited, for the last of its output."""
KEEPALIVE_SECONDS = 15
"""A client that answers no keepalive for 4 of these is taken as gone (closed laptop)."""
INPUT_WAITING = 64 * 1024
"""Bytes typed that may wait for the app to take them; past this the server stops reading
the client's channel (SSH's flow control then stops the client) until the app catches up."""
TERM_MOST = 64
"""The longest terminal type taken from a client; a longer one, or one with characters
other than printable ASCII, is replaced by :data:`DEFAULT_TERM`."""
DEFAULT_TERM = "xterm-256color"
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


PASSWORD_LIMIT = 4 * KiB
"""The largest password file read (one line; a FIFO or ``/dev/zero`` is refused unread)."""
TEACHER_KEYS_LIMIT = 256 * KiB
"""The largest file of teacher keys read."""
HOST_KEY_LIMIT = 64 * KiB
"""The largest host key file read (an RSA key of 16384 bits takes about 13 KiB)."""
MIN_RSA_BITS = 2048
"""The smallest RSA host key used (OpenSSH refuses keys below 2048 bits too)."""


def read_password(path: str | os.PathLike) -> str:
    """The one password in the file at ``path`` (a final line break is not part of it),
    as :func:`.listen.read_one_line` reads it; :class:`SshError` naming the option."""
    try:
        return read_one_line(path, "password", PASSWORD_LIMIT)
    except FileError as exc:
        raise SshError(f"argument --password-file: {exc}") from None


def _user_name(uid: int, bare: bool = False) -> str:
    """``user alice`` (``alice`` if ``bare``), or the number when it has no name."""
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = str(uid)
    return name if bare else f"user {name}"


def _check_host_key_file(path: str | os.PathLike, info: os.stat_result) -> None:
    """Refuse, as OpenSSH's server does, a host key file others could read or change.

    ``info`` is the file's own status (``lstat``): a symbolic link is refused (it could
    be pointed elsewhere, and the key is read without following it), and so is a
    regular file owned by another user, or one with group or other permission bits
    (sshd's "UNPROTECTED PRIVATE KEY FILE"). What is not a regular file is left to
    the reader, which says what it is.
    """
    name = shown_name(path)
    if stat.S_ISLNK(info.st_mode):
        try:
            target = shlex.quote(shown_name(os.path.realpath(path)))
        except (OSError, ValueError):
            target = "FILE"
        raise SshError(f"argument --host-key: {name}: is a symbolic link; the server reads "
                       f"no link to its private key: give the file itself, --host-key {target}")
    if not stat.S_ISREG(info.st_mode):
        return
    user = os.geteuid()
    if info.st_uid != user:
        raise SshError(f"argument --host-key: {name}: is owned by {_user_name(info.st_uid)}, "
                       f"not by {_user_name(user)}, who runs the server (its owner could "
                       f"change the server's key): chown {_user_name(user, bare=True)} "
                       f"{shlex.quote(name)}")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise SshError(f"argument --host-key: {name}: permissions {mode:04o} are too open "
                       "(others could read the server's private key; OpenSSH refuses such "
                       f"a key too): chmod 600 {shlex.quote(name)}")


def load_host_key(path: str | os.PathLike) -> tuple[Any, bool]:
    """(the host key in ``path``, whether it was created now).

    A missing file gets a new Ed25519 key (mode 0600, never replacing a file that
    appeared meanwhile); a file that is not a key is reported, never overwritten.
    Refused, each with one line saying what to do: a symbolic link, a file of
    another user, a file with group or other permission bits, what is not a
    regular file or holds more than :data:`HOST_KEY_LIMIT` bytes, and an RSA key
    below :data:`MIN_RSA_BITS` bits.
    """
    asyncssh = import_asyncssh()

    name = shown_name(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        key = asyncssh.generate_private_key("ssh-ed25519", comment=f"{PROG} ssh host key")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except FileExistsError:
            pass  # another server made it meanwhile: use theirs, checked as any other
        except OSError as exc:
            raise SshError(f"argument --host-key: cannot create {name}: "
                           f"{exc.strerror or exc}") from None
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(key.export_private_key())
            return key, True
        try:
            info = os.lstat(path)
        except OSError as exc:
            raise SshError(f"argument --host-key: {name}: {exc.strerror or exc}") from None
    except OSError as exc:
        raise SshError(f"argument --host-key: {name}: {exc.strerror or exc}") from None
    _check_host_key_file(path, info)
    try:
        # Latin-1 maps each byte to one character and back: the key's exact bytes,
        # so a binary (DER) key is read as well as an OpenSSH or PEM one.
        data = read_text(path, "host key", HOST_KEY_LIMIT, encoding="latin-1",
                         follow_symlinks=False).encode("latin-1")
    except FileError as exc:
        raise SshError(f"argument --host-key: {exc}") from None
    try:
        key = asyncssh.import_private_key(data)
    except (ValueError, asyncssh.KeyImportError) as exc:
        reason = str(exc) or type(exc).__name__
        raise SshError(f"argument --host-key: {name}: not a private key this server can "
                       f"use ({reason}); move it away or choose another with --host-key") from None
    if key.algorithm == b"ssh-rsa":
        bits = getattr(getattr(key, "pyca_key", None), "key_size", None)
        if bits is not None and bits < MIN_RSA_BITS:
            raise SshError(f"argument --host-key: {name}: an RSA key of {bits} bits is too "
                           f"weak (OpenSSH refuses RSA keys below {MIN_RSA_BITS} bits): move "
                           "it away and start again, and the server makes an Ed25519 key")
    return key, False


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
    per_address: int = PER_ADDRESS
    """Connections one address may hold at once."""
    login_seconds: float = LOGIN_SECONDS
    """A connection that has not authenticated and started its app by then is closed."""
    teacher_keys: str | os.PathLike | None = None
    """A class (``--class``): the file of the teacher's public keys (authorized_keys
    format); whoever connects with one of them is the teacher, every other connection a
    student who follows (see :mod:`backprop_tui.hub`). None: no class, each app its own."""
    answers: str | os.PathLike | None = None
    """A class's CSV file of answers (appended to), or None."""


# --------------------------------------------------------------------------
# Starting an app on a pseudo-terminal


def _app_environment(term: str) -> dict[str, str]:
    """The server's environment for an app, with the client's terminal type.

    COLUMNS and LINES would override the pty's size, so they are left out.
    """
    env = {k: v for k, v in os.environ.items()
           if k not in ("COLUMNS", "LINES", "TERM", "COLORTERM")}
    env["TERM"] = terminal_type(term)
    return env


def terminal_type(name: str | None) -> str:
    """The client's terminal type if it is 1 to :data:`TERM_MOST` printable ASCII characters
    without spaces (as terminal types are), else :data:`DEFAULT_TERM`."""
    if name and len(name) <= TERM_MOST and all("!" <= c <= "~" for c in name):
        return name
    return DEFAULT_TERM


def window(cols: int, rows: int, xpixels: int, ypixels: int) -> tuple[int, int, int, int]:
    """A window size a client asked for, as the app gets it: columns and rows within the
    servers' limits (:func:`.listen.terminal_size`), pixels within what a pty holds."""
    cols, rows = terminal_size(cols, rows)
    return cols, rows, min(max(xpixels, 0), 0xFFFF), min(max(ypixels, 0), 0xFFFF)


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
    teachers = None if settings.teacher_keys is None else read_teacher_keys(
        asyncssh, settings.teacher_keys)
    answers = None
    if settings.answers is not None:
        try:
            answers = AnswerLog(settings.answers)
        except FileError as exc:
            raise SshError(f"--answers {exc}") from None
    asyncio.run(_serve(asyncssh, settings, key, tell, teachers, answers))


def read_teacher_keys(asyncssh: Any, path: str | os.PathLike) -> Any:
    """The teacher's public keys in the file at ``path`` (authorized_keys format, one or
    more), or :class:`SshError` naming the file."""
    name = shown_name(path)
    try:
        text = read_text(path, "teacher keys", TEACHER_KEYS_LIMIT)
    except FileError as exc:
        raise SshError(f"--teacher-key {exc}") from None
    try:
        keys = asyncssh.import_authorized_keys(text)
    except (ValueError, asyncssh.KeyImportError) as exc:
        raise SshError(f"--teacher-key {name}: not public keys in authorized_keys format "
                       f"({exc})") from None
    if not text.strip():
        raise SshError(f"--teacher-key {name}: the file holds no key")
    return keys


async def _serve(asyncssh: Any, settings: Settings, key: Any,
                 tell: Callable[[str], None], teachers: Any = None,
                 answers: AnswerLog | None = None) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGHUP: terminal closed
        loop.add_signal_handler(signum, stop.set)
    sweep()  # the folders of servers killed before they could remove them
    try:
        folders = VisitorFolders()  # this server's own, locked while it runs
    except OSError as exc:
        raise SshError(f"cannot make a folder for the visitors in {tempfile.gettempdir()}: "
                       f"{exc.strerror or exc}") from None
    launcher = await Launcher.open(settings.zygote, _say)
    hub = None
    if teachers is not None:
        hub = Hub(tell, answers, keep_seconds=settings.idle_seconds)
        await hub.start(folders.parent / "class")
    classroom = Classroom(asyncssh, settings, launcher, folders, hub, teachers)
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
            login_timeout=settings.login_seconds,
            reuse_address=True,
        )
    except OSError as exc:
        launcher.close()
        folders.close()
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
        if hub is not None:
            await hub.close()
        launcher.close()
        folders.close()


def _say(line: str) -> None:
    """A line for the server's console, while it serves."""
    print(f"{PROG} ssh: {line}", file=sys.stderr, flush=True)


def _client_host(host: str) -> str:
    if host in ("0.0.0.0", "", "::"):
        return "THIS-MACHINE'S-ADDRESS"
    return host


def _bind_error(exc: OSError, host: str, port: int) -> SshError:
    return SshError(bind_error_message(exc, host, port))


class Classroom:
    """The server's state: its settings, the launcher, the apps running."""

    def __init__(self, asyncssh: Any, settings: Settings,
                 launcher: Launcher, folders: VisitorFolders, hub: Hub | None = None,
                 teachers: Any = None) -> None:
        self.asyncssh = asyncssh
        self.hub = hub
        """The class every app joins (``--class``), or None: each app its own."""
        self.teachers = teachers
        """The teacher's public keys (asyncssh's authorized keys), with a class."""
        self.settings = settings
        self.launcher = launcher
        self.folders = folders
        """The server's own folder, where each app's private folder is made."""
        self.sessions: set[AppSession] = set()
        """Sessions with an app starting or running (what --max-sessions counts)."""
        self.all: set[AppSession] = set()
        """Every session with an app, to stop them all with the server."""
        self.gate = Gate(settings.per_address, waiting=settings.max_sessions + WAITING)
        self.throttle = Throttle()
        self.session_class = type("ClassSession", (AppSession, asyncssh.SSHServerSession), {})
        self.connection_class = self._connection_class()

    def connection(self) -> Any:
        """The server object of a new connection."""
        return self.connection_class()

    def _connection_class(self) -> type:
        classroom = self
        server: Any = self.asyncssh.SSHServer

        class Connection(server):
            """One client: let in or not, authentication, and which channels it may open.

            Counted by the gate from the first byte: one address holds at most
            ``per_address`` connections, and at most ``gate.WAITING`` connections wait
            without an app. One that has not started its app within ``login_seconds``
            is closed, and it may open one session: one app per connection.
            """

            def __init__(self) -> None:
                self.conn: Any = None
                self.address = "?"
                self.counted = False
                self.waiting = False
                self.held = False
                """Refused (its address has too many), waiting to be told why."""
                self.refusal: str | None = None
                self.session = False
                self.timer: asyncio.TimerHandle | None = None
                self.username = ""
                self.teacher = False
                """In a class: whether this connection gave one of the teacher's keys."""

            def connection_made(self, conn: Any) -> None:
                self.conn = conn
                peer = conn.get_extra_info("peername")
                self.address = str(peer[0]) if peer else "?"
                refusal = classroom.gate.arrive(self.address)
                loop = asyncio.get_running_loop()
                if refusal is not None and refusal.full:
                    # No more may wait: closed at once (after asyncssh's version line; the
                    # reason reaches a client that has sent nothing yet).
                    loop.call_soon(self.refuse, refusal.reason)
                    return
                if refusal is not None:
                    # Told why once the keys are exchanged (begin_auth): a reason sent before
                    # the client's own version line is read can be lost with the connection.
                    self.refusal = refusal.reason
                    self.held = True
                    classroom.gate.hold()
                else:
                    self.counted = self.waiting = True
                self.timer = loop.call_later(classroom.settings.login_seconds, self.late)

            def refuse(self, reason: str) -> None:
                self.conn.disconnect(classroom.asyncssh.DISC_TOO_MANY_CONNECTIONS,
                                     f"{PROG}: {reason}")

            def late(self) -> None:
                self.timer = None
                if self.waiting or self.held:
                    seconds = classroom.settings.login_seconds
                    self.conn.disconnect(classroom.asyncssh.DISC_BY_APPLICATION,
                                         f"{PROG}: no app was started within {seconds:g} s "
                                         "of connecting; connect again")

            def started(self) -> None:
                """This connection's app is starting: it no longer waits."""
                if self.waiting:
                    self.waiting = False
                    classroom.gate.started()
                if self.timer is not None:
                    self.timer.cancel()
                    self.timer = None

            def connection_lost(self, exc: Exception | None) -> None:
                if self.timer is not None:
                    self.timer.cancel()
                    self.timer = None
                if self.counted:
                    self.counted = False
                    classroom.gate.leave(self.address, self.waiting)
                    self.waiting = False
                if self.held:
                    self.held = False
                    classroom.gate.release()

            def begin_auth(self, username: str) -> bool:
                if self.refusal is not None:
                    self.refuse(self.refusal)
                    return True
                self.username = username
                if classroom.hub is not None:
                    wrong = check_name(username)
                    if wrong is not None:
                        self.conn.disconnect(classroom.asyncssh.DISC_ILLEGAL_USER_NAME,
                                             f"{PROG}: {wrong}")
                    return True  # the teacher's key, else the class code or nothing
                if classroom.settings.password is None:
                    return False
                if classroom.throttle.delay(self.address) is None:
                    self.too_many_wrong()
                return True

            def too_many_wrong(self) -> None:
                """Close the connection: its address gave too many wrong passwords."""
                self.conn.disconnect(classroom.asyncssh.DISC_NO_MORE_AUTH_METHODS_AVAILABLE,
                                     f"{PROG}: too many wrong passwords from {self.address}; "
                                     "try again in a few minutes")

            def password_auth_supported(self) -> bool:
                return classroom.settings.password is not None

            def public_key_auth_supported(self) -> bool:
                return classroom.teachers is not None

            def validate_public_key(self, username: str, key: Any) -> bool:
                """A class: one of the teacher's keys makes this connection the teacher's."""
                options = classroom.teachers.validate(key, self.address, self.address)
                self.teacher = options is not None
                return self.teacher

            def kbdint_auth_supported(self) -> bool:
                # A class without a code: a student is let in at once, without a prompt
                # (after the client has offered its keys, none of them the teacher's).
                return classroom.hub is not None and classroom.settings.password is None

            def get_kbdint_challenge(self, username: str, lang: str, submethods: str) -> bool:
                # Let in as a student: a teacher's key that was offered (the public key is
                # public) but not signed for does not make the teacher.
                self.teacher = False
                return True

            async def validate_password(self, username: str, password: str) -> bool:
                """Checked after a delay once an address has given a few wrong ones, and
                not checked at all once it has given many (:class:`.gate.Throttle`)."""
                self.teacher = False  # the teacher is known by a signed key, not a code
                throttle = classroom.throttle
                delay = throttle.delay(self.address)
                if delay is None:
                    asyncio.get_running_loop().call_soon(self.too_many_wrong)
                    return False
                throttle.begin(self.address)
                right = False
                try:
                    if delay:
                        await asyncio.sleep(delay)
                    expected = classroom.settings.password or ""
                    right = hmac.compare_digest(password.encode(), expected.encode())
                finally:
                    throttle.end(self.address, right)
                return right

            def session_requested(self) -> Any:
                if self.refusal is not None:
                    raise classroom.asyncssh.ChannelOpenError(
                        classroom.asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED, self.refusal)
                if self.session:
                    raise classroom.asyncssh.ChannelOpenError(
                        classroom.asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED,
                        "one app per connection: open another connection for another app")
                self.session = True
                return classroom.session_class(classroom, self)

            def connection_requested(self, *_: Any) -> bool:
                return False  # -L / -D: no port forwarding

            def server_requested(self, *_: Any) -> bool:
                return False  # -R: no port forwarding

            def unix_connection_requested(self, *_: Any) -> bool:
                return False

            def unix_server_requested(self, *_: Any) -> bool:
                return False

        return Connection

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

    def __init__(self, classroom: Classroom, connection: Any) -> None:
        self.classroom = classroom
        self.connection = connection
        """The connection's server object (its ``started()`` says the app is starting)."""
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
        self.input_paused = False
        """The client's channel is not read: :data:`INPUT_WAITING` bytes wait for the app."""
        self.eof = asyncio.Event()
        self.gone = False
        """The client went away."""
        self.ending: str | None = None
        """Why the server ends the session (idle, stopping), shown after the app is gone."""
        self.last_input = time.monotonic()
        self.idle_timer: asyncio.TimerHandle | None = None
        self.finished: asyncio.Future | None = None
        self.token: str | None = None
        """In a class: this app's token for the hub."""

    # ----- asyncssh's session interface

    def connection_made(self, chan: Any) -> None:
        self.chan = chan

    def pty_requested(self, term_type: str, term_size: tuple[int, int, int, int],
                      term_modes: Any) -> bool:
        self.term = terminal_type(term_type)
        if term_size[0] and term_size[1]:
            self.size = window(*term_size)
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
        self.connection.started()
        self.finished = self.loop.create_future()
        task = self.loop.create_task(self._run())
        task.add_done_callback(self._ran)

    def data_received(self, data: bytes, datatype: Any) -> None:
        self.last_input = time.monotonic()
        if self.master is None:
            return  # keys before the app is there (its first frame) are dropped
        self.pending += data
        self._write_pending()
        if len(self.pending) >= INPUT_WAITING and not self.input_paused:
            self.input_paused = True
            self.chan.pause_reading()

    def eof_received(self) -> bool:
        return True  # keep the channel open: the app decides when it ends

    def terminal_size_changed(self, width: int, height: int, pixwidth: int,
                              pixheight: int) -> None:
        if not (width and height):
            return
        self.size = window(width, height, pixwidth, pixheight)
        if self.master is None:
            return
        _set_size(self.master, *self.size)
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
        self.folder = str(self.classroom.folders.make(f"{PROG}-visitor-"))  # mode 0700
        args = visitor_arguments(settings, self.folder)
        master, slave = os.openpty()
        self.master = master
        os.set_blocking(master, False)
        cols, rows, xpixels, ypixels = self.size
        _set_size(master, cols, rows, xpixels, ypixels)
        env = _app_environment(self.term or "")
        hub = self.classroom.hub
        if hub is not None:  # the app joins the class with its own token
            teacher = bool(self.connection.teacher)
            self.token, _ = hub.admit(self.connection.username, teacher)
            env[ENV_SOCKET] = str(self.classroom.folders.parent / "class")
            env[ENV_TOKEN] = self.token
        try:
            self.app = await self.classroom.launcher.start(
                args, env, self.folder, [slave])
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
            # A plain terminal (TERM=dumb: the app spoke in lines) gets no escape codes.
            reset = "" if self.term == "dumb" else RESET_TERMINAL
            self.chan.write((reset + "\r\n" + self.ending + "\r\n").encode())
            self.chan.exit(1)
        elif status is None:
            self.chan.close()
        else:
            self.chan.exit(status if status >= 0 else 128 - status)

    def _ran(self, task: asyncio.Task) -> None:
        if self.token is not None and self.classroom.hub is not None:
            self.classroom.hub.left(self.token)
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
        if self.input_paused and len(self.pending) < INPUT_WAITING and not self.gone:
            self.input_paused = False
            self.chan.resume_reading()
        if self.pending and not self.writing:
            self.loop.add_writer(self.master, self._write_pending)
            self.writing = True
        elif not self.pending and self.writing:
            self.loop.remove_writer(self.master)
            self.writing = False

