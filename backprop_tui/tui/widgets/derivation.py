"""The derivation of the current phase: forward rows, the chain rule of one layer, or the step.

Every line is a :class:`~backprop_tui.present.formulas.Row` from :mod:`backprop_tui.present.formulas`:
*symbol = formula = numbers plugged in = value*. The widget picks which rows
to show and which to highlight; it computes nothing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.geometry import Offset
from textual.widget import Widget

from ...model.errors import ModelError
from ...present.formulas import (
    Row,
    backward_rows,
    forward_rows,
    label,
    mean_cost_row,
    mean_gradient_row,
    quiz_rows,
    step_rows,
)

if TYPE_CHECKING:
    from ...model import BackwardPass
    from ...model.lesson import Lesson


class Shown(NamedTuple):
    """What the derivation shows: the lesson's phase (or training), the layer and the sample
    chosen, and where the numbers come from (compared by identity, in :meth:`same`): the
    lesson's state, a frozen value replaced with every change, or the pass of the current
    parameters."""

    phase: str
    layer: int
    sample: int
    source: object

    def same(self, other: Shown | None) -> bool:
        return (other is not None and self.source is other.source
                and (self.phase, self.layer, self.sample)
                == (other.phase, other.layer, other.sample))


def training_rows(lesson: Lesson, live: BackwardPass) -> tuple[str, list[Row], str]:
    """While training: the mean cost of the current parameters and the update their mean
    gradient gives, p ← p − η·∂C/∂p with its numbers."""
    chain = live.forward.network
    n, size = len(lesson.samples), lesson.effective_batch_size
    rows = [mean_cost_row(live.forward)]
    try:
        rows += step_rows(chain, live, lesson.lr, chain.step(live, lesson.lr))
    except ModelError as exc:  # the update overflows: training is about to stop
        return f"training · at step {lesson.steps_done}", rows, str(exc)
    remark = (f"a training step uses {size} of the {n} samples; shown: all {n}" if size < n
              else (f"∂C/∂p: the mean over the {n} samples" if n > 1 else ""))
    return f"training · at step {lesson.steps_done}: the next update", rows, remark


def rows_for(lesson: Lesson, layer: int, sample: int,
             live: BackwardPass | None = None) -> tuple[str, list[Row], str]:
    """The title, the rows and a closing remark for the lesson's current phase (for the
    current parameters' pass ``live`` while training)."""
    if live is not None:
        return training_rows(lesson, live)
    n = lesson.layers
    samples = len(lesson.samples)
    of = f" · sample {sample + 1}/{samples}" if samples > 1 else ""
    if lesson.phase == "forward" and lesson.forward_pass is not None:
        return (f"forward pass{of}", forward_rows(lesson.forward_pass, sample),
                "b: backward pass, output layer first")
    if lesson.phase == "backward" and lesson.backward_pass is not None:
        bp = lesson.backward_pass
        rows = backward_rows(bp, sample, layer)
        remark = ""
        if samples > 1:
            rows += [mean_gradient_row(bp, "w", layer), mean_gradient_row(bp, "b", layer)]
            remark = f"s steps with the mean of all {samples}"
        more = " · [ ] other layer" if n > 1 else ""
        return f"chain rule · layer ({label(layer, n)}){of}{more}", rows, remark
    if lesson.phase == "step" and lesson.last_step is not None:
        step = lesson.last_step
        remark = (f"each gradient is the mean over the {samples} samples" if samples > 1
                  else "")
        return ("step: p ← p − η·∂C/∂p, old → new",
                step_rows(step.old, step.backward, step.lr, step.new), remark)
    return "", [], ""


def highlighted(row: Row, lesson: Lesson, layer: int) -> bool:
    """Is ``row`` what the current phase computed for the layer shown?"""
    if lesson.phase == "backward":
        return row.key in ("dC_dw", "dC_db", "mean_dC_dw", "mean_dC_db")
    if lesson.phase == "forward":
        return row.layer == layer or (row.key == "C" and layer == lesson.layers)
    return row.layer == layer


