"""The plain mode (--plain): lines a screen reader and a braille display can follow.

The ASCII rule (present/ascii.py) is checked on its own, by property; the front end
(plain.py) is driven with keys from a pipe and in a real pseudo-terminal, and its
transcript is read back against ``trace_json`` of the same network.
"""

from __future__ import annotations

import io
import os
import re
import select
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tui.model import Network, random_network, xor_samples
from backprop_tui.model.lesson import Lesson
from backprop_tui.plain import run_plain, typed_number
from backprop_tui.present import formulas as F
from backprop_tui.present.ascii import APPROX, ascii_text, fact_lines, fact_text
from backprop_tui.present.format import number
from backprop_tui.present.report import trace_json

# -- helpers --------------------------------------------------------------------------------


def chain_lesson() -> Lesson:
    """The lecture note's chain: w = (0.5, −0.3, 0.8), b = (0.1, 0.2, −0.1), x = 0.7, y = 1."""
    net = Network.chain([0.5, -0.3, 0.8], [0.1, 0.2, -0.1])
    return Lesson(net, net.samples([[0.7]], [[1.0]]), 0.5)


def wide_lesson() -> Lesson:
    """A network whose hidden layers are wider than one: the Σ over j has several terms."""
    return Lesson(random_network((2, 3, 2, 1)), xor_samples(), 0.5)


def run(lesson: Lesson, keys: str, steps: int = 100) -> str:
    out = io.StringIO()
    assert run_plain(lesson, io.StringIO(keys), out, steps=steps) == 0
    return out.getvalue()


DRAWING = re.compile(r"[\u2500-\u259f\u2800-\u28ff]")


def assert_plain(transcript: str) -> None:
    """Printable ASCII only, no escape sequence, no drawing, no line over 80 columns."""
    assert "\x1b" not in transcript
    assert not DRAWING.search(transcript)
    for line in transcript.replace("\r\n", "\n").split("\n"):
        assert len(line) <= 80, line
        assert all(" " <= c <= "~" for c in line), repr(line)


FACT = re.compile(r"^(?:(?:right|shown): )?(?P<name>\S+) (?:=|becomes) "
                  r"(?P<value>(?:minus |\+)?\d+\.\d+(?:e(?: minus )?\d+)?)"
                  rf"(?: {re.escape(APPROX)})?,", re.M)


def facts(transcript: str) -> list[tuple[str, str]]:
    """(name, value as written) of every fact in the transcript, in order."""
    return [(m.group("name"), m.group("value")) for m in FACT.finditer(transcript)]


def said(value: float) -> str:
    """A value as the plain mode writes it."""
    return ascii_text(number(value, signed=True))


def read_number(text: str) -> float:
    """A number as the plain mode writes it, read back: ``minus`` is the sign."""
    return float(text.replace("e minus ", "e-").replace("minus ", "-"))


def chain_expected(data: dict) -> dict[str, float]:
    """The facts of the forward and backward pass of a 3-chain, by their ASCII names."""
    n = data["layers"]
    sample = data["samples"][0]
    out = {"C": sample["cost"]}
    for i in range(n):
        lab = ascii_text(F.label(i + 1, n))
        prev = "x" if i == 0 else f"a({ascii_text(F.label(i, n))})"
        layer = sample["layers"][i]
        out |= {
            f"z({lab})": sample["z"][i], f"a({lab})": sample["a"][i],
            f"dC/da({lab})": layer["dC_da"], f"da({lab})/dz({lab})": layer["da_dz"],
            f"dz({lab})/dw({lab})": layer["dz_dw"], f"dz({lab})/db({lab})": layer["dz_db"],
            f"dz({lab})/d{prev}": layer["dz_da_prev"], f"dC/dw({lab})": layer["dC_dw"],
            f"dC/db({lab})": layer["dC_db"], f"dC/d{prev}": layer["dC_da_prev"],
        }
    return out


# -- the ASCII rule -----------------------------------------------------------------------

