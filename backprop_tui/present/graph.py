"""The computation graph of one sample: the lecture's tree, as data and as Graphviz DOT.

w(L), a(L−1) and b(L) feed z(L), z(L) feeds a(L), a(L) and y feed C, and the same
tree repeats one layer down. The graph has one node per quantity (x, each w, b, z,
a, y and C; in a layer of several neurons one per w_jk, b_j, z_j, a_j), edges in the
direction of the computation, and on each node its value and, once the backward pass
has reached it, its gradient ∂C/∂node. Each edge source → target carries the local
derivative ∂target/∂source and the contribution it adds to the source's gradient,
∂C/∂target·∂target/∂source; a node's gradient is the sum of the contributions of its
edges out. Where a value fans out (a_k(l−1) feeding every neuron of layer l) that sum
is the Σ row of the derivation (:func:`.formulas.sum_row`), term for term.

Nothing is computed here: every number is read from a :class:`BackwardPass` (and its
:class:`ForwardPass`), written by :mod:`.format` in the one notation of
:mod:`.formulas` (w(L) in a chain, w₁₂(L) with indices in a wider network).

The gradients are the sample's own, ∂C_k/∂node. A step moves each w and b by the
mean of its gradient over the batch: a parameter's node also holds that mean
(``mean_gradient``), which :func:`graph_dot` shows when the batch has several samples.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..model import ModelError
from . import formulas as F
from .format import BLANK, number, plug
from .text import sample_tag

if TYPE_CHECKING:
    from ..model import BackwardPass, Network

KINDS: tuple[str, ...] = ("x", "w", "b", "z", "a", "y", "C")
"""The kinds of node: the data x and y, the parameters w and b, z and a of each
neuron, and the cost C."""


@dataclass(frozen=True)
class GraphNode:
    """One quantity of the computation of one sample."""

    id: str
    """Unique, plain ASCII (``w3_1_2`` for w_12 of layer 3, ``a2_1``, ``x1``, ``y1``, ``C``)."""
    kind: str
    """One of :data:`KINDS`."""
    layer: int
    """0 for x, 1..L for w, b, z and a, L+1 for y and C (after the output layer)."""
    neuron: int | None
    """j of w_jk, b_j, z_j, a_j, y_j, or k of x_k (from 1); None for C."""
    input: int | None
    """k of w_jk (from 1); None for every other node."""
    label: str
    """The quantity in the program's notation: ``w(L)``, ``w₁₂(L)``, ``a₂(L−1)``, ``x₁``."""
    value: float
    gradient: float | None
    """∂C/∂node for the graph's sample; None before the backward pass reaches it, and
    always for y (data the lesson takes no derivative by)."""
    mean_gradient: float | None = None
    """For w and b, once reached: the batch mean of their gradient, what a step uses."""
    contributions: tuple[float, ...] = ()
    """For a fan-out node (x_k or a_k(l) feeding several neurons), once reached: the
    contribution of each edge out, in the order of :attr:`Graph.edges` (neuron j = 1, 2, …)."""
    sum_row: F.Row | None = None
    """For a fan-out node, once reached: the Σ row of the derivation, the contributions
    added (its value is :attr:`gradient`)."""
    forward_row: F.Row | None = None
    """For z, a and C: the forward pass's row that gives the value."""
    note: str = ""
    """A remark: x and y are data, not parameters."""

    @property
    def fan_out(self) -> bool:
        return len(self.contributions) > 1

    @property
    def value_text(self) -> str:
        return number(self.value, signed=True)

    @property
    def gradient_text(self) -> str:
        """The gradient as the rows write it, :data:`BLANK` while not reached."""
        return BLANK if self.gradient is None else number(self.gradient, signed=True)

    @property
    def is_parameter(self) -> bool:
        return self.kind in ("w", "b")


