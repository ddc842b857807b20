"""The class's hub: the teacher's lesson to every student's app, the answers back.

A class server (``backprop-tui ssh --class``) runs one hub. Each app it starts is
admitted first (:meth:`Hub.admit`: a name, the teacher or a student, a secret token)
and then connects to the hub's Unix socket, in the server's private folder, with
that token. The two speak in lines of JSON (:func:`message`), one object a line:

- the teacher's app sends ``state`` (its lesson and screen, :class:`.model.follow.Shared`,
  at most a few times a second), ``ask`` (a question's id and true value, which
  only the hub sees), ``close`` (the question is revealed) and ``gather`` (every
  student follows again);
- a student's app sends ``answer`` (a question's id and the text typed) and
  ``follow`` (whether it follows);
- the hub sends students ``state`` (the teacher's, as the teacher's app wrote it),
  ``result`` (a revealed question: the value and their own answer), ``teacher`` (who
  teaches, None while the teacher is away), ``follow`` and ``note``; it sends the
  teacher ``tally`` (the answers so far) and ``roster`` (who is there).

What waits for an app is one message of each kind, the newest, and a state is
sent only once the app has shown the one before (it answers ``shown``): a slow app
gets the newest state when it can take it, never a queue, wherever it would form. A student may send
:data:`PER_SECOND` messages a second; more are dropped with a note. Nothing a
student sends reaches another app but as a count in the teacher's tally.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import os
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model.errors import FileError, ModelError
from .model.files import shown_name, writable_target
from .model.quiz import Tally, clean_text

NAME_MOST = 24
"""The longest name a student may take (characters)."""
LINE_MOST = 8 * 1024 * 1024
"""The longest line an app may send (a state of a large network with its history)."""
STUDENT_LINE_MOST = 1024
"""The longest line a student's app may send."""
PER_SECOND = 10
"""Messages a student's app may send a second; more are dropped with a note."""
ENV_SOCKET = "BACKPROP_TUI_CLASS"
"""The environment variable that gives an app the hub's socket."""
ENV_TOKEN = "BACKPROP_TUI_CLASS_TOKEN"
"""The environment variable that gives an app its secret token."""
ANSWERS_HEADER = ("time", "name", "question", "answer", "result")


class Seat:
    """What an app knows of its place in the class (the full app's and the plain mode's
    alike): its name, whether it teaches, who teaches, whether it follows."""

    def __init__(self) -> None:
        self.name = ""
        self.teacher = False
        self.teaching: str | None = None
        """The teacher's name while the teacher is there."""
        self.following = True
        """Whether this student follows the teacher (F: their own way)."""
        self.connected = False

    def welcomed(self, data: dict[str, Any]) -> None:
        """The hub's ``welcome``: this app's name and role, who teaches."""
        self.name = str(data.get("name"))
        self.teacher = bool(data.get("teacher"))
        teaching = data.get("teaching")
        self.teaching = self.name if self.teacher else (
            None if teaching is None else str(teaching))
        self.following = bool(data.get("following", True))

    def taught_by(self, data: dict[str, Any]) -> str:
        """The hub's ``teacher`` (who teaches now, or nobody): what to say of it."""
        name = data.get("name")
        self.teaching = None if name is None else str(name)
        if self.teaching is None:
            return "the teacher is away: you go on on your own until they are back"
        return f"{self.teaching} is teaching: " + ("following" if self.following else
                                                    "F follows")

    def took(self, kind: str, data: dict[str, Any]) -> str | None:
        """What of a hub's message every front end takes alike (who this app is, who
        teaches, whether it follows, a note, the hub gone): what to say of it, if anything."""
        if kind == "welcome":
            self.welcomed(data)
        elif kind == "teacher":
            return self.taught_by(data)
        elif kind == "follow":
            self.following = bool(data.get("following"))
            return f"{self.teaching} brought the class back: following"
        elif kind == "note":
            return str(data.get("text"))
        elif kind == "lost":
            self.connected = False
            return "the class server is gone: you go on on your own"
        return None

    @property
    def leads(self) -> bool:
        """Whether the lesson here is this app's to change (a student following a teacher
        who is there may not)."""
        return self.teacher or not self.following or self.teaching is None

    def locked_text(self) -> str | None:
        """Why the lesson here takes no change (following), or None."""
        if self.leads:
            return None
        return f"following {self.teaching}: F goes your own way"

    def turned(self) -> str:
        """A student's F: follow again or go their own way; what to say of it."""
        self.following = not self.following
        return (f"following {self.teaching} again" if self.following else
                "your own way: your copy of the lesson as it was; F follows again")


