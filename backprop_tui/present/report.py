"""What ``trace`` and ``train`` print for the chain: text for people, Markdown for
handouts, JSON for programs.

Everything here is built from model objects, the rows of :mod:`.formulas`, the tables
of :mod:`.tables` and the renderers of :mod:`.text`, :mod:`.markdown` and
:mod:`.json_data`, which the network's report (:mod:`.report_wide`) shares; nothing is
computed twice.
"""

from __future__ import annotations

from typing import Any

from ..model import FACTOR_NAMES, BackwardPass, GradientCheck, Network, Trainer
from . import formulas as F
from .format import number
from .json_data import check_json, plain, run_json
from .markdown import (
    forward_section,
    handout_end,
    handout_head,
    markdown_escape,
    markdown_grid,
    markdown_section,
    markdown_table,
    markdown_update,
)
from .tables import gradient_table
from .text import (
    cost_lines,
    nudge_lines,
    plural,
    run_end,
    sample_tag,
    steps_text,
    text_lines,
    trace_end,
    vanishing_lines,
    with_nudge,
)


def trace_json(bp: BackwardPass, check: GradientCheck | None = None) -> dict[str, Any]:
    """The trace as the JSON object documented in the README (full precision).

    With ``check``, a ``"check"`` object holds the numeric batch-mean gradients.
    """
    fwd = bp.forward
    chain = fwd.network
    samples = []
    for k in range(len(fwd.samples)):
        samples.append(
            {
                "x": float(fwd.samples.x[k][0]),
                "y": float(fwd.samples.y[k][0]),
                "z": plain(fwd.column("z")[k]),
                "a": plain(fwd.column("a")[k]),
                "cost": float(fwd.cost[k]),
                "layers": [
                    {name: float(bp.column(name)[k, l]) for name in FACTOR_NAMES}
                    for l in range(chain.layers)
                ],
            }
        )
    return chain_json(chain) | {
        "samples": samples,
        "mean": {
            "cost": fwd.mean_cost,
            "dC_dw": plain(bp.mean_flat_dC_dw),
            "dC_db": plain(bp.mean_flat_dC_db),
        },
    } | ({} if check is None else {"check": check_json(check)})


def chain_json(chain: Network) -> dict[str, Any]:
    """The chain for programs: layers, activation, cost, ``w`` and ``b``."""
    return {
        "layers": chain.layers,
        "activation": chain.activation.name,
        "cost": chain.cost.name,
        "w": plain(chain.flat_w),
        "b": plain(chain.flat_b),
    }


def _nudge_cells(check: GradientCheck) -> dict[str, str]:
    """The nudge column's cell beside each gradient, by the gradient's symbol (∂C/∂w(L))."""
    n = check.dC_dw.size
    cells = {}
    for l in range(1, n + 1):
        for name, numeric, rel in (("w", check.dC_dw, check.rel_error_w),
                                   ("b", check.dC_db, check.rel_error_b)):
            cells["∂C/∂" + F.parameter_symbol(name, l, n)] = F.nudge_cell(numeric[l - 1],
                                                                          rel[l - 1])
    return cells


def parameter_lines(chain: Network) -> list[str]:
    """The parameters, input to output: a line per layer."""
    n = chain.layers
    return [f"  ({F.label(l, n)}):  w({F.label(l, n)}) = {number(chain.flat_w[l - 1], True)}   "
            f"b({F.label(l, n)}) = {number(chain.flat_b[l - 1], True)}" for l in range(1, n + 1)]


def trace_text(bp: BackwardPass, check: GradientCheck | None = None) -> str:
    """The trace for a teacher to read: forward, then every factor from the output back.

    With ``check``, the nudge column stands beside each batch gradient (the
    per-sample rows for one sample, the batch means for several).
    """
    cells = _nudge_cells(check) if check is not None else {}
    fwd = bp.forward
    chain = fwd.network
    n = chain.layers
    count = len(fwd.samples)
    out = [
        f"backprop-tui trace: {plural(n, 'layer')}, {chain.activation.name}, "
        f"{chain.cost.name}, {plural(count, 'sample')}",
        "",
        "Parameters (input to output)",
    ]
    out += parameter_lines(chain)
    out.append(f"  the input x is a({F.label(0, n)}): data, not a parameter")
    if check is not None:
        out += nudge_lines(check.epsilon, check.max_rel_error)
    keys = ("dC_dw", "dC_db") if check is not None and count == 1 else ()
    for k in range(count):
        tag = sample_tag(k, count)
        out += [
            "",
            f"Forward pass ({tag}x = {number(fwd.samples.x[k][0])}, "
            f"y = {number(fwd.samples.y[k][0])})",
        ]
        out += F.aligned(F.forward_rows(fwd, k), "  ")
        out += ["", f"Backward pass ({tag}every chain-rule factor, output layer first)"]
        for l in range(n, 0, -1):
            out.append(f"  layer ({F.label(l, n)})")
            out += with_nudge(F.backward_rows(bp, k, l), "    ", cells, keys)
    if count > 1:
        out += ["", "Per-sample gradients and their mean (the mean is what a step uses)"]
        out += text_lines(gradient_table(bp))
        out += ["", "Mean over the batch"]
        keys = ("mean_dC_dw", "mean_dC_db") if check is not None else ()
        out += with_nudge(mean_rows(bp), "  ", cells, keys)
    out += vanishing_lines(bp)
    return trace_end(out, F.zero_gradient_note(bp))


