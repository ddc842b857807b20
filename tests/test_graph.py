"""The computation graph: every gradient on it is the trace's (and the finite differences'),
where a value fans out its contributions add up as the Σ rows add them, it is read from
the backward pass and never computed again, and its DOT text parses and renders."""

from __future__ import annotations

import functools
import operator
import shutil
import subprocess
import warnings
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from backprop_tui.model import (
    CROSS_ENTROPY,
    RELU,
    BackwardPass,
    ForwardPass,
    ModelError,
    Network,
    Samples,
    check_gradients,
    random_network,
    trace,
    xor_samples,
)
from backprop_tui.model import network as network_module
from backprop_tui.present import formulas as F
from backprop_tui.present.format import BLANK, plug
from backprop_tui.present.graph import (
    Graph,
    GraphNode,
    computation_graph,
    dot_quote,
    edge_text,
    graph_dot,
    node_lines,
)
from backprop_tui.present.report import trace_json

from .strategies import PAIRS, chains, networks, samples

NOTE = Network.chain([0.5, -0.3, 0.8], [0.1, 0.2, -0.1])
NOTE_DATA = Samples([0.7], [1.0])


@st.composite
def passes(draw) -> tuple[BackwardPass, int]:
    """A backward pass of a random chain or network and a sample of its batch."""
    if draw(st.booleans()):
        chain = draw(chains(max_layers=5))
        activation, cost = draw(st.sampled_from(PAIRS))
        chain = chain.with_functions(activation, cost)
        low = 0.0 if cost is CROSS_ENTROPY else -1.0
        net, data = chain, draw(samples(max_size=3, y_low=low, y_high=1))
    else:
        net, data = draw(networks())
    return trace(net, data), draw(st.integers(0, len(data) - 1))


def json_value(sample: dict, net: Network, node: GraphNode, what: str) -> float | None:
    """The node's value (``what`` = "value") or gradient ("gradient") as ``trace --json``
    writes it, for sample ``sample`` of its ``"samples"``."""
    l, j, k = node.layer - 1, (node.neuron or 1) - 1, (node.input or 1) - 1
    chain = net.is_chain
    if what == "value":
        if node.kind in ("x", "y"):
            return sample[node.kind] if chain else sample[node.kind][j]
        if node.kind in ("z", "a"):
            return sample[node.kind][l] if chain else sample[node.kind][l][j]
        if node.kind == "C":
            return sample["cost"]
        return None  # parameters: the network's, checked apart
    if node.kind == "y":
        return None
    if node.kind == "C":
        return 1.0
    layers = sample["layers"]
    if node.kind == "x":
        return layers[0]["dC_da_prev"] if chain else layers[0]["dC_da_prev"][j]
    if chain:  # the chain's JSON has no ∂C/∂z: it is ∂C/∂b, as ∂z/∂b = 1
        name = {"w": "dC_dw", "b": "dC_db", "z": "dC_db", "a": "dC_da"}[node.kind]
        return layers[l][name]
    if node.kind == "w":
        return layers[l]["dC_dw"][j][k]
    return layers[l]["dC_" + {"b": "db", "z": "dz", "a": "da"}[node.kind]][j]


def json_mean(data: dict, net: Network, node: GraphNode) -> float:
    l, j, k = node.layer - 1, (node.neuron or 1) - 1, (node.input or 1) - 1
    name = "dC_d" + node.kind
    if net.is_chain:
        return data["mean"][name][l]
    return data["mean"][name][l][j][k] if node.kind == "w" else data["mean"][name][l][j]


def added(values) -> float:
    """The values added left to right, as the backward pass adds the terms of a sum."""
    return functools.reduce(operator.add, values)


@settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(passes())
def test_every_number_on_the_graph_is_the_traces(case):
    bp, s = case
    net = bp.network
    data = trace_json(bp)
    graph = computation_graph(bp, s)
    L = net.layers
    # x, each w, b, z, a, y and C: one node each
    count = net.inputs + sum(net.shape[l] * (net.shape[l - 1] + 3) for l in range(1, L + 1)) \
        + net.outputs + 1
    assert len(graph.nodes) == count == len({node.id for node in graph.nodes})
    for node in graph.nodes:
        value = json_value(data["samples"][s], net, node, "value")
        if value is not None:
            assert node.value == value, node.id
        else:  # a parameter: the network's own
            which = node.kind
            index = net.parameter_index(which, node.layer, node.neuron or 1, node.input or 1)
            assert node.value == getattr(net, f"flat_{which}")[index]
        assert node.gradient == json_value(data["samples"][s], net, node, "gradient"), node.id
        if node.is_parameter:
            assert node.mean_gradient == json_mean(data, net, node)
        else:
            assert node.mean_gradient is None


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(passes())
def test_every_gradient_on_the_graph_is_the_finite_differences(case):
    bp, s = case
    net = bp.network
    fwd = bp.forward
    if net.activation is RELU:  # away from the kink, where no nudge moves a z across 0
        assume(min(abs(float(v)) for z in fwd.z for v in z[s]) > 1e-3)
    x, y = fwd.samples.x[s], fwd.samples.y[s]
    one = Samples([x], [y], net.inputs, net.outputs)
    cost = float(fwd.cost[s])
    graph = computation_graph(bp, s)

    def close(analytic: float, numeric: float) -> bool:
        return abs(analytic - numeric) <= (1e-5 * max(abs(analytic), abs(numeric))
                                           + 1e-8 * max(1.0, cost))

    # the parameters: the program's nudge check on a batch of this one sample
    check = check_gradients(trace(net, one))
    for node in graph.nodes:
        if node.is_parameter:
            index = net.parameter_index(node.kind, node.layer, node.neuron or 1, node.input or 1)
            numeric = float(getattr(check, f"dC_d{node.kind}")[index])
            assert node.gradient is not None and close(node.gradient, numeric), node.id
    # x and every a below the output: nudge it and run the layers above it
    for node in graph.nodes:
        if node.kind not in ("x", "a") or node.layer == net.layers:
            continue
        tail = Network(net.shape[node.layer:], net.w[node.layer:], net.b[node.layer:],
                       net.activation, net.cost)
        values = fwd.a_prev(node.layer)[s].copy()
        k = (node.neuron or 1) - 1
        h = 1e-6 * max(1.0, abs(values[k]))
        costs = []
        for step in (h, -h):
            nudged = values.copy()
            nudged[k] = values[k] + step
            costs.append(float(tail.forward(tail.samples([nudged], [y])).cost[0]))
        numeric = (costs[0] - costs[1]) / ((values[k] + h) - (values[k] - h))
        assert node.gradient is not None and close(node.gradient, numeric), node.id
    # z: ∂z/∂b = 1, so ∂C/∂z is ∂C/∂b, nudged above
    for node in graph.nodes:
        if node.kind == "z":
            b = graph.node(node.id.replace("z", "b", 1))
            assert node.gradient == b.gradient


@settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(passes())
def test_each_gradient_is_the_sum_of_its_edges_as_the_sum_rows_add_them(case):
    bp, s = case
    net = bp.network
    graph = computation_graph(bp, s)
    fanning = 0
    for node in graph.nodes:
        out = graph.edges_out(node.id)
        if node.kind in ("y", "C"):
            assert node.contributions == () and node.sum_row is None
            assert node.gradient == (None if node.kind == "y" else 1.0)
            continue
        contributions = [edge.contribution for edge in out]
        assert node.gradient == added(contributions), node.id
        wide = node.kind in ("x", "a") and node.layer < net.layers \
            and net.shape[node.layer + 1] > 1
        assert node.fan_out == wide == (len(out) > 1)
        if not wide:
            assert node.contributions == () and node.sum_row is None
            continue
        fanning += 1
        # the edges' contributions, in the order of the neurons j, are the Σ row's terms
        assert node.contributions == tuple(contributions)
        assert [edge.target for edge in out] == [f"z{node.layer + 1}_{j}" for j in
                                                 range(1, net.shape[node.layer + 1] + 1)]
        row = F.sum_row(bp, s, node.layer + 1, node.neuron or 1)
        assert node.sum_row == row
        assert row.numbers == "+".join(plug(c) for c in node.contributions)
        assert row.value == node.gradient == added(node.contributions)
        shown = node_lines(node, graph.samples)[1]
        assert shown == f"∂C/∂{node.label} = {row.numbers} {row.equals} {row.value_text}"
    assert fanning == sum(net.shape[l] for l in range(net.layers) if net.shape[l + 1] > 1)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(passes())
