"""The chain on screen: the input x, one panel per neuron, the target y and the cost."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, HorizontalScroll, Vertical
from textual.widget import Widget
from textual.widgets import Label, Static

from ...formulas import label, number
from ...model.lesson import Lesson
from .field import NumberField

BLANK = "—"
"""Shown where a value has not been computed for the current numbers."""


def _value(text: str, value: float | None) -> str:
    return f"{text} {BLANK if value is None else number(value, signed=True)}"


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
            yield NumberField(("x", None), id="field-x")
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
            yield NumberField(("w", self.neuron), id=f"field-w-{self.neuron}")
        with Horizontal(classes="row"):
            yield Label("b ", classes="name")
            yield NumberField(("b", self.neuron), id=f"field-b-{self.neuron}")
        yield Label("", classes="z")
        yield Label("", classes="a")

    def show(self, lesson: Lesson, sample: int, current: bool) -> None:
        i = self.neuron - 1
        _title(self, f"({label(self.neuron, self.neurons)})")
        self.query_one(f"#field-w-{self.neuron}", NumberField).show_value(float(lesson.chain.w[i]))
        self.query_one(f"#field-b-{self.neuron}", NumberField).show_value(float(lesson.chain.b[i]))
        fwd = lesson.forward_pass
        z = None if fwd is None else float(fwd.z[sample, i])
        a = None if fwd is None else float(fwd.a[sample, i])
        _set(self.query_one(".z", Label), _value("z", z))
        _set(self.query_one(".a", Label), _value("a", a))
        self.set_class(current, "-current")


class TargetPanel(Vertical):
    """The target y of the sample shown, its cost C, the batch-mean cost and η."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label("y ", classes="name")
            yield NumberField(("y", None), id="field-y")
        yield Label("", id="cost")
        yield Label("", id="mean-cost")
        with Horizontal(classes="row"):
            yield Label("η ", classes="name")
            yield NumberField(("lr", None), id="field-lr")

    def show(self, lesson: Lesson, sample: int, current: bool) -> None:
        _title(self, "target")
        self.query_one("#field-y", NumberField).show_value(float(lesson.samples.y[sample]))
        self.query_one("#field-lr", NumberField).show_value(lesson.lr)
        fwd = lesson.forward_pass
        _set(self.query_one("#cost", Label),
            _value("C", None if fwd is None else float(fwd.cost[sample])))
        _set(self.query_one("#mean-cost", Label),
            _value("C̄", None if fwd is None else fwd.mean_cost))
        self.set_class(current, "-current")


class ChainView(HorizontalScroll, can_focus=False):
    """x ▶ (L−2) ▶ (L−1) ▶ (L) ▶ target, scrolling sideways when it does not fit."""

    def __init__(self, neurons: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.neurons = neurons

    def compose(self) -> ComposeResult:
        yield InputPanel(id="input-panel", classes="panel")
        for layer in range(1, self.neurons + 1):
            yield Arrow()
            yield NeuronPanel(layer, self.neurons)
        yield Arrow()
        yield TargetPanel(id="target-panel", classes="panel")

    def show(self, lesson: Lesson, sample: int, current: int | None) -> None:
        self.query_one(InputPanel).show(lesson, sample)
        for panel in self.query(NeuronPanel):
            panel.show(lesson, sample, panel.neuron == current)
        self.query_one(TargetPanel).show(
            lesson, sample, current == self.neurons and lesson.phase == "forward")

    def panel(self, layer: int) -> NeuronPanel:
        return self.query_one(f"#neuron-{layer}", NeuronPanel)