SYMBOLS = ("∂", "−", "·", "Σ", "Σⱼ", "Σₖ", "∏", "σ", "σ'", "₁", "₂", "₁₂", "₁₃,₁", "ⱼ", "ₖ",
           "²", "¹⁸", "ᵀ", "≈", "←", "→", "η", "θ", "ε", "δ", "⊙", "±", "≤", "≥", "…", "—",
           "–", "×", "÷", "∞", "│", "─", "▄", "⠿", "○", "●", "✓", "µ", "\x1b", "\t", "\u00a0",
           "(", ")", "[", "]", "|", "/", "+", "-", "=", " ", "'", ",", ":", "L", "w", "a",
           "z", "x", "y", "C", "tanh", "ReLU", "e", "1", "0.5")
"""The project's symbols, with the ASCII around them, and some it never writes."""

texts = st.lists(st.sampled_from(SYMBOLS) | st.floats(allow_nan=False, allow_infinity=False)
                 .map(number), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_ascii_is_printable_ascii_for_any_text_of_the_project_symbols(text: str) -> None:
    out = ascii_text(text)
    assert all(" " <= c <= "~" for c in out), (text, out)
    assert "\x1b" not in out


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False), st.booleans())
def test_a_number_keeps_its_value(value: float, signed: bool) -> None:
    shown = number(value, signed)
    out = ascii_text(shown)
    assert read_number(out) == float(shown.replace("\u2212", "-"))
    assert out.startswith("minus ") == shown.startswith("\u2212")


@settings(max_examples=100, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False), st.floats(-1e3, 1e3))
def test_numbers_keep_their_value_inside_a_formula(p: float, q: float) -> None:
    text = f"∂C/∂w(L−1) = {F.plug(p)}·{F.plug(q)} ≈ {number(p * q if abs(p) < 1e300 else 1)}"
    out = ascii_text(text)
    numbers = re.findall(r"(?:minus )?\d+(?:\.\d+)?(?:e(?: minus )?\d+)?", out)
    assert [read_number(n) for n in numbers[1:3]] == [
        float(F.plug(v).strip("()").replace("\u2212", "-")) for v in (p, q)]


@pytest.mark.parametrize(("text", "ascii"), [
    ("∂C/∂w(L)", "dC/dw(L)"),
    ("σ'(z(L))", "sigma prime(z(L))"),
    ("(−0.8495)·0.2443·0.5042", "(minus 0.8495) times 0.2443 times 0.5042"),
    ("a(L−1)", "a(L-1)"),
    ("(a(L)−y)²", "(a(L) minus y) squared"),
    ("∂C/∂w₁₂(L−1)", "dC/dw_1_2(L-1)"),
    ("w₁₃,₁(L)", "w_13_1(L)"),
    ("a₁₂(L)", "a_12(L)"),
    ("Σⱼ wⱼ₁(L)·σ'(zⱼ(L))·∂C/∂aⱼ(L)",
     "sum over j of w_j_1(L) times sigma prime(z_j(L)) times dC/da_j(L)"),
    ("(1/4)·Σₖ ∂Cₖ/∂w(L)", "(1/4) times sum over k of dC_k/dw(L)"),
    ("w(L) ← w(L) − η·∂C/∂w(L)", "w(L) becomes w(L) minus eta times dC/dw(L)"),
    ("2.072e−5", "2.072e minus 5"),
    ("|∂C/∂θ − nudge|", "abs(dC/dtheta minus nudge)"),
    ("δ(l) = W(l+1)ᵀ·δ(l+1) ⊙ σ'(z(l))",
     "delta(l) = W(l + 1) transposed times delta(l + 1) elementwise times sigma prime(z(l))"),
    ("quiz · 1/2 right · 0 wrong", "quiz, 1/2 right, 0 wrong"),
    ("θ ± ε", "theta plus or minus epsilon"),
    ("1e-5 --plain", "1e-5 --plain"),
    ("the samples' gradients", "the samples' gradients"),
])
def test_the_words_of_the_rule(text: str, ascii: str) -> None:
    assert ascii_text(text) == ascii


def test_a_fact_is_name_and_value_first_then_formula_then_numbers() -> None:
    lesson = chain_lesson()
    bp = lesson.backward()
    row = next(r for r in F.backward_rows(bp, 0, 3) if r.key == "dC_dw")
    assert fact_text(row) == ("dC/dw(L) = minus 0.1047 (approx), = dC/da(L) times "
                              "sigma prime(z(L)) times a(L-1) = (minus 0.8495) times 0.2443 "
                              "times 0.5042")
    assert fact_lines(row) == ["dC/dw(L) = minus 0.1047 (approx),",
                               "    = dC/da(L) times sigma prime(z(L)) times a(L-1)",
                               "    = (minus 0.8495) times 0.2443 times 0.5042"]