def message(kind: str, **fields: Any) -> bytes:
    """One line of the hub's protocol."""
    return (json.dumps({"kind": kind, **fields}, separators=(",", ":"), allow_nan=False)
            + "\n").encode()


def check_name(name: str) -> str | None:
    """Why ``name`` cannot be a name in the class, or None when it can."""
    if clean_text(name, NAME_MOST) is None:
        return (f"a name in the class is 1 to {NAME_MOST} printable characters "
                "(ssh -p PORT NAME@HOST)")
    return None


def _spreadsheet_safe(text: str) -> str:
    """Text a spreadsheet shows as text (never runs as a formula)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class AnswerLog:
    """The CSV file every answer is appended to, one whole line at a time.

    A file that is there must be a regular file starting with the header this program
    writes; anything else is refused before the class starts and never written to.
    """

    def __init__(self, path: str | os.PathLike, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.clock = clock
        target, info = writable_target(path, "answers")
        name = shown_name(path)
        if info is not None and info.st_size:
            try:
                with open(target, encoding="utf-8", newline="") as handle:
                    first = handle.readline().rstrip("\r\n")
            except (OSError, UnicodeDecodeError) as exc:
                raise FileError(f"{name}: cannot read the answers file: {exc}") from None
            if first != ",".join(ANSWERS_HEADER):
                raise FileError(f"{name}: not an answers file of backprop-tui (its first "
                                f"line is not {','.join(ANSWERS_HEADER)}); nothing was written")
        try:
            self.fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            raise FileError(f"{name}: cannot write the answers: {exc.strerror}") from None
        if info is None or not info.st_size:
            self._write(ANSWERS_HEADER)

    def _write(self, row: tuple[str, ...]) -> None:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(row)
        data = out.getvalue().encode()
        os.write(self.fd, data)  # one write, O_APPEND: a whole line or none

    def record(self, name: str, question: str, answer: str, right: bool) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(self.clock()))
        self._write((stamp, _spreadsheet_safe(name), question, _spreadsheet_safe(answer),
                     "right" if right else "wrong"))

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.fsync(self.fd)
        os.close(self.fd)


@dataclass
class Member:
    """One person in the class: the teacher or a student, connected or gone for now."""

    name: str
    teacher: bool
    token: str
    following: bool = True
    writer: asyncio.StreamWriter | None = None
    gone_since: float | None = None
    """When the app went away (None while it is connected or not yet come)."""
    pending: OrderedDict[str, bytes] = field(default_factory=OrderedDict)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    sent: deque[float] = field(default_factory=deque)
    """When the last messages from this app came (for :data:`PER_SECOND`)."""
    dropped: int = 0
    waiting: bool = False
    """A state is on its way to the app and not yet shown (the app acknowledges each):
    the next one waits, and only the newest does."""
    answers: dict[str, str] = field(default_factory=dict)
    """Each question's answer, by the question's id (kept while the student is away)."""

    @property
    def connected(self) -> bool:
        return self.writer is not None

    def put(self, kind: str, data: bytes) -> None:
        """``data`` goes to the app; an unsent message of the same kind is replaced."""
        self.pending.pop(kind, None)
        self.pending[kind] = data
        self.wake.set()


@dataclass
class Question:
    id: str
    symbol: str
    tally: Tally
    open: bool = True


class Hub:
    """The class: who is in it, the teacher's newest state, the question asked."""

    def __init__(self, say: Callable[[str], None], answers: AnswerLog | None = None,
                 keep_seconds: float = 600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.say = say
        """Where a line for the server's console goes (one per join and leave)."""
        self.answers = answers
        self.keep_seconds = keep_seconds
        """How long a student who went away keeps their name and answers."""
        self.clock = clock
        self.members: dict[str, Member] = {}
        self.by_token: dict[str, Member] = {}
        self.state: bytes | None = None
        """The teacher's newest state, as the teacher's app wrote it."""
        self.question: Question | None = None
        self.server: asyncio.AbstractServer | None = None
        self.tasks: set[asyncio.Task] = set()

    # -- who is in the class -------------------------------------------------------

    @property
    def teacher(self) -> Member | None:
        return next((m for m in self.members.values() if m.teacher and m.connected), None)

    @property
    def students(self) -> list[Member]:
        return [m for m in self.members.values() if not m.teacher]

    def _forget_gone(self) -> None:
        now = self.clock()
        for name, member in list(self.members.items()):
            if (member.gone_since is not None and not member.teacher
                    and now - member.gone_since > self.keep_seconds):
                del self.members[name]
                self.by_token.pop(member.token, None)

    def admit(self, name: str, teacher: bool) -> tuple[str, str]:
        """A new connection as ``name`` (checked by :func:`check_name`): its token for the
        hub and the name it has in the class. A student who comes back under a name whose
        app went away takes it again (their answers with it); a name taken by an app that
        is there, or admitted and not yet come, gets ``#2``, ``#3`` …"""
        self._forget_gone()
        base = name
        n = 1
        while True:
            found = self.members.get(name)
            if found is None or (not found.connected and found.gone_since is not None
                                 and found.teacher == teacher):
                break
            n += 1
            name = f"{base}#{n}"
        token = secrets.token_urlsafe(18)
        member = found if found is not None else Member(name, teacher, token)
        self.by_token.pop(member.token, None)
        member.token = token
        member.gone_since = None  # coming: until its app comes, or :meth:`left`
        self.members[name] = member
        self.by_token[token] = member
        return token, name

    def left(self, token: str) -> None:
        """The connection of ``token`` ended before its app came (or after it went)."""
        member = self.by_token.get(token)
        if member is not None and not member.connected and member.gone_since is None:
            member.gone_since = self.clock()

    def _count_line(self) -> str:
        students = [m for m in self.students if m.connected]
        following = sum(m.following for m in students)
        return f"{len(students)} students here, {following} following"

    def roster(self) -> list[dict[str, Any]]:
        """Who is in the class: name, role, here or not, following, answered the question."""
        question = self.question
        return [{"name": m.name, "teacher": m.teacher, "here": m.connected,
                 "following": m.following,
                 "answered": question is not None and question.id in m.answers}
                for m in self.members.values()]

    def _tell_teacher(self) -> None:
        teacher = self.teacher
        if teacher is None:
            return
        teacher.put("roster", message("roster", members=self.roster()))
        teacher.put("tally", message("tally", **self.tally()))

    def tally(self) -> dict[str, Any]:
        """The answers to the question asked: answered N of M, right, median, common wrong."""
        here = sum(1 for m in self.students if m.connected)
        question = self.question
        if question is None:
            return {"id": None, "here": here}
        tally = question.tally
        return {"id": question.id, "symbol": question.symbol, "open": question.open,
                "answered": tally.answered, "here": here, "right": tally.right_count,
                "median": tally.median,
                "wrong": [[value, count] for value, count in tally.common_wrong()]}

    # -- the socket ------------------------------------------------------------------

    async def start(self, path: str | os.PathLike) -> None:
        """Listen on the Unix socket ``path`` (made readable by this user only)."""
        old = os.umask(0o177)
        try:
            self.server = await asyncio.start_unix_server(self._connected, path,
                                                          limit=LINE_MOST)
        finally:
            os.umask(old)

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for member in self.members.values():
            if member.writer is not None:
                member.writer.close()
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=1.0)
        for task in list(self.tasks):
            task.cancel()
        if self.answers is not None:
            self.answers.close()

    async def _connected(self, reader: asyncio.StreamReader,
                         writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.tasks.add(task)
        member: Member | None = None
        sender: asyncio.Task | None = None
        try:
            line = await asyncio.wait_for(reader.readline(), 10)
            hello = _decode(line)
            member = self.by_token.get(str(hello.get("token"))) if hello else None
            if member is None or hello is None or hello.get("kind") != "hello":
                return
            if member.writer is not None:  # the same token twice: the old one goes
                member.writer.close()
            member.writer, member.gone_since = writer, None
            member.pending.clear()
            member.waiting = False
            sender = asyncio.create_task(self._send(member, writer))
            self._joined(member)
            while True:
                try:
                    line = await reader.readline()
                except (ValueError, asyncio.LimitOverrunError):
                    break  # a line longer than any app writes
                if not line:
                    break
                if not member.teacher and len(line) > STUDENT_LINE_MOST:
                    member.dropped += 1
                    continue
                self._received(member, line)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError,
                asyncio.CancelledError):
            pass  # gone, or the hub closing: the app is told by its connection closing
        finally:
            if sender is not None:
                sender.cancel()
            if member is not None and member.writer is writer:
                member.writer = None
                member.gone_since = self.clock()
                self._went(member)
            writer.close()
            if task is not None:
                self.tasks.discard(task)

    async def _send(self, member: Member, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, ConnectionError):
            while True:
                await member.wake.wait()
                member.wake.clear()
                while True:
                    kind = next((k for k in member.pending
                                 if k != "state" or not member.waiting), None)
                    if kind is None:
                        break
                    data = member.pending.pop(kind)
                    if kind == "state":
                        member.waiting = True  # until the app says it has shown it
                    writer.write(data)
                    await writer.drain()

    def _joined(self, member: Member) -> None:
        role = "the teacher" if member.teacher else "a student"
        teacher = self.teacher
        member.put("welcome", message(
            "welcome", name=member.name, teacher=member.teacher,
            teaching=None if teacher is None else teacher.name, following=member.following))
        if member.teacher:
            for other in self.members.values():  # the newest teacher connection leads
                if other is not member and other.teacher and other.writer is not None:
                    other.writer.close()  # (a laptop shut and opened again: the old one)
            for student in self.students:
                if student.connected:
                    student.put("teacher", message("teacher", name=member.name))
        elif self.state is not None and teacher is not None and member.following:
            member.put("state", self.state)
        self.say(f"class: {member.name} joined as {role}; {self._count_line()}")
        self._tell_teacher()

    def _went(self, member: Member) -> None:
        role = "the teacher" if member.teacher else "a student"
        if member.teacher and self.teacher is None:  # not replaced by a newer connection
            self.state = None
            for student in self.students:
                if student.connected:
                    student.put("teacher", message("teacher", name=None))
        self.say(f"class: {member.name} left ({role}); {self._count_line()}")
        self._tell_teacher()

    # -- messages ------------------------------------------------------------------------

    def _received(self, member: Member, line: bytes) -> None:
        data = _decode(line)
        if data is None:
            return
        kind = data.get("kind")
        if kind == "shown":  # the app has drawn the state it was sent: the next may go
            if member.waiting:
                member.waiting = False
                member.wake.set()
            return
        if member.teacher:
            self._from_teacher(member, kind, data, line)
        else:
            if not self._within_rate(member):
                return
            self._from_student(member, kind, data)

    def _within_rate(self, member: Member) -> bool:
        now = self.clock()
        sent = member.sent
        while sent and now - sent[0] >= 1.0:
            sent.popleft()
        if len(sent) >= PER_SECOND:
            member.dropped += 1
            member.put("note", message("note", text=(
                f"more than {PER_SECOND} messages a second: {member.dropped} dropped")))
            return False
        sent.append(now)
        return True

    def _from_teacher(self, teacher: Member, kind: object, data: dict, line: bytes) -> None:
        if kind == "state":
            self.state = line if line.endswith(b"\n") else line + b"\n"
            for student in self.students:
                if student.connected and student.following:
                    student.put("state", self.state)
        elif kind == "ask":
            self._ask(data)
        elif kind == "close":
            self._close(str(data.get("id")))
        elif kind == "gather":
            for student in self.students:
                student.following = True
                if student.connected:
                    student.put("follow", message("follow", following=True))
                    if self.state is not None:
                        student.put("state", self.state)
            self.say(f"class: {teacher.name} brought every student back; {self._count_line()}")
        self._tell_teacher()

    def _ask(self, data: dict) -> None:
        try:
            truth = float(data["value"])
            qid, symbol = str(data["id"]), str(data["symbol"])
        except (KeyError, TypeError, ValueError):
            return
        if self.question is not None and self.question.id == qid:
            return
        if self.question is not None and self.question.open:
            self._close(self.question.id)
        self.question = Question(qid, symbol, Tally(truth))

    def _close(self, qid: str) -> None:
        question = self.question
        if question is None or question.id != qid or not question.open:
            return
        question.open = False
        tally = question.tally
        for student in self.students:
            if not student.connected:
                continue
            yours = student.answers.get(qid)
            right = tally.right.get(student.name) if yours is not None else None
            student.put("result", message("result", id=qid, symbol=question.symbol,
                                          value=tally.truth, yours=yours, right=right))

    def _from_student(self, student: Member, kind: object, data: dict) -> None:
        if kind == "follow":
            student.following = bool(data.get("following"))
            if student.following and self.state is not None and self.teacher is not None:
                student.put("state", self.state)
            self._tell_teacher()
        elif kind == "answer":
            self._answer(student, data)

    def _answer(self, student: Member, data: dict) -> None:
        question = self.question
        qid, text = str(data.get("id")), data.get("text")
        if question is None or question.id != qid or not question.open:
            student.put("note", message("note", text="that question is closed"))
            return
        if not isinstance(text, str):
            return
        try:
            right = question.tally.answer(student.name, text.strip())
        except ModelError as exc:
            student.put("note", message("note", text=str(exc)))
            return
        student.answers[qid] = text.strip()
        student.put("note", message("note", text=(
            f"answer {text.strip()} sent for {question.symbol}; the teacher reveals it")))
        if self.answers is not None:
            try:
                self.answers.record(student.name, f"{qid} {question.symbol}", text.strip(),
                                    right)
            except OSError as exc:
                self.say(f"class: the answers file could not be written: {exc.strerror}")
        self._tell_teacher()


def _decode(line: bytes) -> dict | None:
    try:
        data = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None