@dataclass(frozen=True)
class GraphEdge:
    """source → target: the source is an input of the target's computation."""

    source: str
    target: str
    local: float | None
    """∂target/∂source (a(l−1) for w → z, w for a(l−1) → z, 1 for b → z, g'(z) for
    z → a, ∂C/∂a(L) for a(L) → C); None for y → C."""
    local_formula: str
    """∂target/∂source in symbols: ``a(L−1)``, ``w₁₂(L)``, ``1``, ``σ'(z(L))``, ``∂C/∂a(L)``
    (empty for y → C)."""
    contribution: float | None
    """∂C/∂target·∂target/∂source, what the edge adds to the source's gradient; None
    before the backward pass reaches the target, and for y → C."""
    product: F.Row | None
    """The contribution as a derivation row, ∂C/∂target·∂target/∂source = numbers = value,
    with the rows' rounding rule (``≈`` when the rounded numbers do not give the value)."""


@dataclass(frozen=True)
class Graph:
    """The computation graph of sample ``sample`` of a batch, input to output."""

    nodes: tuple[GraphNode, ...]
    """x, then layer by layer each neuron's weights, bias, z and a, then y and C."""
    edges: tuple[GraphEdge, ...]
    """In the direction of the computation; a node's edges out in the order j = 1, 2, …"""
    shape: tuple[int, ...]
    sample: int
    """0-based."""
    samples: int
    """How many samples the batch has."""
    down_to: int
    """The lowest layer the backward pass has reached (1 = all of it, x included;
    0 = none: the forward pass only)."""
    cost_formula: str
    """``C = (a(L)−y)²``: the cost in symbols."""

    @property
    def layers(self) -> int:
        return len(self.shape) - 1

    def node(self, node_id: str) -> GraphNode:
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def edges_out(self, node_id: str) -> list[GraphEdge]:
        return [edge for edge in self.edges if edge.source == node_id]

    def edges_in(self, node_id: str) -> list[GraphEdge]:
        return [edge for edge in self.edges if edge.target == node_id]


def node_id(kind: str, layer: int = 0, j: int | None = None, k: int | None = None) -> str:
    """The id of a node: ``x1``, ``w3_1_2``, ``b3_1``, ``z3_1``, ``a3_1``, ``y1``, ``C``."""
    if kind == "C":
        return "C"
    if kind in ("x", "y"):
        return f"{kind}{j}"
    if kind == "w":
        return f"w{layer}_{j}_{k}"
    return f"{kind}{layer}_{j}"


def symbol(net: Network, kind: str, layer: int = 0, j: int = 1, k: int = 1) -> str:
    """The node's quantity in the one notation: without indices in a chain (``w(L)``,
    ``a(L−1)``, ``x``, ``y``), with them otherwise (``w₁₂(L)``, ``a₂(L−1)``, ``x₁``, ``y₁``)."""
    L = net.layers
    chain = net.is_chain
    if kind in ("w", "b"):
        return F.parameter_name(net, kind, layer, j, k)
    if kind in ("a", "x"):
        layer = 0 if kind == "x" else layer
        return F.a_symbol(layer, L) if chain else F.a_sym(layer, j, L)
    if kind == "z":
        return f"z{'' if chain else F.sub(j)}({F.label(layer, L)})"
    if kind == "y":
        return "y" if chain else f"y{F.sub(j)}"
    return "C"


def _check(bp: BackwardPass, sample: int, down_to: int | None) -> int:
    """``down_to`` as a layer 0..L (None: 1, every layer), refusing what does not fit."""
    count = len(bp.forward.samples)
    L = bp.network.layers
    if not _index_in(sample, 0, count - 1):
        raise ModelError(f"sample {sample!r}: the batch has samples 0 to {count - 1}")
    if down_to is None:
        return 1
    if not _index_in(down_to, 0, L):
        raise ModelError(f"down_to {down_to!r}: not a layer 0..{L} (0: the forward pass only)")
    return operator.index(down_to)


def _index_in(value: object, low: int, high: int) -> bool:
    """Whether ``value`` is an integer (not a bool) from ``low`` to ``high``."""
    if isinstance(value, bool):
        return False
    try:
        index = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        return False
    return low <= index <= high


