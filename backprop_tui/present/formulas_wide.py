"""The text of every formula of a network with several neurons a layer, with its indices.

The same rows as :mod:`formulas` (a :class:`~formulas.Row` is *symbol = formula
= numbers plugged in = value*, with ``≈`` where the rounded numbers do not give
the value), written with the neuron indices: w_jk(l) is the weight from neuron
k of layer l−1 to neuron j of layer l, shown as ``w₁₂(L)``; the inputs are x₁,
x₂, …; neurons are counted from 1. The new row is the sum

    ∂C/∂a_k(l−1) = Σ_j w_jk(l)·σ'(z_j(l))·∂C/∂a_j(l)

shown one term per neuron j, then the terms added. Values come from the model.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..model.network import BackwardPass, ForwardPass, Network
from . import formulas
from .format import MINUS, number, plug
from .formulas import Row, _fill, label

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(index: int) -> str:
    """A neuron's number (1-based) as subscript digits: 1 → ``₁``."""
    return str(index).translate(_SUBSCRIPTS)


def a_sym(layer: int, neuron: int, layers: int) -> str:
    """a₂(L−1), or x₂ for the input layer 0; ``neuron`` is 1-based."""
    return f"x{sub(neuron)}" if layer == 0 else f"a{sub(neuron)}({label(layer, layers)})"


def param_sym(name: str, layer: int, j: int, k: int | None, layers: int) -> str:
    """w₁₂(L) (``k`` given) or b₁(L); ``j`` and ``k`` are 1-based."""
    index = sub(j) + ("" if k is None else sub(k))
    return f"{name}{index}({label(layer, layers)})"


def _sum(parts: list[str]) -> str:
    return "+".join(parts)


def forward_rows(fwd: ForwardPass, sample: int) -> list[Row]:
    """z_j and a_j of every neuron, input to output, then the cost, for one sample."""
    net = fwd.network
    L = net.layers
    symbol = net.activation.symbol
    rows: list[Row] = []
    for l in range(1, L + 1):
        lab = label(l, L)
        w, b = net.w[l - 1], net.b[l - 1]
        a_prev = fwd.a_prev(l - 1)[sample]
        for j in range(1, net.shape[l] + 1):
            ks = range(1, net.shape[l - 1] + 1)
            formula = _sum([f"{param_sym('w', l, j, k, L)}·{a_sym(l - 1, k, L)}" for k in ks]
                           + [param_sym("b", l, j, None, L)])
            numbers = _sum([f"{plug(w[j - 1, k - 1])}·{plug(a_prev[k - 1])}" for k in ks]
                           + [plug(b[j - 1])])
            z = float(fwd.z[l - 1][sample, j - 1])
            rows.append(Row("z", l, f"z{sub(j)}({lab})", formula, numbers, z))
            rows.append(Row("a", l, a_sym(l, j, L), f"{symbol}(z{sub(j)}({lab}))",
                            f"{symbol}({number(z)})", float(fwd.a[l - 1][sample, j - 1])))
    cost = net.cost
    outputs = range(1, net.outputs + 1)
    a_out, y = fwd.a[-1][sample], fwd.samples.y[sample]
    formula = _sum([_fill(cost.value_text, a=a_sym(L, j, L), y=f"y{sub(j)}") for j in outputs])
    numbers = _sum([_fill(cost.value_text, a=plug(a_out[j - 1]), y=plug(y[j - 1]))
                    for j in outputs])
    rows.append(Row("C", 0, "C", formula, numbers, float(fwd.cost[sample])))
    return rows


