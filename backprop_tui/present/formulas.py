"""The text of every formula, written once: the screen, ``trace`` and exports use it.

Labels follow the lecture note: with N layers the output is (L), the one before
it (L−1), and so on; the input x is a(L−N). A :class:`Row` is one line of a
derivation: *symbol = formula = numbers plugged in = value*. Values always come
from the model; this module only formats them.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from functools import cached_property
from typing import TYPE_CHECKING

from ..model.errors import ModelError
from ..model.numbers import parse_number
from .format import MINUS, number, plug, precise, with_minus

if TYPE_CHECKING:
    from ..model import BackwardPass, ForwardPass, Network, Nudge


def label(layer: int, layers: int) -> str:
    """The note's label of layer ``layer`` (1..N; 0 is the input): L, L−1, …"""
    back = layers - layer
    return "L" if back == 0 else f"L{MINUS}{back}"


def a_symbol(layer: int, layers: int) -> str:
    """a(L−1) and the like; the input (layer 0) is x."""
    return "x" if layer == 0 else f"a({label(layer, layers)})"


_DOUBLE_PARENS = re.compile(r"\(\((−[^()]*)\)\)")


def _fill(template: str, **symbols: str) -> str:
    """``template`` with its placeholders filled; ``f((−1))`` reads ``f(−1)``."""
    return _DOUBLE_PARENS.sub(r"(\1)", template.format(**symbols))


APPROX_NOTE = ("≈: the numbers plugged in are rounded; the value comes from the exact "
               "ones, so redoing the sum with the rounded numbers can differ in the last digit")
"""What ``≈`` between a row's numbers and its value means (help, ``trace``, handouts)."""

_FUNCTIONS = {
    "sig": lambda z: 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z)),
    "tanh": math.tanh,
    "tanhsq": lambda z: math.tanh(z) ** 2,
    "relu": lambda z: max(0.0, z),
    "log": math.log,
}
_OPERATORS = {ast.Add: lambda p, q: p + q, ast.Sub: lambda p, q: p - q,
              ast.Mult: lambda p, q: p * q, ast.Div: lambda p, q: p / q,
              ast.Pow: lambda p, q: p ** q}


def _python(numbers: str) -> str:
    """The plugged-in numbers of a row as a Python expression (only what rows write)."""
    s = numbers.replace(MINUS, "-").replace("·", "*").replace("[", "(").replace("]", ")")
    s = s.replace("tanh²(", "tanhsq(").replace("²", "**2")
    s = s.replace("σ(", "sig(").replace("ReLU(", "relu(").replace(", else", " else")
    s = re.sub(r"ln ([0-9.]+(?:e-?[0-9]+)?)", r"log(\1)", s).replace("ln(", "log(")
    return re.sub(r"(\d|\))\(", r"\1*(", s)


_NUMBER = r"\d+(?:\.\d*)?(?:e[+-]?\d+)?"
_TERM = rf"(?:{_NUMBER}|\(-{_NUMBER}\))"
_SUM = rf"{_TERM}(?:[+-]{_TERM})++"
_FLAT_SUM = re.compile(rf"\(({_SUM})\)")
"""A sum of plain numbers in parentheses, ``(0.1+(-0.2)-0.3)``: a batch mean writes one term
per sample, far more than the parser and :func:`_evaluate` can nest."""
_WHOLE_SUM = re.compile(_SUM)
_SIGNED_TERM = re.compile(rf"([+-]?)\(?(-?{_NUMBER})\)?")


def _add_up(terms: str) -> str:
    """A sum of plain numbers (:data:`_SUM`) added term by term, left to right as Python adds
    ``a+b-c``, as a literal in parentheses that reads back as exactly that value."""
    total = 0.0
    for index, (sign, term) in enumerate(_SIGNED_TERM.findall(terms)):
        value = float(term)
        total = value if index == 0 else total - value if sign == "-" else total + value
    if math.isnan(total):
        return "(1e999-1e999)"
    return f"({total!r})" if math.isfinite(total) else f"({'-' * (total < 0)}1e999)"


def _folded(expression: str) -> str:
    """``expression`` (Python) with every flat sum of plain numbers already added up, in a
    loop: the rest is a short formula of the row."""
    if _WHOLE_SUM.fullmatch(expression):
        return _add_up(expression)
    return _FLAT_SUM.sub(lambda match: _add_up(match.group(1)), expression)


