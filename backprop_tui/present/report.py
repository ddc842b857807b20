"""What ``trace`` and ``train`` print, for every shape: text for people, Markdown for
handouts, JSON for programs.

Each public function takes any network: a chain (every layer one neuron) is written
as the lecture note writes it, without indices (w(L), ∂C/∂a(L−1)); a network with a
layer wider than one with its indices (w₁₂(L), the sum over j written out). Everything
is built from model objects, the rows of :mod:`.formulas`, the
tables of :mod:`.tables` and the renderers of :mod:`.text`, :mod:`.markdown` and
:mod:`.json_data`; nothing is computed twice.
"""

from __future__ import annotations

from typing import Any

from ..model import FACTOR_NAMES, BackwardPass, GradientCheck, Network, Samples, Trainer
from ..model.network import shape_text
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


def _chain_trace_json(bp: BackwardPass, check: GradientCheck | None = None) -> dict[str, Any]:
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


def _chain_nudge_cells(check: GradientCheck) -> dict[str, str]:
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


def _chain_trace_text(bp: BackwardPass, check: GradientCheck | None = None) -> str:
    """The trace for a teacher to read: forward, then every factor from the output back.

    With ``check``, the nudge column stands beside each batch gradient (the
    per-sample rows for one sample, the batch means for several).
    """
    cells = _chain_nudge_cells(check) if check is not None else {}
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
    """The batch means: the cost, then every ∂C/∂w and ∂C/∂b, output layer first."""
    return [F.mean_cost_row(bp.forward)] + F.mean_gradient_rows(bp)


def _chain_trace_lines(bp: BackwardPass) -> list[str]:
    """A chain's lines of :func:`trace_markdown`, before its end."""
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