def mean_rows(bp: BackwardPass) -> list[F.Row]:
    """The batch means: the cost, then ∂C/∂w and ∂C/∂b of each layer, output layer first."""
    rows = [F.mean_cost_row(bp.forward)]
    for l in range(bp.forward.network.layers, 0, -1):
        rows += [F.mean_gradient_row(bp, "w", l), F.mean_gradient_row(bp, "b", l)]
    return rows


def trace_markdown(bp: BackwardPass) -> str:
    """The trace as a Markdown handout: forward values and every factor in tables.

    One table for each sample's forward pass, one per layer of its backward pass
    (output layer first), then for a batch the per-sample gradients and their
    means. Every formula comes from :mod:`backprop_tui.present.formulas`.
    """
    return handout_end(_trace_lines(bp), F.zero_gradient_note(bp))


def handout_markdown(bp: BackwardPass, lr: float) -> str:
    """The app's handout: the trace of :func:`trace_markdown`, then the update step that
    follows it with learning rate ``lr``: every w and b, old − η·gradient = new."""
    chain = bp.forward.network
    n = chain.layers
    out = _trace_lines(bp)
    new = chain.step(bp, lr)
    params = [(name, l) for l in range(1, n + 1) for name in ("w", "b")]
    symbols = [F.parameter_symbol(name, l, n) for name, l in params]
    mean = "the batch-mean gradient" if len(bp.forward.samples) > 1 else "the gradient"
    out += ["", "## " + markdown_escape(f"Update step: p ← p − η·∂C/∂p, with η = "
                                       f"{number(lr)} and {mean}, old → new"), ""]
    out += markdown_update(
        symbols, [F.update_formula(s) for s in symbols],
        [(float(getattr(chain, f"flat_{name}")[l - 1]), lr,
          float(getattr(bp, f"mean_flat_dC_d{name}")[l - 1]),
          float(getattr(new, f"flat_{name}")[l - 1]))
         for name, l in params])
    return handout_end(out, F.zero_gradient_note(bp))


def _trace_lines(bp: BackwardPass) -> list[str]:
    """The lines of :func:`trace_markdown`, before its end."""
    fwd = bp.forward
    chain = fwd.network
    n = chain.layers
    count = len(fwd.samples)
    out = handout_head(f"{plural(n, 'layer')}, {chain.activation.name} activation, "
                       f"{chain.cost.name} cost, {plural(count, 'sample')}")
    out += markdown_table(
        ["layer", "w", "b"],
        [[markdown_escape(f"({F.label(l, n)})"), markdown_escape(number(chain.flat_w[l - 1], True)),
          markdown_escape(number(chain.flat_b[l - 1], True))] for l in range(1, n + 1)],
    )
    out += ["", markdown_escape(f"The input x is a({F.label(0, n)}): data, not a parameter.")]
    for k in range(count):
        values = f"x = {number(fwd.samples.x[k][0])}, y = {number(fwd.samples.y[k][0])}"
        level = forward_section(out, k, count, values, F.forward_rows(fwd, k))
        for l in range(n, 0, -1):
            out += markdown_section(f"{level} Backward pass, layer ({F.label(l, n)})",
                                    F.backward_rows(bp, k, l))
    if count > 1:
        out += ["", "## Per-sample gradients and their mean", ""]
        out += markdown_grid(gradient_table(bp))
        out += markdown_section("## Mean over the batch (what a step uses)", mean_rows(bp))
    return out


def train_json(trainer: Trainer, initial_cost: float, steps: int | None = None
               ) -> dict[str, Any]:
    """The result of ``train`` for programs: final parameters, loss history, final cost.

    ``steps`` counts every step taken, ``steps_run`` those of this run (``steps``
    when None: a run from the start).
    """
    run = trainer.steps_done if steps is None else steps
    return chain_json(trainer.network) | run_json(trainer, initial_cost, steps_run=run)


def train_warnings(trainer: Trainer) -> list[str]:
    """Settings that are finite but will not lower the cost: η ≤ 0, or all gradients 0."""
    out = [F.lr_warning(trainer.lr)]
    if trainer.divergence is None:  # a diverged run kept parameters whose cost overflows
        chain = trainer.network
        out.append(F.zero_gradient_note(chain.forward(trainer.samples).backward()))
    return [line for line in out if line is not None]


def train_text(trainer: Trainer, initial_cost: float, steps: int | None = None) -> str:
    """A short readable summary of a training run of ``steps`` steps (all it has taken if None).

    When the trainer went on from earlier steps, both counts: "500 steps (800 in all)".
    """
    out = [f"trained {steps_text(trainer, steps)}: η = {number(trainer.lr)}, "
           f"batch size {trainer.batch_size} of {plural(len(trainer.samples), 'sample')}"]
    out += cost_lines(trainer, initial_cost) + parameter_lines(trainer.network)
    return run_end(out, trainer)