class _NotArithmetic(Exception):
    """Text that is not what rows write."""


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _evaluate(node.operand)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCTIONS and len(node.args) == 1):
        return float(_FUNCTIONS[node.func.id](_evaluate(node.args[0])))
    if (isinstance(node, ast.IfExp) and isinstance(node.test, ast.Compare)
            and len(node.test.ops) == 1 and isinstance(node.test.ops[0], ast.Gt)):
        test = _evaluate(node.test.left) > _evaluate(node.test.comparators[0])
        return _evaluate(node.body if test else node.orelse)
    raise _NotArithmetic(ast.dump(node))


def shown_arithmetic(numbers: str) -> float | None:
    """The value of a row's numbers exactly as shown (rounded); None when they have none
    (a function outside its domain at the rounded numbers); NaN for text that is not
    arithmetic of the kind rows write."""
    try:
        return _evaluate(ast.parse(_folded(_python(numbers)), mode="eval"))
    except (_NotArithmetic, SyntaxError):
        return math.nan
    except (ArithmeticError, ValueError):
        return None


@dataclass(frozen=True)
class Row:
    """One line of a derivation: ``symbol = formula = numbers = value``."""

    key: str
    """What the row is: a factor name (``dC_dw``), or ``z``, ``a``, ``C``, ``w``, ``b``."""
    layer: int
    """Its layer, 1..N (0 when it belongs to no layer, like the cost)."""
    symbol: str
    """The quantity, e.g. ``∂C/∂w(L)``."""
    formula: str
    """How it is computed, in symbols."""
    numbers: str | None
    """The formula with the numbers plugged in; None when that would repeat the value."""
    value: float
    """The value, from the model."""
    note: str = ""
    """A remark shown beside it, e.g. that x is data, not a parameter."""
    relation: str = "="
    """Between symbol and formula: ``=``, or ``←`` for an update."""

    @property
    def value_text(self) -> str:
        return number(self.value, signed=True)

    @cached_property
    def approx(self) -> bool:
        """Whether the numbers as shown (rounded) do not give the value shown: then the row
        writes ``≈`` before its value (see :data:`APPROX_NOTE`)."""
        if self.numbers is None:
            return False
        shown = shown_arithmetic(self.numbers)
        if shown is not None and math.isnan(shown):
            return False  # not arithmetic (a hand-made row): nothing to compare
        return shown is None or number(shown, signed=True) != number(self.value, signed=True)

    @property
    def equals(self) -> str:
        """Between the numbers and the value: ``=``, or ``≈`` when :attr:`approx`."""
        return "≈" if self.approx else "="

    def parts(self) -> list[str]:
        """symbol, formula, numbers (if any) and value: the pieces joined by ``=``."""
        parts = [self.symbol, self.formula]
        if self.numbers is not None:
            parts.append(self.numbers)
        parts.append(self.value_text)
        return parts

    def text(self) -> str:
        """The row on one line."""
        symbol, *rest = self.parts()
        line = f"{symbol} {self.relation} " + " = ".join(rest[:-1]) + f" {self.equals} {rest[-1]}"
        return f"{line}   ({self.note})" if self.note else line


def aligned(rows: list[Row], indent: str = "") -> list[str]:
    """The rows as lines whose columns (symbol, formula, numbers, value) line up."""
    width_symbol = max(len(r.symbol) for r in rows)
    width_formula = max(len(r.formula) for r in rows)
    width_numbers = max((len(r.numbers) + 3 for r in rows if r.numbers is not None), default=0)
    lines = []
    for row in rows:
        numbers = f" = {row.numbers}" if row.numbers is not None else ""
        line = (
            f"{indent}{row.symbol:<{width_symbol}} {row.relation} "
            f"{row.formula:<{width_formula}}{numbers:<{width_numbers}} {row.equals} "
            f"{row.value_text}"
        )
        if row.note:
            line += f"   ({row.note})"
        lines.append(line)
    return lines


X_NOTE = "x is data, not a parameter: never updated"