def _chain_train_json(trainer: Trainer, initial_cost: float, steps: int | None = None
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


def _chain_train_text(trainer: Trainer, initial_cost: float, steps: int | None = None) -> str:
    """A short readable summary of a training run of ``steps`` steps (all it has taken if None).

    When the trainer went on from earlier steps, both counts: "500 steps (800 in all)".
    """
    out = [f"trained {steps_text(trainer, steps)}: η = {number(trainer.lr)}, "
           f"batch size {trainer.batch_size} of {plural(len(trainer.samples), 'sample')}"]
    out += cost_lines(trainer, initial_cost) + parameter_lines(trainer.network)
    return run_end(out, trainer)


# -- a network with a layer wider than one: with indices ----------------------------


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


def _wide_trace_json(bp: BackwardPass, check: GradientCheck | None = None) -> dict[str, Any]:
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


def _wide_nudge_cells(bp: BackwardPass, check: GradientCheck) -> dict[str, str]:
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
                cells["∂C/∂" + F.param_sym("w", layer, j, k, L)] = F.nudge_cell(
                    dw[i][j - 1, k - 1], rel_w[i][j - 1, k - 1])
            cells["∂C/∂" + F.param_sym("b", layer, j, None, L)] = F.nudge_cell(
                db[i][j - 1], rel_b[i][j - 1])
    return cells


def _wide_title(bp: BackwardPass) -> str:
    net = bp.network
    return (f"shape {shape_text(net.shape)}: {plural(net.inputs, 'input')}, "
            f"{plural(net.layers, 'layer')} of {'/'.join(str(n) for n in net.shape[1:])} "
            f"neurons, {net.activation.name}, {net.cost.name}, "
            f"{plural(len(bp.forward.samples), 'sample')}")


def _wide_trace_text(bp: BackwardPass, check: GradientCheck | None = None) -> str:
    """The trace to read: forward, then every factor of every neuron, output layer first,
    and below each layer the sums ∂C/∂a_k(l−1) term by term."""
    fwd = bp.forward
    net = fwd.network
    L = net.layers
    count = len(fwd.samples)
    cells = _wide_nudge_cells(bp, check) if check is not None else {}
    out = [f"backprop-tui trace: {_wide_title(bp)}", "",
           "Parameters (input to output; w_jk: from neuron k below to neuron j)"]
    out += F.parameter_lines(net)
    inputs = ", ".join(F.a_sym(0, k, L) for k in range(1, net.inputs + 1))
    out.append(f"  the input{'s' * (net.inputs > 1)} {inputs} "
               f"{'are' if net.inputs > 1 else 'is'} a({F.label(0, L)}): data, not parameters")
    if check is not None:
        out += nudge_lines(check.epsilon, check.max_rel_error)
    keys = ("dC_dw", "dC_db") if check is not None and count == 1 else ()
    for s in range(count):
        tag = sample_tag(s, count)
        out += ["", f"Forward pass ({tag}x = {F.vector_text(fwd.samples.x[s])}, "
                    f"y = {F.vector_text(fwd.samples.y[s])})"]
        out += F.aligned(F.forward_rows(fwd, s), "  ")
        out += ["", f"Backward pass ({tag}every factor, output layer first)"]
        for layer in range(L, 0, -1):
            lab = F.label(layer, L)
            for j in range(1, net.shape[layer] + 1):
                out.append(f"  layer ({lab}), neuron {j}")
                out += with_nudge(F.neuron_rows(bp, s, layer, j), "    ", cells, keys)
            title = F.sum_title if net.shape[layer] > 1 else F.single_title
            out.append(f"  {title(layer, L)}")
            for k in range(1, net.shape[layer - 1] + 1):
                terms = F.term_rows(bp, s, layer, k)
                out += F.aligned(terms, "      ") if terms else []
                out += F.aligned([F.sum_row(bp, s, layer, k)], "    ")
    if count > 1:
        out += ["", "Mean over the batch (what a step uses)"]
        keys = ("mean_dC_dw", "mean_dC_db") if check is not None else ()
        out += with_nudge(mean_rows(bp), "  ", cells,
                           keys)
    return trace_end(out)


def _wide_trace_lines(bp: BackwardPass) -> list[str]:
    """A wider network's lines of :func:`trace_markdown`, before its end."""
    fwd = bp.forward
    net = fwd.network
    L = net.layers
    count = len(fwd.samples)
    out = handout_head(_wide_title(bp))
    body = [[markdown_escape(f"({F.label(layer, L)}) {j}"), markdown_escape(", ".join(weights)),
             markdown_escape(number(bias, True))]
            for layer, j, weights, bias in F.neuron_parameters(net)]
    out += markdown_table(["layer, neuron", "w", "b"], body)
    for s in range(count):
        values = f"x = {F.vector_text(fwd.samples.x[s])}, y = {F.vector_text(fwd.samples.y[s])}"
        level = forward_section(out, s, count, values, F.forward_rows(fwd, s))
        for layer in range(L, 0, -1):
            lab = F.label(layer, L)
            for j in range(1, net.shape[layer] + 1):
                out += markdown_section(f"{level} Backward pass, layer ({lab}), neuron {j}",
                                        F.neuron_rows(bp, s, layer, j))
            title = F.sum_title if net.shape[layer] > 1 else F.single_title
            rows: list[F.Row] = []
            for k in range(1, net.shape[layer - 1] + 1):
                rows += F.term_rows(bp, s, layer, k) + [F.sum_row(bp, s, layer, k)]
            out += markdown_section(f"{level} {markdown_escape(title(layer, L))}", rows)
    if count > 1:
        out += markdown_section("## Mean over the batch (what a step uses)",
                                mean_rows(bp))
    return out


def _wide_outputs(trainer: Trainer) -> tuple[Samples, Any]:
    samples = trainer.samples
    return samples, trainer.network.forward(samples).a[-1]


def _wide_train_json(trainer: Trainer, initial_cost: float, steps: int | None = None
               ) -> dict[str, Any]:
    """The result of ``train`` for a network: parameters, loss history, outputs per sample;
    ``steps`` counts every step taken, ``steps_run`` those of this run (``steps``; all of
    them if None)."""
    _, outputs = _wide_outputs(trainer)
    run = trainer.steps_done if steps is None else steps
    return network_json(trainer.network) | run_json(trainer, initial_cost, steps_run=run,
                                                     outputs=outputs)


def _wide_train_text(trainer: Trainer, initial_cost: float, steps: int | None = None) -> str:
    """A short summary of a run of ``steps`` steps (all it has taken if None): cost before
    and after, parameters, each sample's output. When the trainer went on from earlier
    steps, both counts: "500 steps (800 in all)"."""
    net = trainer.network
    L = net.layers
    samples, outputs = _wide_outputs(trainer)
    out = [
        f"trained shape {shape_text(net.shape)} for {steps_text(trainer, steps)}: "
        f"η = {number(trainer.lr)}, batch size {trainer.batch_size} of "
        f"{plural(len(samples), 'sample')}",
    ]
    out += cost_lines(trainer, initial_cost) + F.parameter_lines(net)
    outs = ", ".join(F.a_sym(L, j, L) for j in range(1, net.outputs + 1))
    out.append(f"outputs {outs} per sample:")
    for s in range(len(samples)):
        out.append(f"  x = {F.vector_text(samples.x[s])}  →  {F.vector_text(outputs[s])}"
                   f"   (y = {F.vector_text(samples.y[s])})")
    return run_end(out, trainer)


# -- every shape --------------------------------------------------------------------


def trace_json(bp: BackwardPass, check: GradientCheck | None = None) -> dict[str, Any]:
    """The trace for programs (full precision): a chain's as :func:`_chain_trace_json`,
    another network's as :func:`_wide_trace_json`."""
    if bp.network.is_chain:
        return _chain_trace_json(bp, check)
    return _wide_trace_json(bp, check)


def trace_text(bp: BackwardPass, check: GradientCheck | None = None) -> str:
    """The trace to read: forward, then every factor, output layer first."""
    if bp.network.is_chain:
        return _chain_trace_text(bp, check)
    return _wide_trace_text(bp, check)


def trace_markdown(bp: BackwardPass) -> str:
    """The trace as a Markdown handout: the same rows as :func:`trace_text`, in tables."""
    return handout_end(_trace_lines(bp), F.zero_gradient_note(bp))


def handout_markdown(bp: BackwardPass, lr: float) -> str:
    """The app's handout: the trace of :func:`trace_markdown`, then the update step that
    follows it with learning rate ``lr``: every w and b, old − η·gradient = new."""
    net = bp.network
    out = _trace_lines(bp)
    new = net.step(bp, lr)
    mean = "the batch-mean gradient" if len(bp.forward.samples) > 1 else "the gradient"
    out += ["", "## " + markdown_escape(f"Update step: p ← p − η·∂C/∂p, with η = "
                                       f"{number(lr)} and {mean}, old → new"), ""]
    params = step_parameters(net)
    symbols = [symbol for _, _, symbol in params]
    out += markdown_update(
        symbols, [F.update_formula(s) for s in symbols],
        [(float(getattr(net, f"flat_{which}")[i]), lr,
          float(getattr(bp, f"mean_flat_dC_d{which}")[i]),
          float(getattr(new, f"flat_{which}")[i])) for which, i, _ in params])
    return handout_end(out, F.zero_gradient_note(bp))


def step_parameters(net: Network) -> list[tuple[str, int, str]]:
    """Every parameter in the order a step lists them, input to output, a neuron's
    weights then its bias: (``w`` or ``b``, its index in ``flat_w``/``flat_b``, its
    symbol: w(L−1) in a chain, w₁₂(L−1) in a wider network)."""
    out = []
    L = net.layers
    for layer in range(1, L + 1):
        for j in range(1, net.shape[layer] + 1):
            for k in range(1, net.shape[layer - 1] + 1):
                symbol = (F.parameter_symbol("w", layer, L) if net.is_chain
                          else F.param_sym("w", layer, j, k, L))
                out.append(("w", net.parameter_index("w", layer, j, k), symbol))
            symbol = (F.parameter_symbol("b", layer, L) if net.is_chain
                      else F.param_sym("b", layer, j, None, L))
            out.append(("b", net.parameter_index("b", layer, j), symbol))
    return out


def _trace_lines(bp: BackwardPass) -> list[str]:
    """The lines of :func:`trace_markdown`, before its end."""
    return _chain_trace_lines(bp) if bp.network.is_chain else _wide_trace_lines(bp)




def train_json(trainer: Trainer, initial_cost: float, steps: int | None = None
               ) -> dict[str, Any]:
    """The result of ``train`` for programs: final parameters, loss history, final cost
    (and for a wider network each sample's outputs). ``steps`` counts every step taken,
    ``steps_run`` those of this run (``steps``; all of them when None)."""
    if trainer.network.is_chain:
        return _chain_train_json(trainer, initial_cost, steps)
    return _wide_train_json(trainer, initial_cost, steps)


def train_text(trainer: Trainer, initial_cost: float, steps: int | None = None) -> str:
    """A short readable summary of a training run of ``steps`` steps (all it has taken if
    None). When the trainer went on from earlier steps, both counts: "500 steps (800 in all)"."""
    if trainer.network.is_chain:
        return _chain_train_text(trainer, initial_cost, steps)
    return _wide_train_text(trainer, initial_cost, steps)
