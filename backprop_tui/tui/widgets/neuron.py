"""The chain on screen: the input x, one panel per neuron, the target y and the cost.

Each panel is one widget that draws its lines itself; an editable value (w, b,
x, y, η) gets its :class:`~backprop_tui.tui.widgets.field.NumberField` mounted
over its line only while it is being edited (a quicker first frame: a handful
of widgets instead of dozens).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.color import Color
from textual.containers import Horizontal
from textual.geometry import Region
from textual.widget import Widget

from ...present.format import BLANK, fitted, number
from ...present.formulas import label
from .field import NumberField, Target

if TYPE_CHECKING:
    from textual.css.types import EdgeType

    from ...model import ForwardPass
    from ...model.lesson import Lesson

HIDDEN = "…"
"""Shown where a number does not fit its cells: a number is whole or not shown."""

INPUT_WIDTH, NEURON_WIDTH, TARGET_WIDTH = 15, 15, 14
"""Cells of the panels (borders included); neuron panels grow into free width (app.tcss)."""
NAME = 2
"""Cells of a value's name (``z ``) in a panel."""
ARROW_ROW = 2
"""The row of the chain (a panel's top border is row 0) where ▶ stands between two panels."""

CURRENT_BORDER: EdgeType = "heavy"
CURRENT_COLOR, CURRENT_TITLE = "accent", "bold reverse"
"""The panel of the layer being explained: a heavy border in the theme's accent colour and
its title reversed (app.tcss has the other panels' look). Set on the panel itself rather
than by a CSS class: a class restyles the panel from the whole stylesheet, half a
millisecond or more at each key that moves the layer; this takes a twentieth of that."""


def room(panel_width: int) -> int:
    """Cells left for a number in a panel of ``panel_width`` cells."""
    return panel_width - 2 - NAME


def _value(text: str, value: float | None, width: int) -> str:
    if value is None:
        return f"{text} {BLANK}"
    return f"{text} {fitted(value, width, signed=True) or HIDDEN}"


def field_text(value: float, cells: int) -> str:
    """An editable number as its field shows it: whole in ``cells`` cells."""
    return fitted(value, cells) or number(value)


def field_id(target: Target) -> str:
    """The id of the field that edits ``target``: ``field-w-1``, ``field-x``, …"""
    kind, layer = target
    return f"field-{kind}" if layer is None else f"field-{kind}-{layer}"


class Line(NamedTuple):
    """One line of a panel: an editable value (``target`` set: its name in bold, then its
    field), a note (italic, muted), or plain text."""

    text: str
    target: Target | None = None
    name: str = ""
    note: bool = False
    key: str = ""
    """What the line shows (``z``, ``a``, ``cost`` …), for anyone reading the panel."""