def _chain_forward_rows(fwd: ForwardPass, sample: int) -> list[Row]:
    """z and a of every layer (input to output), then the cost, for one sample."""
    chain = fwd.network
    n = chain.layers
    act = chain.activation
    x = float(fwd.samples.x[sample][0])
    y = float(fwd.samples.y[sample][0])
    rows: list[Row] = []
    a_prev = x
    for l in range(1, n + 1):
        lab = label(l, n)
        w, b = float(chain.flat_w[l - 1]), float(chain.flat_b[l - 1])
        z, a = float(fwd.column("z")[sample, l - 1]), float(fwd.column("a")[sample, l - 1])
        rows.append(
            Row(
                "z",
                l,
                f"z({lab})",
                f"w({lab})·{a_symbol(l - 1, n)}+b({lab})",
                f"{plug(w)}·{plug(a_prev)}+{plug(b)}",
                z,
            )
        )
        rows.append(
            Row(
                "a",
                l,
                f"a({lab})",
                f"{act.symbol}(z({lab}))",
                f"{act.symbol}({number(z)})",
                a,
            )
        )
        a_prev = a
    a_out = a_prev
    out = a_symbol(n, n)
    cost = chain.cost
    rows.append(
        Row(
            "C",
            0,
            "C",
            _fill(cost.value_text, a=out, y="y"),
            _fill(cost.value_text, a=plug(a_out), y=plug(y)),
            float(fwd.cost[sample]),
        )
    )
    return rows


def backward_rows(bp: BackwardPass, sample: int, layer: int) -> list[Row]:
    """Every chain-rule factor of layer ``layer`` (1..N) for one sample."""
    fwd = bp.forward
    chain = fwd.network
    n = chain.layers
    act = chain.activation
    i = layer - 1
    lab = label(layer, n)
    a_sym = a_symbol(layer, n)
    prev = a_symbol(layer - 1, n)
    a = float(fwd.column("a")[sample, i])
    y = float(fwd.samples.y[sample][0])
    value = {name: float(bp.column(name)[sample, i]) for name in (
        "dC_da", "da_dz", "dz_dw", "dz_db", "dz_da_prev", "dC_dw", "dC_db", "dC_da_prev")}
    dC_da = f"∂C/∂{a_sym}"
    prime = f"{act.symbol}'(z({lab}))"

    if layer == n:
        upstream = Row(
            "dC_da",
            layer,
            dC_da,
            _fill(chain.cost.gradient_text, a=a_sym, y="y"),
            _fill(chain.cost.gradient_text, a=plug(a), y=plug(y)),
            value["dC_da"],
        )
    else:
        above = label(layer + 1, n)
        above_dC_da = float(bp.column("dC_da")[sample, i + 1])
        above_prime = float(bp.column("da_dz")[sample, i + 1])
        above_w = float(chain.flat_w[i + 1])
        upstream = Row(
            "dC_da",
            layer,
            dC_da,
            f"∂C/∂a({above})·{act.symbol}'(z({above}))·w({above})",
            f"{plug(above_dC_da)}·{plug(above_prime)}·{plug(above_w)}",
            value["dC_da"],
        )
    z = float(fwd.column("z")[sample, i])
    prime_symbols = _fill(act.derivative_text, a=a_sym, z=f"z({lab})")
    prime_numbers = _fill(act.derivative_text, a=plug(a), z=plug(z))
    head = f"{plug(value['dC_da'])}·{plug(value['da_dz'])}"
    last = f"∂z({lab})/∂"
    rows = [
        upstream,
        Row("da_dz", layer, f"∂{a_sym}/∂z({lab})", f"{prime} = {prime_symbols}", prime_numbers,
            value["da_dz"]),
    ]
    cancellation = chain.cancellation
    if layer == n and cancellation is not None:
        rows.append(cancellation_row(bp, sample))
    rows += [
        Row("dz_dw", layer, f"{last}w({lab})", prev, None, value["dz_dw"],
            X_NOTE if layer == 1 else ""),
        Row("dz_db", layer, f"{last}b({lab})", "1", None, value["dz_db"]),
        Row("dz_da_prev", layer, f"{last}{prev}", f"w({lab})", None, value["dz_da_prev"]),
        Row("dC_dw", layer, f"∂C/∂w({lab})", f"{dC_da}·{prime}·{prev}",
            f"{head}·{plug(value['dz_dw'])}", value["dC_dw"]),
        Row("dC_db", layer, f"∂C/∂b({lab})", f"{dC_da}·{prime}·1", f"{head}·1", value["dC_db"]),
        Row("dC_da_prev", layer, f"∂C/∂{prev}", f"{dC_da}·{prime}·w({lab})",
            f"{head}·{plug(value['dz_da_prev'])}", value["dC_da_prev"],
            X_NOTE if layer == 1 else ""),
    ]
    return rows