def neuron_rows(bp: BackwardPass, sample: int, layer: int, j: int) -> list[Row]:
    """The factors of neuron ``j`` (1-based) of ``layer`` (1..L) for one sample: ∂C/∂a_j,
    σ'(z_j), δ_j = ∂C/∂z_j, then ∂C/∂w_jk for every k and ∂C/∂b_j."""
    fwd = bp.forward
    net = fwd.network
    L = net.layers
    act = net.activation
    i, jj = layer - 1, j - 1
    lab = label(layer, L)
    a_j = a_sym(layer, j, L)
    z_j = f"z{sub(j)}({lab})"
    dC_da = float(bp.dC_da[i][sample, jj])
    prime = float(bp.da_dz[i][sample, jj])
    delta = float(bp.dC_dz[i][sample, jj])
    a = float(fwd.a[i][sample, jj])
    z = float(fwd.z[i][sample, jj])
    dC_da_sym = f"∂C/∂{a_j}"
    prime_sym = f"{act.symbol}'({z_j})"
    if layer == L:
        y = float(fwd.samples.y[sample, jj])
        upstream = Row("dC_da", layer, dC_da_sym,
                       _fill(net.cost.gradient_text, a=a_j, y=f"y{sub(j)}"),
                       _fill(net.cost.gradient_text, a=plug(a), y=plug(y)), dC_da)
    else:
        upstream = replace(sum_row(bp, sample, layer + 1, j), key="dC_da", layer=layer, note="")
    rows = [
        upstream,
        Row("da_dz", layer, f"∂{a_j}/∂{z_j}",
            f"{prime_sym} = {_fill(act.derivative_text, a=a_j, z=z_j)}",
            _fill(act.derivative_text, a=plug(a), z=plug(z)), prime),
    ]
    cancellation = net.cancellation
    if layer == L and cancellation is not None:
        y = float(fwd.samples.y[sample, jj])
        rows.append(Row("dC_dz", layer, f"∂C/∂{z_j}",
                        f"{dC_da_sym}·{prime_sym} = " + _fill(cancellation.text, a=a_j,
                                                             y=f"y{sub(j)}"),
                        _fill(cancellation.text, a=plug(a), y=plug(y)), delta,
                        f"{act.symbol}' cancels"))
    else:
        rows.append(Row("dC_dz", layer, f"∂C/∂{z_j}", f"{dC_da_sym}·{prime_sym}",
                        f"{plug(dC_da)}·{plug(prime)}", delta))
    head = f"{plug(dC_da)}·{plug(prime)}"
    a_prev = fwd.a_prev(i)[sample]
    for k in range(1, net.shape[layer - 1] + 1):
        rows.append(Row("dC_dw", layer, f"∂C/∂{param_sym('w', layer, j, k, L)}",
                        f"{dC_da_sym}·{prime_sym}·{a_sym(layer - 1, k, L)}",
                        f"{head}·{plug(a_prev[k - 1])}", float(bp.dC_dw[i][sample, jj, k - 1])))
    rows.append(Row("dC_db", layer, f"∂C/∂{param_sym('b', layer, j, None, L)}",
                    f"{dC_da_sym}·{prime_sym}·1", f"{head}·1", float(bp.dC_db[i][sample, jj])))
    return rows


def term_symbols(layer: int, j: int, k: int, net: Network) -> str:
    """w_jk(l)·σ'(z_j(l))·∂C/∂a_j(l) with the indices filled in (1-based)."""
    L = net.layers
    lab = label(layer, L)
    return (f"{param_sym('w', layer, j, k, L)}·{net.activation.symbol}'(z{sub(j)}({lab}))·"
            f"∂C/∂{a_sym(layer, j, L)}")


def term_rows(bp: BackwardPass, sample: int, layer: int, k: int) -> list[Row]:
    """The terms of ∂C/∂a_k(layer−1), one per neuron j of ``layer``: w_jk·σ'(z_j)·∂C/∂a_j.

    None when ``layer`` has one neuron: the sum is then that one product
    (:func:`sum_row` shows it).
    """
    net = bp.network
    if net.shape[layer] == 1:
        return []
    return [Row("dC_da_prev_term", layer, f"term j={j}", term_symbols(layer, j, k, net),
                _term_numbers(bp, sample, layer, j, k),
                float(bp.dC_da_prev_terms[layer - 1][sample, j - 1, k - 1]))
            for j in range(1, net.shape[layer] + 1)]


def _term_numbers(bp: BackwardPass, sample: int, layer: int, j: int, k: int) -> str:
    i, jj = layer - 1, j - 1
    return (f"{plug(bp.network.w[i][jj, k - 1])}·{plug(bp.da_dz[i][sample, jj])}·"
            f"{plug(bp.dC_da[i][sample, jj])}")