def computation_graph(bp: BackwardPass, sample: int = 0, down_to: int | None = None) -> Graph:
    """The computation graph of sample ``sample`` (0-based) of ``bp``'s batch.

    ``down_to`` is how far the backward pass has gone: the lowest layer (1..L) whose
    chain-rule step is done, as the lesson steps from the output down; None for all of
    it, 0 for the forward pass only. The step of layer l gives the gradients of its w,
    b and z (and a at the output) and hands ∂C/∂a(l−1) down (∂C/∂x at l = 1): with
    ``down_to`` = l those are known, and every gradient above them. ∂C/∂C = 1 is known
    from the first step on.
    """
    reach = _check(bp, sample, down_to)
    sample = operator.index(sample)
    fwd = bp.forward
    net = fwd.network
    L = net.layers
    shape = net.shape
    s = sample

    def known(layer: int) -> bool:
        """Whether the chain-rule step of ``layer`` is done."""
        return reach != 0 and reach <= layer

    # -- every node's quantity, value and gradient (None: not reached), from the arrays
    nodes: dict[str, GraphNode] = {}
    forward = F.forward_rows(fwd, s)
    for k in range(1, shape[0] + 1):
        nid = node_id("x", 0, k)
        nodes[nid] = GraphNode(nid, "x", 0, k, None, symbol(net, "x", 0, k),
                               float(fwd.samples.x[s, k - 1]),
                               float(bp.dC_da_prev[0][s, k - 1]) if known(1) else None,
                               note=F.X_NOTE)
    row = 0
    for layer in range(1, L + 1):
        i = layer - 1
        reached = known(layer)
        for j in range(1, shape[layer] + 1):
            jj = j - 1
            for k in range(1, shape[layer - 1] + 1):
                nid = node_id("w", layer, j, k)
                nodes[nid] = GraphNode(
                    nid, "w", layer, j, k, symbol(net, "w", layer, j, k),
                    float(net.w[i][jj, k - 1]),
                    float(bp.dC_dw[i][s, jj, k - 1]) if reached else None,
                    float(bp.mean_dC_dw[i][jj, k - 1]) if reached else None)
            nid = node_id("b", layer, j)
            nodes[nid] = GraphNode(nid, "b", layer, j, None, symbol(net, "b", layer, j),
                                   float(net.b[i][jj]),
                                   float(bp.dC_db[i][s, jj]) if reached else None,
                                   float(bp.mean_dC_db[i][jj]) if reached else None)
            nid = node_id("z", layer, j)
            nodes[nid] = GraphNode(nid, "z", layer, j, None, symbol(net, "z", layer, j),
                                   float(fwd.z[i][s, jj]),
                                   float(bp.dC_dz[i][s, jj]) if reached else None,
                                   forward_row=forward[row])
            # ∂C/∂a_j(l): the cost's derivative at the output, else handed down by the
            # step of the layer above
            nid = node_id("a", layer, j)
            nodes[nid] = GraphNode(nid, "a", layer, j, None, symbol(net, "a", layer, j),
                                   float(fwd.a[i][s, jj]),
                                   float(bp.dC_da[i][s, jj]) if known(min(layer + 1, L))
                                   else None,
                                   forward_row=forward[row + 1])
            row += 2
    for j in range(1, shape[-1] + 1):
        nid = node_id("y", L + 1, j)
        nodes[nid] = GraphNode(nid, "y", L + 1, j, None, symbol(net, "y", L + 1, j),
                               float(fwd.samples.y[s, j - 1]), None,
                               note="data: the target, not a parameter")
    cost_row = forward[row]
    nodes["C"] = GraphNode("C", "C", L + 1, None, None, "C", float(fwd.cost[s]),
                           1.0 if known(L) else None, forward_row=cost_row)

    # -- the edges, in the order of the computation; each reads its target's gradient
    edges: list[GraphEdge] = []

    def edge(source: str, target: str, local: float, local_formula: str,
             contribution: float, layer: int) -> None:
        above = nodes[target].gradient
        if above is None:
            edges.append(GraphEdge(source, target, local, local_formula, None, None))
            return
        src, dst = nodes[source].label, nodes[target].label
        head = "1" if target == "C" else plug(above)
        factor = "1" if local_formula == "1" else plug(local)  # ∂z/∂b, as the rows write it
        product = F.Row("edge", layer, f"∂C/∂{dst}·∂{dst}/∂{src}",
                        f"∂C/∂{dst}·{local_formula}", f"{head}·{factor}", contribution)
        edges.append(GraphEdge(source, target, local, local_formula, contribution, product))

    g = net.activation.symbol
    for layer in range(1, L + 1):
        i = layer - 1
        below = "x" if layer == 1 else "a"
        dz_dw = bp.factor("dz_dw", i)[s]
        dz_db = bp.factor("dz_db", i)[s]
        dz_da_prev = bp.factor("dz_da_prev", i)[s]
        terms = bp.dC_da_prev_terms[i][s]
        # a_k(l−1) (x_k) feeds every z_j(l): its edges out, j = 1, 2, …
        for k in range(1, shape[layer - 1] + 1):
            for j in range(1, shape[layer] + 1):
                edge(node_id(below, layer - 1, k), node_id("z", layer, j),
                     float(dz_da_prev[j - 1, k - 1]), nodes[node_id("w", layer, j, k)].label,
                     float(terms[j - 1, k - 1]), layer)
        for j in range(1, shape[layer] + 1):
            jj = j - 1
            z_id = node_id("z", layer, j)
            for k in range(1, shape[layer - 1] + 1):
                edge(node_id("w", layer, j, k), z_id, float(dz_dw[k - 1]),
                     nodes[node_id(below, layer - 1, k)].label,
                     float(bp.dC_dw[i][s, jj, k - 1]), layer)
            edge(node_id("b", layer, j), z_id, float(dz_db[jj]), "1",
                 float(bp.dC_db[i][s, jj]), layer)
            edge(z_id, node_id("a", layer, j), float(bp.da_dz[i][s, jj]),
                 f"{g}'({nodes[z_id].label})", float(bp.dC_dz[i][s, jj]), layer)
    for j in range(1, shape[-1] + 1):
        a_id = node_id("a", L, j)
        dC_da = float(bp.dC_da[L - 1][s, j - 1])
        # ∂C/∂a_j(L) in symbols: the first row of the output's derivation
        rows = F.backward_rows(bp, s, L) if net.is_chain else F.neuron_rows(bp, s, L, j)
        edge(a_id, "C", dC_da, rows[0].formula, dC_da, L + 1)
        edges.append(GraphEdge(node_id("y", L + 1, j), "C", None, "", None, None))

    # -- where a value feeds several neurons, its gradient is the Σ of its edges'
    edges_out: dict[str, list[GraphEdge]] = {}
    for e in edges:
        edges_out.setdefault(e.source, []).append(e)
    for nid, node in nodes.items():
        if node.kind not in ("x", "a") or node.gradient is None or node.layer == L:
            continue
        above = node.layer + 1
        if shape[above] > 1:
            out = tuple(e.contribution for e in edges_out[nid])
            nodes[nid] = replace(node, contributions=tuple(float(c) for c in out if c is not None),
                                 sum_row=F.sum_row(bp, s, above, node.neuron or 1))
    return Graph(tuple(nodes.values()), tuple(edges), tuple(shape), s, len(fwd.samples), reach,
                 f"C = {cost_row.formula}")