def cancellation_note(chain: Network) -> str:
    """Why ∂C/∂z(L) simplifies: ``σ' cancels: (a−y)/(a·(1−a))·a·(1−a)``."""
    act = chain.activation
    dC_da = _fill(chain.cost.gradient_text, a="a", y="y")
    prime = _fill(act.derivative_text, a="a", z="z")
    return f"{act.symbol}' cancels: {dC_da}·{prime}"


def cancellation_row(bp: BackwardPass, sample: int) -> Row:
    """∂C/∂z(L) = ∂C/∂a(L)·σ'(z(L)) = a(L)−y, for a cost that cancels the output's derivative."""
    fwd = bp.forward
    chain = fwd.network
    cancellation = chain.cancellation
    if cancellation is None:
        raise ValueError(f"{chain.cost.name} does not cancel {chain.activation.name}'")
    n = chain.layers
    lab = label(n, n)
    a_sym = a_symbol(n, n)
    a = float(fwd.column("a")[sample, -1])
    y = float(fwd.samples.y[sample][0])
    return Row(
        "dC_dz",
        n,
        f"∂C/∂z({lab})",
        f"∂C/∂{a_sym}·{chain.activation.symbol}'(z({lab})) = "
        + _fill(cancellation.text, a=a_sym, y="y"),
        _fill(cancellation.text, a=plug(a), y=plug(y)),
        float(bp.column("dC_dz")[sample, -1]),
        cancellation_note(chain),
    )


def prime_product_text(layer: int, layers: int, symbol: str) -> str:
    """The product of the activation derivatives from the output down to ``layer``.

    ``σ'(z(L))·σ'(z(L−1))``; past three factors the middle ones become ``…``.
    """
    factors = [f"{symbol}'(z({label(l, layers)}))" for l in range(layers, layer - 1, -1)]
    if len(factors) > 3:
        factors = [factors[0], "…", factors[-1]]
    return "·".join(factors)


def prime_bound_text(chain: Network) -> str:
    """The bound on a product of k activation derivatives: ``(1/4)^k`` for σ, ``1`` for tanh."""
    act = chain.activation
    return "1" if act.derivative_max == 1.0 else f"({act.derivative_max_text})^k"


def vanishing_title(chain: Network) -> str:
    """The vanishing-gradient law in one line, for the chain's activation."""
    symbol = chain.activation.symbol
    n = chain.layers
    return (
        f"∏{symbol}' = {prime_product_text(1, n, symbol)}: each {symbol}' ≤ "
        f"{chain.activation.derivative_max_text}, so through k layers ∏{symbol}' ≤ "
        f"{prime_bound_text(chain)}"
    )


NUDGE_FORMULA = "(C(θ+ε)−C(θ−ε))/2ε"
"""The numeric derivative the nudge check puts beside the chain rule."""

REL_FORMULA = "|∂C/∂θ − nudge| / max(|∂C/∂θ|, |nudge|)"
"""The relative difference between the chain rule's value and the nudge."""


def nudge_title(epsilon: float) -> str:
    """What the nudge column holds, in one line."""
    return f"nudge = {NUDGE_FORMULA} with ε = {number(epsilon)}; rel = {REL_FORMULA}"


def nudge_cell(numeric: float, rel: float) -> str:
    """The nudge column beside one gradient: its numeric value and the relative difference."""
    return f"nudge {number(numeric, signed=True)}  rel {number(rel)}"


def mean_gradient_row(bp: BackwardPass, name: str, layer: int, j: int = 1,
                      k: int | None = 1) -> Row:
    """The batch gradient of w_jk or b_j (``name``) of ``layer`` as the mean of the
    samples' gradients (in a chain, j = k = 1: w(l) or b(l))."""
    i = layer - 1
    if name == "w":
        k = 1 if k is None else k
        per_sample = bp.dC_dw[i][:, j - 1, k - 1]
        mean = float(bp.mean_dC_dw[i][j - 1, k - 1])
    else:
        per_sample = bp.dC_db[i][:, j - 1]
        mean = float(bp.mean_dC_db[i][j - 1])
    return mean_row(name, layer, parameter_name(bp.network, name, layer, j, k), per_sample,
                    mean)


