"""What ``trace`` and ``train`` print: text for people, JSON for programs.

Everything here is built from model objects and the shared formula text in
:mod:`backprop_tui.present.formulas`; nothing is computed twice.
"""

from __future__ import annotations

from typing import Any

from ..model import FACTOR_NAMES, BackwardPass, GradientCheck, NonFiniteError, Trainer
from . import formulas as F
from .format import number

LOSS_POINTS = 1000
"""At most this many points of the loss history go into ``train --json``."""


def _floats(arr) -> list[float]:
    return [float(v) for v in arr]


def trace_json(bp: BackwardPass, check: GradientCheck | None = None) -> dict[str, Any]:
    """The trace as the JSON object documented in the README (full precision).

    With ``check``, a ``"check"`` object holds the numeric batch-mean gradients.
    """
    fwd = bp.forward
    chain = fwd.chain
    samples = []
    for k in range(len(fwd.samples)):
        samples.append(
            {
                "x": float(fwd.samples.x[k]),
                "y": float(fwd.samples.y[k]),
                "z": _floats(fwd.z[k]),
                "a": _floats(fwd.a[k]),
                "cost": float(fwd.cost[k]),
                "layers": [
                    {name: float(bp.factor(name)[k, l]) for name in FACTOR_NAMES}
                    for l in range(chain.layers)
                ],
            }
        )
    return {
        "layers": chain.layers,
        "activation": chain.activation.name,
        "cost": chain.cost.name,
        "w": _floats(chain.w),
        "b": _floats(chain.b),
        "samples": samples,
        "mean": {
            "cost": fwd.mean_cost,
            "dC_dw": _floats(bp.mean_dC_dw),
            "dC_db": _floats(bp.mean_dC_db),
        },
    } | ({} if check is None else {"check": check_json(check)})


def check_json(check: GradientCheck) -> dict[str, Any]:
    """The nudge check for programs: numeric batch-mean gradients, ε and the largest difference."""
    return {
        "epsilon": check.epsilon,
        "dC_dw": _floats(check.dC_dw),
        "dC_db": _floats(check.dC_db),
        "max_rel_error": check.max_rel_error,
    }


def _nudge_cells(check: GradientCheck) -> dict[tuple[str, int], str]:
    """The nudge column's cell for each gradient row, by (row key, layer)."""
    cells = {}
    for l in range(1, check.dC_dw.size + 1):
        for name, numeric, rel in (("w", check.dC_dw, check.rel_error_w),
                                   ("b", check.dC_db, check.rel_error_b)):
            cell = F.nudge_cell(numeric[l - 1], rel[l - 1])
            cells[(f"dC_d{name}", l)] = cells[(f"mean_dC_d{name}", l)] = cell
    return cells


def _aligned_with_nudge(rows: list[F.Row], indent: str, cells: dict[tuple[str, int], str],
                        keys: tuple[str, ...]) -> list[str]:
    """``F.aligned`` lines, with the nudge column beside the rows whose key is in ``keys``."""
    lines = F.aligned(rows, indent)
    marked = [i for i, row in enumerate(rows) if row.key in keys]
    if not marked:
        return lines
    width = max(len(lines[i]) for i in marked)
    for i in marked:
        lines[i] = f"{lines[i]:<{width}}   │ {cells[(rows[i].key, rows[i].layer)]}"
    return lines


VANISHING_BAR = 14
"""Cells of each log-scale bar in ``trace`` (the section fits 80 columns)."""


