"""A class following its teacher over SSH: the teacher's key on every student's screen,
the class answering at once, twenty questions with no answer lost, memory per student.

    python benchmarks/class_follows.py                        # 30, then 100 students
    python benchmarks/class_follows.py --students 10 --presses 6 --questions 5

Starts ``backprop-tui ssh --class --teacher-key KEY --answers FILE.csv`` on a free
loopback port for each class size (a fresh server each), connects the teacher (an
OpenSSH client with the key, 120×36) and N students (OpenSSH clients without a key,
80×24, ``--batch`` of them connecting at once), each in its own pseudo-terminal. One
process reads every terminal (poll over all of them) and keeps each screen with pyte,
a terminal emulator; a chunk's arrival time is taken when it is read, reading comes
before emulating, and each screen is checked after every chunk, so a screen's time is
the arrival of the chunk that drew it.

1. Keys: the teacher types ``f``, ``b``, ``s`` in turn (``--presses`` keys, ``--settle``
   seconds between them, after every screen showed the last one); the time from the key
   until each screen's status line shows the new ``step N  phase: …``: on the teacher's
   own screen, on each student's, and on every student's (the last of them).
2. Answers: the teacher turns the quiz on (``z``) and ``b`` asks the first hidden
   factor; for each of ``--questions`` questions every student types an answer at once
   (a different number each), and the time is taken from the first keystroke until the
   teacher's screen says ``answered N of N``; the teacher's enter on the empty field
   reveals (and moves to the next factor; ``b`` at the end of a layer), and the time
   until every student's screen says ``revealed:`` is taken too.
3. No answer lost: each student's screen must confirm each answer (the hub's ``answer …
   sent``); an answer sent to a question already closed (the student had not yet been
   told of the next one) is typed again and counted as a retry. At the end, the answers
   CSV must hold every (student, answer) exactly once.
4. Memory: the proportional set size (PSS, shared pages counted once, from
   /proc/PID/smaps_rollup) and the resident size of the server, its warm process and
   every app, summed, divided by the students; one app's PSS (the median app); and each
   further student's share against the class of one.

The baseline is a class of one student, measured first in the same run with the same
keys and questions: every figure of the larger classes is also given as a ratio to it.
Beside each figure: the load average (1, 5, 15 minutes) when it was taken.
Every ssh client and the server are ended on the way out (Ctrl+C or a failure too; they
are also told to end if this process dies).

Needs asyncssh (``pip install -e '.[ssh]'``), pyte (the test extra) and /usr/bin/ssh;
Linux only. The server runs this checkout (its folder is put on PYTHONPATH, after any
PYTHONPATH already set).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import ctypes
import fcntl
import math
import os
import pty
import re
import resource
import select
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ssh_startup import descendants, memory_kib  # the same /proc readings as there

ROOT = Path(__file__).resolve().parent.parent
SSH = "/usr/bin/ssh"
CLIENT_OPTIONS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                  "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-F", "/dev/null"]
STUDENT_OPTIONS = ["-o", "BatchMode=no", "-o", "PubkeyAuthentication=no"]
"""A student's client: no key offered; the class lets them in without a prompt."""
TEACHER_SIZE = (120, 36)
STUDENT_SIZE = (80, 24)
WAIT = 120.0
"""Seconds any one wait may take at most (a batch connecting, every screen drawn)."""
ANSWER_WAIT = 20.0
"""Seconds a student's answer may take to be confirmed before it is typed again."""
PHASES = {"f": "forward", "b": "backward", "s": "step"}
GOALS = {30: 0.3, 100: 1.0}
"""Key to every follower's screen, 95th percentile, at most (seconds), by class size."""
ANSWER_GOAL = (30, 1.0)
"""30 students answering at once: the teacher's tally within a second."""
PR_SET_PDEATHSIG = 1


class Failure(Exception):
    """The class did not do what the benchmark waits for (said in one line or a few)."""