def sum_row(bp: BackwardPass, sample: int, layer: int, k: int) -> Row:
    """∂C/∂a_k(layer−1) = Σ_j w_jk·σ'(z_j)·∂C/∂a_j: the terms (as :func:`term_rows` shows
    them, rounded) added; the value is the exact sum."""
    net = bp.network
    L = net.layers
    i = layer - 1
    lab = label(layer, L)
    symbol = net.activation.symbol
    target = a_sym(layer - 1, k, L)
    if net.shape[layer] > 1:
        formula = f"Σⱼ wⱼ{sub(k)}({lab})·{symbol}'(zⱼ({lab}))·∂C/∂aⱼ({lab})"
        numbers = "+".join(plug(t) for t in bp.dC_da_prev_terms[i][sample, :, k - 1])
    else:  # one neuron above: one term, the chain's product
        formula = term_symbols(layer, 1, k, net)
        numbers = _term_numbers(bp, sample, layer, 1, k)
    note = formulas.X_NOTE if layer == 1 else ""
    return Row("dC_da_prev", layer, f"∂C/∂{target}", formula, numbers,
               float(bp.dC_da_prev[i][sample, k - 1]), note)


def sum_title(layer: int, layers: int) -> str:
    """The heading of the sums that pass ∂C/∂a down from ``layer`` to the layer below."""
    lab, below = label(layer, layers), label(layer - 1, layers)
    what = "∂C/∂x" if layer == 1 else f"∂C/∂a({below})"
    return (f"{what}: each neuron k below feeds every neuron j of ({lab}), so its "
            f"∂C/∂a is a sum, one term per j")


def single_title(layer: int, layers: int) -> str:
    """The heading of ∂C/∂a handed down from a layer of one neuron: one term, no sum."""
    below = label(layer - 1, layers)
    what = "∂C/∂x" if layer == 1 else f"∂C/∂a({below})"
    return f"{what}: ({label(layer, layers)}) has one neuron, so one term each"


def mean_gradient_row(bp: BackwardPass, name: str, layer: int, j: int,
                      k: int | None = None) -> Row:
    """The batch gradient of w_jk or b_j (``name``) as the mean of the samples' gradients."""
    L = bp.network.layers
    i = layer - 1
    if name == "w":
        assert k is not None
        per_sample = bp.dC_dw[i][:, j - 1, k - 1]
        mean = float(bp.mean_dC_dw[i][j - 1, k - 1])
    else:
        per_sample = bp.dC_db[i][:, j - 1]
        mean = float(bp.mean_dC_db[i][j - 1])
    return formulas.mean_row(name, layer, param_sym(name, layer, j, k, L), per_sample, mean)


def mean_gradient_rows(bp: BackwardPass) -> list[Row]:
    """Every batch gradient, output layer first, neuron by neuron."""
    net = bp.network
    rows = []
    for layer in range(net.layers, 0, -1):
        for j in range(1, net.shape[layer] + 1):
            for k in range(1, net.shape[layer - 1] + 1):
                rows.append(mean_gradient_row(bp, "w", layer, j, k))
            rows.append(mean_gradient_row(bp, "b", layer, j))
    return rows


def step_rows(net: Network, bp: BackwardPass, lr: float, new: Network) -> list[Row]:
    """The update of every parameter, p ← p − η·∂C/∂p, input to output."""
    L = net.layers
    rows = []
    for layer in range(1, L + 1):
        i = layer - 1
        for j in range(1, net.shape[layer] + 1):
            cells: list[tuple[str, int | None, float, float, float]] = [
                ("w", k, net.w[i][j - 1, k - 1], bp.mean_dC_dw[i][j - 1, k - 1],
                 new.w[i][j - 1, k - 1]) for k in range(1, net.shape[layer - 1] + 1)]
            cells.append(("b", None, net.b[i][j - 1], bp.mean_dC_db[i][j - 1],
                          new.b[i][j - 1]))
            rows += [formulas.update_row(name, layer, param_sym(name, layer, j, k, L), old, lr,
                                         grad, value) for name, k, old, grad, value in cells]
    return rows


