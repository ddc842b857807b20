"""The Markdown handout's pieces, shared by the chain's and the network's: escaping, code
spans, tables of cells, tables of formula rows, and the handout's head and end."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from .format import MINUS, number, with_minus
from .formulas import APPROX_NOTE, Row, shown_arithmetic
from .tables import CellTable

_MARKDOWN_SPECIAL = "\\`*_[]<>|#"

HANDOUT_TITLE = "# Backpropagation, number by number"


def markdown_escape(text: str) -> str:
    """``text`` as plain Markdown inside a table cell: punctuation that means something escaped."""
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in text)


def markdown_code(text: str) -> str:
    """``text`` as a code span inside a table cell (a pipe escaped, as tables need)."""
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text.replace('|', chr(92) + '|')}{pad}{fence}"


def markdown_table(head: list[str], body: list[list[str]]) -> list[str]:
    """A Markdown (GFM) table of cells that are already Markdown."""
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    return [line(head), "|" + "|".join("---" for _ in head) + "|"] + [line(r) for r in body]


def markdown_grid(table: CellTable) -> list[str]:
    """A :class:`CellTable` as a Markdown table, every cell escaped."""
    return markdown_table([markdown_escape(c) for c in table.head],
                          [[markdown_escape(c) for c in r] for r in table.rows])


MARKDOWN_ROW_HEAD = ["quantity", "formula", "numbers", "value"]
"""The columns of a table of formula rows in the Markdown handout."""


def markdown_rows(rows: list[Row]) -> list[str]:
    """Formula rows as a Markdown table: quantity | formula | numbers | value.

    Numbers that, as rounded, do not give the value end in ``≈`` (:data:`APPROX_NOTE`).

    A row's note, if any, follows the table as a line of its own.
    """
    body = [
        [markdown_escape(row.symbol), markdown_code(row.formula),
         (markdown_code(row.numbers) + (" ≈" if row.approx else "")
          if row.numbers is not None else ""),
         markdown_escape(row.value_text)]
        for row in rows
    ]
    out = markdown_table(MARKDOWN_ROW_HEAD, body)
    notes = [f"{row.symbol}: {row.note}" for row in rows if row.note]
    if notes:
        out += [""] + [f"*{markdown_escape(note)}.*  " for note in notes]
        out[-1] = out[-1].rstrip()
    return out


def markdown_section(heading: str, rows: list[Row]) -> list[str]:
    """A heading (already Markdown) and its rows' table, after a blank line."""
    return ["", heading, ""] + markdown_rows(rows)


def handout_head(what: str) -> list[str]:
    """The handout's title, what it traces (a sentence) and the parameters' heading."""
    return [HANDOUT_TITLE, "", markdown_escape(what + "."), "",
            "## Parameters (input to output)", ""]


def forward_section(out: list[str], sample: int, count: int, values: str,
                    rows: list[Row]) -> str:
    """A sample's forward pass (``values``: its x and y) added to ``out``, under a heading
    ``## Sample k of n`` when there are several samples; returns the level of the sample's
    headings (``##``, or ``###`` under that heading)."""
    level = "##"
    if count > 1:
        out += ["", f"## Sample {sample + 1} of {count}"]
        level = "###"
    out += markdown_section(f"{level} Forward pass ({markdown_escape(values)})", rows)
    return level


def handout_end(out: list[str], warning: str | None = None) -> str:
    """The handout as one text: what ``≈`` means when a row has it, then ``warning`` in bold."""
    if any("` ≈ |" in line for line in out):
        out += ["", f"*{markdown_escape(APPROX_NOTE)}.*"]
    if warning is not None:
        out += ["", f"**{markdown_escape(warning)}.**"]
    return "\n".join(out) + "\n"


def one_format(values: Sequence[float]) -> Callable[[float, bool], str]:
    """How every number of a table of ``values`` is written, one way for them all: as
    :func:`~backprop_tui.present.format.number` does (``−2875.9508``), or, when one of
    them needs it (below 1e−4 or from 1e4 on), all in scientific notation with four
    significant digits (``−2.876e3``, ``3.518e4``), never the two mixed."""
    scientific = any(v != 0.0 and math.isfinite(v) and not 1e-4 <= abs(v) < 1e4
                     for v in map(float, values))
    if not scientific:
        return number

    def write(value: float, signed: bool = False) -> str:
        v = float(value)
        if not math.isfinite(v):
            return number(v, signed)
        mantissa, exponent = f"{v:.3e}".split("e")
        text = f"{mantissa}e{int(exponent)}"
        if signed and not text.startswith("-"):
            text = "+" + text
        return with_minus(text)

    return write


def markdown_update(symbols: Sequence[str], formulas: Sequence[str],
                    steps: Sequence[tuple[float, float, float, float]]) -> list[str]:
    """The update step as a table of formula rows, one per parameter: ``symbols[i] ←
    formulas[i] = old − η·gradient = new`` from ``steps[i]`` = (old, η, gradient, new),
    every number of the table in one format (:func:`one_format`); numbers that, as
    written, do not give the value end in ``≈``."""
    write = one_format([v for step in steps for v in step])

    def plugged(v: float) -> str:
        text = write(v, False)
        return f"({text})" if text.startswith(MINUS) else text

    body = []
    for symbol, formula, (old, lr, grad, new) in zip(symbols, formulas, steps):
        numbers = f"{plugged(old)} {MINUS} {plugged(lr)}·{plugged(grad)}"
        value = write(new, True)
        shown = shown_arithmetic(numbers)
        approx = shown is None or (not math.isnan(shown) and write(shown, True) != value)
        body.append([markdown_escape(symbol), markdown_code(formula),
                     markdown_code(numbers) + (" ≈" if approx else ""),
                     markdown_escape(value)])
    return markdown_table(MARKDOWN_ROW_HEAD, body)
