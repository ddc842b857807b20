"""What ``trace`` and ``train`` print for a network with several neurons a layer.

The width-1 chain keeps :mod:`report`; this is its counterpart with indices,
built from :mod:`backprop_tui.model.network` and the rows of
:mod:`backprop_tui.present.formulas_wide`.
"""

from __future__ import annotations

from typing import Any

from ..model.check import GradientCheck
from ..model.network import BackwardPass, Network, Samples, shape_text
from ..model.trainer import Trainer
from . import formulas as F
from . import formulas_wide as W
from .format import number
from .json_data import check_json, plain, run_json
from .markdown import (
    forward_section,
    handout_end,
    handout_head,
    markdown_escape,
    markdown_section,
    markdown_table,
)
from .text import cost_lines, nudge_lines, plural, run_end, sample_tag, steps_text, trace_end, with_nudge


def network_json(net: Network) -> dict[str, Any]:
    """The network for programs: shape, layers, activation, cost, ``w[l][j][k]``, ``b[l][j]``."""
    return {
        "shape": list(net.shape),
        "layers": net.layers,
        "activation": net.activation.name,
        "cost": net.cost.name,
        "w": [plain(w) for w in net.w],
        "b": [plain(b) for b in net.b],
    }


def trace_json(bp: BackwardPass, check: GradientCheck | None = None) -> dict[str, Any]:
    """The trace for programs (full precision). Layer index l is layer l+1; neuron
    indices j (this layer) and k (the layer below) count from 0.

    Per sample and layer: ``dC_da[j]``, ``da_dz[j]``, ``dC_dz[j]``, ``dC_dw[j][k]``,
    ``dC_db[j]``, ``dC_da_prev[k]`` and ``dC_da_prev_terms[k][j]`` (the terms
    w_jk·g'(z_j)·∂C/∂a_j that add up to ``dC_da_prev[k]``).
    """
    fwd = bp.forward
    net = fwd.network
    samples = []
    for s in range(len(fwd.samples)):
        samples.append({
            "x": plain(fwd.samples.x[s]),
            "y": plain(fwd.samples.y[s]),
            "z": [plain(z[s]) for z in fwd.z],
            "a": [plain(a[s]) for a in fwd.a],
            "cost": float(fwd.cost[s]),
            "layers": [
                {
                    "dC_da": plain(bp.dC_da[l][s]),
                    "da_dz": plain(bp.da_dz[l][s]),
                    "dC_dz": plain(bp.dC_dz[l][s]),
                    "dC_dw": plain(bp.dC_dw[l][s]),
                    "dC_db": plain(bp.dC_db[l][s]),
                    "dC_da_prev": plain(bp.dC_da_prev[l][s]),
                    "dC_da_prev_terms": plain(bp.dC_da_prev_terms[l][s].T),
                }
                for l in range(net.layers)
            ],
        })
    out: dict[str, Any] = network_json(net) | {
        "samples": samples,
        "mean": {
            "cost": fwd.mean_cost,
            "dC_dw": [plain(g) for g in bp.mean_dC_dw],
            "dC_db": [plain(g) for g in bp.mean_dC_db],
        },
    }
    if check is not None:
        out["check"] = check_json(check)
    return out


def _nudge_cells(bp: BackwardPass, check: GradientCheck) -> dict[str, str]:
    """The nudge column's cell beside each gradient, by the gradient's symbol (∂C/∂w₁₂(L))."""
    net = bp.network
    L = net.layers
    cells = {}
    dw, rel_w = check.layer_w(check.dC_dw), check.layer_w(check.rel_error_w)
    db, rel_b = check.layer_b(check.dC_db), check.layer_b(check.rel_error_b)
    for layer in range(1, L + 1):
        i = layer - 1
        for j in range(1, net.shape[layer] + 1):
            for k in range(1, net.shape[layer - 1] + 1):
                cells["∂C/∂" + W.param_sym("w", layer, j, k, L)] = F.nudge_cell(
                    dw[i][j - 1, k - 1], rel_w[i][j - 1, k - 1])
            cells["∂C/∂" + W.param_sym("b", layer, j, None, L)] = F.nudge_cell(
                db[i][j - 1], rel_b[i][j - 1])
    return cells


def _title(bp: BackwardPass) -> str:
    net = bp.network
    return (f"shape {shape_text(net.shape)}: {plural(net.inputs, 'input')}, "
            f"{plural(net.layers, 'layer')} of {'/'.join(str(n) for n in net.shape[1:])} "
            f"neurons, {net.activation.name}, {net.cost.name}, "
            f"{plural(len(bp.forward.samples), 'sample')}")