def neuron_parameters(net: Network) -> list[tuple[int, int, list[str], float]]:
    """Each neuron, input to output: its layer, its number j (1-based), its weights as
    ``w₁₂(L) = +0.5000`` and its bias."""
    L = net.layers
    return [(layer, j, [f"{param_sym('w', layer, j, k, L)} = "
                        f"{number(net.w[layer - 1][j - 1, k - 1], True)}"
                        for k in range(1, net.shape[layer - 1] + 1)],
             float(net.b[layer - 1][j - 1]))
            for layer in range(1, L + 1) for j in range(1, net.shape[layer] + 1)]


def parameter_lines(net: Network, indent: str = "  ") -> list[str]:
    """The parameters, input to output: one line per neuron, its weights then its bias."""
    L = net.layers
    return [f"{indent}({label(layer, L)}) neuron {j}:  " + "   ".join(
                weights + [f"{param_sym('b', layer, j, None, L)} = {number(bias, True)}"])
            for layer, j, weights, bias in neuron_parameters(net)]


def formula_lines(bp: BackwardPass) -> list[str]:
    """The network's formulas in symbols, for the help: the forward pass, the factors of
    each layer's first neuron and the sum handed down, the matrix form and the step."""
    L = bp.network.layers
    lines = ["Forward, input to output (x is data, not a parameter):"]
    lines += ["  " + line for line in formulas.definitions(forward_rows(bp.forward, 0))]
    for layer in range(L, 0, -1):
        lines.append(f"Backward, layer ({label(layer, L)}), neuron 1:")
        lines += ["  " + line for line in formulas.definitions(neuron_rows(bp, 0, layer, 1))]
        lines += ["  " + line for line in formulas.definitions([sum_row(bp, 0, layer, 1)])]
    g = bp.network.activation.symbol
    lines.append(f"Matrix form: δ(l) = W(l+1)ᵀ·δ(l+1) ⊙ {g}'(z(l)),  ∂C/∂W(l) = δ(l)·a(l−1)ᵀ,"
                 "  ∂C/∂a(l−1) = W(l)ᵀ·δ(l)")
    lines.append("A step: every w_jk, b_j moves by −η·(the mean of its gradient over the "
                 "samples)")
    return lines


def vector_text(values) -> str:
    """(0.1000, 0.9000): a sample's inputs or targets."""
    return "(" + ", ".join(number(v) for v in values) + ")"


# -- the matrix form: the same sums, a layer at a time ------------------------------


def vector_numbers(values) -> str:
    """[0.2383, (−0.01216)]: a vector's numbers, ready to be plugged in."""
    return "[" + ", ".join(plug(v) for v in values) + "]"


def matrix_numbers(matrix) -> str:
    """[[0.2200, 1.0100], [1.1100, (−0.8100)]]: a matrix's numbers, row by row."""
    return "[" + ", ".join(vector_numbers(row) for row in matrix) + "]"


@dataclass(frozen=True)
class VectorLine:
    """A line of the matrix form: ``symbol = formula = numbers = values``, the values a
    vector (each one also a :class:`Row` of :func:`matrix_rows`, checked there)."""

    symbol: str
    formula: str
    numbers: str
    values: tuple[float, ...]

    def text(self) -> str:
        values = "[" + ", ".join(number(v) for v in self.values) + "]"
        return f"{self.symbol} = {self.formula} = {self.numbers} = {values}"


def delta_symbol(layer: int, layers: int) -> str:
    return f"δ({label(layer, layers)})"


