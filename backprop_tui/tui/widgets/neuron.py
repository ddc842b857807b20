"""The chain on screen: the input x, one panel per neuron, the target y and the cost."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Label, Static

from ...model import ForwardPass
from ...model.lesson import Lesson
from ...present.format import fitted
from ...present.formulas import label
from .field import NumberField

BLANK = "—"
"""Shown where a value has not been computed for the current numbers."""
HIDDEN = "…"
"""Shown where a number does not fit its cells: a number is whole or not shown."""

INPUT_WIDTH, NEURON_WIDTH, TARGET_WIDTH = 15, 15, 14
"""Cells of the panels (borders included); neuron panels grow into free width (app.tcss)."""
NAME = 2
"""Cells of a value's name (``z ``) in a panel."""


def room(panel_width: int) -> int:
    """Cells left for a number in a panel of ``panel_width`` cells."""
    return panel_width - 2 - NAME


def _value(text: str, value: float | None, width: int) -> str:
    if value is None:
        return f"{text} {BLANK}"
    return f"{text} {fitted(value, width, signed=True) or HIDDEN}"


def _set(widget: Label, text: str) -> None:
    """Update ``widget`` only when its text changes (no needless redraws over SSH)."""
    if widget.content != text:
        widget.update(text, layout=False)  # one line of fixed size (app.tcss): no new layout


def _title(panel: Widget, text: str) -> None:
    """Set a border title only when it changes: setting one repaints the whole panel."""
    if panel.border_title != text:
        panel.border_title = text


class Arrow(Static):
    """The ▶ between two panels."""

    def __init__(self) -> None:
        super().__init__("▶", classes="arrow")


class InputPanel(Vertical):
    """The input x of the sample shown: data, not a parameter."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label("x ", classes="name")
            yield NumberField(("x", None), id="field-x", room=room(INPUT_WIDTH))
        yield Label("data, not", classes="note")
        yield Label("a parameter", classes="note")
        yield Label("", id="sample-of")

    def show(self, lesson: Lesson, sample: int) -> None:
        _title(self, "x input")
        self.query_one(NumberField).show_value(float(lesson.samples.x[sample]))
        n = len(lesson.samples)
        _set(self.query_one("#sample-of", Label), f"sample {sample + 1}/{n}")


class NeuronPanel(Vertical):
    """One neuron: editable w and b; z and a once the forward pass has run."""

    def __init__(self, layer: int, layers: int) -> None:
        super().__init__(id=f"neuron-{layer}", classes="panel neuron")
        self.neuron = layer
        self.neurons = layers

    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label("w ", classes="name")
            yield NumberField(("w", self.neuron), id=f"field-w-{self.neuron}",
                              room=room(NEURON_WIDTH))
        with Horizontal(classes="row"):
            yield Label("b ", classes="name")
            yield NumberField(("b", self.neuron), id=f"field-b-{self.neuron}",
                              room=room(NEURON_WIDTH))
        yield Label("", classes="z")
        yield Label("", classes="a")

    def show(self, lesson: Lesson, sample: int, current: bool, fwd: ForwardPass | None) -> None:
        i = self.neuron - 1
        _title(self, f"({label(self.neuron, self.neurons)})")
        self.query_one(f"#field-w-{self.neuron}", NumberField).show_value(float(lesson.chain.w[i]))
        self.query_one(f"#field-b-{self.neuron}", NumberField).show_value(float(lesson.chain.b[i]))
        z = None if fwd is None else float(fwd.z[sample, i])
        a = None if fwd is None else float(fwd.a[sample, i])
        _set(self.query_one(".z", Label), _value("z", z, room(NEURON_WIDTH)))
        _set(self.query_one(".a", Label), _value("a", a, room(NEURON_WIDTH)))
        self.set_class(current, "-current")


class TargetPanel(Vertical):
    """The target y of the sample shown, its cost C, the batch-mean cost and η."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label("y ", classes="name")
            yield NumberField(("y", None), id="field-y", room=room(TARGET_WIDTH))
        yield Label("", id="cost")
        yield Label("", id="mean-cost")
        with Horizontal(classes="row"):
            yield Label("η ", classes="name")
            yield NumberField(("lr", None), id="field-lr", room=room(TARGET_WIDTH))

    def show(self, lesson: Lesson, sample: int, current: bool, fwd: ForwardPass | None) -> None:
        _title(self, "target")
        self.query_one("#field-y", NumberField).show_value(float(lesson.samples.y[sample]))
        self.query_one("#field-lr", NumberField).show_value(lesson.lr)
        width = room(TARGET_WIDTH)
        _set(self.query_one("#cost", Label),
             _value("C", None if fwd is None else float(fwd.cost[sample]), width))
        _set(self.query_one("#mean-cost", Label),
             _value("C̄", None if fwd is None else fwd.mean_cost, width))
        self.set_class(current, "-current")