def trace_text(bp: BackwardPass, check: GradientCheck | None = None) -> str:
    """The trace to read: forward, then every factor of every neuron, output layer first,
    and below each layer the sums ∂C/∂a_k(l−1) term by term."""
    fwd = bp.forward
    net = fwd.network
    L = net.layers
    count = len(fwd.samples)
    cells = _nudge_cells(bp, check) if check is not None else {}
    out = [f"backprop-tui trace: {_title(bp)}", "",
           "Parameters (input to output; w_jk: from neuron k below to neuron j)"]
    out += W.parameter_lines(net)
    inputs = ", ".join(W.a_sym(0, k, L) for k in range(1, net.inputs + 1))
    out.append(f"  the input{'s' * (net.inputs > 1)} {inputs} "
               f"{'are' if net.inputs > 1 else 'is'} a({F.label(0, L)}): data, not parameters")
    if check is not None:
        out += nudge_lines(check.epsilon, check.max_rel_error)
    keys = ("dC_dw", "dC_db") if check is not None and count == 1 else ()
    for s in range(count):
        tag = sample_tag(s, count)
        out += ["", f"Forward pass ({tag}x = {W.vector_text(fwd.samples.x[s])}, "
                    f"y = {W.vector_text(fwd.samples.y[s])})"]
        out += F.aligned(W.forward_rows(fwd, s), "  ")
        out += ["", f"Backward pass ({tag}every factor, output layer first)"]
        for layer in range(L, 0, -1):
            lab = F.label(layer, L)
            for j in range(1, net.shape[layer] + 1):
                out.append(f"  layer ({lab}), neuron {j}")
                out += with_nudge(W.neuron_rows(bp, s, layer, j), "    ", cells, keys)
            title = W.sum_title if net.shape[layer] > 1 else W.single_title
            out.append(f"  {title(layer, L)}")
            for k in range(1, net.shape[layer - 1] + 1):
                terms = W.term_rows(bp, s, layer, k)
                out += F.aligned(terms, "      ") if terms else []
                out += F.aligned([W.sum_row(bp, s, layer, k)], "    ")
    if count > 1:
        out += ["", "Mean over the batch (what a step uses)"]
        keys = ("mean_dC_dw", "mean_dC_db") if check is not None else ()
        out += with_nudge([F.mean_cost_row(fwd)] + W.mean_gradient_rows(bp), "  ", cells,
                           keys)
    return trace_end(out)


def trace_markdown(bp: BackwardPass) -> str:
    """The trace as a Markdown handout: the same rows as :func:`trace_text`, in tables."""
    fwd = bp.forward
    net = fwd.network
    L = net.layers
    count = len(fwd.samples)
    out = handout_head(_title(bp))
    body = [[markdown_escape(f"({F.label(layer, L)}) {j}"), markdown_escape(", ".join(weights)),
             markdown_escape(number(bias, True))]
            for layer, j, weights, bias in W.neuron_parameters(net)]
    out += markdown_table(["layer, neuron", "w", "b"], body)
    for s in range(count):
        values = f"x = {W.vector_text(fwd.samples.x[s])}, y = {W.vector_text(fwd.samples.y[s])}"
        level = forward_section(out, s, count, values, W.forward_rows(fwd, s))
        for layer in range(L, 0, -1):
            lab = F.label(layer, L)
            for j in range(1, net.shape[layer] + 1):
                out += markdown_section(f"{level} Backward pass, layer ({lab}), neuron {j}",
                                        W.neuron_rows(bp, s, layer, j))
            title = W.sum_title if net.shape[layer] > 1 else W.single_title
            rows: list[F.Row] = []
            for k in range(1, net.shape[layer - 1] + 1):
                rows += W.term_rows(bp, s, layer, k) + [W.sum_row(bp, s, layer, k)]
            out += markdown_section(f"{level} {markdown_escape(title(layer, L))}", rows)
    if count > 1:
        out += markdown_section("## Mean over the batch (what a step uses)",
                                [F.mean_cost_row(fwd)] + W.mean_gradient_rows(bp))
    return handout_end(out)


def _outputs(trainer: Trainer) -> tuple[Samples, Any]:
    samples = trainer.samples
    return samples, trainer.network.forward(samples).a[-1]


def train_json(trainer: Trainer, initial_cost: float, steps: int | None = None
               ) -> dict[str, Any]:
    """The result of ``train`` for a network: parameters, loss history, outputs per sample;
    ``steps`` counts every step taken, ``steps_run`` those of this run (``steps``; all of
    them if None)."""
    _, outputs = _outputs(trainer)
    run = trainer.steps_done if steps is None else steps
    return network_json(trainer.network) | run_json(trainer, initial_cost, steps_run=run,
                                                     outputs=outputs)


def train_text(trainer: Trainer, initial_cost: float, steps: int | None = None) -> str:
    """A short summary of a run of ``steps`` steps (all it has taken if None): cost before
    and after, parameters, each sample's output. When the trainer went on from earlier
    steps, both counts: "500 steps (800 in all)"."""
    net = trainer.network
    L = net.layers
    samples, outputs = _outputs(trainer)
    out = [
        f"trained shape {shape_text(net.shape)} for {steps_text(trainer, steps)}: "
        f"η = {number(trainer.lr)}, batch size {trainer.batch_size} of "
        f"{plural(len(samples), 'sample')}",
    ]
    out += cost_lines(trainer, initial_cost) + W.parameter_lines(net)
    outs = ", ".join(W.a_sym(L, j, L) for j in range(1, net.outputs + 1))
    out.append(f"outputs {outs} per sample:")
    for s in range(len(samples)):
        out.append(f"  x = {W.vector_text(samples.x[s])}  →  {W.vector_text(outputs[s])}"
                   f"   (y = {W.vector_text(samples.y[s])})")
    return run_end(out, trainer)
