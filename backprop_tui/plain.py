"""The plain mode: the lesson as lines a screen reader and a braille display can follow.

No alternate screen, no cursor movement, no colour: every line is appended, so the whole
lesson stays in the scrollback, and no line is longer than 80 columns. One key a command,
without Enter, the same keys as the app (f, b, s, space, t, u, z, x, e, ?, q, …), plus
``.`` (where the lesson is) and ``,`` (the last fact again), two keys the app leaves free.
A number is typed after tab (the app's key for its fields): ``w(L-1) = 0.5`` and Enter.

Each fact is one line (or a few, broken before an ``=``): its name and value first, then
its formula, then the numbers plugged in, written by the one ASCII rule of
:mod:`backprop_tui.present.ascii`. Every number comes from the :class:`Lesson`; this
module only says it.

Entry point: :func:`run_plain`. It imports no terminal library beyond the standard
``termios`` (on a terminal, for single keys) and never imports textual.
"""

from __future__ import annotations

import codecs
import json
import math
import os
import re
import select
import socket
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TextIO

from .hub import Seat, message
from .model.defaults import STEPS
from .model.errors import ModelError
from .model.limits import plural
from .present import formulas as F
from .present.ascii import WIDTH, ascii_text, fact_lines, wrap
from .present.format import number, with_minus
from .present.keys import plain_keys as registry_plain_keys

if TYPE_CHECKING:
    from .model.lesson import Lesson, StepResult
    from .model.network import BackwardPass, ForwardPass, Network

TRAIN_SECONDS = 60.0
"""A training run (t) stops after this long, whatever is left of its steps."""

REPORTS = 10
"""Sentences a training run says: one every tenth of the run (the last at its end)."""

CHECKS = 10
"""Costs measured between two sentences, to say whether C fell steadily."""

APPROX_LINE = ("(approx) after a value: the numbers plugged in are rounded; the value "
               "comes from the exact ones")


@dataclass(frozen=True)
class PlainKey:
    """A key of the plain mode and what it does (the help)."""

    key: str
    """The key as the help names it."""
    does: str


KEY_WORDS = {"←": "left arrow", "→": "right arrow", "space": "space", "tab": "tab",
             ".": ". (period)"}
"""Keys the help names by a word."""


def spoken_key(shown: str) -> str:
    """A registry key (``u U``, ``[ ]``, ``← →``) as the help says it: ``u, U (shift u)``,
    ``[ (left square bracket), ] (right square bracket)``."""
    words = []
    for key in shown.split():
        if key in KEY_WORDS:
            words.append(KEY_WORDS[key])
        elif len(key) == 1 and key.isupper():
            words.append(f"{key} (shift {key.lower()})")
        else:
            words.append(key_name(key))
    return ", ".join(words)


def plain_keys(steps: int) -> tuple[PlainKey, ...]:
    """The plain mode's keys, for a training run of ``steps`` steps: the entries of the one
    key registry (:mod:`backprop_tui.present.keys`) that have a sentence for it."""
    return tuple(
        PlainKey(spoken_key(key.shown), (key.plain or "").replace("{steps}",
                                                                  plural(steps, "step")))
        for key in registry_plain_keys())


# -- the terminal: single keys, lines, appended output ---------------------------------

_CSI = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|O.|.)?", re.S)
_ARROW_KEYS = {"\x1b[D": "left", "\x1b[C": "right", "\x1bOD": "left", "\x1bOC": "right"}


class PlainLink(Seat):
    """A plain-mode app's end of a class (``backprop-tui ssh --class``): the hub's socket,
    read between keys (:class:`Terminal` waits on it too)."""

    def __init__(self, path: str, token: str) -> None:
        super().__init__()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.sock.sendall(message("hello", token=token))
        self.connected = True
        self._buffer = b""

    def fileno(self) -> int:
        return self.sock.fileno()

    def messages(self) -> list[dict]:
        """The messages that came (the socket is readable); ``lost`` when the hub is gone."""
        try:
            data = self.sock.recv(1 << 20)
        except OSError:
            data = b""
        if not data:
            self.connected = False
            return [{"kind": "lost"}]
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        out = []
        for line in lines:
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict):
                out.append(item)
        return out

    def send(self, kind: str, **fields: object) -> None:
        if self.connected:
            try:
                self.sock.sendall(message(kind, **fields))
            except OSError:
                self.connected = False