def window(lines: list[int], height: int, start: int | None) -> tuple[int, int, int]:
    """The rows [first, stop) shown in ``height`` lines (row i takes ``lines[i]``) from row
    ``start`` (None: the last rows), and the last row a scroll can start from.

    When not every row fits, one line is kept to say which rows are shown; scrolling goes
    no further than the last row.
    """
    count = len(lines)
    if sum(lines) <= height or height <= 1:
        return 0, count, 0
    room = height - 1
    last_start, used = count, 0
    while last_start > 0 and used + lines[last_start - 1] <= room:
        last_start -= 1
        used += lines[last_start]
    last_start = min(last_start, count - 1)
    first = last_start if start is None else min(max(start, 0), last_start)
    stop, used = first, 0
    while stop < count and used + lines[stop] <= room:
        used += lines[stop]
        stop += 1
    return first, max(stop, first + 1), last_start


def wrap_formula(formula: str, width: int) -> list[str]:
    """``formula`` in lines of at most ``width`` cells, broken after ``·``, ``+`` or a
    space, or before ``=``, so that no number or word is cut in two."""
    if len(formula) <= width or width < 8:
        return [formula]
    pieces: list[str] = []
    token = ""
    for char in formula:
        token += char
        if char in "·+ ":
            pieces.append(token)
            token = ""
    if token:
        pieces.append(token)
    lines = [""]
    for piece in pieces:
        if lines[-1] and len(lines[-1]) + len(piece.rstrip()) > width:
            lines.append("")
        lines[-1] += piece
    out: list[str] = []
    for line in lines:  # a piece longer than the width is cut, as a last resort
        line = line.rstrip()
        out += [line[i:i + width] for i in range(0, len(line), width)] or [""]
    return out


class Laid(NamedTuple):
    """A row cut into lines for the grid: the body is the formula and the numbers."""

    row: Row
    body: list[str]
    equals: str = "="
    """Between the numbers and the value: the row's own (``≈`` when its rounded numbers
    do not give the value), ``=`` when no numbers are shown."""

    @property
    def lines(self) -> int:
        return len(self.body)


MARK = 2
"""Cells of the marker column (``▸ ``)."""


MEAN_SUM = re.compile(r"\((.+)\)/(\d+)")
"""A batch mean's numbers: ``(term+term+…+term)/n``, one term per sample."""


def shown_numbers(row: Row, room: int) -> str | None:
    """The numbers ``row`` shows in ``room`` cells beside its formula: a batch mean's sum
    that does not fit keeps its first terms and its last, ``(0.1437+0.1434+…+(−0.1043))/8``,
    or when not even that fits, none (the formula and its value), so that the row takes
    one line (every term is in the batch table); other rows' as they are."""
    numbers = row.numbers
    match = MEAN_SUM.fullmatch(numbers or "")
    if (numbers is None or not row.key.startswith("mean_") or match is None
            or len(row.formula) + 3 + len(numbers) <= room):
        return numbers
    terms = match[1].split("+")
    fit = room - len(row.formula) - 3
    for keep in range(len(terms) - 2, 0, -1):
        shorter = f"({'+'.join(terms[:keep])}+…+{terms[-1]})/{match[2]}"
        if len(shorter) <= fit:
            return shorter
    return None


def lay_out(rows: list[Row], width: int, shorten: bool = False) -> list[Laid]:
    """Each row's body (formula = numbers) fitted to ``width`` cells.

    When every row fits on one line, the formulas are padded so that the numbers
    line up (as in ``trace``); otherwise a row that does not fit puts its numbers
    on a second line, under its formula. With ``shorten``, a batch mean's long sum is
    shortened to one line (:func:`shown_numbers`).
    """
    symbol = max((len(r.symbol) for r in rows), default=0)
    value = max((len(r.value_text) for r in rows), default=0)
    room = max(width - (MARK + symbol + 3 + 3 + value), 8)
    shown = [shown_numbers(r, room) if shorten else r.numbers for r in rows]
    if any(n is None and r.numbers is not None for r, n in zip(rows, shown)):
        # The means of a layer alike: all with their (shortened) sums, or none.
        shown = [None if r.key.startswith("mean_") else n for r, n in zip(rows, shown)]
    formula_w = max((len(r.formula) for r in rows), default=0)
    numbers_w = max((len(n) + 3 for n in shown if n is not None), default=0)
    aligned = formula_w + numbers_w <= room
    laid = []
    for r, plugged in zip(rows, shown):
        numbers = f" = {plugged}" if plugged is not None else ""
        if aligned:
            body = [f"{r.formula:<{formula_w}}{numbers}"]
        elif len(r.formula) + len(numbers) <= room:
            body = [r.formula + numbers]
        else:
            body = wrap_formula(r.formula, room)
            if numbers:
                body += wrap_formula(numbers.strip(), room)
        laid.append(Laid(r, body, r.equals if plugged is not None else "="))
    return laid