def _die_with_parent(signum: int) -> None:
    """This (child) process gets ``signum`` when the benchmark's process ends."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)


def load() -> str:
    return "load " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def percentile(values: Iterable[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value at least ``share`` of them reach."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "p95": percentile(values, 0.95),
            "max": max(values), "count": len(values)}


# -- the terminals ------------------------------------------------------------------------


class Term:
    """One OpenSSH client in a pseudo-terminal; what it writes waits (with the time it was
    read) until it is fed to its pyte screen."""

    def __init__(self, port: int, name: str, options: list[str], size: tuple[int, int]) -> None:
        import pyte

        cols, rows = size
        argv = [SSH, "-tt", *options, *CLIENT_OPTIONS, "-p", str(port), f"{name}@127.0.0.1"]
        env = dict(os.environ, TERM="xterm-256color")
        pid, fd = pty.fork()
        if pid == 0:  # the child: the pty is its terminal
            try:
                _die_with_parent(signal.SIGKILL)
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                os.execve(SSH, argv, env)
            finally:
                os._exit(127)
        self.name, self.pid, self.fd = name, pid, fd
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.unfed: deque[tuple[float, bytes]] = deque()
        self.closed = False
        self.ended = False

    def feed_one(self) -> float:
        """Feed the oldest unfed chunk to the screen; the time it was read."""
        when, data = self.unfed.popleft()
        self.stream.feed(data)
        return when

    def text(self) -> str:
        while self.unfed:
            self.feed_one()
        return "\n".join(self.screen.display)

    def line_with(self, word: str) -> str:
        return next((row.strip() for row in self.screen.display if word in row), "")

    def press(self, keys: str) -> float:
        os.write(self.fd, keys.encode())
        return time.perf_counter()

    def end(self) -> None:
        if not self.ended:
            self.ended = True
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            os.close(self.fd)


class Room:
    """Every terminal, read by one poll; the chunks wait, timed, to be fed."""

    def __init__(self) -> None:
        self.poll = select.poll()
        self.terms: dict[int, Term] = {}
        self.bytes_read = 0

    def add(self, term: Term) -> Term:
        self.terms[term.fd] = term
        self.poll.register(term.fd, select.POLLIN)
        return term

    def read(self, timeout: float) -> None:
        """Read what every ready terminal wrote (waiting up to ``timeout`` for the first),
        until none is ready."""
        wait_ms = max(int(timeout * 1000), 0)
        while True:
            events = self.poll.poll(wait_ms)
            if not events:
                return
            now = time.perf_counter()
            for fd, _ in events:
                term = self.terms.get(fd)
                if term is None:
                    continue
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    data = b""
                if not data:
                    term.closed = True
                    self.poll.unregister(fd)
                    del self.terms[fd]
                    continue
                self.bytes_read += len(data)
                term.unfed.append((now, data))
            wait_ms = 0

    def drain(self, seconds: float) -> None:
        """Read and feed for ``seconds``."""
        deadline = time.perf_counter() + seconds
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                return
            self.read(min(left, 0.05))
            for term in list(self.terms.values()):
                while term.unfed:
                    term.feed_one()
                    self.read(0)

    def wait(self, terms: list[Term], shows: Callable[[Term], bool], what: str,
             timeout: float = WAIT) -> dict[str, float]:
        """For each of ``terms``, the time the chunk was read after which ``shows`` first
        held for its screen (when it already holds: the time it is checked)."""
        found: dict[str, float] = {}
        now = time.perf_counter()
        for term in terms:
            if not term.unfed and shows(term):
                found[term.name] = now
        deadline = now + timeout
        while len(found) < len(terms):
            self.read(0.02)
            for term in terms:
                if term.name in found:
                    continue
                while term.unfed:
                    when = term.feed_one()
                    if shows(term):
                        found[term.name] = when
                        break
                self.read(0)  # reading first: the next terminal's chunks get their time
                if term.closed and term.name not in found and not term.unfed:
                    raise Failure(f"{what}: {term.name}'s ssh client ended:\n{term.text()}")
            if time.perf_counter() > deadline:
                late = [t for t in terms if t.name not in found]
                raise Failure(f"{what}: {len(late)} of {len(terms)} screens not within "
                              f"{timeout:.0f} s; {late[0].name}'s:\n{late[0].text()}")
        return found


# -- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``backprop-tui ssh --class`` on a free loopback port, for ``seats`` clients."""

    def __init__(self, folder: Path, key: Path, answers: Path, seats: int) -> None:
        self.port = free_port()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (env.get("PYTHONPATH", ""), str(ROOT)) if p)
        self.errors = (folder / "server-stderr.txt").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "backprop_tui", "ssh", "--port", str(self.port),
             "--class", "--teacher-key", f"{key}.pub", "--answers", str(answers),
             "--max-sessions", str(seats), "--max-per-address", str(seats),
             "--login-seconds", "300"],
            cwd=folder, env=env, stdout=subprocess.PIPE, stderr=self.errors, text=True,
            preexec_fn=lambda: _die_with_parent(signal.SIGTERM))
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        deadline = time.monotonic() + 60
        while not any("serving the app" in line for line in self.lines):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise Failure(f"the server did not start: {self.lines} "
                              f"{(folder / 'server-stderr.txt').read_text()[-2000:]}")
            time.sleep(0.05)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def memory(self) -> dict[str, float]:
        """PSS and RSS (MB) of the server, its warm process and its apps, and one app's."""
        server = self.process.pid
        sizes = {pid: memory_kib(pid) for pid in [server, *descendants(server)]}
        warm = [pid for pid in sizes if parent(pid) == server and b"--zygote" in _cmdline(pid)]
        apps = [pid for pid in sizes if pid != server and pid not in warm]
        return {"pss": sum(p for p, _ in sizes.values()) / 1024,
                "rss": sum(r for _, r in sizes.values()) / 1024,
                "app_pss": statistics.median(sizes[p][0] for p in apps) / 1024 if apps else 0,
                "apps": len(apps), "processes": len(sizes)}

    def cpu(self, clients: list[Term]) -> dict[str, float]:
        """CPU seconds so far: the server (asyncssh and the hub), its apps (the warm process
        aside), the ssh clients, and this process (reading and emulating the screens)."""
        server = self.process.pid
        apps = [pid for pid in descendants(server) if parent(pid) != server]
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {"server": cpu_seconds(server), "apps": sum(cpu_seconds(p) for p in apps),
                "ssh clients": sum(cpu_seconds(t.pid) for t in clients),
                "this reader": usage.ru_utime + usage.ru_stime}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.reader.join(5)
        self.errors.close()


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def parent(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(text[text.rindex(")") + 2:].split()[1])


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of ``pid`` so far (0 when it is gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICK


# -- one class ----------------------------------------------------------------------------


@dataclass
class Result:
    students: int
    joined: float = 0.0
    teacher: list[float] = field(default_factory=list)
    """Key to the teacher's own screen, one a key."""
    every: list[float] = field(default_factory=list)
    """Key to every student's screen (the last of them), one a key."""
    each: list[float] = field(default_factory=list)
    """Key to each student's screen, one a key and student."""
    answered: list[float] = field(default_factory=list)
    """First answer typed to the teacher's ``answered N of N``, one a question."""
    revealed: list[float] = field(default_factory=list)
    """The teacher's reveal to every student's ``revealed:``, one a question."""
    retries: int = 0
    unconfirmed: int = 0
    lost: int = 0
    twice: int = 0
    rows: int = 0
    questions: int = 0
    memory: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds a teacher's key costs, by whom (see :meth:`Server.cpu`)."""
    loads: dict[str, str] = field(default_factory=dict)
    bytes_read: int = 0


def status_shows(step: int, phase: str) -> Callable[[Term], bool]:
    """The status line says ``step N  phase: PHASE``."""
    want = f"step {step}  phase: {phase}"
    return lambda term: want in term.line_with("phase:")


def contains(text: str) -> Callable[[Term], bool]:
    return lambda term: any(text in row for row in term.screen.display)


QUIZ_ASKS = re.compile(r"· ([^·]+?) = value\s*$")


def run_class(folder: Path, key: Path, students: int, options: argparse.Namespace,
              say: Callable[[str], None]) -> Result:
    result = Result(students)
    answers = folder / f"answers-{students}.csv"
    room = Room()
    server = Server(folder, key, answers, students + 5)
    terms: list[Term] = []
    try:
        teacher = room.add(Term(server.port, "ann", ["-i", str(key), "-o", "IdentitiesOnly=yes"],
                                TEACHER_SIZE))
        terms.append(teacher)
        room.wait([teacher], contains("teaching 0"), "the teacher's first screen")
        started = time.perf_counter()
        crowd: list[Term] = []
        for first in range(0, students, options.batch):
            batch = [room.add(Term(server.port, f"s{i + 1:03d}", STUDENT_OPTIONS, STUDENT_SIZE))
                     for i in range(first, min(first + options.batch, students))]
            terms.extend(batch)
            crowd.extend(batch)
            room.wait(batch, contains("following ann"), "students joining")
        room.wait([teacher], contains(f"teaching {students} · {students} following"),
                  "the teacher's count of students")
        result.joined = time.perf_counter() - started
        result.loads["joined"] = load()
        plural = "s" if students > 1 else ""
        say(f"  {students} student{plural} joined ({options.batch} at once) in "
            f"{result.joined:.1f} s  [{result.loads['joined']}]")
        room.drain(1.0)

        # 1. the teacher's keys on every screen
        step = 0
        before = server.cpu(terms)
        for n in range(options.presses):
            key_ = "fbs"[n % 3]
            room.drain(options.settle)
            sent = teacher.press(key_)
            shows = status_shows(step + (key_ == "s"), PHASES[key_])
            own = room.wait([teacher], shows, f"the teacher's {key_}")
            seen = room.wait(crowd, shows, f"the teacher's {key_} on the students' screens")
            step += key_ == "s"
            result.teacher.append(own["ann"] - sent)
            times = [t - sent for t in seen.values()]
            result.each.extend(times)
            result.every.append(max(times))
        result.loads["keys"] = load()
        after = server.cpu(terms)
        result.cpu = {k: (after[k] - before[k]) / max(options.presses, 1) for k in after}
        every, each, own = spread(result.every), spread(result.each), spread(result.teacher)
        say(f"  key → every student's screen ({options.presses} keys): median "
            f"{every['median'] * 1000:.0f} ms, p95 {every['p95'] * 1000:.0f} ms, max "
            f"{every['max'] * 1000:.0f} ms; each student's: median {each['median'] * 1000:.0f}"
            f" ms, p95 {each['p95'] * 1000:.0f} ms; the teacher's own: median "
            f"{own['median'] * 1000:.0f} ms  [{result.loads['keys']}]")
        say("  CPU a key (with the settling time after it): " + ", ".join(
            f"{k} {v * 1000:.0f} ms" for k, v in result.cpu.items())
            + f"; together {sum(result.cpu.values()) * 1000:.0f} ms on {os.cpu_count()} cores")

        # 2, 3. questions, every student answering each at once
        if options.questions:
            questions(room, teacher, crowd, step, options, result)
            result.loads["questions"] = load()
            check_answers(answers, crowd, options.questions, result)
            answered, revealed = spread(result.answered), spread(result.revealed)
            say(f"  {options.questions} questions: every answer typed → 'answered {students} "
                f"of {students}': median {answered['median'] * 1000:.0f} ms, p95 "
                f"{answered['p95'] * 1000:.0f} ms, max {answered['max'] * 1000:.0f} ms; reveal "
                f"→ every student: median {revealed['median'] * 1000:.0f} ms, max "
                f"{revealed['max'] * 1000:.0f} ms  [{result.loads['questions']}]")
            say(f"  answers: {result.rows} rows in the CSV of {students * options.questions}"
                f" typed; lost {result.lost}, twice {result.twice}, unconfirmed on screen "
                f"{result.unconfirmed}, typed again after 'that question is closed' "
                f"{result.retries}")

        # 4. memory
        result.memory = server.memory()
        result.loads["memory"] = load()
        memory = result.memory
        say(f"  memory: server + warm process + {memory['apps']:.0f} apps: PSS "
            f"{memory['pss']:.0f} MB ({memory['pss'] / students:.1f} MB a student), RSS "
            f"{memory['rss']:.0f} MB; one app's PSS {memory['app_pss']:.1f} MB  "
            f"[{result.loads['memory']}]")
        result.bytes_read = room.bytes_read
        return result
    finally:
        for term in terms:
            term.end()
        server.stop()


def asked(symbol: str, after_reveal: bool) -> Callable[[Term], bool]:
    """A student's quiz line asks ``symbol`` (and, ``after_reveal``, the last question's
    reveal is on screen)."""
    return lambda t: (f"class question · {symbol} =" in t.line_with("quiz ·")
                      and (not after_reveal or contains("revealed:")(t)))


def open_tally(tally: str) -> Callable[[Term], bool]:
    """The teacher's class line says ``tally`` of the open question (not yet revealed)."""
    def shows(term: Term) -> bool:
        row = term.line_with("answered")
        return tally in row and "(revealed)" not in row
    return shows


def quiz_moved(before: str) -> Callable[[Term], bool]:
    """The teacher's quiz line is another than ``before`` and asks, or says the layer is
    done."""
    def shows(term: Term) -> bool:
        row = term.line_with("quiz ·")
        return row != before and (bool(QUIZ_ASKS.search(row)) or "layer done" in row)
    return shows


def questions(room: Room, teacher: Term, crowd: list[Term], step: int,
              options: argparse.Namespace, result: Result) -> None:
    """The teacher asks ``options.questions`` questions; every student answers each."""
    everyone = [teacher, *crowd]
    room.drain(options.settle)
    teacher.press("f")
    room.wait(everyone, status_shows(step, "forward"), "the forward pass before the quiz")
    teacher.press("z")
    room.wait([teacher], contains("quiz ·"), "the quiz turned on")
    teacher.press("b")
    previous: str | None = None
    line = ""
    count = len(crowd)
    for k in range(1, options.questions + 1):
        symbol, line = next_question(room, teacher, line)
        room.wait(crowd, asked(symbol, after_reveal=previous is not None),
                  f"question {k} ({symbol}) on the students' screens")
        texts = {term.name: f"{k}.{i:03d}" for i, term in enumerate(crowd, 1)}
        first = min(term.press(texts[term.name] + "\r") for term in crowd)
        confirm(room, crowd, texts, symbol, result)
        tally = f"{symbol}: answered {count} of {count}"
        shown = room.wait([teacher], open_tally(tally), f"question {k}: the teacher's tally")
        result.answered.append(shown["ann"] - first)
        room.drain(0.2)
        sent = teacher.press("\r")  # enter on the empty field: revealed to the class
        seen = room.wait(crowd, contains(f"revealed: {symbol} ="),
                         f"question {k}: the reveal on the students' screens")
        result.revealed.append(max(seen.values()) - sent)
        previous = symbol
    result.questions = options.questions


def next_question(room: Room, teacher: Term, before: str) -> tuple[str, str]:
    """The factor the teacher's quiz asks next, and the quiz line (another line than
    ``before``, whose score has changed); ``b`` at the end of a layer, ``s``, ``f``, ``b``
    at the end of the backward pass."""
    for _ in range(6):
        room.wait([teacher], quiz_moved(before), "the teacher's quiz line")
        line = teacher.line_with("quiz ·")
        asked = QUIZ_ASKS.search(line)
        if asked:
            return asked.group(1).strip(), line
        before = line
        if "b: the next layer" in line:
            teacher.press("b")
        else:
            for key in "sfb":
                teacher.press(key)
                room.drain(0.5)
    raise Failure(f"the teacher's quiz asks nothing:\n{teacher.text()}")


def confirm(room: Room, crowd: list[Term], texts: dict[str, str], symbol: str,
            result: Result) -> None:
    """Wait until each student's screen says their answer was sent (the hub's note). An
    answer to a question already closed (the student had not yet been told of the next) is
    typed again, as is one with no word on screen after a few seconds (the field emptied
    first, ctrl+u); both are counted as retries."""
    waiting = {term.name: term for term in crowd}
    typed = {term.name: time.perf_counter() for term in crowd}
    deadline = time.perf_counter() + ANSWER_WAIT
    while waiting and time.perf_counter() < deadline:
        room.read(0.02)
        now = time.perf_counter()
        for name, term in list(waiting.items()):
            while term.unfed:
                term.feed_one()
            message = "\n".join(term.screen.display)
            if f"answer {texts[name]} sent for {symbol}" in message:
                del waiting[name]
            elif (now - typed[name] > 1.0 and "that question is closed" in message
                  or now - typed[name] > 5.0):
                result.retries += 1
                typed[name] = term.press("\x15" + texts[name] + "\r")
    result.unconfirmed += len(waiting)


def check_answers(answers: Path, crowd: list[Term], count: int, result: Result) -> None:
    """Every answer typed is in the CSV, once."""
    with answers.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    result.rows = len(rows)
    got: dict[tuple[str, str], int] = {}
    for row in rows:
        got[(row[1], row[3])] = got.get((row[1], row[3]), 0) + 1
    want = [(term.name, f"{k}.{i:03d}") for k in range(1, count + 1)
            for i, term in enumerate(crowd, 1)]
    result.lost = sum(1 for pair in want if pair not in got)
    result.twice = sum(n - 1 for n in got.values() if n > 1)


# -- the report ---------------------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value * 1000:.0f} ms"


def report(results: list[Result], options: argparse.Namespace) -> None:
    base = results[0]
    print()
    print(f"teacher + N students over ssh on 127.0.0.1, {os.cpu_count()} cores; baseline: "
          f"the class of {base.students} (ratios: this class / baseline); nearest-rank p95")
    print()
    print("| students | key → every student: median | p95 | max | each student: median "
          "| p95 | teacher's own: median | load (1, 5, 15 min) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        every, each, own = spread(r.every), spread(r.each), spread(r.teacher)
        b_every, b_each = spread(base.every), spread(base.each)
        ratio = "" if r is base else " ({:.1f}×)"
        print(f"| {r.students} | {ms(every['median'])}{ratio.format(every['median'] / b_every['median'])}"
              f" | {ms(every['p95'])}{ratio.format(every['p95'] / b_every['p95'])}"
              f" | {ms(every['max'])} | {ms(each['median'])}"
              f"{ratio.format(each['median'] / b_each['median'])}"
              f" | {ms(each['p95'])}{ratio.format(each['p95'] / b_each['p95'])}"
              f" | {ms(own['median'])} | {r.loads.get('keys', '')} |")
    print()
    print("| students | CPU a teacher's key: apps | server (asyncssh, hub) | ssh clients "
          "| this reader (pyte) | together | ÷ cores |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        c, total = r.cpu, sum(r.cpu.values())
        print(f"| {r.students} | {ms(c['apps'])} | {ms(c['server'])} | {ms(c['ssh clients'])} "
              f"| {ms(c['this reader'])} | {ms(total)} | {ms(total / (os.cpu_count() or 1))} |")
    if options.questions:
        print()
        print("| students | answers typed → 'answered N of N': median | p95 | max "
              "| reveal → every student: median | max | answers in CSV | lost | twice "
              "| retried | load |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in results:
            a, v = spread(r.answered), spread(r.revealed)
            b_a = spread(base.answered)
            ratio = "" if r is base else f" ({a['median'] / b_a['median']:.1f}×)"
            print(f"| {r.students} | {ms(a['median'])}{ratio} | {ms(a['p95'])} | "
                  f"{ms(a['max'])} | {ms(v['median'])} | {ms(v['max'])} | "
                  f"{r.rows} of {r.students * r.questions} | {r.lost} | {r.twice} | "
                  f"{r.retries} | {r.loads.get('questions', '')} |")
    print()
    print("| students | PSS all (server, warm process, apps) | PSS a student | each further "
          "student (PSS) | RSS all | one app's PSS | load |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        m = r.memory
        further = ("" if r is base or r.students == base.students else
                   f"{(m['pss'] - base.memory['pss']) / (r.students - base.students):.1f} MB")
        print(f"| {r.students} | {m['pss']:.0f} MB | {m['pss'] / r.students:.1f} MB | "
              f"{further} | {m['rss']:.0f} MB | {m['app_pss']:.1f} MB | "
              f"{r.loads.get('memory', '')} |")
    print()
    for r in results:
        goal = GOALS.get(r.students)
        if goal is not None:
            p95 = spread(r.every)["p95"]
            print(f"goal: {r.students} students, key → every screen p95 ≤ {ms(goal)}: "
                  f"{ms(p95)}, {'met' if p95 <= goal else 'OVER'}")
        if r.students == ANSWER_GOAL[0] and r.answered:
            worst = max(r.answered)
            print(f"goal: {r.students} answering at once → the tally ≤ {ms(ANSWER_GOAL[1])}: "
                  f"max {ms(worst)}, {'met' if worst <= ANSWER_GOAL[1] else 'OVER'}")
        if r.questions:
            ok = r.lost == 0 and r.twice == 0 and r.unconfirmed == 0
            print(f"goal: {r.students} student{'s' if r.students > 1 else ''}, {r.questions} "
                  f"questions, no answer lost: "
                  f"{'met' if ok else 'NOT MET'}")


def sizes(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("class sizes, e.g. 30,100") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("class sizes of at least 1, e.g. 30,100")
    return values


def missing() -> str | None:
    """Why the benchmark cannot run here, or None."""
    if not os.path.exists(SSH):
        return f"{SSH} is missing (apt-get install openssh-client)"
    try:
        import pyte  # noqa: F401
    except ImportError:
        return "pyte is missing (pip install -e '.[test]')"
    from backprop_tui.ssh import asyncssh_missing

    return asyncssh_missing()


def checkout() -> str:
    """Which backprop_tui the server runs: PYTHONPATH's, else this checkout (its commit)."""
    if os.environ.get("PYTHONPATH"):
        return f"PYTHONPATH={os.environ['PYTHONPATH']} (then {ROOT})"
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{ROOT}" + (f" at {commit}" if commit else "")


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=sizes, default=[30, 100],
                        help="class sizes, one class each (default 30,100)")
    parser.add_argument("--baseline", type=int, default=1,
                        help="students in the baseline class (default 1)")
    parser.add_argument("--presses", type=int, default=12,
                        help="teacher's keys (f, b, s in turn) timed (default 12)")
    parser.add_argument("--questions", type=int, default=20,
                        help="questions every student answers (default 20)")
    parser.add_argument("--batch", type=int, default=10,
                        help="students connecting at once (default 10)")
    parser.add_argument("--settle", type=float, default=0.5,
                        help="seconds between the teacher's keys (default 0.5)")
    options = parser.parse_args(argv)
    why = missing()
    if why is not None:
        print(f"skipped: {why}")
        return 0
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, _stop)

    def say(line: str) -> None:
        print(line, flush=True)

    say(f"{os.cpu_count()} cores; {load()} at the start; the server runs {checkout()}")
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="class-follows-") as name:
        folder = Path(name)
        key = folder / "teacher"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
                       check=True)
        for students in [options.baseline, *options.students]:
            say(f"class of {students} (baseline)" if not results else f"class of {students}")
            try:
                results.append(run_class(folder, key, students, options, say))
            except Failure as exc:
                say(f"FAILED: {exc}")
                return 1
            except KeyboardInterrupt:
                say("stopped")
                return 130
    report(results, options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
