"""The batch: one row per sample (x, y, a(L), C and its gradients) and the mean row; in a
network with a layer wider than one, the gradients of the selected neuron."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from ...present.formulas import label
from ...present.tables import batch_table

if TYPE_CHECKING:
    from ...model import BackwardPass, ForwardPass
    from ...model.lesson import Lesson


class BatchTable(Widget):
    """The samples as a table; the gradients shown are those of the layer chosen."""

    def __init__(self, lesson: Lesson, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lesson = lesson
        self.shown_layer = lesson.layers
        self.sample = 0
        self._key: tuple | None = None
        self.fwd: ForwardPass | None = None
        self.bp: BackwardPass | None = None
        self.neuron, self.weight = 1, 1

    def show(self, layer: int, sample: int, fwd: ForwardPass | None = None,
             bp: BackwardPass | None = None, at_step: int | None = None,
             neuron: int = 1, weight: int = 1) -> None:
        """Show ``fwd`` and ``bp`` (the lesson's, or of the current parameters while
        training) for ``layer`` and ``sample``; ``at_step``, while training, is the step
        whose parameters they belong to (the table is redrawn less often than the panels,
        so its title says which step its numbers are from). ``neuron`` and ``weight``: the
        selected neuron j of ``layer`` and its weight's k, whose gradients are shown."""
        # What the table shows, by identity: training changes the lesson's state many
        # times a second but none of this, so the table is not sent again.
        lesson = self.lesson
        self.fwd, self.bp = fwd, bp
        shown = (lesson.samples, fwd, bp)
        key = (lesson.effective_batch_size, layer, sample, at_step, neuron, weight)
        self.shown_layer, self.sample = layer, sample
        self.neuron, self.weight = neuron, weight
        if (self._key is None or key != self._key[1]
                or any(a is not b for a, b in zip(shown, self._key[0]))):
            self._key = (shown, key)
            n = len(self.lesson.samples)
            title = f"batch · {n} sample{'s' * (n != 1)}"
            if at_step is not None:
                title += f" · at step {at_step:,}"
            self.border_title = title
            self.refresh()

    all_layers = False
    """Whether every layer's gradients have a column pair (set at the largest sizes)."""

    def layers_shown(self) -> list[int]:
        """The layers whose gradients have columns: the one chosen, or all that fit."""
        if not self.all_layers or not self.lesson.network.is_chain:
            return [self.shown_layer]
        fit = max((self.content_size.width - 34) // 22, 1)
        layers = list(range(self.lesson.layers, 0, -1))
        if len(layers) <= fit:
            return layers
        first = min(max(self.lesson.layers - self.shown_layer - fit // 2, 0), len(layers) - fit)
        return layers[first:first + fit]

    def get_content_height(self, container, viewport, width: int) -> int:
        """Every sample, the header, the mean row and the note (CSS may cap it)."""
        return len(self.lesson.samples) + 3

    def render(self) -> Group:
        lesson = self.lesson
        n, layers = len(lesson.samples), lesson.layers
        shown = self.layers_shown()
        height = max(self.content_size.height - 3, 1)
        start = min(max(0, self.sample - height + 1), max(0, n - height))
        stop = min(n, start + height)
        cells = batch_table(lesson.samples, lesson.network, self.fwd, self.bp, shown,
                            range(start, stop), self.neuron, self.weight)
        table = Table(box=None, padding=(0, 0, 0, 1), show_edge=False, header_style="bold")
        for head in ["", *cells.head[1:]]:  # the first column: the marker and the sample
            table.add_column(head, justify="right", no_wrap=True)
        *samples, means = cells.rows
        for k, row in zip(range(start, stop), samples):
            mark = "▸" if k == self.sample else " "
            table.add_row(mark + row[0], *row[1:], style="bold" if k == self.sample else "")
        table.add_row(*means, style="bold", end_section=False)
        size = lesson.effective_batch_size
        parts = ["s steps with the mean row", f"t: mean over batches of {size}"]
        if stop - start < n:  # not every sample fits: say which are shown
            parts = [f"samples {start + 1}–{stop} of {n} (n/p move)", parts[0]]
        if len(shown) > 1 and len(shown) < layers:
            parts.append(f"layers ({label(shown[0], layers)})…({label(shown[-1], layers)}), "
                         "[ ] move")
        # one line: the parts that fit whole (the first always), as many as the width takes
        width = max(self.content_size.width, 20)
        note = parts[0]
        for part in parts[1:]:
            if len(f"{note} · {part}") <= width:
                note = f"{note} · {part}"
        return Group(table, Text(note, style="italic"))