def matrix_lines(bp: BackwardPass, sample: int, layer: int) -> list[VectorLine]:
    """δ(l) = W(l+1)ᵀ·δ(l+1) ⊙ σ'(z(l)) (at the output: ∂C/∂a(L) ⊙ σ'(z(L))) and
    ∂C/∂a(l−1) = W(l)ᵀ·δ(l), with the numbers of one sample (``layer`` 1..L)."""
    net = bp.network
    L = net.layers
    i = layer - 1
    lab = label(layer, L)
    symbol = net.activation.symbol
    delta = tuple(float(v) for v in bp.dC_dz[i][sample])
    prime = vector_numbers(bp.da_dz[i][sample])
    lines = []
    if layer == L:
        if net.cancellation is not None:
            formula = f"a({lab}) {MINUS} y"
            numbers = (f"{vector_numbers(bp.forward.a[i][sample])} {MINUS} "
                       f"{vector_numbers(bp.forward.samples.y[sample])}")
        else:
            formula = f"∂C/∂a({lab}) ⊙ {symbol}'(z({lab}))"
            numbers = f"{vector_numbers(bp.dC_da[i][sample])} ⊙ {prime}"
    else:
        above = label(layer + 1, L)
        formula = f"W({above})ᵀ·δ({above}) ⊙ {symbol}'(z({lab}))"
        numbers = (f"{matrix_numbers(net.w[i + 1])}ᵀ·{vector_numbers(bp.dC_dz[i + 1][sample])}"
                   f" ⊙ {prime}")
    lines.append(VectorLine(delta_symbol(layer, L), formula, numbers, delta))
    below = "∂C/∂x" if layer == 1 else f"∂C/∂a({label(layer - 1, L)})"
    lines.append(VectorLine(below, f"W({lab})ᵀ·δ({lab})",
                            f"{matrix_numbers(net.w[i])}ᵀ·{vector_numbers(delta)}",
                            tuple(float(v) for v in bp.dC_da_prev[i][sample])))
    return lines


def matrix_rows(bp: BackwardPass, sample: int, layer: int, j: int, k: int) -> list[Row]:
    """The matrix form's rows for w_jk(``layer``) (1-based): δ_j(l) as the j-th entry of
    W(l+1)ᵀ·δ(l+1) times σ'(z_j(l)), ∂C/∂w_jk(l) = δ_j(l)·a_k(l−1), and ∂C/∂a_k(l−1) as
    the k-th entry of W(l)ᵀ·δ(l): a row of products, the Σ row's very terms."""
    net = bp.network
    L = net.layers
    i, jj, kk = layer - 1, j - 1, k - 1
    lab = label(layer, L)
    symbol = net.activation.symbol
    delta_j = f"δ{sub(j)}({lab})"
    rows = []
    prime = float(bp.da_dz[i][sample, jj])
    if layer < L:
        above = label(layer + 1, L)
        deltas = bp.dC_dz[i + 1][sample]
        column = net.w[i + 1][:, jj]
        inner = "+".join(f"{plug(w)}·{plug(d)}" for w, d in zip(column, deltas))
        rows.append(Row("dC_dz", layer, delta_j,
                        f"[W({above})ᵀ·δ({above})]{sub(j)}·{symbol}'(z{sub(j)}({lab}))",
                        f"({inner})·{plug(prime)}", float(bp.dC_dz[i][sample, jj])))
    elif net.cancellation is not None:
        a, y = bp.forward.a[i][sample, jj], bp.forward.samples.y[sample, jj]
        rows.append(Row("dC_dz", layer, delta_j,
                        _fill(net.cancellation.text, a=a_sym(layer, j, L), y=f"y{sub(j)}"),
                        _fill(net.cancellation.text, a=plug(a), y=plug(y)),
                        float(bp.dC_dz[i][sample, jj]), f"{symbol}' cancels"))
    else:
        rows.append(Row("dC_dz", layer, delta_j,
                        f"∂C/∂{a_sym(layer, j, L)}·{symbol}'(z{sub(j)}({lab}))",
                        f"{plug(bp.dC_da[i][sample, jj])}·{plug(prime)}",
                        float(bp.dC_dz[i][sample, jj])))
    a_prev = float(bp.forward.a_prev(i)[sample, kk])
    rows.append(Row("dC_dw", layer, f"∂C/∂{param_sym('w', layer, j, k, L)}",
                    f"{delta_j}·{a_sym(layer - 1, k, L)}",
                    f"{plug(bp.dC_dz[i][sample, jj])}·{plug(a_prev)}",
                    float(bp.dC_dw[i][sample, jj, kk])))
    column = net.w[i][:, kk]
    deltas = bp.dC_dz[i][sample]
    rows.append(Row("dC_da_prev", layer, f"∂C/∂{a_sym(layer - 1, k, L)}",
                    f"[W({lab})ᵀ·δ({lab})]{sub(k)} = Σⱼ wⱼ{sub(k)}({lab})·δⱼ({lab})",
                    "+".join(f"{plug(w)}·{plug(d)}" for w, d in zip(column, deltas)),
                    float(bp.dC_da_prev[i][sample, kk])))
    return rows