def test_each_edge_multiplies_its_targets_gradient_by_its_local_derivative(case):
    bp, s = case
    net = bp.network
    graph = computation_graph(bp, s)
    for edge in graph.edges:
        source, target = graph.node(edge.source), graph.node(edge.target)
        if source.kind == "y":
            assert edge.local is None and edge.contribution is None and edge.product is None
            continue
        assert edge.local is not None and edge.contribution is not None
        assert target.gradient is not None and edge.product is not None
        cancelling = (source.kind == "z" and source.layer == net.layers
                      and net.cancellation is not None)
        if not cancelling:  # there ∂C/∂z(L) = a(L) − y directly, the product only nearly
            assert edge.contribution == target.gradient * edge.local, (edge.source, edge.target)
        assert edge.local == _local(bp, s, graph, source, target), (edge.source, edge.target)
        row = edge.product
        assert row.value == edge.contribution
        head = "1" if target.kind == "C" else plug(target.gradient)
        factor = "1" if source.kind == "b" else plug(edge.local)
        assert row.numbers == f"{head}·{factor}"
        assert edge_text(edge) == f"{row.numbers} {row.equals} {row.value_text}"


def _local(bp: BackwardPass, s: int, graph: Graph, source: GraphNode, target: GraphNode):
    """∂target/∂source read off the graph's own nodes (σ' from the pass)."""
    if source.kind == "w":  # a_k(l−1), x_k at the first layer
        below = f"x{source.input}" if source.layer == 1 else \
            f"a{source.layer - 1}_{source.input}"
        return graph.node(below).value
    if source.kind == "b":
        return 1.0
    if source.kind == "z":
        return float(bp.da_dz[source.layer - 1][s, (source.neuron or 1) - 1])
    if target.kind == "C":  # ∂C/∂a(L)
        return target.gradient * source.gradient
    return graph.node(f"w{target.layer}_{target.neuron}_{source.neuron}").value  # a or x → z


def _reached(node: GraphNode, down_to: int, L: int) -> bool:
    """Whether the backward pass, done down to layer ``down_to``, gives ``node``'s gradient."""
    if down_to == 0 or node.kind == "y":
        return False
    if node.kind == "C":
        return True
    if node.kind in ("x", "a") and node.layer < L:  # handed down by the step of the layer above
        return node.layer + 1 >= down_to
    return node.layer >= down_to


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(passes())
def test_the_backward_pass_fills_the_graph_from_c_down(case):
    bp, s = case
    L = bp.network.layers
    full = computation_graph(bp, s)
    assert full == computation_graph(bp, s, 1) and full.down_to == 1
    before: set[str] = set()
    for down_to in [0, *range(L, 0, -1)]:
        graph = computation_graph(bp, s, down_to)
        assert [n.id for n in graph.nodes] == [n.id for n in full.nodes]
        reached = set()
        for node, whole in zip(graph.nodes, full.nodes):
            assert node.value == whole.value
            if node.gradient is not None:
                assert node.gradient == whole.gradient and node == whole
                reached.add(node.id)
            else:
                assert node.contributions == () and node.sum_row is None
                assert node.mean_gradient is None
                assert BLANK in node_lines(node, graph.samples)[1] or node.kind == "y"
        assert reached == {node.id for node in graph.nodes if _reached(node, down_to, L)}
        assert before <= reached
        before = reached
        for edge, whole in zip(graph.edges, full.edges):
            assert (edge.source, edge.target, edge.local) == (whole.source, whole.target,
                                                              whole.local)
            if edge.target in reached:
                assert edge == whole
            else:
                assert edge.contribution is None and edge.product is None
    assert before == {node.id for node in full.nodes if node.kind != "y"}


