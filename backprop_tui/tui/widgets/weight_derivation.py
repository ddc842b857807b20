"""The derivation on the wide screen: the rows of :mod:`backprop_tui.present.formulas` for
the phase shown, the selected neuron's and weight's rows marked.

After the backward pass the rows explain the selected weight w_jk(l), term by term:
∂C/∂a_j(l) as it arrives from the layer above (a sum over that layer's neurons,
every term written out), σ'(z_j(l)), the product ∂C/∂w_jk(l), then the sum that
passes ∂C/∂a_k(l−1) down, one term per neuron j of layer l (the selected weight's
term marked), and the mean over the samples. ``m`` shows the same sums in matrix
form. Nothing is computed here: the rows come with their values.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, replace

from rich.console import Group, RenderableType
from rich.text import Text
from textual.widget import Widget

from ...model import ModelError
from ...model.lesson import Lesson
from ...model.network import BackwardPass
from ...present import formulas as F
from ...present import formulas as W
from ...present.formulas import Row, label
from .derivation import cursor_to_mark, lay_out, table, window


@dataclass(frozen=True)
class Selection:
    """The neuron j of layer l selected, the weight w_jk(l) explained, the sample shown."""

    layer: int
    j: int
    k: int
    sample: int


@dataclass(frozen=True)
class Shown:
    """What the derivation shows: a title, the rows, which are marked, the row to keep in
    view, and a remark for the bottom border."""

    title: tuple[str, ...]
    """The title's parts, shown joined by `` · `` (as many as fit whole)."""
    rows: list[Row]
    marks: list[bool]
    focus: int
    remark: str = ""
    lines: tuple[str, ...] = ()
    """Lines above the rows (the matrix form's vectors), each one whole."""


MOST_TERMS = 6
"""A sum of more terms is shown by its first three, its last two and the selected one
(with a line saying how many are left out): a 64-neuron layer's fits the screen."""


def fewer_terms(terms: list[Row], keep: int | None = None) -> tuple[list[Row], int]:
    """``terms`` as the screen shows them (see :data:`MOST_TERMS`; ``keep``: the 1-based
    term always shown), and how many are left out."""
    if len(terms) <= MOST_TERMS:
        return terms, 0
    shown = {0, 1, 2, len(terms) - 2, len(terms) - 1}
    if keep is not None:
        shown.add(keep - 1)
    return [terms[i] for i in sorted(shown)], len(terms) - len(shown)


def weight_rows(bp: BackwardPass, at: Selection) -> Shown:
    """The selected weight's derivation, term by term (the terms of a wide layer's sums
    shortened: :func:`fewer_terms`)."""
    net = bp.network
    L = net.layers
    l, j, k, s = at.layer, at.j, at.k, at.sample
    own = W.neuron_rows(bp, s, l, j, MOST_TERMS)
    upstream, prime, dC_dw = own[0], own[1], own[3 + k - 1]
    rows: list[Row] = []
    marks: list[bool] = []
    left_out: list[str] = []
    if l < L:  # ∂C/∂a_j(l) gathers one term from every neuron of the layer above
        above, hidden = fewer_terms(W.term_rows(bp, s, l + 1, j))
        if hidden:
            left_out.append(f"{hidden} of the {net.shape[l + 1]} terms of {upstream.symbol}")
        rows += above
        marks += [False] * len(above)
    rows += [upstream, prime, dC_dw]
    marks += [False, False, True]
    terms, hidden = fewer_terms(W.term_rows(bp, s, l, k), j)
    if hidden:
        below = W.a_sym(l - 1, k, L)
        left_out.append(f"{hidden} of the {net.shape[l]} terms of ∂C/∂{below}")
    rows += terms
    marks += [t.symbol == f"term j={j}" for t in terms]
    rows.append(W.sum_row(bp, s, l, k, MOST_TERMS))
    marks.append(True)
    focus = len(rows) - 1
    n = len(bp.forward.samples)
    remarks = []
    if left_out:
        remarks.append("not shown: " + ", ".join(left_out) + " (trace shows every term)")
    if n > 1:
        rows.append(W.mean_gradient_row(bp, "w", l, j, k))
        marks.append(True)
        remarks.append(f"the step uses the mean over the {n} samples")
    remark = "; ".join(remarks)
    lab = label(l, L)
    below = W.a_sym(l - 1, k, L)
    what = "a sum, one term per j" if net.shape[l] > 1 else "one term: one neuron in " + f"({lab})"
    title = (f"∂C/∂{W.param_sym('w', l, j, k, L)}", f"sample {s + 1}/{n}",
             f"∂C/∂{below}: {what}", "M: matrix form")
    return Shown(title, rows, marks, focus, remark)