def test_every_row_of_a_wide_network_fits_80_columns() -> None:
    lesson = Lesson(random_network((3, 12, 11, 2)), random_samples(3, 2), 0.5)
    bp = lesson.backward()
    net = bp.network
    rows = F.forward_rows(bp.forward, 0) + F.mean_gradient_rows(bp)
    for layer in range(1, net.layers + 1):
        for j in range(1, net.shape[layer] + 1):
            rows += F.neuron_rows(bp, 0, layer, j)
        for k in range(1, net.shape[layer - 1] + 1):
            rows += F.term_rows(bp, 0, layer, k) + [F.sum_row(bp, 0, layer, k)]
    step = lesson.step()
    rows += F.step_rows(step.old, step.backward, step.lr, step.new)
    for row in rows:
        lines = fact_lines(row)
        assert_plain("\n".join(lines))
        assert " ".join(line.strip() for line in lines) == fact_text(row)


def random_samples(inputs: int, outputs: int):
    import numpy as np

    rng = np.random.default_rng(1)
    net = random_network((inputs, outputs))
    return net.samples(rng.uniform(0, 1, (3, inputs)), rng.uniform(0, 1, (3, outputs)))


# -- the front end, keys from a pipe --------------------------------------------------------


def first_pass_keys(answer: str) -> str:
    """f, b three times, s; the quiz on, b: a wrong answer, then the right one, z leaves;
    a short training; where; q."""
    return "fbbbsz" + f"b0.5\n{answer}\nz\n" + "t.q"


def test_the_first_pass_says_every_value_of_trace_json() -> None:
    expected_lesson = chain_lesson()
    before = trace_json(expected_lesson.current_trace())
    expected_lesson.step()
    after = trace_json(expected_lesson.current_trace())
    answer = number(after["samples"][0]["layers"][2]["dC_da"]).replace("\u2212", "-")

    transcript = run(chain_lesson(), first_pass_keys(answer))
    assert_plain(transcript)
    said_facts = facts(transcript)
    forward_backward = said_facts[:7 + 3 * 8]
    values = chain_expected(before)
    assert {name for name, _ in forward_backward} == set(values)
    for name, value in forward_backward:
        assert value == said(values[name]), name
    # the step: each parameter, old → new
    updates = {name: value for name, value in said_facts if name[0] in "wb"}
    for i in range(3):
        lab = ascii_text(F.label(i + 1, 3))
        assert updates[f"w({lab})"] == said(after["w"][i])
        assert updates[f"b({lab})"] == said(after["b"][i])
    assert f"w(L) becomes {said(after['w'][2])} (approx)," in transcript
    # the quiz: the wrong answer is told how far off, the right one its value
    assert "Not quite: 0.5000 is off by" in transcript
    assert f"right: dC/da(L) = {said(after['samples'][0]['layers'][2]['dC_da'])}" in transcript
    assert "Quiz off; 1/1 right, 1 wrong, 0 shown." in transcript
    # training: a sentence every tenth of the run, then one for the run
    sentences = re.findall(r"^step (\d+): C fell from (\S+) to (\S+) \((minus [\d.]+)%\), "
                           r"(\w+)", transcript, re.M)
    assert [int(s[0]) for s in sentences] == list(range(11, 102, 10))
    assert all(s[4] == "steadily" for s in sentences)
    assert re.search(r"^Trained 100 steps, to step 101: C fell from \S+ to \S+ \(minus",
                     transcript, re.M)
    assert "Step 101, nothing computed for these numbers yet" in transcript
    assert transcript.endswith("Bye.\n")


def test_the_quiz_reads_minus_as_a_sign_and_enter_alone_shows_the_value() -> None:
    transcript = run(chain_lesson(), "zbminus 0.8495\n\nzq")
    assert "right: dC/da(L) = minus 0.8495" in transcript
    assert "shown: da(L)/dz(L) = +0.2443" in transcript
    assert typed_number("minus 2") == "-2"


