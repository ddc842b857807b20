"""The plain-text pieces of ``trace`` and ``train``, shared by the chain's and the
network's: tables of cells, counts, the nudge column beside the gradients, and the
trace's end."""

from __future__ import annotations

from typing import Any

from ..model import BackwardPass
from ..model.limits import plural
from .format import number
from .formulas import APPROX_NOTE, Row, aligned, nudge_title
from .json_data import final_cost
from .tables import CellTable, vanishing_table


def text_lines(table: CellTable, indent: str = "  ", right: bool = True) -> list[str]:
    """The head and rows as lines of text, the columns two spaces apart (right-aligned, or
    left-aligned without trailing spaces)."""
    cells = [table.head] + table.rows
    widths = [max(len(r[i]) for r in cells) for i in range(len(table.head))]
    if right:
        return [indent + "  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells]
    return [(indent + "  ".join(c.ljust(w) for c, w in zip(r, widths))).rstrip() for r in cells]


def vanishing_lines(bp: BackwardPass) -> list[str]:
    """The vanishing-gradient section of ``trace``: a blank line, the title, the notes and
    the table."""
    table = vanishing_table(bp)
    return (["", table.title] + ["  " + note for note in table.notes]
            + text_lines(table, right=False))


def sample_tag(sample: int, count: int) -> str:
    """``sample 2 of 3: `` before a sample's values when there are several, else nothing."""
    return f"sample {sample + 1} of {count}: " if count > 1 else ""


def nudge_lines(epsilon: float, max_rel_error: float) -> list[str]:
    """The heading of the nudge check: what its column holds and the largest difference."""
    return ["", "Nudge check beside each batch gradient", "  " + nudge_title(epsilon),
            f"  largest rel = {number(max_rel_error)}"]


def with_nudge(rows: list[Row], indent: str, cells: dict[str, str],
               keys: tuple[str, ...]) -> list[str]:
    """:func:`aligned` lines, with the nudge column (``cells``, by the gradient's symbol,
    ∂C/∂w(L)) beside the rows whose key is in ``keys``."""
    lines = aligned(rows, indent)
    marked = [i for i, row in enumerate(rows) if row.key in keys and row.symbol in cells]
    if marked:
        width = max(len(lines[i]) for i in marked)
        for i in marked:
            lines[i] = f"{lines[i]:<{width}}   │ {cells[rows[i].symbol]}"
    return lines


def trace_end(out: list[str], warning: str | None = None) -> str:
    """The trace as one text: what ``≈`` means when a row has it, then ``warning``."""
    if any(" ≈ " in line for line in out):
        out += ["", APPROX_NOTE]
    if warning is not None:
        out += ["", warning]
    return "\n".join(out) + "\n"


def steps_text(trainer: Any, steps: int | None) -> str:
    """The steps of a run (``steps``; all the trainer took if None): ``500 steps``, and
    when it went on from earlier steps both counts, ``500 steps (800 in all)``."""
    run = trainer.steps_done if steps is None else steps
    total = "" if run == trainer.steps_done else f" ({trainer.steps_done} in all)"
    return plural(run, "step") + total


def final_cost_text(trainer: Any) -> str:
    """:func:`~.json_data.final_cost` as shown: the number, or "not finite" when it overflows."""
    cost = final_cost(trainer)
    return "not finite" if cost is None else number(cost)


def cost_lines(trainer: Any, initial_cost: float) -> list[str]:
    """What a run did to the mean cost, then the heading of the parameters it kept."""
    return [f"mean cost C: {number(initial_cost)} → {final_cost_text(trainer)}",
            "parameters (input to output):"]


def run_end(out: list[str], trainer: Any) -> str:
    """A run's summary as one text, ending with why it stopped if it diverged."""
    if trainer.divergence is not None:
        out.append(str(trainer.divergence))
    return "\n".join(out) + "\n"