class Terminal:
    """Keys from ``stdin`` (single keys in cbreak mode on a terminal; characters from a
    pipe), lines to ``stdout``, each through the ASCII rule and at most 80 columns."""

    def __init__(self, stdin: TextIO, stdout: TextIO) -> None:
        self.stdin = stdin
        self.stdout = stdout
        self.fd: int | None = None
        try:
            if stdin.isatty():
                self.fd = stdin.fileno()
        except (AttributeError, ValueError, OSError):
            self.fd = None
        self._saved: list | None = None
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._buffer = ""
        self._eof = False
        self._in_line_mode = False
        self.link: PlainLink | None = None
        """A class's socket, waited on with the keys (on a terminal)."""
        self.on_link: Callable[[], None] = lambda: None
        """Called when the class's socket has something (between keys)."""

    # -- modes

    @contextmanager
    def keys_mode(self) -> Iterator[None]:
        """Single keys without echo while inside (on a terminal); the terminal as it was
        after, whatever happens."""
        if self.fd is None:
            yield
            return
        import termios
        import tty

        self._saved = termios.tcgetattr(self.fd)
        try:
            tty.setcbreak(self.fd, termios.TCSANOW)
            yield
        finally:
            termios.tcsetattr(self.fd, termios.TCSANOW, self._saved)

    @contextmanager
    def line_mode(self) -> Iterator[None]:
        """The terminal's own line editing and echo while inside, for typing numbers (a
        question asked again stays in it, so that nothing typed goes unechoed)."""
        if self.fd is None or self._saved is None or self._in_line_mode:
            yield
            return
        import termios
        import tty

        termios.tcsetattr(self.fd, termios.TCSANOW, self._saved)
        self._in_line_mode = True
        try:
            yield
        finally:
            self._in_line_mode = False
            tty.setcbreak(self.fd, termios.TCSANOW)

    # -- input

    def _fill(self, timeout: float | None = None) -> bool:
        """Read more input into the buffer; False at the end of the input (or, with a
        ``timeout``, when nothing came in time)."""
        if self._eof:
            return False
        if self.fd is None:
            char = self.stdin.read(1)
            if not char:
                self._eof = True
                return False
            self._buffer += char
            return True
        while True:
            link = self.link if (self.link is not None and self.link.connected
                                 and not self._in_line_mode) else None  # not mid-answer
            waited = [self.fd] if link is None else [self.fd, link.fileno()]
            ready, _, _ = select.select(waited, [], [], timeout)
            if link is not None and link.fileno() in ready:
                self.on_link()  # the class, said between keys
                if self.fd not in ready:
                    if timeout is not None:
                        return False
                    continue
            if self.fd in ready:
                break
            if timeout is not None:
                return False
        try:
            data = os.read(self.fd, 1024)
        except OSError:  # the terminal went away
            data = b""
        if not data:
            self._eof = True
            self._buffer += self._decoder.decode(b"", final=True)
            return False
        self._buffer += self._decoder.decode(data)
        return True

    def key(self) -> str | None:
        """The next key (arrow keys as ``left``, ``right``; other escape sequences are
        skipped); None at the end of the input."""
        while True:
            while not self._buffer:
                if not self._fill():
                    return None
            char = self._buffer[0]
            if char != "\x1b":
                self._buffer = self._buffer[1:]
                return char
            if len(self._buffer) < 3 and self.fd is not None:
                self._fill(timeout=0.05)
            match = _CSI.match(self._buffer)
            assert match is not None  # the pattern matches ESC alone
            self._buffer = self._buffer[match.end():]
            arrow = _ARROW_KEYS.get(match.group(0))
            if arrow is not None:
                return arrow

    def pending_key(self) -> str | None:
        """A key typed already (on a terminal, without waiting); None when there is none.
        From a pipe, never: its keys are read one command at a time."""
        if self.fd is None:
            return None
        if not self._buffer:
            self._fill(timeout=0)
        return self.key() if self._buffer else None

    def line(self, prompt: str) -> str | None:
        """A line typed after ``prompt`` (Enter ends it; the terminal echoes and edits it);
        None at the end of the input."""
        with self.line_mode():  # before the prompt: what is typed after it is echoed
            self.stdout.write(ascii_text(prompt))
            if self._buffer and self.fd is not None and "\n" not in self._buffer:
                self.stdout.write(ascii_text(self._buffer))  # typed ahead, not echoed yet
            self.stdout.flush()
            while "\n" not in self._buffer and "\r" not in self._buffer:
                if not self._fill():
                    break
        end = min((i for i in (self._buffer.find("\n"), self._buffer.find("\r")) if i >= 0),
                  default=-1)
        if end < 0:
            text, self._buffer = self._buffer, ""
            if self.fd is None:
                self.stdout.write("\n")
            return text if text else None
        text = self._buffer[:end]
        rest = self._buffer[end + 1:]
        if self._buffer[end] == "\r" and rest.startswith("\n"):
            rest = rest[1:]
        self._buffer = rest
        if self.fd is None:  # a pipe: nothing echoed what was read
            self.stdout.write(ascii_text(text) + "\n")
        self.stdout.flush()
        return text

    # -- output

    def write(self, lines: list[str]) -> None:
        """``lines`` (ASCII already, each at most 80 columns), appended."""
        for line in lines:
            self.stdout.write(line + "\n")
        self.stdout.flush()


# -- the lesson, said line by line ---------------------------------------------------------


@dataclass
class _Reveal:
    """Where reveal mode is: the layer, the next fact, whether its formula was said."""

    layer: int
    index: int = 0
    announced: bool = False


_NAME = re.compile(
    r"""^\s*(?P<name>eta|lr|w|b|x|y)\s*
        (?:_?(?P<i>\d+)(?:[_,](?P<k>\d+))?)?\s*
        (?:\(\s*L\s*(?:(?:-|minus)\s*(?P<back>\d+)\s*)?\))?\s*
        (?:=|:|\s)\s*(?P<value>\S.*?)\s*$""", re.X | re.I)
_MINUS_WORD = re.compile(r"^\s*minus\s+", re.I)


def sentence(text: str) -> str:
    """``text`` (said the app's way, on its message line) as a sentence of the plain mode:
    a capital first, a full stop last."""
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def key_name(key: str) -> str:
    """A key as a sentence says it: ``k``, ``/ (solidus)``, ``code 7``."""
    if len(key) != 1 or key.isalnum():
        return key
    if not key.isprintable():
        return f"code {ord(key)}"
    name = unicodedata.name(key, "").lower()
    return f"{key} ({name})" if name else key