def table(laid: list[Laid], marks: list[bool]) -> Text:
    """The rows as a grid: symbol = formula = numbers = value, the values lined up.

    Written as one Text, column by column padded to the widest cell (terminal cells,
    not characters: ``C̄`` is one; a highlighted cell's padding highlighted too): the
    quickest to draw after every key. A row of several lines has its ``=`` and value on
    its last line.
    """
    def width(cells: list[str]) -> int:
        return max((cell_len(c) for c in cells), default=0)

    symbols = width([item.row.symbol for item in laid])
    relations = width([f" {item.row.relation} " for item in laid])
    bodies = width([line for item in laid for line in item.body])
    equals = width([f" {item.equals} " for item in laid])
    values = width([item.row.value_text for item in laid])
    out = Text(no_wrap=True, overflow="ellipsis")
    for item, mark in zip(laid, marks):
        row = item.row
        style = "bold reverse" if mark else ""
        last = len(item.body) - 1
        for i, body in enumerate(item.body):
            if out:
                out.append("\n")
            if i == 0:
                out.append("▸ " if mark else "  ", style="bold")
                out.append(set_cell_size(row.symbol, symbols), style=style)
                out.append(set_cell_size(f" {row.relation} ", relations))
            else:
                out.append(" " * (MARK + symbols + relations))
            out.append(set_cell_size(body, bodies))
            if i == last:
                out.append(set_cell_size(f" {item.equals} ", equals))
                out.append(" " * (values - cell_len(row.value_text)) + row.value_text,
                           style=style)
            else:
                out.append(" " * (equals + values))
    return out


GRID_LINES = 9
"""Lines of the every-layer grid: its title, its head and a line per factor."""


def cursor_to_line(widget: Widget, line: int) -> None:
    """Put the terminal's cursor at the start of ``widget``'s content line ``line``: a screen
    reader or braille display that follows the cursor lands on it. Left alone while a
    field has the focus (its own cursor) or when ``widget`` is not on the screen shown."""
    app = widget.app
    if app.focused is not None or widget.screen is not app.screen:
        return
    region = widget.content_region
    app.cursor_position = Offset(region.x, region.y + line)


def cursor_to_mark(widget: Widget, top: int, laid: list[Laid], marks: list[bool]) -> None:
    """The cursor (:func:`cursor_to_line`) on the first marked row of ``laid`` (the factor
    being explained), ``top`` lines into ``widget``'s content; nowhere new when no row is
    marked."""
    y = top
    for item, mark in zip(laid, marks, strict=True):
        if mark:
            cursor_to_line(widget, y)
            return
        y += item.lines


def every_layer(bp: BackwardPass, sample: int, layer: int) -> RenderableType:
    """All layers' factors at once (at the largest sizes), the layer explained in bold."""
    from ...present.tables import factor_grid  # only at these sizes: not for the first frame

    cells = factor_grid(bp, sample)
    grid = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold",
                 title=cells.title, title_justify="left", title_style="italic")
    n = bp.forward.network.layers
    for i, text in enumerate(cells.head):
        bold = i > 0 and n - i + 1 == layer
        grid.add_column(text, justify="left" if i == 0 else "right", no_wrap=True,
                        style="bold" if bold else "")
    for row in cells.rows:
        grid.add_row(*row)
    return grid