def matrix_view(bp: BackwardPass, at: Selection) -> Shown:
    """The same numbers in matrix form: the vectors of the layer, then the selected
    weight's entries of them as rows."""
    L = bp.network.layers
    rows = W.matrix_rows(bp, at.sample, at.layer, at.j, at.k)
    lines = tuple(line.text() for line in W.matrix_lines(bp, at.sample, at.layer))
    n = len(bp.forward.samples)
    title = ("matrix form", f"layer ({label(at.layer, L)})", f"sample {at.sample + 1}/{n}",
             "M: term by term")
    return Shown(title, rows, [False, True, True], len(rows) - 1,
                 "the last row is the Σ row's sum: the same terms, added", lines)


def forward_view(lesson: Lesson, at: Selection) -> Shown:
    fwd = lesson.forward_pass
    assert fwd is not None
    L = lesson.layers
    rows = W.forward_rows(fwd, at.sample)
    mine = {f"z{W.sub(at.j)}({label(at.layer, L)})", W.a_sym(at.layer, at.j, L)}
    marks = [r.symbol in mine for r in rows]
    n = len(lesson.samples)
    if n > 1:
        rows.append(F.mean_cost_row(fwd))
        marks.append(False)
    remark = "b: backward pass"
    if lesson.network.outputs > 1:
        remark = "C: the squared error summed over the outputs · " + remark
    focus = max(i for i, m in enumerate(marks) if m) if any(marks) else 0
    return Shown(("forward pass", f"sample {at.sample + 1}/{n}"), rows, marks, focus, remark)


def step_view(lesson: Lesson, at: Selection) -> Shown:
    step = lesson.last_step
    assert step is not None
    rows = W.step_rows(step.old, step.backward, step.lr, step.new)
    L = lesson.layers
    mine = [W.param_sym("w", at.layer, at.j, k, L) for k in range(1, lesson.shape[at.layer - 1] + 1)]
    mine.append(W.param_sym("b", at.layer, at.j, None, L))
    marks = [r.symbol in mine for r in rows]
    n = len(lesson.samples)
    remark = f"each gradient is the mean over the {n} samples" if n > 1 else ""
    focus = max(i for i, m in enumerate(marks) if m)
    return Shown(("step: p ← p − η·∂C/∂p, old → new",), rows, marks, focus, remark)


def training_view(lesson: Lesson, live: BackwardPass, at: Selection) -> Shown:
    net = live.network
    rows = [F.mean_cost_row(live.forward)]
    remark = ""
    try:
        rows += W.step_rows(net, live, lesson.lr, net.step(live, lesson.lr))
    except ModelError as exc:
        remark = str(exc)
    L = lesson.layers
    mine = {W.param_sym("w", at.layer, at.j, k, L) for k in range(1, lesson.shape[at.layer - 1] + 1)}
    mine.add(W.param_sym("b", at.layer, at.j, None, L))
    marks = [r.symbol in mine for r in rows]
    focus = max((i for i, m in enumerate(marks) if m), default=0)
    n, size = len(lesson.samples), lesson.effective_batch_size
    if not remark and size < n:
        remark = f"a training step uses {size} of the {n} samples; shown: all {n}"
    elif not remark and n > 1:
        remark = f"∂C/∂p: the mean over the {n} samples"
    return Shown(("training", f"at step {lesson.steps_done}: the next update"), rows, marks, focus,
                 remark)


def view_for(lesson: Lesson, at: Selection, matrix: bool,
             live: BackwardPass | None = None) -> Shown | None:
    """What the derivation shows for the lesson's phase; None before anything is computed."""
    if live is not None:
        return training_view(lesson, live, at)
    if lesson.phase == "forward":
        return forward_view(lesson, at)
    if lesson.phase == "backward" and lesson.backward_pass is not None:
        bp = lesson.backward_pass
        return matrix_view(bp, at) if matrix else weight_rows(bp, at)
    if lesson.phase == "step" and lesson.last_step is not None:
        return step_view(lesson, at)
    return None