def vanishing_lines(bp: BackwardPass) -> list[str]:
    """The vanishing-gradient section: per layer |∂C/∂w|, ∏σ' and its bound, with log bars."""
    fwd = bp.forward
    chain = fwd.chain
    n = chain.layers
    count = len(fwd.samples)
    symbol = chain.activation.symbol
    product = bp.mean_prime_product
    bound = bp.prime_bound()
    gradient = bp.abs_mean_dC_dw
    mean = " (mean over the batch)" if count > 1 else ""
    head = ["layer", "k", "|∂C/∂w|", "", f"∏{symbol}'{mean}", "", "≤ " + F.prime_bound_text(chain)]
    body = []
    for l in range(n, 0, -1):
        body.append([
            f"({F.label(l, n)})", str(n - l + 1),
            number(gradient[l - 1]), F.log_bar(gradient[l - 1], VANISHING_BAR),
            number(product[l - 1]), F.log_bar(product[l - 1], VANISHING_BAR),
            number(bound[l - 1]),
        ])
    widths = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]
    out = [
        "",
        "Vanishing gradient (output layer first)",
        "  " + F.vanishing_title(chain),
        f"  bars: log scale, empty at 1e−{F.BAR_DECADES}, full at 1",
    ]
    for cells in [head] + body:
        out.append(("  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths))).rstrip())
    return out


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def trace_text(bp: BackwardPass, check: GradientCheck | None = None) -> str:
    """The trace for a teacher to read: forward, then every factor from the output back.

    With ``check``, the nudge column stands beside each batch gradient (the
    per-sample rows for one sample, the batch means for several).
    """
    cells = _nudge_cells(check) if check is not None else {}
    fwd = bp.forward
    chain = fwd.chain
    n = chain.layers
    count = len(fwd.samples)
    out = [
        f"backprop-tui trace: {_plural(n, 'layer')}, {chain.activation.name}, "
        f"{chain.cost.name}, {_plural(count, 'sample')}",
        "",
        "Parameters (input to output)",
    ]
    for l in range(1, n + 1):
        lab = F.label(l, n)
        out.append(f"  ({lab}):  w({lab}) = {number(chain.w[l - 1], True)}   "
                   f"b({lab}) = {number(chain.b[l - 1], True)}")
    out.append(f"  the input x is a({F.label(0, n)}): data, not a parameter")
    if check is not None:
        out += ["", "Nudge check beside each batch gradient",
                "  " + F.nudge_title(check.epsilon),
                f"  largest rel = {number(check.max_rel_error)}"]
    for k in range(count):
        tag = f"sample {k + 1} of {count}: " if count > 1 else ""
        out += [
            "",
            f"Forward pass ({tag}x = {number(fwd.samples.x[k])}, "
            f"y = {number(fwd.samples.y[k])})",
        ]
        out += F.aligned(F.forward_rows(fwd, k), "  ")
        out += ["", f"Backward pass ({tag}every chain-rule factor, output layer first)"]
        for l in range(n, 0, -1):
            out.append(f"  layer ({F.label(l, n)})")
            keys = ("dC_dw", "dC_db") if check is not None and count == 1 else ()
            out += _aligned_with_nudge(F.backward_rows(bp, k, l), "    ", cells, keys)
    if count > 1:
        out += ["", "Per-sample gradients and their mean (the mean is what a step uses)"]
        out += gradient_table(bp)
        out += ["", "Mean over the batch"]
        keys = ("mean_dC_dw", "mean_dC_db") if check is not None else ()
        out += _aligned_with_nudge(mean_rows(bp), "  ", cells, keys)
    out += vanishing_lines(bp)
    if any(" ≈ " in line for line in out):
        out += ["", F.APPROX_NOTE]
    dead = F.zero_gradient_note(bp)
    if dead is not None:
        out += ["", dead]
    return "\n".join(out) + "\n"


def mean_rows(bp: BackwardPass) -> list[F.Row]:
    """The batch means: the cost, then ∂C/∂w and ∂C/∂b of each layer, output layer first."""
    rows = [F.mean_cost_row(bp.forward)]
    for l in range(bp.forward.chain.layers, 0, -1):
        rows += [F.mean_gradient_row(bp, "w", l), F.mean_gradient_row(bp, "b", l)]
    return rows


def gradient_table(bp: BackwardPass) -> list[str]:
    """One line per sample (x, y, a(L), C, ∂C/∂w, ∂C/∂b of each layer) and a mean line."""
    head, body = gradient_cells(bp)
    widths = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        return "  " + "  ".join(c.rjust(w) for c, w in zip(cells, widths))

    return [line(head)] + [line(r) for r in body]


def gradient_cells(bp: BackwardPass) -> tuple[list[str], list[list[str]]]:
    """The cells of :func:`gradient_table`: the head, then a row per sample and the mean row."""
    fwd = bp.forward
    n = fwd.chain.layers
    head = ["sample", "x", "y", f"a({F.label(n, n)})", "C"]
    for l in range(n, 0, -1):
        head += [f"∂C/∂w({F.label(l, n)})", f"∂C/∂b({F.label(l, n)})"]
    body = []
    for k in range(len(fwd.samples)):
        cells = [str(k + 1), number(fwd.samples.x[k]), number(fwd.samples.y[k]),
                 number(fwd.a[k, -1]), number(fwd.cost[k])]
        for l in range(n - 1, -1, -1):
            cells += [number(bp.dC_dw[k, l], True), number(bp.dC_db[k, l], True)]
        body.append(cells)
    mean = ["mean", "", "", "", number(fwd.mean_cost)]
    for l in range(n - 1, -1, -1):
        mean += [number(bp.mean_dC_dw[l], True), number(bp.mean_dC_db[l], True)]
    body.append(mean)
    return head, body


_MARKDOWN_SPECIAL = "\\`*_[]<>|#"


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


MARKDOWN_ROW_HEAD = ["quantity", "formula", "numbers", "value"]
"""The columns of a table of formula rows in the Markdown handout."""


def markdown_rows(rows: list[F.Row]) -> list[str]:
    """Formula rows as a Markdown table: quantity | formula | numbers | value.

    Numbers that, as rounded, do not give the value end in ``≈`` (:data:`F.APPROX_NOTE`).

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


def trace_markdown(bp: BackwardPass) -> str:
    """The trace as a Markdown handout: forward values and every factor in tables.

    One table for each sample's forward pass, one per layer of its backward pass
    (output layer first), then for a batch the per-sample gradients and their
    means. Every formula comes from :mod:`backprop_tui.present.formulas`.
    """
    fwd = bp.forward
    chain = fwd.chain
    n = chain.layers
    count = len(fwd.samples)
    out = [
        "# Backpropagation, number by number",
        "",
        markdown_escape(f"{_plural(n, 'layer')}, {chain.activation.name} activation, "
                        f"{chain.cost.name} cost, {_plural(count, 'sample')}."),
        "",
        "## Parameters (input to output)",
        "",
    ]
    out += markdown_table(
        ["layer", "w", "b"],
        [[markdown_escape(f"({F.label(l, n)})"), markdown_escape(number(chain.w[l - 1], True)),
          markdown_escape(number(chain.b[l - 1], True))] for l in range(1, n + 1)],
    )
    out += ["", markdown_escape(f"The input x is a({F.label(0, n)}): data, not a parameter.")]
    for k in range(count):
        level = "##"
        if count > 1:
            out += ["", f"## Sample {k + 1} of {count}"]
            level = "###"
        values = f"x = {number(fwd.samples.x[k])}, y = {number(fwd.samples.y[k])}"
        out += ["", f"{level} Forward pass ({markdown_escape(values)})", ""]
        out += markdown_rows(F.forward_rows(fwd, k))
        for l in range(n, 0, -1):
            out += ["", f"{level} Backward pass, layer ({F.label(l, n)})", ""]
            out += markdown_rows(F.backward_rows(bp, k, l))
    if count > 1:
        head, body = gradient_cells(bp)
        out += ["", "## Per-sample gradients and their mean", ""]
        out += markdown_table([markdown_escape(c) for c in head],
                              [[markdown_escape(c) for c in r] for r in body])
        out += ["", "## Mean over the batch (what a step uses)", ""]
        out += markdown_rows(mean_rows(bp))
    if any("` ≈ |" in line for line in out):
        out += ["", f"*{markdown_escape(F.APPROX_NOTE)}.*"]
    dead = F.zero_gradient_note(bp)
    if dead is not None:
        out += ["", f"**{markdown_escape(dead)}.**"]
    return "\n".join(out) + "\n"


def train_json(trainer: Trainer, initial_cost: float, steps: int | None = None
               ) -> dict[str, Any]:
    """The result of ``train`` for programs: final parameters, loss history, final cost.

    ``steps`` counts every step taken, ``steps_run`` those of this run (``steps``
    when None: a run from the start).
    """
    chain = trainer.chain
    thinned = trainer.history.thinned(LOSS_POINTS)
    result: dict[str, Any] = {
        "layers": chain.layers,
        "activation": chain.activation.name,
        "cost": chain.cost.name,
        "w": _floats(chain.w),
        "b": _floats(chain.b),
        "steps": trainer.steps_done,
        "steps_run": trainer.steps_done if steps is None else steps,
        "lr": trainer.lr,
        "batch_size": trainer.batch_size,
        "samples": len(trainer.samples),
        "initial_cost": initial_cost,
        "final_cost": final_cost(trainer),
        "loss": {"step": [int(s) for s in thinned.step], "cost": _floats(thinned.first)},
        "diverged": None,
    }
    if trainer.divergence is not None:
        result["diverged"] = {"step": trainer.divergence.step, "message": str(trainer.divergence)}
    return result


def final_cost(trainer: Any) -> float | None:
    """The mean cost at the parameters a run kept; None when it overflows, which only a
    diverged run can leave (its last finite parameters may be that far out)."""
    try:
        return trainer.mean_cost()
    except NonFiniteError:
        if trainer.divergence is None:
            raise
        return None


def final_cost_text(trainer: Any) -> str:
    """:func:`final_cost` as shown: the number, or "not finite" when it overflows."""
    cost = final_cost(trainer)
    return "not finite" if cost is None else number(cost)


def train_warnings(trainer: Trainer) -> list[str]:
    """Settings that are finite but will not lower the cost: η ≤ 0, or all gradients 0."""
    out = [F.lr_warning(trainer.lr)]
    if trainer.divergence is None:  # a diverged run kept parameters whose cost overflows
        chain = trainer.chain
        out.append(F.zero_gradient_note(chain.forward(trainer.samples).backward()))
    return [line for line in out if line is not None]


def train_text(trainer: Trainer, initial_cost: float, steps: int | None = None) -> str:
    """A short readable summary of a training run of ``steps`` steps (all it has taken if None).

    When the trainer went on from earlier steps, both counts: "500 steps (800 in all)".
    """
    chain = trainer.chain
    n = chain.layers
    run = trainer.steps_done if steps is None else steps
    total = "" if run == trainer.steps_done else f" ({trainer.steps_done} in all)"
    out = [
        f"trained {_plural(run, 'step')}{total}: η = {number(trainer.lr)}, "
        f"batch size {trainer.batch_size} of {_plural(len(trainer.samples), 'sample')}",
        f"mean cost C: {number(initial_cost)} → {final_cost_text(trainer)}",
        "parameters (input to output):",
    ]
    for l in range(1, n + 1):
        lab = F.label(l, n)
        out.append(f"  ({lab}):  w({lab}) = {number(chain.w[l - 1], True)}   "
                   f"b({lab}) = {number(chain.b[l - 1], True)}")
    if trainer.divergence is not None:
        out.append(str(trainer.divergence))
    return "\n".join(out) + "\n"