# -- Graphviz DOT ---------------------------------------------------------------------

_SHAPES = {"x": "note", "y": "note", "w": "box", "b": "box", "z": "ellipse", "a": "ellipse",
           "C": "doubleoctagon"}
_REACHED = "#e6efff"
"""The fill of a node whose gradient is known."""


def dot_quote(text: str) -> str:
    """``text`` as a DOT quoted string: backslashes and double quotes escaped, each
    newline the centred line break ``\\n``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n") + '"'


def _attributes(**values: str) -> str:
    return "[" + ", ".join(f"{name}={dot_quote(value)}" for name, value in values.items()) + "]"


def node_lines(node: GraphNode, samples: int = 1) -> list[str]:
    """What a node shows: its value, then its gradient (the Σ of its contributions where it
    fans out; :data:`BLANK` while not reached), with several samples the batch mean of a
    parameter's, and a note for the data."""
    lines = [f"{node.label} = {node.value_text}"]
    if node.kind == "y":
        return lines + [node.note]
    grad = f"∂C/∂{node.label} = "
    if node.kind == "C":
        lines.append(grad + ("1" if node.gradient is not None else BLANK))
    elif node.sum_row is not None:
        row = node.sum_row
        lines.append(f"{grad}{row.numbers} {row.equals} {row.value_text}")
    else:
        lines.append(grad + node.gradient_text)
    if node.mean_gradient is not None and samples > 1:
        lines.append(f"batch mean = {number(node.mean_gradient, signed=True)} (the step's)")
    if node.kind == "x":
        lines.append("data, not a parameter")
    return lines