def test_the_worked_example_in_the_notes_notation():
    bp = trace(NOTE, NOTE_DATA)
    graph = computation_graph(bp)
    labels = [node.label for node in graph.nodes]
    assert labels == ["x", "w(L−2)", "b(L−2)", "z(L−2)", "a(L−2)", "w(L−1)", "b(L−1)",
                      "z(L−1)", "a(L−1)", "w(L)", "b(L)", "z(L)", "a(L)", "y", "C"]
    assert graph.node("z1_1").value_text == "+0.4500"
    assert graph.node("a1_1").value_text == "+0.6106"
    assert graph.node("w3_1_1").gradient_text == F.Row("", 0, "", "", None,
                                                       float(bp.dC_dw[2][0, 0, 0])).value_text
    assert graph.cost_formula == F.cost_text(NOTE)
    edge = graph.edges_in("z3_1")[1]
    assert (edge.source, edge.local_formula) == ("w3_1_1", "a(L−1)")
    assert edge.product is not None
    assert edge.product.symbol == "∂C/∂z(L)·∂z(L)/∂w(L)"
    cost_edge = graph.edges_in("C")[0]
    assert cost_edge.local_formula == F.backward_rows(bp, 0, 3)[0].formula
    text = graph_dot(bp)
    assert "₁" not in text  # a chain has no indices
    assert "x = +0.7000" in text and "∂C/∂w(L) = −0.1047" in text


def test_a_wider_network_has_the_indices_and_the_batch_mean():
    bp = trace(random_network((2, 2, 1)), xor_samples())
    graph = computation_graph(bp, sample=1)
    assert graph.node("w1_1_2").label == "w₁₂(L−1)"
    assert graph.node("x2").label == "x₂" and graph.node("a1_2").label == "a₂(L−1)"
    assert graph.node("x1").fan_out and not graph.node("a1_1").fan_out
    w = graph.node("w2_1_1")
    assert w.gradient == bp.dC_dw[1][1, 0, 0] and w.mean_gradient == bp.mean_dC_dw[1][0, 0]
    assert any(line.startswith("batch mean = ") for line in node_lines(w, graph.samples))
    assert not any(line.startswith("batch mean") for line in node_lines(w, 1))
    text = graph_dot(bp, sample=1)
    assert "sample 2 of 4" in text and "batch mean" in text


@pytest.mark.parametrize("sample, down_to", [(-1, None), (4, None), (True, None), (1.0, None),
                                             (0, -1), (0, 3), (0, False), (0, "none")])
def test_a_sample_or_layer_out_of_range_is_refused(sample, down_to):
    bp = trace(random_network((2, 2, 1)), xor_samples())
    with pytest.raises(ModelError):
        computation_graph(bp, sample, down_to)


@pytest.mark.parametrize("activation, cost", PAIRS)
def test_the_graph_is_read_from_the_pass_never_computed_again(monkeypatch, activation, cost):
    net = random_network((2, 3, 1), activation=activation, cost=cost)
    bp = trace(net, net.samples([[0.3, -0.8], [1.2, 0.5]], [[0.25], [1.0]]))

    def boom(*args, **kwargs):
        raise AssertionError("the graph ran the network again")

    # the same pass, its network's activation and cost made to fail when called
    act = net.activation._replace(forward=boom, derivative=boom, forward_derivative=None)
    cancel = net.cost.cancellation
    poisoned_cost = net.cost._replace(
        value=boom, gradient=boom,
        cancellation=None if cancel is None else cancel._replace(dC_dz=boom))
    poisoned = Network(net.shape, net.w, net.b, act, poisoned_cost)
    again = replace(bp, forward=replace(bp.forward, network=poisoned))
    expected = [computation_graph(bp, s, d) for s in (0, 1) for d in (None, 0, 1, 2)]
    for owner, name in ((Network, "forward"), (Network, "step"), (ForwardPass, "backward"),
                        (network_module, "forward_sets"), (network_module, "trace"),
                        (network_module, "mean_cost")):
        monkeypatch.setattr(owner, name, boom)
    graphs = [computation_graph(again, s, d) for s in (0, 1) for d in (None, 0, 1, 2)]
    assert [_numbers(g) for g in graphs] == [_numbers(g) for g in expected]
    assert graph_dot(again, 1) == graph_dot(bp, 1)