class Panel(Widget):
    """A bordered panel of lines; editable values are edited in a field mounted on demand."""

    COMPONENT_CLASSES = {"panel--name", "panel--field", "panel--refused", "panel--note"}

    def __init__(self, cells: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.cells = cells
        """Cells of an editable number (the panel's narrowest width less border and name)."""
        self.lines: tuple[Line, ...] = ()
        self.refused: frozenset[Target] = frozenset()
        """The values whose last edit was refused (shown underlined until an edit is taken)."""
        self.more = ""
        """What the subtitle says of the panels left out (``◀ 2 more``), when not refused."""
        self.current = False
        """Whether this is the layer being explained (:data:`CURRENT_BORDER`)."""
        self._line_styles: tuple[Style, Style, Style, Style] | None = None
        """The styles of a name, a field, a refused field and a note, once looked up."""

    def notify_style_update(self) -> None:
        # The stylesheet or the theme changed: look the line styles up again. (Textual
        # forgets them at every refresh, and they take longer to find than to draw a line.)
        super().notify_style_update()
        self._line_styles = None

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda theme: self._style_current())

    def show_current(self, current: bool) -> None:
        """Mark the panel as the layer being explained, or no longer."""
        if current != self.current:
            self.current = current
            self._style_current()

    def _style_current(self) -> None:
        styles = self.styles
        if self.current:
            styles.border = (CURRENT_BORDER, Color.parse(self.app.theme_variables[CURRENT_COLOR]))
            styles.border_title_style = CURRENT_TITLE
        else:  # back to app.tcss
            for rule in ("border_top", "border_right", "border_bottom", "border_left",
                         "border_title_style"):
                styles.clear_rule(rule)
            self.refresh()

    def set_lines(self, lines: tuple[Line, ...], title: str, current: bool) -> None:
        """Show ``lines`` under ``title``; redraw only what changed."""
        if self.border_title != title:
            self.border_title = title  # setting a title repaints the whole panel
        self.show_current(current)
        if lines != self.lines:
            old, self.lines = self.lines, lines
            if len(old) != len(lines):
                self.refresh()
            else:  # only the lines that changed are sent to the terminal
                width = self.content_size.width
                for row, (was, now) in enumerate(zip(old, lines)):
                    if was != now:
                        self.refresh(Region(0, row, width, 1))
            for field in self.query(NumberField):
                line = self.line_of(field.target)
                if line is not None:
                    field.set_shown(line.text)

    def line_of(self, target: Target) -> Line | None:
        return next((line for line in self.lines if line.target == target), None)

    def text_of(self, key: str) -> str:
        """The text of the line ``key`` (``z``, ``a``, ``cost``, ``w`` …) as drawn."""
        for line in self.lines:
            if line.key == key or (line.target is not None and line.target[0] == key):
                return line.name + line.text
        raise KeyError(key)

    def targets(self) -> list[Target]:
        return [line.target for line in self.lines if line.target is not None]

    def render(self) -> Text:
        width = self.content_size.width
        text = Text(no_wrap=True, overflow="crop", end="")
        if self._line_styles is None:
            self._line_styles = (
                self.get_component_rich_style("panel--name"),
                self.get_component_rich_style("panel--field"),
                self.get_component_rich_style("panel--refused"),
                self.get_component_rich_style("panel--note"))
        name_style, field_style, refused_style, note_style = self._line_styles
        for i, line in enumerate(self.lines):
            if i:
                text.append("\n")
            if line.target is not None:
                text.append(line.name, name_style)
                style = field_style
                if line.target in self.refused:
                    style += refused_style
                text.append(line.text.ljust(max(width - len(line.name), 0)), style)
            else:
                text.append(line.text, note_style if line.note else None)
        return text

    # -- editing ---------------------------------------------------------------------

    def edit(self, target: Target) -> NumberField | None:
        """Mount the field of ``target`` over its line and focus it (None: not here)."""
        line = self.line_of(target)
        if line is None:
            return None
        for field in self.query(NumberField):
            if field.target == target:
                field.focus()
                return field
        row = self.lines.index(line)
        field = NumberField(target, id=field_id(target), room=self.cells, shown=line.text,
                            transient=True)
        field.styles.offset = (len(line.name), row)
        field.styles.width = max(self.content_size.width - len(line.name), 1)
        self.mount(field)
        return field

    def on_resize(self, event: events.Resize) -> None:
        for field in self.query(NumberField):
            field.styles.width = max(self.content_size.width - NAME, 1)

    def on_click(self, event: events.Click) -> None:
        row = event.y - 1  # the top border
        if 0 <= row < len(self.lines) and self.lines[row].target is not None:
            target = self.lines[row].target
            assert target is not None
            self.edit(target)

    def refuse(self, target: Target, refused: bool = True) -> None:
        """Mark ``target``'s value as refused (or no longer)."""
        now = self.refused | {target} if refused else self.refused - {target}
        if now != self.refused:
            self.refused = now
            line = self.line_of(target)
            if line is not None:
                self.refresh(Region(0, self.lines.index(line), self.content_size.width, 1))
        self.show_subtitle()

    def show_subtitle(self) -> None:
        subtitle = "refused" if self.refused else self.more
        if self.border_subtitle != subtitle:
            self.border_subtitle = subtitle


class InputPanel(Panel):
    """The input x of the sample shown: data, not a parameter."""

    def __init__(self) -> None:
        super().__init__(room(INPUT_WIDTH), id="input-panel", classes="panel")
        self.border_title = "x input"

    def show(self, lesson: Lesson, sample: int) -> None:
        n = len(lesson.samples)
        self.set_lines((
            Line(field_text(float(lesson.samples.x[sample][0]), self.cells), ("x", None), "x "),
            Line("data, not", note=True), Line("a parameter", note=True),
            Line(f"sample {sample + 1}/{n}", key="sample-of"),
        ), "x input", False)