def mean_gradient_rows(bp: BackwardPass) -> list[Row]:
    """Every batch gradient, output layer first, neuron by neuron: w_jk, then b_j."""
    net = bp.network
    rows = []
    for layer in range(net.layers, 0, -1):
        for j in range(1, net.shape[layer] + 1):
            for k in range(1, net.shape[layer - 1] + 1):
                rows.append(mean_gradient_row(bp, "w", layer, j, k))
            rows.append(mean_gradient_row(bp, "b", layer, j))
    return rows


def mean_row(name: str, layer: int, theta: str, per_sample, mean: float) -> Row:
    """∂C/∂θ as the mean of the samples' gradients ``per_sample`` (θ: ``theta``, a
    parameter ``name`` of ``layer``): their sum over the count; ``mean`` from the model."""
    count = per_sample.size
    numbers = "(" + "+".join(plug(v) for v in per_sample) + f")/{count}"
    return Row(f"mean_dC_d{name}", layer, f"∂C/∂{theta}", f"(1/{count})·Σₖ ∂Cₖ/∂{theta}",
               numbers, mean)


def mean_cost_row(fwd: ForwardPass) -> Row:
    """The batch-mean cost (1/n)·Σₖ Cₖ."""
    count = len(fwd.samples)
    return Row("C", 0, "C", f"(1/{count})·Σₖ Cₖ", None, fwd.mean_cost)


def update_formula(theta: str) -> str:
    """How a step moves the parameter ``theta`` (``w(L)``): ``w(L) − η·∂C/∂w(L)``."""
    return f"{theta} {MINUS} η·∂C/∂{theta}"


def update_row(name: str, layer: int, theta: str, old: float, lr: float, grad: float,
               new: float) -> Row:
    """The step of one parameter ``theta`` (``name`` of ``layer``): old value to ``new``."""
    return Row(name, layer, theta, update_formula(theta),
               f"{plug(old)} {MINUS} {plug(lr)}·{plug(grad)}", float(new), relation="←")


def step_rows(net: Network, bp: BackwardPass, lr: float, new: Network) -> list[Row]:
    """The update of every parameter, p ← p − η·∂C/∂p, old value to new, input to output
    (a neuron's weights, then its bias)."""
    rows = []
    for layer in range(1, net.layers + 1):
        i = layer - 1
        for j in range(1, net.shape[layer] + 1):
            cells: list[tuple[str, int | None, float, float, float]] = [
                ("w", k, net.w[i][j - 1, k - 1], bp.mean_dC_dw[i][j - 1, k - 1],
                 new.w[i][j - 1, k - 1]) for k in range(1, net.shape[layer - 1] + 1)]
            cells.append(("b", None, net.b[i][j - 1], bp.mean_dC_db[i][j - 1],
                          new.b[i][j - 1]))
            rows += [update_row(name, layer, parameter_name(net, name, layer, j, k), old, lr,
                                grad, value) for name, k, old, grad, value in cells]
    return rows


def definitions(rows: list[Row]) -> list[str]:
    """The rows as aligned ``symbol = formula`` lines, without numbers (for a help text)."""
    width = max(len(r.symbol) for r in rows)
    return [f"{r.symbol:<{width}} {r.relation} {r.formula}" for r in rows]


def _chain_formula_lines(bp: BackwardPass) -> list[str]:
    """The chain's formulas in symbols, for the help: the forward pass, the chain rule of
    the output layer and the one below it, and the step of the first layer's w and b."""
    n = bp.forward.network.layers
    lines = ["Forward, input to output (x is data, not a parameter):"]
    lines += ["  " + line for line in definitions(_chain_forward_rows(bp.forward, 0))]
    for layer in sorted({n, n - 1} - {0}, reverse=True):
        lines.append(f"Backward, layer ({label(layer, n)}):")
        lines += ["  " + line for line in definitions(backward_rows(bp, 0, layer))]
    lines.append("Step, with the batch-mean gradient:")
    lines += [f"  {parameter_symbol(name, 1, n)} ← {update_formula(parameter_symbol(name, 1, n))}"
              for name in ("w", "b")]
    return lines