def _numbers(graph: Graph) -> list:
    return ([(n.id, n.value, n.gradient, n.mean_gradient, n.contributions) for n in graph.nodes]
            + [(e.source, e.target, e.local, e.contribution) for e in graph.edges])


# -- DOT ---------------------------------------------------------------------------


def _unquote(text: str) -> str:
    """A DOT quoted string as the text it stands for."""
    assert text.startswith('"') and text.endswith('"'), text
    out, escaped = [], False
    for char in text[1:-1]:
        if escaped:
            out.append("\n" if char == "n" else char)
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out.append(char)
    assert not escaped
    return "".join(out)


def _parsed(text: str):
    pydot = pytest.importorskip("pydot")
    with warnings.catch_warnings():  # pydot 4.0's parser names pyparsing 3.3's old methods
        warnings.simplefilter("ignore", DeprecationWarning)
        graphs = pydot.graph_from_dot_data(text)
    assert graphs is not None and len(graphs) == 1, text
    return graphs[0]


@pytest.mark.parametrize("text", ['plain', 'a "quoted" word', 'back\\slash', 'ends in \\',
                                  'two\nlines', '\\n is not a newline', 'σ\'(z₁(L−1)) = −0.5'])
def test_dot_quote_is_one_string_that_reads_back(text):
    quoted = dot_quote(text)
    graph = _parsed(f"digraph g {{ n [label={quoted}]; }}")
    (node,) = [n for n in graph.get_nodes() if n.get_name() == "n"]
    assert node.get_label() == quoted
    assert _unquote(quoted) == text


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(passes(), st.data())
def test_the_dot_text_parses_to_the_same_graph(case, data):
    bp, s = case
    down_to = data.draw(st.sampled_from([None, 0, *range(1, bp.network.layers + 1)]))
    graph = computation_graph(bp, s, down_to)
    parsed = _parsed(graph_dot(bp, s, down_to))
    clusters = parsed.get_subgraphs()
    assert len(clusters) == graph.layers + 2
    nodes = {}
    for cluster in clusters:
        for node in cluster.get_nodes():
            if node.get_name() not in ("node", "graph", "edge"):
                nodes[_unquote(node.get_name())] = node
    assert list(nodes) == [node.id for node in graph.nodes]
    for node in graph.nodes:
        shown = _unquote(nodes[node.id].get_label())
        assert shown == "\n".join(node_lines(node, graph.samples))
        assert f"{node.label} = {node.value_text}" in shown
        if node.kind not in ("y", "C") and node.sum_row is None:
            assert f"∂C/∂{node.label} = {node.gradient_text}" in shown
    edges = parsed.get_edges()
    assert [(_unquote(e.get_source()), _unquote(e.get_destination())) for e in edges] \
        == [(e.source, e.target) for e in graph.edges]
    for edge, drawn in zip(graph.edges, edges):
        label = drawn.get_label()
        assert (label is None) == (edge.product is None)
        if label is not None:
            assert _unquote(label) == edge_text(edge)


def _svg(text: str) -> str:
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("Graphviz's dot is not installed: the DOT text is checked by pydot only")
    done = subprocess.run([dot, "-Tsvg"], input=text.encode(), capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    svg = done.stdout.decode()
    assert "<svg" in svg
    return svg


@pytest.mark.parametrize("make, sample, down_to", [
    (lambda: trace(NOTE, NOTE_DATA), 0, None),
    (lambda: trace(NOTE, NOTE_DATA), 0, 0),
    (lambda: trace(random_network((2, 2, 1)), xor_samples()), 3, None),
    (lambda: trace(random_network((3, 4, 2)),
                   Samples([[0.1, 0.2, 0.3]], [[0.0, 1.0]], 3, 2)), 0, 2),
])
def test_dot_renders_an_svg(make, sample, down_to):
    bp = make()
    svg = _svg(graph_dot(bp, sample, down_to))
    graph = computation_graph(bp, sample, down_to)
    for node in graph.nodes:  # each node's first line, as SVG text
        assert f"{node.label} = {node.value_text}" in svg