def window(layers: int, fit: int, focus: int) -> tuple[int, int]:
    """The neurons [first, last] shown when ``fit`` panels fit: ``focus`` among them, near
    the middle; all of them when they fit."""
    fit = max(1, min(fit, layers))
    first = min(max(focus - fit // 2, 1), layers - fit + 1)
    return first, first + fit - 1


class ChainView(Horizontal, can_focus=False):
    """x ▶ (L−2) ▶ (L−1) ▶ (L) ▶ target. Only whole panels are shown: when not every neuron
    fits, those around the layer shown are, and the edge panels say how many are left out."""

    def __init__(self, neurons: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.neurons = neurons
        self.focus_layer = neurons
        self.shown_range = (1, neurons)

    def compose(self) -> ComposeResult:
        yield InputPanel(id="input-panel", classes="panel")
        for layer in range(1, self.neurons + 1):
            yield Arrow()
            yield NeuronPanel(layer, self.neurons)
        yield Arrow()
        yield TargetPanel(id="target-panel", classes="panel")

    def fitting(self, width: int) -> int:
        """How many neuron panels fit ``width`` cells beside the input and the target."""
        return max(1, (width - INPUT_WIDTH - TARGET_WIDTH - 1) // (NEURON_WIDTH + 1))

    def show(self, lesson: Lesson, sample: int, current: int | None,
             focus: int | None = None, fwd: ForwardPass | None = None) -> None:
        """Show the lesson; z, a and C from ``fwd`` (the lesson's forward pass, or one of
        the current parameters while training), "—" where there is none."""
        if focus is not None:
            self.focus_layer = focus
        self.query_one(InputPanel).show(lesson, sample)
        for panel in self.query(NeuronPanel):
            panel.show(lesson, sample, panel.neuron == current, fwd)
        self.query_one(TargetPanel).show(
            lesson, sample, current == self.neurons and lesson.phase == "forward", fwd)
        self.place_panels(self.app.size.width)

    def place_panels(self, width: int) -> None:
        """Show the neurons that fit ``width`` cells, whole, around the layer in focus."""
        first, last = window(self.neurons, self.fitting(width), self.focus_layer)
        if (first, last) == self.shown_range and self.is_mounted and self._arranged:
            return
        self._arranged = True
        self.shown_range = (first, last)
        arrows = list(self.query(Arrow))
        for panel in self.query(NeuronPanel):
            panel.display = first <= panel.neuron <= last
            arrows[panel.neuron - 1].display = panel.display
            left, right = first - 1, self.neurons - last
            subtitle = ""
            if panel.neuron == first and left:
                subtitle = f"◀ {left} more"
            if panel.neuron == last and right:
                subtitle = (subtitle + " · " if subtitle else "") + f"{right} more ▶"
            if panel.border_subtitle != "refused":
                panel.border_subtitle = subtitle

    _arranged = False

    def panel(self, layer: int) -> NeuronPanel:
        return self.query_one(f"#neuron-{layer}", NeuronPanel)