def typed_number(text: str) -> str:
    """A number as typed, the word ``minus`` (as the plain mode says it) as a sign."""
    return _MINUS_WORD.sub("-", text)


class Plain:
    """The lesson said in lines: one method a key."""

    def __init__(self, lesson: Lesson, terminal: Terminal, clock: Callable[[], float],
                 steps: int, quiz: bool) -> None:
        self.lesson = lesson
        self.term = terminal
        self.clock = clock
        self.steps = steps
        self.quizzing = quiz
        self.revealing = False
        self.sample = 0
        self.layer = lesson.layers
        """The selected layer (for e, c, tab), 1..L."""
        self.neuron = 1
        self.which = "w"
        self.weight = 1
        self._bp: BackwardPass | None = None
        """The backward pass b is going through."""
        self._next: int | None = None
        """The layer b says next (None: every layer said)."""
        self._reveal: _Reveal | None = None
        self.last_fact: list[str] = []
        self.quit = False
        self.link: PlainLink | None = None
        """The class this lesson follows (``ssh --class``), or None."""
        self._followed: tuple | None = None
        """What was last said of the teacher's lesson: phase, step, layer, question."""
        self._asked: set[str] = set()
        """The class's questions asked here already."""
        self._trained_said = -math.inf

    # -- saying

    def say(self, text: str) -> None:
        """A sentence (the program's notation is fine), in lines of at most 80 columns."""
        out: list[str] = []
        for line in ascii_text(text).split("\n"):
            out += wrap(line, WIDTH)
        self.term.write(out)

    def fact(self, row: F.Row, prefix: str = "") -> None:
        """One fact: name and value, formula, numbers; kept for the repeat key."""
        if prefix:
            row = replace(row, symbol=f"{prefix}{row.symbol}")
        lines = fact_lines(row)
        self.last_fact = lines
        self.term.write(lines)

    def facts(self, rows: list[F.Row]) -> None:
        for row in rows:
            self.fact(row)

    # -- names

    @property
    def _net(self) -> Network:
        return self.lesson.network

    def _label(self, layer: int) -> str:
        return F.label(layer, self.lesson.layers)

    def selected(self) -> str:
        """The selected parameter in the one notation: w(L), b(L−1), w₁₂(L)."""
        k = self.weight if self.which == "w" else None
        return F.parameter_name(self._net, self.which, self.layer, self.neuron, k)

    def _sample_text(self) -> str:
        count = len(self.lesson.samples)
        if count == 1:
            return ""
        return f", sample {self.sample + 1} of {count}"

    def _data_text(self) -> str:
        samples = self.lesson.samples
        x, y = samples.x[self.sample], samples.y[self.sample]
        if self._net.is_chain:
            return f"x = {number(x[0])}, y = {number(y[0])}"
        return f"x = {F.vector_text(x)}, y = {F.vector_text(y)}"

    # -- the opening

    def opening(self) -> None:
        net = self._net
        lesson = self.lesson
        if net.is_chain:
            what = f"a chain of {plural(net.layers, 'neuron')}, one a layer"
        else:
            what = (f"a network of shape {','.join(str(n) for n in net.shape)}: "
                    f"{plural(net.inputs, 'input')}, then layers of "
                    f"{' and '.join(str(n) for n in net.shape[1:])} neurons, the output "
                    "last")
        self.say("backprop-tui, plain mode: one fact a line, in ASCII. ? (question mark) "
                 "lists the keys, q quits.")
        self.say(f"{what}; {net.activation.name} activation, {net.cost.name} cost; "
                 f"{plural(len(lesson.samples), 'sample')}; η = {number(lesson.lr)}; "
                 f"step {lesson.steps_done}.")
        self.parameters()
        self.say("f: the forward pass.")

    def parameters(self) -> None:
        net = self._net
        lines = (F.parameter_lines(net, "") if not net.is_chain else
                 [f"({self._label(l)}): w({self._label(l)}) = {number(net.flat_w[l - 1], True)}, "
                  f"b({self._label(l)}) = {number(net.flat_b[l - 1], True)}"
                  for l in range(1, net.layers + 1)])
        if len(lines) > 12:
            self.say(f"{plural(net.flat_w.size, 'weight')} and {plural(net.flat_b.size, 'bias')}"
                     "; tab sets one, e checks the selected one.")
            return
        self.say("The parameters, input to output:")
        for line in lines:
            self.say(line.strip().replace("   ", ", ").replace(":  ", ": "))

    # -- the phases

    def forward(self) -> None:
        fwd = self.lesson.forward()
        self._forget_backward()
        self._say_forward(fwd)

    def _say_forward(self, fwd: ForwardPass) -> None:
        lesson = self.lesson
        self.say(f"Forward pass{self._sample_text()}: {self._data_text()}.")
        self.facts(F.forward_rows(fwd, self.sample))
        if len(lesson.samples) > 1:
            self.fact(F.mean_cost_row(fwd))
        self.say(F.narration("forward", lesson.layers, lesson.layers,
                             self._net.activation.symbol))

    def _forget_backward(self) -> None:
        self._bp, self._next, self._reveal = None, None, None

    def _ensure_backward(self) -> bool:
        """The backward pass b goes through: the lesson's, or a new one (with the forward
        pass first when it is missing). True when it started at the output layer now."""
        lesson = self.lesson
        if lesson.phase == "backward" and lesson.backward_pass is not None:
            if lesson.backward_pass is self._bp:
                return False
            self._bp, self._next, self._reveal = lesson.backward_pass, lesson.layers, None
            return True
        had_forward = lesson.forward_pass is not None
        self._bp = lesson.backward()
        self._next, self._reveal = lesson.layers, None
        if not had_forward:
            self.say("b ran the forward pass first (f says its facts).")
        return True

    def layer_items(self, layer: int) -> list[str | F.Row]:
        """What b says of ``layer``: headings and rows, in order."""
        bp = self._bp
        assert bp is not None
        lesson = self.lesson
        net = bp.network
        L = net.layers
        s = self.sample
        lab = self._label(layer)
        count = len(lesson.samples)
        items: list[str | F.Row] = []
        if net.is_chain:
            items.append(f"Backward pass, layer ({lab}){self._sample_text()}:")
            items += F.backward_rows(bp, s, layer)
            if count > 1:
                items.append(f"The gradients of layer ({lab}) that a step uses, the mean of "
                             f"the {count} samples':")
                items += [F.mean_gradient_row(bp, "w", layer),
                          F.mean_gradient_row(bp, "b", layer)]
            return items
        for j in range(1, net.shape[layer] + 1):
            items.append(f"Backward pass, layer ({lab}), neuron {j} of {net.shape[layer]}"
                         f"{self._sample_text()}:")
            items += F.neuron_rows(bp, s, layer, j)
        if layer > 1:
            title = F.sum_title if net.shape[layer] > 1 else F.single_title
            items.append(title(layer, L) + ":")
            for k in range(1, net.shape[layer - 1] + 1):
                terms = F.term_rows(bp, s, layer, k)
                items += terms
                total = F.sum_row(bp, s, layer, k)
                if terms:
                    named = "+".join(term.symbol for term in terms)
                    total = replace(total, formula=f"{total.formula} = {named}")
                items.append(total)
        if count > 1:
            items.append(f"The gradients of layer ({lab}) that a step uses, the mean of the "
                         f"{count} samples':")
            for j in range(1, net.shape[layer] + 1):
                items += [F.mean_gradient_row(bp, "w", layer, j, k)
                          for k in range(1, net.shape[layer - 1] + 1)]
                items.append(F.mean_gradient_row(bp, "b", layer, j))
        return items

    def _after_layer(self, layer: int) -> None:
        """What follows a layer said: the layer below, or the step."""
        self._next = layer - 1 if layer > 1 else None
        net = self._net
        self.say(F.narration("backward", layer, net.layers, net.activation.symbol))

    def backward(self) -> None:
        started = self._ensure_backward()
        if self.revealing and not self.quizzing:
            self._reveal_next(started)
            return
        layer = self._next
        if layer is None:
            self.say("Every layer is said: s takes the step; b again starts at the "
                     "output layer.")
            self._next = self.lesson.layers
            return
        items = self.layer_items(layer)
        if self.quizzing:
            self._ask_layer(layer, items)
        else:
            for item in items:
                if isinstance(item, str):
                    self.say(item)
                else:
                    self.fact(item)
        self._after_layer(layer)

    def _end_reveal(self, state: _Reveal) -> None:
        """Reveal mode has said every factor of ``state``'s layer: what follows it, and the
        next layer's reveal, if there is one."""
        self._reveal = None
        self._after_layer(state.layer)
        if self._next is not None:
            self._reveal = _Reveal(self._next)

    def _reveal_next(self, started: bool) -> None:
        """Reveal mode: the next factor's formula, or the value of the one announced."""
        if started or self._reveal is None:
            if self._next is None:
                self._next = self.lesson.layers
            self._reveal = _Reveal(self._next)
        state = self._reveal
        items = self.layer_items(state.layer)
        while state.index < len(items) and isinstance(items[state.index], str):
            self.say(str(items[state.index]))
            state.index += 1
        if state.index >= len(items):
            self._end_reveal(state)
            return
        row = items[state.index]
        assert not isinstance(row, str)
        if not state.announced:
            self.say(f"Next: {row.symbol} = ?, {row.relation} {row.formula}. "
                     "Say it; b shows it.")
            state.announced = True
            return
        self.fact(row)
        state.index += 1
        state.announced = False
        if state.index >= len(items):
            self._end_reveal(state)
            return
        following = items[state.index]
        if not isinstance(following, str):
            self.say(f"Next: {following.symbol} = ?, {following.relation} "
                     f"{following.formula}.")
            state.announced = True

    def _ask_layer(self, layer: int, items: list[str | F.Row]) -> None:
        """The quiz: each factor of the layer asked in turn, the ones answered said."""
        lesson = self.lesson
        quiz = lesson.quiz
        key = (lesson.version, layer, self.sample)
        start = quiz.position(key)
        rest = iter(items)
        with self.term.line_mode():  # while asking: an answer typed early is echoed too
            index = 0
            for item in rest:
                if isinstance(item, str):
                    self.say(item)
                    continue
                if index < start:
                    self.fact(item)
                else:
                    self._ask(key, item)
                    if not self.quizzing:
                        break
                index += 1
        for item in rest:  # the quiz was left: the rest of the layer, said
            if isinstance(item, str):
                self.say(item)
            else:
                self.fact(item)
        if self.quizzing:
            self.say(f"Layer ({self._label(layer)}) done; quiz: {quiz.score}.")

    def _ask(self, key: object, row: F.Row) -> None:
        """Ask ``row``'s value until it is right, shown, or the quiz is left."""
        self.say(f"Quiz: {row.symbol} = ?, {row.relation} {row.formula}")
        with self.term.line_mode():
            self._answer(key, row)

    def _answer(self, key: object, row: F.Row) -> None:
        quiz = self.lesson.quiz
        while True:
            text = self.term.line("answer (Enter alone shows it): ")
            if text is None or text.strip().lower() in ("z", "q"):
                self.quizzing = False
                self.say(f"Quiz off; {quiz.score}. The rest of the layer:")
                self.fact(row)
                return
            if not text.strip():
                quiz.reveal(key)
                self.fact(row, "shown: ")
                return
            try:
                verdict = quiz.answer(key, typed_number(text), row.value)
            except ModelError as exc:
                self.say(f"{exc}; type a number, or Enter alone to show it.")
                continue
            if verdict.accepted:
                self.fact(row, "right: ")
                return
            self.say(f"Not quite: {number(verdict.guess)} is off by "
                     f"{F.off_by(verdict.guess, row.value)}; {F.quiz_hint(row)}. Again, "
                     "or Enter alone to show it.")

    def step(self) -> None:
        lesson = self.lesson
        had_backward = lesson.backward_pass is not None
        result = lesson.step()
        self._forget_backward()
        if not had_backward:
            self.say("s ran the missing phases first (f and b say their facts).")
        self._say_step(result)

    def _say_step(self, result: StepResult) -> None:
        lesson = self.lesson
        count = len(lesson.samples)
        mean = f"(the mean over the {count} samples of ∂C/∂p)" if count > 1 else "∂C/∂p"
        self.say(f"Step {lesson.steps_done}: every parameter p becomes p − η·{mean}, "
                 f"with η = {number(result.lr)}; old value to new:")
        self.facts(F.step_rows(result.old, result.backward, result.lr, result.new))
        warning = F.lr_warning(result.lr) or F.zero_gradient_note(result.backward)
        if warning:
            self.say(warning)
        self.say(F.narration("step", 1, lesson.layers))

    def next_phase(self) -> None:
        lesson = self.lesson
        if lesson.phase in ("none", "step"):
            self.forward()
        elif lesson.phase == "forward":
            self.backward()
        elif (lesson.backward_pass is self._bp and self._next is None
              and self._reveal is None):
            self.step()
        else:
            self.backward()

    # -- training

    def _cost_now(self) -> float:
        """The mean cost of every sample with the current parameters (the model's)."""
        return self.lesson.network.forward(self.lesson.samples).mean_cost

    def train(self) -> None:
        lesson = self.lesson
        total = self.steps
        try:
            start_cost = self._cost_now()
        except ModelError as exc:
            self.say(f"Cannot train: {exc}")
            return
        first_step = lesson.steps_done
        self._forget_backward()
        self.say(f"Training {plural(total, 'step')} from step {first_step}, C = "
                 f"{number(start_cost)}; a sentence every tenth of the run; t stops it.")
        warning = F.lr_warning(lesson.lr)
        if warning:
            self.say(warning)
        began = self.clock()
        done = 0
        stop_reason = ""
        reports = min(REPORTS, total)
        for report in range(1, reports + 1):
            target = total * report // reports
            costs = [self._cost_now()]
            piece_end = done
            for check in range(1, CHECKS + 1):
                piece_end = done + (target - done) * check // CHECKS
                steps = piece_end - (lesson.steps_done - first_step)
                if steps <= 0:
                    continue
                result = lesson.train(steps)
                costs.append(self._cost_now())
                if result.divergence is not None:
                    stop_reason = str(result.divergence)
                    break
                pressed = self.term.pending_key()
                if pressed in ("t", "q", "\x03", "\x04"):
                    stop_reason = "stopped by the key " + ("t" if pressed == "t" else "q")
                    if pressed != "t":
                        self.quit = True
                    break
                if self.clock() - began > TRAIN_SECONDS:
                    stop_reason = f"stopped after {TRAIN_SECONDS:.0f} seconds"
                    break
            done = lesson.steps_done - first_step
            self.say(self._progress(lesson.steps_done, start_cost, costs))
            if stop_reason:
                break
        end_cost = self._cost_now()
        run = lesson.steps_done - first_step
        ending = f"; {stop_reason}" if stop_reason else ""
        self.say(f"Trained {plural(run, 'step')}, to step {lesson.steps_done}{ending}: "
                 f"{self._change(start_cost, end_cost)}. g: the loss curve; u: undo the run.")

    @staticmethod
    def _change(before: float, after: float) -> str:
        """C fell from 0.1804 to 0.0123 (−93%)."""
        if not (math.isfinite(before) and math.isfinite(after)):
            return f"C went from {number(before)} to {number(after)}"
        if number(before) == number(after):
            return f"C stayed at {number(after)}"
        verb = "fell" if after < before else "rose"
        percent = ""
        if before != 0.0:
            percent = " (" + with_minus(f"{100 * (after - before) / abs(before):+.3g}") + "%)"
        return f"C {verb} from {number(before)} to {number(after)}{percent}"

    def _progress(self, step: int, start: float, costs: list[float]) -> str:
        """step 500: C fell from 0.1804 to 0.0123 (−93%), steadily."""
        change = self._change(start, costs[-1])
        moves = [b - a for a, b in zip(costs, costs[1:])]
        if not moves or all(m == 0 for m in moves):
            manner = "not moving"
        elif all(m <= 0 for m in moves):
            manner = "steadily falling" if change.startswith("C rose") else "steadily"
        elif all(m >= 0 for m in moves):
            manner = "rising" if change.startswith("C fell") else "steadily"
        else:
            manner = "unevenly"
        return f"step {step}: {change}, {manner}"

    def loss_curve(self) -> None:
        history = self.lesson.history
        if len(history) == 0:
            self.say("No steps taken yet, so no loss curve: s takes one step, t trains.")
            return
        thinned = history.thinned(REPORTS + 1)
        points = ", ".join(f"{number(c)} at step {int(s)}"
                           for s, c in zip(thinned.step, thinned.first))
        low = float(min(thinned.low))
        now = self._cost_now()
        self.say(f"The loss curve over {plural(len(history), 'step')}: C was {points}; it is "
                 f"{number(now)} now (the lowest before a step: {number(low)}).")

    # -- undo, reset

    def undo(self, redo: bool = False) -> None:
        lesson = self.lesson
        try:
            lesson.redo() if redo else lesson.undo()
        except ModelError as exc:
            self.say(str(exc))
            return
        self._forget_backward()
        self.say(("Redone" if redo else "Undone") + ": " + self.where_text())

    def reset(self) -> None:
        self.lesson.reset()
        self._forget_backward()
        self.say("Reset to the start values; the loss history starts again.")
        self.parameters()

    # -- modes

    def toggle_quiz(self) -> None:
        self.quizzing = not self.quizzing
        if self.quizzing:
            self.say("Quiz on: b asks each factor of the layer; type its value and Enter "
                     "(right within 1%); Enter alone shows it; z and Enter leaves.")
        else:
            self.say(f"Quiz off; {self.lesson.quiz.score}.")

    def toggle_reveal(self) -> None:
        self.revealing = not self.revealing
        self._reveal = None
        if self.revealing:
            self.say("Reveal mode on: b says the next factor's formula, so that the class "
                     "can say its value; b again shows it.")
        else:
            self.say("Reveal mode off: b says a layer's factors at once.")

    # -- the selection and the nudge

    def _clamp(self) -> None:
        shape = self._net.shape
        self.neuron = min(max(self.neuron, 1), shape[self.layer])
        self.weight = min(max(self.weight, 1), shape[self.layer - 1])

    def choose_parameter(self) -> None:
        inputs = self._net.shape[self.layer - 1]
        if self.which == "w" and self.weight < inputs and not self._net.is_chain:
            self.weight += 1
        elif self.which == "w":
            self.which = "b"
        else:
            self.which, self.weight = "w", 1
        self.say(f"Selected {self.selected()} (e checks it, tab sets it).")

    def move_layer(self, step: int) -> None:
        layers = self.lesson.layers
        new = self.layer + step
        if not 1 <= new <= layers:
            end = "input" if step < 0 else "output"
            self.say(f"Layer ({self._label(self.layer)}) is the one nearest the {end}.")
            return
        self.layer = new
        self._clamp()
        self.say(f"Selected layer ({self._label(new)}): {self.selected()}.")

    def move_neuron(self, step: int) -> None:
        width = self._net.shape[self.layer]
        if width == 1:
            self.say(f"Layer ({self._label(self.layer)}) has one neuron.")
            return
        self.neuron = (self.neuron - 1 + step) % width + 1
        self.say(f"Selected neuron {self.neuron} of {width} in layer "
                 f"({self._label(self.layer)}): {self.selected()}.")

    def move_sample(self, step: int) -> None:
        count = len(self.lesson.samples)
        if count == 1:
            self.say("There is one sample.")
            return
        self.sample = (self.sample + step) % count
        self._forget_backward()
        self.say(f"Sample {self.sample + 1} of {count}: {self._data_text()}.")

    def nudge(self) -> None:
        lesson = self.lesson
        try:
            result = lesson.nudge(self.which, self.layer, neuron=self.neuron,
                                  input=self.weight)
        except ModelError as exc:
            self.say(f"Nudge: {exc}")
            return
        name = self.selected()
        rows = F.nudge_rows(result, lesson.network)
        self.say(f"Nudge check of {name}: C at {name} ± ε, ε = {number(result.epsilon)}, "
                 "two forward passes:")
        self.facts(rows)

    # -- where, repeat, help

    def where_text(self) -> str:
        lesson = self.lesson
        L = lesson.layers
        phase = lesson.phase
        if phase == "none":
            where = "nothing computed for these numbers yet (f: the forward pass)"
        elif phase == "forward":
            where = f"forward pass done (b: the backward pass, layer ({self._label(L)}) first)"
        elif phase == "backward":
            if self._reveal is not None and lesson.backward_pass is self._bp:
                where = (f"backward pass in reveal mode, layer ({self._label(self._reveal.layer)}"
                         f"), at its fact {self._reveal.index + 1}")
            elif lesson.backward_pass is not self._bp or self._next == L:
                where = f"backward pass computed (b: layer ({self._label(L)}))"
            elif self._next is None:
                where = "backward pass, every layer said (s: the step)"
            else:
                said = self._label(self._next + 1)
                where = (f"backward pass, layer ({said}) said (b: layer "
                         f"({self._label(self._next)}))")
        else:
            where = "step taken (f: the forward pass with the new values)"
        if lesson.forward_pass is not None:
            cost = f"C = {number(lesson.forward_pass.mean_cost)}"
            if len(lesson.samples) > 1:
                cost += f" (the mean of {len(lesson.samples)} samples)"
        elif lesson.history.last is not None:
            cost = f"C was {number(lesson.history.last)} before the last step"
        else:
            cost = "C not computed yet"
        modes = [name for name, on in (("quiz", self.quizzing), ("reveal", self.revealing))
                 if on]
        return (f"step {lesson.steps_done}, {where}; {cost}; η = {number(lesson.lr)}"
                f"{self._sample_text()}; selected {self.selected()}"
                + (f"; {' and '.join(modes)} on" if modes else "") + ".")

    def where(self) -> None:
        text = self.where_text()
        self.say(text[0].upper() + text[1:])

    def repeat(self) -> None:
        if not self.last_fact:
            self.say("No fact said yet: f starts the forward pass.")
            return
        self.term.write(self.last_fact)

    def help(self) -> None:
        self.say("The keys (one key a command, no Enter):")
        for key in plain_keys(self.steps):
            self.term.write(wrap(ascii_text(f"{key.key}: {key.does}"), WIDTH, "", "    "))
        self.say(APPROX_LINE)

    # -- typing a value

    def set_value(self) -> None:
        text = self.term.line("set (like w(L-1) = 0.5, or eta = 0.1), Enter: ")
        if text is None or not text.strip():
            self.say("Nothing set.")
            return
        match = _NAME.match(text)
        if match is None:
            self.say(f"Nothing set: {text.strip()!r} is not a name and a number, like "
                     "w(L-1) = 0.5, b = 0, x = 0.3, y = 1 or eta = 0.1.")
            return
        name = match.group("name").lower()
        value = typed_number(match.group("value"))
        lesson = self.lesson
        L = lesson.layers
        back = match.group("back")
        has_layer = "(" in text[:match.start("value")]
        layer = (L - int(back) if back else L) if has_layer else self.layer
        i, k = match.group("i"), match.group("k")
        try:
            if name in ("eta", "lr"):
                lesson.set_lr(value)
                self.say(f"η = {number(lesson.lr)} now; the next step uses it.")
                return
            if not 1 <= layer <= L:
                raise ModelError(f"there is no layer (L-{back}): the layers are "
                                 f"({self._label(1)}) to (L)")
            if name == "w":
                if i is not None and k is None and len(i) == 2:
                    i, k = i[0], i[1]
                j = int(i) if i else (1 if self._net.is_chain else self.neuron)
                kk = int(k) if k else (1 if self._net.is_chain else self.weight)
                lesson.set_w(layer, value, neuron=j, input=kk)
                shown = F.parameter_name(self._net, "w", layer, j, kk)
                now = self._net.w[layer - 1][j - 1, kk - 1]
            elif name == "b":
                j = int(i) if i else (1 if self._net.is_chain else self.neuron)
                lesson.set_b(layer, value, neuron=j)
                shown = F.parameter_name(self._net, "b", layer, j, None)
                now = self._net.b[layer - 1][j - 1]
            elif name == "x":
                kk = int(i) if i else 1
                lesson.set_x(self.sample, value, input=kk)
                shown = "x" if self._net.inputs == 1 else F.a_sym(0, kk, L)
                now = lesson.samples.x[self.sample][kk - 1]
            else:
                j = int(i) if i else 1
                lesson.set_y(self.sample, value, output=j)
                shown = "y" if self._net.outputs == 1 else f"y{F.sub(j)}"
                now = lesson.samples.y[self.sample][j - 1]
        except (ModelError, IndexError) as exc:
            self.say(f"Nothing set: {exc}")
            return
        self._forget_backward()
        self.say(f"{shown} = {number(now, True)} now{self._sample_text() if name in 'xy' else ''}; "
                 "what was computed from the old value is cleared: f computes it again.")

    # -- a class (backprop-tui ssh --class): the teacher's lesson, said as it changes

    def class_messages(self) -> None:
        """What the class's hub sent (between keys)."""
        link = self.link
        if link is None:
            return
        for data in link.messages():
            self.class_message(str(data.get("kind")), data)
        self.lesson.locked = link.locked_text()

    def class_message(self, kind: str, data: dict) -> None:
        link = self.link
        if link is None:
            return
        said = link.took(kind, data)
        if kind == "welcome":
            if link.teacher:  # the class follows the full app's lesson, not this one
                link.connected = False
                link.sock.close()
                self.say("Class: the teacher leads the class from the full app (a terminal "
                         "that is not TERM=dumb); here the lesson is yours alone.")
            elif link.teaching is None:
                self.say(f"Class: you are {link.name}; the teacher is not here yet: the "
                         "lesson is yours until they come.")
            else:
                self.say(f"Class: you are {link.name}; {link.teaching} teaches and this "
                         "lesson follows theirs, said as it changes (F goes your own way).")
        elif kind == "state":
            if not link.leads:
                self._follow(data.get("shared"))
            link.send("shown")
        elif kind == "result":
            said = F.revealed_text(data)
        if said is not None:
            self.say(sentence(said))

    def _follow(self, data: object) -> None:
        """The teacher's lesson, taken and said: what changed since the last one."""
        from .model.follow import Shared

        try:
            shared = Shared.from_dict(data)
        except ModelError:
            return
        lesson = self.lesson
        lesson.follow(shared.session, shared.phase, shared.before)
        self._forget_backward()
        view = shared.view
        shown = view.get("shown_layer")
        layer = shown if isinstance(shown, int) and 1 <= shown <= lesson.layers else lesson.layers
        self.layer = layer
        self._clamp()
        question, asked = view.get("question"), view.get("asked")
        hidden = bool(view.get("quizzing") or view.get("revealing"))
        now = (shared.phase, lesson.steps_done, layer, question, hidden)
        last, self._followed = self._followed, now
        if now == last:
            return
        who = self.link.teaching if self.link is not None else "the teacher"
        moved = last is None or last[:2] != now[:2]
        if shared.phase == "forward" and moved and lesson.forward_pass is not None:
            self.say(f"{who}: the forward pass.")
            self._say_forward(lesson.forward_pass)
        elif shared.phase == "backward" and lesson.backward_pass is not None:
            if isinstance(question, str) and isinstance(asked, str):
                if question not in self._asked:
                    self._class_question(question, asked)
            elif hidden:
                if last is None or last[:3] != now[:3]:
                    self.say(f"{who} asks the class for the factors of layer "
                             f"({self._label(layer)}), one at a time.")
            else:
                self._bp = lesson.backward_pass
                self.say(f"{who}: the backward pass, layer ({self._label(layer)}).")
                for item in self.layer_items(layer):
                    if isinstance(item, str):
                        self.say(item)
                    else:
                        self.fact(item)
        elif shared.phase == "step" and moved and lesson.last_step is not None:
            self.say(f"{who}: the update step.")
            self._say_step(lesson.last_step)
        elif shared.phase == "none" and moved and last is not None:
            if now[1] > last[1]:  # training: a line now and then
                if self.clock() - self._trained_said >= 10.0:
                    self._trained_said = self.clock()
                    cost = lesson.history.last
                    self.say(f"{who} is training: step {lesson.steps_done}"
                             + ("" if cost is None else f", C = {number(cost)}") + ".")
            else:
                self.say(f"{who} changed the lesson: step {lesson.steps_done}; f would "
                         "compute it (. says where it is).")

    def _class_question(self, question: str, symbol: str) -> None:
        """The teacher asks the class: the answer typed here goes to the tally."""
        from .model.quiz import parse_guess

        self._asked.add(question)
        who = self.link.teaching if self.link is not None else "the teacher"
        self.say(f"Class question from {who}: {symbol} = ? Type your answer and Enter "
                 "(Enter alone: no answer).")
        with self.term.line_mode():
            while True:
                text = self.term.line("answer: ")
                if text is None or not text.strip():
                    self.say("No answer sent.")
                    return
                try:
                    parse_guess(typed_number(text))
                except ModelError as exc:
                    self.say(f"{exc}; type a number, or Enter alone.")
                    continue
                if self.link is not None:
                    self.link.send("answer", id=question, text=typed_number(text).strip())
                return

    def turn(self) -> None:
        """F: follow the teacher, or go one's own way."""
        link = self.link
        if link is None or not link.connected:
            self.say("F: no class here (a class is served with backprop-tui ssh --class).")
            return
        if link.teaching is None:
            self.say("The teacher is away: you are on your own until they are back.")
            return
        said = link.turned()
        link.send("follow", following=link.following)
        self.lesson.locked = link.locked_text()
        self._followed = None  # following again: the teacher's lesson is said anew
        self.say(sentence(said))

    # -- the keys

    def press(self, key: str) -> None:
        """Do what ``key`` does."""
        actions: dict[str, Callable[[], None]] = {
            "f": self.forward, "b": self.backward, "s": self.step, " ": self.next_phase,
            "t": self.train, "g": self.loss_curve, "u": self.undo,
            "U": lambda: self.undo(redo=True), "r": self.reset, "z": self.toggle_quiz,
            "x": self.toggle_reveal, "e": self.nudge, "c": self.choose_parameter,
            "[": lambda: self.move_layer(-1), "]": lambda: self.move_layer(1),
            "left": lambda: self.move_layer(-1), "right": lambda: self.move_layer(1),
            "{": lambda: self.move_neuron(-1), "}": lambda: self.move_neuron(1),
            "n": lambda: self.move_sample(1), "p": lambda: self.move_sample(-1),
            "\t": self.set_value, ".": self.where, ",": self.repeat, "?": self.help,
            "F": self.turn,
        }
        if key in ("q", "\x03", "\x04"):
            self.quit = True
            return
        if key in ("\r", "\n"):
            return
        action = actions.get(key)
        if action is None:
            self.say(f"The key {key_name(key)} does nothing in the plain mode; ? (question "
                     "mark) lists the keys.")
            return
        try:
            action()
        except ModelError as exc:
            self.say(str(exc))


def run_plain(lesson: Lesson, stdin: TextIO, stdout: TextIO, *,
              clock: Callable[[], float] = time.monotonic, steps: int = STEPS,
              quiz: bool = False, link: PlainLink | None = None) -> int:
    """Drive ``lesson`` from single keys read from ``stdin`` (a terminal, put in cbreak
    mode and restored; or a pipe, read a character at a time), saying every fact on
    ``stdout`` in lines of at most 80 ASCII columns, appended. ``clock`` times a training
    run (:data:`TRAIN_SECONDS` at most), ``steps`` is the length of one (t), ``quiz``
    starts with the quiz on, ``link`` is the class this lesson follows (``ssh --class``).
    Returns the exit status, 0, when q, ctrl+c or the end of the input ends it."""
    terminal = Terminal(stdin, stdout)
    plain = Plain(lesson, terminal, clock, steps, quiz)
    if link is not None:  # a class: its messages are said between keys
        plain.link = terminal.link = link
        terminal.on_link = plain.class_messages
    with terminal.keys_mode():
        try:
            plain.opening()
            while not plain.quit:
                key = terminal.key()
                if key is None:
                    break
                plain.press(key)
        except KeyboardInterrupt:
            pass
        terminal.write(["Bye."])
    return 0