def test_the_sum_over_j_is_read_as_a_sum_of_named_terms() -> None:
    lesson = wide_lesson()
    bp = lesson.current_trace()
    transcript = run(wide_lesson(), "bbq")
    assert_plain(transcript)
    data = trace_json(bp)
    layer = data["samples"][0]["layers"][1]  # layer (L−1): two neurons, sums into (L−2)
    for k in range(3):
        terms = layer["dC_da_prev_terms"][k]
        for j, term in enumerate(terms, start=1):
            assert f"term j={j} = {said(term)}" in transcript
        total = said(layer["dC_da_prev"][k])
        assert re.search(rf"^dC/da_{k + 1}\(L-2\) = {re.escape(total)}", transcript, re.M)
    assert "= sum over j of w_j_1(L-1) times sigma prime(z_j(L-1)) times" in transcript
    assert "= term j=1 + term j=2" in transcript


def test_reveal_mode_says_the_formula_first_then_the_value() -> None:
    transcript = run(chain_lesson(), "xbbbq")
    lines = transcript.splitlines()
    start = lines.index("Backward pass, layer (L):")
    assert lines[start + 1] == "Next: dC/da(L) = ?, = 2(a(L) minus y). Say it; b shows it."
    assert lines[start + 2].startswith("dC/da(L) = minus 0.8495 (approx)")
    assert any(line.startswith("Next: da(L)/dz(L) = ?") for line in lines)


def test_a_value_typed_after_tab_is_set_and_bad_input_loses_nothing() -> None:
    lesson = chain_lesson()
    transcript = run(lesson, "\tw(L-1) = abc\n\tnothing\n\tw(L-1) = minus 0.25\n"
                             "\teta = 0.1\n\tx 0.2\nq")
    assert_plain(transcript)
    assert "Nothing set: w: 'abc' is not a number" in transcript
    assert "Nothing set: 'nothing' is not a name and a number" in transcript
    assert "w(L-1) = minus 0.2500 now" in transcript
    assert lesson.network.flat_w[1] == -0.25
    assert lesson.lr == 0.1
    assert float(lesson.samples.x[0][0]) == 0.2


def test_where_repeat_undo_and_help() -> None:
    lesson = chain_lesson()
    transcript = run(lesson, "fb.,u.?k/q")
    lines = transcript.splitlines()
    where = next(i for i, line in enumerate(lines) if line.startswith("Step 0, backward"))
    assert lines[where] == "Step 0, backward pass, layer (L) said (b: layer (L-1)); C = 0.1804;"
    repeated = lines[where + 2:where + 4]
    assert repeated == ["dC/da(L-1) = minus 0.1660, = dC/da(L) times sigma prime(z(L)) times "
                        "w(L)", "    = (minus 0.8495) times 0.2443 times 0.8000"]
    assert "Undone: step 0, forward pass done" in transcript
    assert ("The key k does nothing in the plain mode; ? (question mark) lists the keys."
            in transcript)
    assert "The key / (solidus) does nothing" in transcript
    assert "z: quiz on or off" in transcript
    assert ". (period): where the lesson is" in transcript
    assert lesson.phase == "forward"


def test_the_nudge_check_and_the_loss_curve() -> None:
    transcript = run(chain_lesson(), "e[c.ttgq", steps=20)
    assert_plain(transcript)
    assert "Nudge check of w(L): C at w(L) plus or minus epsilon" in transcript
    assert re.search(r"^nudge = minus 0\.09549", transcript, re.M) or "nudge = " in transcript
    assert "selected b(L-1)" in transcript
    assert re.search(r"^The loss curve over 40 steps: C was 0\.1804 at step 0, ", transcript,
                     re.M)


# -- in a real terminal -------------------------------------------------------------------

CHILD = """
import sys, termios
from backprop_tui.model import Network
from backprop_tui.model.lesson import Lesson
from backprop_tui.plain import run_plain
net = Network.chain([0.5, -0.3, 0.8], [0.1, 0.2, -0.1])
lesson = Lesson(net, net.samples([[0.7]], [[1.0]]), 0.5)
before = termios.tcgetattr(0)
status = run_plain(lesson, sys.stdin, sys.stdout, steps=100)
print("restored" if termios.tcgetattr(0) == before else "NOT RESTORED")
sys.exit(status)
"""