class Derivation(Widget):
    """The rows of the current phase, the ones it computed highlighted."""

    def __init__(self, lesson: Lesson, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lesson = lesson
        self.shown_layer = lesson.layers
        self.sample = 0
        self._start = 0
        self.first_row: int | None = None
        """The first row shown when the user scrolled (↑ ↓); None: follow the highlight."""
        self.rows_hidden = False
        """Whether the last frame left rows out."""
        self._shown: Shown | None = None
        self.live: BackwardPass | None = None
        """While training: the pass of the current parameters the rows come from."""
        self.rows: list[Row] = []
        """The rows of the view shown (built when the view changes, not at every frame)."""
        self.quiz_index: int | None = None
        """In the quiz: the row hidden (the later ones are left out); None shows all."""
        self.reveal: int | None = None
        """In reveal mode: the row whose value comes next (the later ones are left out)."""

    def set_quiz(self, index: int | None) -> None:
        """Hide row ``index`` and leave out the rows after it (None: show every row)."""
        if index != self.quiz_index:
            self.quiz_index = index
            self.first_row = None
            self.refresh()

    all_layers = False
    """Whether every layer's factors are shown under the rows (set at the largest sizes)."""

    def set_reveal(self, index: int | None) -> None:
        """Reveal mode: show rows before ``index``, row ``index`` without its value, no later
        rows (None: every row)."""
        if index != self.reveal:
            self.reveal = index
            self.first_row = None
            self.refresh()

    def scroll_rows(self, delta: int) -> None:
        """Show the rows from ``delta`` further down (or up), no further than the last row."""
        if not self.rows_hidden and self.first_row is None:
            return
        self.first_row = min(max(self._start + delta, 0), self._last_start)
        self.refresh()

    _last_start = 0

    def show(self, layer: int, sample: int, live: BackwardPass | None = None) -> None:
        """Show the lesson's current phase for ``layer`` and ``sample`` (while training, the
        update from ``live``, the current parameters' pass); redraw only on change."""
        lesson = self.lesson
        if live is not None:
            shown = Shown("training", layer, sample, live)
        else:  # nothing computed: nothing to follow
            shown = Shown(lesson.phase, layer, sample,
                          lesson.state if lesson.phase != "none" else None)
        self.shown_layer, self.sample = layer, sample
        if not shown.same(self._shown):
            self._shown = shown
            self.first_row = None
            self.live = live
            title, rows, remark = rows_for(lesson, layer, sample, live)
            self.rows = rows
            notes = list(dict.fromkeys(r.note for r in rows if r.note))
            self.border_title = title or "derivation"
            self.border_subtitle = " · ".join(notes + ([remark] if remark else []))
            self.refresh()

    def render(self) -> RenderableType:
        lesson = self.lesson
        if lesson.phase == "none" and self.live is None:
            return Text(
                "f: forward pass   b: backward pass   s: step   space: the next phase\n"
                "t: train on batches (the loss curve grows)   ?: help\n\n"
                "Nothing is computed for the numbers on screen yet.",
                style="italic",
            )
        rows = self.rows
        marks = [highlighted(r, lesson, self.shown_layer) for r in rows]
        hide = self.quiz_index if self.quiz_index is not None else self.reveal
        if hide is not None and lesson.phase == "backward" and self.live is None:
            rows = quiz_rows(rows, hide)
            marks = [i == hide for i in range(len(rows))]
        laid = lay_out(rows, self.content_size.width)
        if sum(item.lines for item in laid) > self.content_size.height:
            # Not all fit: the means' sums shortened, each mean on one line.
            laid = lay_out(rows, self.content_size.width, shorten=True)
        lines = [item.lines for item in laid]
        # A new view opens at its first row; the backward pass at its last ones (what the
        # layer computed: ∂C/∂w, ∂C/∂b, ∂C/∂a passed down and the means the step uses;
        # ↑ scrolls up to the factors), the quiz and reveal mode at the factor asked or
        # just shown.
        opening = (None if self.quiz_index is not None or self.reveal is not None
                   or lesson.phase == "backward" else 0)
        start = opening if self.first_row is None else self.first_row
        height = self.content_size.height
        grid = None
        if (self.all_layers and lesson.phase == "backward" and self.live is None
                and lesson.backward_pass is not None and hide is None):
            grid = every_layer(lesson.backward_pass, self.sample, self.shown_layer)
            if height - GRID_LINES < min(sum(lines), 6):
                grid = None  # no room for both: the layer's own rows come first
            else:
                height -= GRID_LINES
        start, stop, self._last_start = window(lines, height, start)
        self._start = start
        self.rows_hidden = bool(start or stop < len(rows))
        parts: list[RenderableType] = [table(laid[start:stop], marks[start:stop])]
        cursor_to_mark(self, 0, laid[start:stop], marks[start:stop])
        if self.rows_hidden:
            where = [w for w, more in (("↑ more above", start > 0),
                                       ("↓ more below", stop < len(rows))) if more]
            parts.append(Text(f"rows {start + 1}–{stop} of {len(rows)} · " + " · ".join(where),
                              style="italic"))
        if grid is not None:
            parts.append(grid)
        return Group(*parts)
