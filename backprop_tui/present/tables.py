"""The tables of the program as data: a head, rows of cells (already written numbers),
a title and notes, built once here and drawn by ``trace``
(:func:`backprop_tui.present.text.text_lines`), the Markdown handout
(:func:`backprop_tui.present.markdown.markdown_grid`) and the app's widgets (a rich
table each). None of them takes printed text apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .format import BLANK, number
from .formulas import label, parameter_name, prime_bound_text, vanishing_title

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..model import BackwardPass, ForwardPass, Network, Samples


@dataclass(frozen=True)
class CellTable:
    """A table: ``head`` names the columns, each of ``rows`` has a cell for every column."""

    head: list[str]
    rows: list[list[str]]
    title: str = ""
    notes: list[str] = field(default_factory=list)
    """Lines that explain the table, shown above it."""


# -- the batch: a row per sample and the mean row -------------------------------------

def batch_table(samples: Samples, network: Network, fwd: ForwardPass | None = None,
                bp: BackwardPass | None = None, shown: Sequence[int] | None = None,
                rows: range | None = None, neuron: int = 1, weight: int = 1) -> CellTable:
    """Each sample (x, y, a(L), C, then ∂C/∂w and ∂C/∂b of the layers ``shown``, all when
    None) and the mean row; :data:`BLANK` where ``fwd`` or ``bp`` is not given. ``rows``:
    the samples to write (all when None); the mean row always comes last.

    The gradients are named in the one notation, those of neuron j = ``neuron`` (w_jk
    with k = ``weight``, and b_j). A network with a layer wider than one has its samples'
    inputs and targets are written as the command line takes them (``0:1``, without
    trailing zeros), and the outputs are left to the grid (the table fits beside the
    derivation)."""
    layers, wide = network.layers, not network.is_chain
    shown = range(layers, 0, -1) if shown is None else shown
    j, k_in = neuron - 1, weight - 1

    def name(which: str, l: int) -> str:
        return parameter_name(network, which, l, neuron, weight)

    head = ["sample", "x", "y", *([] if wide else [f"a({label(layers, layers)})"]), "C"]
    for l in shown:
        head += [f"∂C/∂{name('w', l)}", f"∂C/∂{name('b', l)}"]

    def cell(values, k: int, signed: bool) -> str:
        return BLANK if values is None else number(float(values[k]), signed)

    def joined(values) -> str:
        if not wide:
            return number(float(values[0]))
        return ":".join(trimmed(number(float(v))) for v in values[:VECTOR_MOST]) \
            + (":…" if len(values) > VECTOR_MOST else "")

    body = []
    for k in range(len(samples)) if rows is None else rows:
        cells = [str(k + 1), joined(samples.x[k]), joined(samples.y[k])]
        if not wide:
            cells.append(cell(None if fwd is None else fwd.column("a")[:, -1], k, False))
        cells.append(cell(None if fwd is None else fwd.cost, k, False))
        for l in shown:
            cells += [cell(None if bp is None else bp.dC_dw[l - 1][:, j, k_in], k, True),
                      cell(None if bp is None else bp.dC_db[l - 1][:, j], k, True)]
        body.append(cells)
    mean = ["mean", "", "", *([] if wide else [""]),
            BLANK if fwd is None else number(fwd.mean_cost)]
    for l in shown:
        mean += [BLANK if bp is None else number(bp.mean_dC_dw[l - 1][j, k_in], True),
                 BLANK if bp is None else number(bp.mean_dC_db[l - 1][j], True)]
    return CellTable(head, body + [mean])


VECTOR_MOST = 3
"""A sample's inputs or targets in one cell: the first this many, then ``…``."""


def trimmed(text: str) -> str:
    """A written number without the zeros that end its decimals: ``0.5000`` → ``0.5``,
    ``1.0000`` → ``1`` (never of an exponent's digits)."""
    if "." not in text or "e" in text:
        return text
    return text.rstrip("0").rstrip(".")


def gradient_table(bp: BackwardPass) -> CellTable:
    """Every sample's gradients of every layer, and their mean (what a step uses)."""
    fwd = bp.forward
    return batch_table(fwd.samples, fwd.network, fwd, bp)


# -- the vanishing gradient ------------------------------------------------------------

BAR_DECADES = 10
"""A log-scale bar runs from 10^(−BAR_DECADES) (empty) to 1 (full)."""

BARS_NOTE = f"bars: log scale, empty at 1e−{BAR_DECADES}"
"""What the bars of the vanishing table mean."""

VANISHING_BAR = 14
"""Cells of each log-scale bar (the table fits 80 columns)."""

_EIGHTHS = " ▏▎▍▌▋▊▉"