def fitting(parts: list[str], room: int) -> str:
    """``parts`` joined by `` · ``, leaving out those that would not fit ``room`` cells
    (from the end; the first always stays)."""
    kept: list[str] = []
    for part in parts:
        if not kept or len(" · ".join(kept + [part])) <= room:
            kept.append(part)
    return " · ".join(kept)


class WideDerivation(Widget):
    """The rows of the phase shown; scrolls (↑ ↓) when they do not all fit, and
    opens with the row that matters (the Σ row after the backward pass) in view."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.shown: Shown | None = None
        self._key: tuple | None = None
        self.first_row: int | None = None
        self.rows_hidden = False
        self._start = 0
        self._last_start = 0

    def show(self, lesson: Lesson, at: Selection, matrix: bool,
             live: BackwardPass | None = None, reveal: int | None = None) -> None:
        """Show the lesson's phase for the selection (while training, the next update of
        the current parameters ``live``); rebuilt only when something changed. ``reveal``
        (reveal mode): the rows up to that one, which shows its formula, its value hidden."""
        key = (lesson.version, lesson.phase, at, matrix, id(live), reveal)
        if key == self._key:
            return
        self._key = key
        self.first_row = None
        shown = view_for(lesson, at, matrix, live)
        if shown is not None and reveal is not None and reveal < len(shown.rows):
            rows = F.quiz_rows(shown.rows, reveal)
            shown = replace(shown, rows=rows, marks=shown.marks[:len(rows)],
                            focus=len(rows) - 1)
        self.shown = shown
        self._fit_borders()
        self.refresh()

    def on_resize(self) -> None:
        self._fit_borders()

    def _fit_borders(self) -> None:
        """The title and the remarks on the borders, as many of their parts as fit whole."""
        room = max(self.size.width - 6, 20)
        if self.shown is None:
            title, bottom = ["derivation"], []
        else:
            title = list(self.shown.title)
            bottom = list(dict.fromkeys(r.note for r in self.shown.rows if r.note))
            bottom += [self.shown.remark] if self.shown.remark else []
        self.border_title = fitting(title, room)
        self.border_subtitle = fitting(bottom, room)

    def scroll_rows(self, delta: int) -> None:
        if not self.rows_hidden and self.first_row is None:
            return
        self.first_row = min(max(self._start + delta, 0), self._last_start)
        self.refresh()

    def render(self) -> RenderableType:
        shown = self.shown
        if shown is None:
            return Text(
                "f: forward pass   b: backward pass   s: step   t: train\n"
                "← → { }: select a neuron   c: its next weight w_jk   ?: help\n\n"
                "Nothing is computed for the numbers on screen yet.", style="italic")
        width = self.content_size.width
        wrapped = [part for line in shown.lines
                   for part in textwrap.wrap(line, max(width, 20), subsequent_indent="    ")]
        head = [Text("\n".join(wrapped))] if wrapped else []
        used = len(wrapped)
        laid = lay_out(shown.rows, width)
        lines = [item.lines for item in laid]
        height = max(self.content_size.height - used, 1)
        start = self.first_row
        if start is None:  # open at the first row, or as near it as keeps the focus in view
            start = 0
            while True:
                first, stop, last = window(lines, height, start)
                if stop > shown.focus or start >= last:
                    break
                start += 1
        first, stop, self._last_start = window(lines, height, start)
        self._start = first
        self.rows_hidden = bool(first or stop < len(laid))
        parts: list[RenderableType] = [*head, table(laid[first:stop], shown.marks[first:stop])]
        cursor_to_mark(self, used, laid[first:stop], list(shown.marks[first:stop]))
        if self.rows_hidden:
            where = [w for w, more in (("↑ more above", first > 0),
                                       ("↓ more below", stop < len(laid))) if more]
            parts.append(Text(f"rows {first + 1}–{stop} of {len(laid)} · " + " · ".join(where),
                              style="italic"))
        return Group(*parts)
