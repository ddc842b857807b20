"""The network on screen: a column of panels per layer (the inputs first, the targets
last), a panel per neuron, and the selected neuron's own panel with its weights w_jk,
its bias b_j (both editable), z_j and a_j.

A column shows at most :data:`SHOWN` panels: in a wider layer those around the
selected neuron (in the layer below it, around the selected weight's neuron k), and
a line under them says which of how many are shown. The selected neuron's panel
shows as many of its weights, around the selected one.

The widgets show numbers of the :class:`~backprop_tui.model.lesson.Lesson`; they
compute nothing.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Static

from ...model.lesson import Lesson
from ...model.limits import APP_MAX_WIDTH as SHOWN
from ...model.network import ForwardPass
from ...present.format import BLANK, fitted, number
from ...present.formulas import a_sym, label, param_sym, sub, weight_index
from .field import NumberField
from .neuron import HIDDEN

INPUT_WIDTH, NEURON_WIDTH, TARGET_WIDTH, EDITOR_WIDTH = 10, 13, 10, 31
"""Cells of a column (borders included) and of the selected neuron's panel (wide.tcss)."""
ARROW = 1
"""Cells between two columns."""
FIELD_ROOM = 9
"""Cells of a number in the selected neuron's panel."""


def shown(value: float | None, width: int, signed: bool = True) -> str:
    """``value`` whole in ``width`` cells, ``…`` when it cannot be, ``—`` when not computed."""
    if value is None:
        return BLANK
    return fitted(value, width, signed=signed) or HIDDEN