class NeuronPanel(Panel):
    """One neuron: editable w and b; z and a once the forward pass has run."""

    def __init__(self, layer: int, layers: int) -> None:
        super().__init__(room(NEURON_WIDTH), id=f"neuron-{layer}", classes="panel neuron")
        self.neuron = layer
        self.neurons = layers
        self.border_title = f"({label(layer, layers)})"

    def show(self, lesson: Lesson, sample: int, current: bool, fwd: ForwardPass | None) -> None:
        i, cells = self.neuron - 1, self.cells
        z = None if fwd is None else float(fwd.column("z")[sample, i])
        a = None if fwd is None else float(fwd.column("a")[sample, i])
        self.set_lines((
            Line(field_text(float(lesson.network.flat_w[i]), cells), ("w", self.neuron), "w "),
            Line(field_text(float(lesson.network.flat_b[i]), cells), ("b", self.neuron), "b "),
            Line(_value("z", z, cells), key="z"),
            Line(_value("a", a, cells), key="a"),
        ), f"({label(self.neuron, self.neurons)})", current)


class TargetPanel(Panel):
    """The target y of the sample shown, its cost C, the batch-mean cost and η."""

    def __init__(self) -> None:
        super().__init__(room(TARGET_WIDTH), id="target-panel", classes="panel")
        self.border_title = "target"

    def show(self, lesson: Lesson, sample: int, current: bool, fwd: ForwardPass | None) -> None:
        cells = self.cells
        self.set_lines((
            Line(field_text(float(lesson.samples.y[sample][0]), cells), ("y", None), "y "),
            Line(_value("C", None if fwd is None else float(fwd.cost[sample]), cells),
                 key="cost"),
            Line(_value("C̄", None if fwd is None else fwd.mean_cost, cells), key="mean-cost"),
            Line(field_text(lesson.lr, cells), ("lr", None), "η "),
        ), "target", current)


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

    def compose(self):
        yield InputPanel()
        for layer in range(1, self.neurons + 1):
            yield NeuronPanel(layer, self.neurons)
        yield TargetPanel()

    def render(self) -> Text:
        """The ▶ in the gap left of each panel shown but the first (app.tcss leaves the
        gaps); the panels are drawn over the rest. Drawn here rather than as a widget
        between each two panels: fewer widgets to make, style and draw."""
        width = self.content_size.width
        row = [" "] * width
        left = self.content_region.x
        shown = [panel for panel in self.query(Panel) if panel.display]
        for panel in shown[1:]:
            x = panel.region.x - left - 1
            if 0 <= x < width:
                row[x] = "▶"
        return Text("\n" * ARROW_ROW + "".join(row), no_wrap=True, overflow="crop", end="")

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
        for panel in self.query(NeuronPanel):
            panel.display = first <= panel.neuron <= last
            left, right = first - 1, self.neurons - last
            subtitle = ""
            if panel.neuron == first and left:
                subtitle = f"◀ {left} more"
            if panel.neuron == last and right:
                subtitle = (subtitle + " · " if subtitle else "") + f"{right} more ▶"
            panel.more = subtitle
            panel.show_subtitle()

    _arranged = False

    def panel(self, layer: int) -> NeuronPanel:
        return self.query_one(f"#neuron-{layer}", NeuronPanel)

    def panels(self) -> list[Panel]:
        return list(self.query(Panel))

    def panel_of(self, target: Target) -> Panel:
        """The panel that holds ``target``'s value."""
        kind, layer = target
        if kind == "x":
            return self.query_one(InputPanel)
        if kind in ("y", "lr"):
            return self.query_one(TargetPanel)
        assert layer is not None
        return self.panel(layer)

    def targets(self) -> list[Target]:
        """The editable values of the panels shown, left to right: the order of tab."""
        return [target for panel in self.panels() if panel.display
                for target in panel.targets()]

    def edit(self, target: Target) -> NumberField | None:
        """Edit ``target``'s value: its field mounted and focused."""
        return self.panel_of(target).edit(target)

    def refuse(self, target: Target) -> None:
        self.panel_of(target).refuse(target)

    def clear_refusals(self) -> None:
        for panel in self.panels():
            for target in panel.refused:
                panel.refuse(target, False)

    def shown(self, target: Target) -> str:
        """The text of ``target``'s value as the panel (or its field, while edited) shows it."""
        line = self.panel_of(target).line_of(target)
        return "" if line is None else line.text