def cost_text(chain: Network) -> str:
    """The cost of the output, in symbols: ``C = (a(L)−y)²``."""
    return "C = " + _fill(chain.cost.value_text, a=a_symbol(chain.layers, chain.layers), y="y")


# -- teaching: the nudge in the app, the slope and fit views, the quiz -----------


def parameter_symbol(which: str, layer: int, layers: int) -> str:
    """``w(L)``, ``b(L−1)``: the parameter ``which`` of ``layer`` in a chain."""
    return f"{which}({label(layer, layers)})"


def parameter_name(net: Network, which: str, layer: int, j: int = 1,
                   k: int | None = 1) -> str:
    """The one notation of a parameter: w_jk(l) or b_j(l) with its indices (``w₁₂(L)``),
    without them in a chain, where every layer has one neuron (``w(L)``)."""
    if net.is_chain:
        return parameter_symbol(which, layer, net.layers)
    return param_sym(which, layer, j, k if which == "w" else None, net.layers)


def nudge_digits(up: float, down: float) -> int:
    """Significant digits that show C(θ+ε) and C(θ−ε) apart: at least 9, at most 17."""
    diff = abs(up - down)
    scale = max(abs(up), abs(down))
    if diff == 0.0 or scale == 0.0 or not math.isfinite(scale / diff):
        return 9
    return min(17, max(9, math.ceil(math.log10(scale / diff)) + 4))


def nudge_rows(result: Nudge, net: Network) -> list[Row]:
    """The nudge check of one parameter of ``net``: the numeric derivative, the chain rule,
    their difference."""
    theta = parameter_name(net, result.which, result.layer, result.neuron, result.input)
    formula = NUDGE_FORMULA.replace("θ", theta)
    digits = nudge_digits(result.cost_up, result.cost_down)
    return [
        Row("nudge", result.layer, "nudge", formula,
            f"({precise(result.cost_up, digits)}{MINUS}{precise(result.cost_down, digits)})"
            f"/(2·{number(result.epsilon)})", result.numeric),
        Row(f"mean_dC_d{result.which}", result.layer, f"∂C/∂{theta}",
            "the chain rule (batch mean)", None, result.analytic),
        Row("rel", result.layer, "rel", REL_FORMULA.replace("θ", theta), None,
            result.rel_error),
    ]


def slope_title(theta: str, slope: float) -> str:
    """The slope view's title for the parameter ``theta`` (``w(L)``, ``w₁₂(L)``): the
    tangent's slope is ∂C/∂θ."""
    return f"C against {theta} · tangent slope ∂C/∂{theta} = {number(slope, signed=True)}"


def fit_title(chain: Network) -> str:
    """The fit view's title."""
    return f"fit: {a_symbol(chain.layers, chain.layers)} against x · the samples as points"


class HiddenRow(Row):
    """A factor the quiz hides: its formula stays, its numbers and value do not."""

    @property
    def value_text(self) -> str:
        return "?"


def hidden(row: Row) -> Row:
    """``row`` with its numbers and value hidden."""
    return HiddenRow(**{f.name: getattr(row, f.name) for f in fields(Row)} | {"numbers": None})


def quiz_rows(rows: list[Row], index: int) -> list[Row]:
    """The rows up to the hidden one (``index``), which is hidden; later rows use its value."""
    if not 0 <= index < len(rows):
        return list(rows)
    return list(rows[:index]) + [hidden(rows[index])]


def quiz_hint(row: Row) -> str:
    """Which formula gives ``row``."""
    return f"use {row.symbol} {row.relation} {row.formula}"


def off_by(guess: float, truth: float) -> str:
    """How far a guess is from the value: ``+0.0123 (+4.5%)``."""
    difference = guess - truth
    text = number(difference, signed=True)
    if truth != 0.0:
        text += with_minus(f" ({100 * difference / abs(truth):+.3g}%)")
    return text