def edge_text(edge: GraphEdge) -> str:
    """What an edge shows: the product it adds to its source's gradient,
    ``numbers = value`` as the derivation rows write it; empty while not reached."""
    row = edge.product
    return "" if row is None else f"{row.numbers} {row.equals} {row.value_text}"


def _title(graph: Graph) -> str:
    L = graph.layers
    tag = sample_tag(graph.sample, graph.samples)
    lines = [f"{graph.cost_formula}   ({tag}gradients of this sample's C"
             + ("; a step uses their batch mean)" if graph.samples > 1 else ")")]
    if graph.down_to == 0:
        lines.append("the forward pass: no gradient yet")
    elif graph.down_to > 1:
        lines.append(f"the backward pass, from C down to layer ({F.label(graph.down_to, L)})")
    lines.append("node: value and ∂C/∂node; edge: ∂C/∂target·∂target/∂source, "
                 "what it adds to ∂C/∂source")
    return "\n".join(lines)


def _cluster_title(layer: int, layers: int) -> str:
    if layer == 0:
        return f"input: a({F.label(0, layers)}), data"
    if layer > layers:
        return "cost"
    return f"layer ({F.label(layer, layers)})"


def dot_text(graph: Graph, name: str = "backprop") -> str:
    """``graph`` in Graphviz's language: a cluster per layer (the input, each layer, the
    cost), each node's value and gradient in its label, the edges in the direction of
    the computation with the product each adds to its source's gradient."""
    out = [f"digraph {dot_quote(name)} {{",
           "  " + _attributes(rankdir="LR", labelloc="t", label=_title(graph),
                              charset="UTF-8").join(("graph ", ";")),
           "  " + _attributes(fontsize="11").join(("node ", ";")),
           "  " + _attributes(fontsize="9").join(("edge ", ";"))]
    for layer in range(graph.layers + 2):
        out.append(f"  subgraph {dot_quote(f'cluster_{layer}')} {{")
        out.append(f"    label={dot_quote(_cluster_title(layer, graph.layers))};")
        for node in graph.nodes:
            if node.layer != layer:
                continue
            attributes = {"label": "\n".join(node_lines(node, graph.samples)),
                          "shape": _SHAPES[node.kind]}
            styles = ["rounded"] if node.is_parameter else []
            if node.gradient is not None:
                styles.append("filled")
                attributes["fillcolor"] = _REACHED
            if styles:
                attributes["style"] = ",".join(styles)
            out.append(f"    {dot_quote(node.id)} {_attributes(**attributes)};")
        out.append("  }")
    fanning = {node.id for node in graph.nodes if node.fan_out}
    for edge in graph.edges:
        attributes = {}
        text = edge_text(edge)
        if text:
            attributes["label"] = text
            assert edge.product is not None
            attributes["tooltip"] = edge.product.text()
        if edge.source in fanning:
            attributes["style"] = "bold"
        tail = f" {_attributes(**attributes)}" if attributes else ""
        out.append(f"  {dot_quote(edge.source)} -> {dot_quote(edge.target)}{tail};")
    out.append("}")
    return "\n".join(out) + "\n"


def graph_dot(bp: BackwardPass, sample: int = 0, down_to: int | None = None) -> str:
    """The computation graph of sample ``sample`` (0-based) of ``bp``'s batch as Graphviz
    DOT text (``dot -Tsvg``), every gradient known unless ``down_to`` says how far the
    backward pass has gone (see :func:`computation_graph`)."""
    return dot_text(computation_graph(bp, sample, down_to))