class Pty:
    """The plain mode in a pseudo-terminal, keys typed one by one."""

    def __init__(self) -> None:
        master, slave = os.openpty()
        self.master = master
        self.proc = subprocess.Popen([sys.executable, "-c", CHILD], stdin=slave, stdout=slave,
                                     stderr=slave, close_fds=True, start_new_session=True,
                                     env={**os.environ, "TERM": "dumb"})
        os.close(slave)
        self.out = b""
        self.seen = 0

    def expect(self, text: str, timeout: float = 20.0) -> None:
        """Wait until ``text`` comes after what was expected last."""
        deadline = time.monotonic() + timeout
        while text.encode() not in self.out[self.seen:]:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} not seen in:\n{self.out.decode(errors='replace')}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self.out += os.read(self.master, 65536)
                except OSError:
                    break
        found = self.out.find(text.encode(), self.seen)
        if found >= 0:
            self.seen = found + len(text)

    def drain(self) -> None:
        """Read what is left until the terminal closes."""
        while select.select([self.master], [], [], 0.5)[0]:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.out += data

    def type(self, keys: str, then: str) -> None:
        os.write(self.master, keys.encode())
        self.expect(then)

    def close(self) -> str:
        try:
            self.proc.wait(timeout=20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.drain()
            os.close(self.master)
        return self.out.decode()


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_the_first_pass_in_a_pseudo_terminal() -> None:
    expected = chain_lesson()
    before = trace_json(expected.current_trace())
    expected.step()
    after = trace_json(expected.current_trace())
    answer = number(after["samples"][0]["layers"][2]["dC_da"]).replace("\u2212", "-")

    term = Pty()
    term.expect("f: the forward pass.")
    term.type("f", "rule back")
    for layer in ("(L-1)", "(L-2)"):
        term.type("b", f"b: {layer}")
    term.type("b", "x is data: the chain stops here")
    term.type("s", "f: the new cost")
    term.type("z", "z and Enter leaves.")
    term.type("b", "answer (Enter alone shows it): ")
    term.type("0.5\n", "Again, or Enter alone to show it.")
    term.expect("answer (Enter alone shows it): ")
    term.type(answer + "\n", "right: dC/da(L)")
    term.expect("Quiz: da(L)/dz(L) = ?, = sigma prime(z(L))")
    term.expect("answer (Enter alone shows it): ")
    term.type("z\n", "The rest of the layer:")
    term.type("t", "u: undo the run.")
    term.type("\x1b[D", "Selected layer (L-1)")  # ← and →, as [ and ]
    term.type("\x1b[C", "Selected layer (L):")
    term.type("q", "restored")
    transcript = term.close()
    assert term.proc.returncode == 0
    assert transcript.count("\r\n") > 50  # the terminal's own line ends: it was a tty
    text = transcript.replace("\r\n", "\n")
    assert_plain(text)
    # typed answers are echoed by the terminal (its line mode), keys are not
    assert "answer (Enter alone shows it): 0.5\n" in text
    assert "\nf\n" not in text
    values = chain_expected(before)
    pass_facts = facts(text)[:7 + 3 * 8]
    for name, value in pass_facts:
        assert value == said(values[name]), name
    assert len(re.findall(r"^step \d+: C fell from", text, re.M)) == 10


def test_the_plain_mode_imports_no_terminal_library() -> None:
    code = ("import sys, backprop_tui.plain, backprop_tui.present.ascii; "
            "print(sorted(m for m in ('textual', 'rich', 'plotext') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


REGISTRY_NAMES = {"space": " ", "tab": "\t"}
"""How a registry key is typed (the arrows only on a terminal: the pseudo-terminal test)."""


def typed(shown: str) -> list[str]:
    return [REGISTRY_NAMES.get(key, key) for key in shown.split() if key not in "←→"]


def test_the_plain_mode_has_the_registry_s_keys_and_only_them() -> None:
    """One key registry (present/keys.py): every key with a sentence for the plain mode
    does something there, and a key of the app without one says it does nothing there."""
    from backprop_tui.present.keys import KEYS, plain_keys

    nothing = "does nothing in the plain mode"
    for key in plain_keys():
        for press in typed(key.shown):
            if press == "q":
                continue
            out = run(chain_lesson(), press + "\nq", steps=10)
            assert nothing not in out, (key.shown, out[-300:])
    for key in KEYS:
        if key.plain is None and len(key.shown) == 1 and key.shown not in "q":
            out = run(chain_lesson(), key.shown + "q", steps=10)
            assert nothing in out, key.shown