def log_bar(value: float, width: int = 20, decades: int = BAR_DECADES) -> str:
    """|``value``| as a bar of ``width`` cells on a log scale (1 and more fill it).

    The bar grows by width/decades cells per factor of ten; values at or below
    10^(−decades) (and 0) give an empty bar. Always exactly ``width`` characters.
    """
    v = abs(float(value))
    if not math.isfinite(v) or v <= 0.0:
        eighths = 0
    else:
        fraction = min(max(1.0 + math.log10(v) / decades, 0.0), 1.0)
        eighths = round(fraction * width * 8)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (_EIGHTHS[part] if part else "")
    return bar.ljust(width)


def vanishing_table(bp: BackwardPass) -> CellTable:
    """Per layer, output first: |∂C/∂w|, ∏g' down to it and its bound, with log bars; the
    notes are the law ∏g' ≤ … and what the bars mean. For a network with a layer wider
    than one (no single product of g' there: a layer adds the terms of every path), the
    mean size of its gradients and of its δ instead (:func:`_wide_vanishing_table`)."""
    if not bp.network.is_chain:
        return _wide_vanishing_table(bp)
    fwd = bp.forward
    chain = fwd.network
    n = chain.layers
    symbol = chain.activation.symbol
    product = bp.mean_prime_product
    bound = bp.prime_bound()
    gradient = abs(bp.mean_flat_dC_dw)
    mean = " (mean over the batch)" if len(fwd.samples) > 1 else ""
    head = ["layer", "k", "|∂C/∂w|", "", f"∏{symbol}'{mean}", "", "≤ " + prime_bound_text(chain)]
    body = [[f"({label(l, n)})", str(n - l + 1),
             number(gradient[l - 1]), log_bar(gradient[l - 1], VANISHING_BAR),
             number(product[l - 1]), log_bar(product[l - 1], VANISHING_BAR),
             number(bound[l - 1])] for l in range(n, 0, -1)]
    return CellTable(head, body, "Vanishing gradient (output layer first)",
                     [vanishing_title(chain), f"{BARS_NOTE}, full at 1"])


def _wide_vanishing_table(bp: BackwardPass) -> CellTable:
    """Per layer, output first: the mean of |∂C/∂w_jk| over its weights (of the batch-mean
    gradients) and the mean of |∂C/∂z_j| = |δ_j| over its neurons and the samples, with log
    bars."""
    net = bp.network
    n = net.layers
    symbol = net.activation.symbol
    mean = " (and samples)" if len(bp.forward.samples) > 1 else ""
    head = ["layer", "k", "mean |∂C/∂wⱼₖ|", "", f"mean |∂C/∂zⱼ|{mean}", ""]
    body = []
    for l in range(n, 0, -1):
        gradient = float(abs(bp.mean_dC_dw[l - 1]).mean())
        delta = float(abs(bp.dC_dz[l - 1]).mean())
        body.append([f"({label(l, n)})", str(n - l + 1),
                     number(gradient), log_bar(gradient, VANISHING_BAR),
                     number(delta), log_bar(delta, VANISHING_BAR)])
    law = (f"each path from the output down to a layer k layers deep multiplies k factors "
           f"{symbol}' ≤ {net.activation.derivative_max_text}; a layer adds the terms of "
           "all its paths (Σ over j), so its gradients shrink with depth unless the weights "
           "are large")
    return CellTable(head, body, "Vanishing gradient (output layer first)",
                     [law, f"{BARS_NOTE}, full at 1"])


# -- every layer's chain-rule factors at once -----------------------------------------


def factor_grid(bp: BackwardPass, sample: int) -> CellTable:
    """A column per layer (``l =`` then the layers from the output down) and a row per
    factor: its formula for layer (l), then its values."""
    chain = bp.forward.network
    n = chain.layers
    g = chain.activation.symbol
    formulas = (
        ("dC_da", "∂C/∂a(l)"),
        ("da_dz", f"∂a(l)/∂z(l) = {g}'(z(l))"),
        ("dz_dw", "∂z(l)/∂w(l) = a(l−1)"),
        ("dz_da_prev", "∂z(l)/∂a(l−1) = w(l)"),
        ("dC_dw", f"∂C/∂w(l) = ∂C/∂a(l)·{g}'(z(l))·a(l−1)"),
        ("dC_db", f"∂C/∂b(l) = ∂C/∂a(l)·{g}'(z(l))·1"),
        ("dC_da_prev", f"∂C/∂a(l−1) = ∂C/∂a(l)·{g}'(z(l))·w(l)"),
    )
    head = ["l ="] + [f"({label(l, n)})" for l in range(n, 0, -1)]
    rows = [[text] + [number(float(bp.column(name)[sample, l - 1]), signed=True)
                      for l in range(n, 0, -1)] for name, text in formulas]
    return CellTable(head, rows, "every layer at once")