def visible_layers(layers: int, width: int, selected: int) -> tuple[int, int]:
    """The layers [first, last] whose columns fit ``width`` cells beside the inputs, the
    targets and the selected neuron's panel, around the ``selected`` layer."""
    room = width - INPUT_WIDTH - ARROW - TARGET_WIDTH - EDITOR_WIDTH
    count = min(layers, max(1, room // (NEURON_WIDTH + ARROW)))
    first = min(max(selected - count // 2, 1), layers - count + 1)
    return first, first + count - 1


def window(count: int, selected: int) -> int:
    """How many of ``count`` items come before the :data:`SHOWN` a column shows, so that
    item ``selected`` (from 1) is among them: 0 when all fit."""
    if count <= SHOWN:
        return 0
    return min(max(selected - 2, 0), count - SHOWN)


def shown_text(first: int, count: int) -> str:
    """What a column of more than :data:`SHOWN` items says under them."""
    return f"{first + 1}–{first + SHOWN} of {count}"


def _set(widget: Static, text: str) -> None:
    if str(widget.content) != text:
        widget.update(text, layout=False)


class Cell(Static):
    """One neuron, input or target: a bordered panel of one line (its name on the border),
    or in a dense grid one line with its name in front."""

    def show(self, title: str, short: str, text: str, dense: bool,
             selected: bool | None = None) -> None:
        """``selected`` None: a cell that cannot be selected (no marker in a dense grid)."""
        title = "" if dense else title
        if self.border_title != title:
            self.border_title = title
        marker = "" if selected is None else "▸" if selected else " "
        _set(self, f"{marker}{short} {text}" if dense else text)
        self.set_class(bool(selected), "-selected")


def dense_grid(shape: tuple[int, ...], height: int) -> bool:
    """Whether a terminal ``height`` lines high draws the grid one line per neuron (a
    layer's label above its column) rather than a bordered panel per neuron: when
    panels would take more than a third of the height."""
    return 3 * min(max(shape), SHOWN) > height // 3


class NetworkGrid(Horizontal):
    """Columns: the inputs x_k, each layer's neurons (a_j), the targets y_j."""

    def __init__(self, shape: tuple[int, ...], **kwargs) -> None:
        super().__init__(**kwargs)
        self.shape = shape
        self.first, self.last = 1, len(shape) - 1
        self.dense = False
        """One line per neuron (set by the app from the terminal's height)."""

    def compose(self) -> ComposeResult:
        shape = self.shape
        L = len(shape) - 1
        with Vertical(classes="column inputs"):
            yield Static("inputs", classes="head")
            for k in range(1, min(shape[0], SHOWN) + 1):
                yield Cell("", id=f"input-{k}", classes="cell input")
            yield Static("", id="more-0", classes="more")
        yield Static("▶", id="arrow-0", classes="arrow")
        for l in range(1, L + 1):
            with Vertical(id=f"column-{l}", classes="column layer"):
                yield Static(f"({label(l, L)})", classes="head")
                for j in range(1, min(shape[l], SHOWN) + 1):
                    yield Cell("", id=f"neuron-{l}-{j}", classes="cell neuron")
                yield Static("", id=f"more-{l}", classes="more")
            yield Static("▶", id=f"arrow-{l}", classes="arrow")
        with Vertical(classes="column targets"):
            yield Static("targets", classes="head")
            for j in range(1, min(shape[-1], SHOWN) + 1):
                yield Cell("", id=f"target-{j}", classes="cell target")
            yield Static("", id="more-target", classes="more")

    def _more(self, id: str, first: int, count: int) -> None:
        more = self.query_one(f"#{id}", Static)
        more.display = count > SHOWN
        if count > SHOWN:
            _set(more, shown_text(first, count))

    def show(self, lesson: Lesson, sample: int, selected: tuple[int, int],
             fwd: ForwardPass | None, weight: int = 1) -> None:
        """The sample's numbers; ``selected`` (layer, neuron) and its ``weight`` k say
        which panels a wide layer shows."""
        shape = lesson.shape
        L = len(shape) - 1
        dense = self.dense
        self.set_class(dense, "-dense")
        room = INPUT_WIDTH - (3 if dense else 2)
        x, y = lesson.samples.x[sample], lesson.samples.y[sample]
        layer, neuron = selected

        def first(l: int) -> int:  # the selected neuron's layer, and the layer it reads
            return window(shape[l], neuron if l == layer else weight if l == layer - 1 else 1)

        at = first(0)
        for s in range(1, min(shape[0], SHOWN) + 1):
            k = at + s
            self.query_one(f"#input-{s}", Cell).show(
                f"x{sub(k)}", f"x{sub(k)}", shown(float(x[k - 1]), room, False), dense)
        self._more("more-0", at, shape[0])
        for l in range(1, L + 1):
            at = first(l)
            for s in range(1, min(shape[l], SHOWN) + 1):
                j = at + s
                a = None if fwd is None else float(fwd.a[l - 1][sample, j - 1])
                self.query_one(f"#neuron-{l}-{s}", Cell).show(
                    a_sym(l, j, L), f"a{sub(j)}", shown(a, NEURON_WIDTH - (5 if dense else 2)),
                    dense, (l, j) == selected)
            self._more(f"more-{l}", at, shape[l])
        at = first(L)
        for s in range(1, min(shape[-1], SHOWN) + 1):
            j = at + s
            self.query_one(f"#target-{s}", Cell).show(
                f"y{sub(j)}", f"y{sub(j)}", shown(float(y[j - 1]), room, False), dense)
        self._more("more-target", at, shape[-1])

    def place(self, width: int, selected_layer: int) -> None:
        """Show the layer columns that fit ``width``, around the selected layer; an arrow
        next to left-out columns becomes ``…``."""
        L = len(self.shape) - 1
        self.first, self.last = visible_layers(L, width, selected_layer)
        for l in range(1, L + 1):
            self.query_one(f"#column-{l}").display = self.first <= l <= self.last
            arrow = self.query_one(f"#arrow-{l}", Static)
            arrow.display = self.first <= l <= self.last
            _set(arrow, "…" if l == self.last < L else "▶")  # one placed before: ▶ again
        _set(self.query_one("#arrow-0", Static), "…" if self.first > 1 else "▶")


class NeuronEditor(Horizontal):
    """The selected neuron: its weights w_jk (one per neuron k below) and bias b_j, which
    take typed numbers, then z_j and a_j of the sample shown; and the learning rate η
    (the lesson's, not the neuron's: the one field every network has)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="weights"):
            for k in range(1, SHOWN + 1):
                with Horizontal(id=f"edit-w-{k}", classes="row"):
                    yield Label("", classes="name")
                    yield NumberField(("w", k), id=f"field-w-{k}", room=FIELD_ROOM)
            yield Label("", id="edit-more", classes="value")
        with Vertical(classes="own"):
            with Horizontal(id="edit-b", classes="row"):
                yield Label("", classes="name")
                yield NumberField(("b", None), id="field-b", room=FIELD_ROOM)
            yield Label("", id="edit-z", classes="value")
            yield Label("", id="edit-a", classes="value")
            with Horizontal(id="edit-lr", classes="row"):
                yield Label(" η", classes="name")
                yield NumberField(("lr", None), id="field-lr", room=FIELD_ROOM)

    def show(self, lesson: Lesson, layer: int, j: int, k: int, sample: int,
             fwd: ForwardPass | None) -> None:
        net = lesson.network
        L = net.layers
        title = f"neuron {j} of ({label(layer, L)})"
        if self.border_title != title:
            self.border_title = title
        below = net.shape[layer - 1]
        at = window(below, k)
        for slot in range(1, SHOWN + 1):
            row = self.query_one(f"#edit-w-{slot}")
            kk = at + slot
            row.display = kk <= below
            if kk <= below:
                name = f"w{weight_index(j, kk)}"
                text = f"▸{name}" if kk == k else f" {name}"
                name_label = row.query_one(".name", Label)
                if str(name_label.content) != text:
                    name_label.update(text)
                    name_label.set_class(kk == k, "-chosen")
                field = row.query_one(NumberField)
                field.target = ("w", kk)
                field.show_value(float(net.w[layer - 1][j - 1, kk - 1]))
        more = self.query_one("#edit-more", Label)
        more.display = below > SHOWN
        if below > SHOWN:
            more.update(f" w: {shown_text(at, below)}")
        b_label = self.query_one("#edit-b .name", Label)
        if str(b_label.content) != f" b{sub(j)}":
            b_label.update(f" b{sub(j)}")
        self.query_one("#field-b", NumberField).show_value(float(net.b[layer - 1][j - 1]))
        z = None if fwd is None else float(fwd.z[layer - 1][sample, j - 1])
        a = None if fwd is None else float(fwd.a[layer - 1][sample, j - 1])
        self.query_one("#edit-z", Label).update(f" z{sub(j)}  {shown(z, FIELD_ROOM)}")
        self.query_one("#edit-a", Label).update(f" a{sub(j)}  {shown(a, FIELD_ROOM)}")
        self.query_one("#field-lr", NumberField).show_value(lesson.lr)

    def field_name(self, field: NumberField, layer: int, j: int, layers: int) -> str:
        kind, k = field.target
        return param_sym(kind, layer, j, k if kind == "w" else None, layers)


def sample_text(lesson: Lesson, sample: int, fwd: ForwardPass | None) -> str:
    """The sample shown (its x and y are in the grid), its cost, and the mean cost over the
    samples: what a step uses."""
    n = len(lesson.samples)
    head = f"sample {sample + 1}/{n}" + (" (n p: another)" if n > 1 else "")
    if fwd is None:
        return head
    text = f"{head} · C = {number(float(fwd.cost[sample]), True)}"
    if n > 1:
        text += f" · mean over the {n}: C̄ = {number(fwd.mean_cost, True)}"
    if lesson.network.outputs > 1:
        text += f" · C: the squared error summed over the {lesson.network.outputs} outputs"
    return text