def revealed_text(result: Mapping[str, object]) -> str | None:
    """A class's question revealed (the hub's ``result``: ``symbol``, ``value``, the
    student's own answer ``yours`` as typed, ``right``): the value and the student's
    result in words; None when the value is not a number."""
    value = result.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    shown = f"revealed: {result.get('symbol')} = {number(float(value), signed=True)}"
    yours = result.get("yours")
    if yours is None:
        return f"{shown}; you did not answer"
    if result.get("right"):
        return f"{shown}; your {yours} is right"
    try:
        off = off_by(parse_number(str(yours), "answer"), float(value))
    except ModelError:
        off = "?"
    return f"{shown}; your {yours} is off by {off}"


# -- settings that are finite but do not teach what they seem to -------------------


def lr_warning(lr: float) -> str | None:
    """What a step does with η ≤ 0, in one line; None for η > 0."""
    if lr > 0:
        return None
    if lr == 0:
        return ("η = 0: w ← w − 0·∂C/∂w leaves every w and b where it is, "
                "so the cost will not fall")
    return (f"η = {number(lr)} < 0: w ← w − η·∂C/∂w moves every w and b up its gradient, "
            "so the cost will rise")


def zero_gradient_note(bp: BackwardPass) -> str | None:
    """Why every gradient of the batch is exactly 0, in one line; None when one is not.

    Every gradient carries the factor ∂C/∂a(L)·g'(z(L)) of its sample (in a wider
    network, of each output neuron j), so all are 0 exactly when that product is 0 for
    every sample (and output).
    """
    if any(g.any() for g in (*bp.dC_dw, *bp.dC_db)):
        return None
    net = bp.network
    n = net.layers
    act = net.activation.symbol
    lab = label(n, n)
    j = "" if net.is_chain else "ⱼ"
    out, z = f"a{j}({lab})", f"z{j}({lab})"
    every = "every sample" if net.outputs == 1 else "every output and sample"
    tail = "so every gradient is 0 and a step changes nothing"
    if not bp.dC_da[-1].any():
        return f"∂C/∂{out} = 0 for {every} ({out} = y{j}: C is at its least), {tail}"
    if not bp.da_dz[-1].any():
        where = " (z ≤ 0: a dead ReLU)" if net.activation.name == "relu" else ""
        change = f"w({lab}) or b({lab})" if net.is_chain else f"the weights or biases of ({lab})"
        return (f"{act}'({z}) = 0 for {every}{where}: the chain rule multiplies "
                f"by 0, {tail}; change {change}")
    return f"∂C/∂{out}·{act}'({z}) = 0 for {every}: {tail}"


# -- narration: one line under the panels, in the lecture note's words ---------------

NARRATION_WIDTH = 78
"""Cells a narration line may take (it fits an 80-column terminal)."""


def narration(phase: str, layer: int, layers: int, symbol: str = "σ", training: bool = False,
              revealing: bool = False) -> str:
    """What just happened and why, and what to press next, for ``phase`` at ``layer``
    (``symbol``: the activation's)."""
    if training:
        return "training: every step moves w and b against a batch's mean gradient; t stops"
    if phase == "forward":
        return (f"z = w·a+b and a = {symbol}(z), layer by layer from x to C; "
                "b: the chain rule back")
    if phase == "backward":
        if revealing:
            return "the next factor is hidden: say its value before it is shown"
        if layer > 1:
            below = label(layer - 1, layers)
            return (f"∂C/∂a({below}) is passed down: it starts the chain rule at ({below}); "
                    f"b: ({below})")
        return "x is data: the chain stops here; s: every w and b takes its step"
    if phase == "step":
        return "every w and b moved against its mean gradient; f: the new cost"
    return "nothing computed yet for these numbers: f runs the forward pass"

# -- with indices: a network with a layer wider than one ---------------------------------
#
# The same rows, written with the neuron indices: w_jk(l) is the weight from neuron k of
# layer l−1 to neuron j of layer l, shown as ``w₁₂(L)``; the inputs are x₁, x₂, …;
# neurons are counted from 1. The new row is the sum
#
#     ∂C/∂a_k(l−1) = Σ_j w_jk(l)·σ'(z_j(l))·∂C/∂a_j(l)
#
# shown one term per neuron j, then the terms added.


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(index: int) -> str:
    """A neuron's number (1-based) as subscript digits: 1 → ``₁``."""
    return str(index).translate(_SUBSCRIPTS)


def a_sym(layer: int, neuron: int, layers: int) -> str:
    """a₂(L−1), or x₂ for the input layer 0; ``neuron`` is 1-based."""
    return f"x{sub(neuron)}" if layer == 0 else f"a{sub(neuron)}({label(layer, layers)})"


def weight_index(j: int, k: int) -> str:
    """₁₂ for w₁₂; with a neuron from 10 on a comma between them (₁₃,₁ for j = 13, k = 1),
    which one run of digits would leave ambiguous."""
    return sub(j) + ("," if j > 9 or k > 9 else "") + sub(k)


def param_sym(name: str, layer: int, j: int, k: int | None, layers: int) -> str:
    """w₁₂(L) (``k`` given) or b₁(L); ``j`` and ``k`` are 1-based."""
    index = sub(j) if k is None else weight_index(j, k)
    return f"{name}{index}({label(layer, layers)})"


def _sum(parts: list[str]) -> str:
    return "+".join(parts)


def _wide_forward_rows(fwd: ForwardPass, sample: int) -> list[Row]:
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


def neuron_rows(bp: BackwardPass, sample: int, layer: int, j: int,
                most: int | None = None) -> list[Row]:
    """The factors of neuron ``j`` (1-based) of ``layer`` (1..L) for one sample: ∂C/∂a_j,
    σ'(z_j), δ_j = ∂C/∂z_j, then ∂C/∂w_jk for every k and ∂C/∂b_j (``most``: as
    :func:`sum_row` takes it)."""
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
        upstream = replace(sum_row(bp, sample, layer + 1, j, most), key="dC_da", layer=layer,
                           note="")
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


def sum_row(bp: BackwardPass, sample: int, layer: int, k: int, most: int | None = None) -> Row:
    """∂C/∂a_k(layer−1) = Σ_j w_jk·σ'(z_j)·∂C/∂a_j: the terms (as :func:`term_rows` shows
    them, rounded) added; the value is the exact sum. With more than ``most`` terms, the
    first three and the last two are written, ``…`` for the rest (a screen's width)."""
    net = bp.network
    L = net.layers
    i = layer - 1
    lab = label(layer, L)
    symbol = net.activation.symbol
    target = a_sym(layer - 1, k, L)
    if net.shape[layer] > 1:
        formula = f"Σⱼ wⱼ{sub(k)}({lab})·{symbol}'(zⱼ({lab}))·∂C/∂aⱼ({lab})"
        terms = [plug(t) for t in bp.dC_da_prev_terms[i][sample, :, k - 1]]
        if most is not None and len(terms) > max(most, 5):
            terms = terms[:3] + ["…"] + terms[-2:]
        numbers = "+".join(terms)
    else:  # one neuron above: one term, the chain's product
        formula = term_symbols(layer, 1, k, net)
        numbers = _term_numbers(bp, sample, layer, 1, k)
    note = X_NOTE if layer == 1 else ""
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


def _wide_formula_lines(bp: BackwardPass) -> list[str]:
    """The network's formulas in symbols, for the help: the forward pass, the factors of
    each layer's first neuron and the sum handed down, the matrix form and the step."""
    L = bp.network.layers
    lines = ["Forward, input to output (x is data, not a parameter):"]
    lines += ["  " + line for line in definitions(_wide_forward_rows(bp.forward, 0))]
    for layer in range(L, 0, -1):
        lines.append(f"Backward, layer ({label(layer, L)}), neuron 1:")
        lines += ["  " + line for line in definitions(neuron_rows(bp, 0, layer, 1))]
        lines += ["  " + line for line in definitions([sum_row(bp, 0, layer, 1)])]
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


# -- every shape ------------------------------------------------------------------------


def forward_rows(fwd: ForwardPass, sample: int) -> list[Row]:
    """z and a of every neuron, input to output, then the cost, for one sample: a chain's
    without indices, a wider network's with them."""
    if fwd.network.is_chain:
        return _chain_forward_rows(fwd, sample)
    return _wide_forward_rows(fwd, sample)


def formula_lines(bp: BackwardPass) -> list[str]:
    """The formulas in symbols, for the help."""
    if bp.network.is_chain:
        return _chain_formula_lines(bp)
    return _wide_formula_lines(bp)
