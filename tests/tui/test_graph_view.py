"""The computation graph as a view (T), on both screens, driven by the pilot: every number
read from the view is the lesson's own (its forward and backward pass, written by the
project's ``number``), each b adds one layer's gradients from C down, a value feeding
several neurons shows the Σ of its edges, the selected parameter's way to C is marked,
the chain and a 2,2,1 network fit 80×24, a larger network scrolls and says what it hides.
"""

from __future__ import annotations

import re

import pytest

from backprop_tui.model import Network
from backprop_tui.present import formulas as F
from backprop_tui.present.format import BLANK, number, plug
from backprop_tui.present.graph import symbol
from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.view import View
from backprop_tui.tui.widgets.graph_view import PATH, GraphView, tree
from backprop_tui.tui.widgets.loss_plot import LossPlot

from .helpers import lecture, lesson_of, ten_layers, text_of, xor_lesson

SIZE = (80, 24)
LINE = re.compile(r"^(?P<path>[ ●])[\s│├└┴─⋯]*(?P<name>\S+)\s+(?P<value>\S+)\s+(?P<gradient>\S+)"
                  r"(?P<rest>.*)$")


def graph_of(app: BackpropApp) -> GraphView:
    return app.main.query_one(GraphView)


def node_lines(app: BackpropApp) -> dict[str, re.Match[str]]:
    """Each node line the graph shows, by the node's name (the header and the last lines
    left out)."""
    graph = graph_of(app)
    text = text_of(graph)
    found = {}
    for line in text.splitlines()[1:len(graph.lines) + 1]:
        match = LINE.match(line)
        if match and not line.startswith(f"{PATH} ∂C/∂") and not line.startswith("lines "):
            found[match["name"]] = match
    return found


def signed(value: float) -> str:
    return number(float(value), signed=True)


def chain_names(lesson) -> dict[tuple[str, int], str]:
    net = lesson.network
    return {(kind, layer): symbol(net, kind, layer, 1, 1)
            for layer in range(1, lesson.layers + 1) for kind in ("w", "b", "z", "a")}


async def test_before_any_pass_the_structure_and_what_fills_it():
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await pilot.pause()
        graph = graph_of(app)
        assert graph.display and app.main.upper_view is View.GRAPH
        lines = node_lines(app)
        names = [symbol(app.lesson.network, k, l, 1, 1)
                 for l in range(1, 4) for k in ("w", "b", "z", "a")]
        assert set(names) | {"x", "C"} <= set(lines)
        assert all(m["value"] == BLANK and m["gradient"] == BLANK for m in lines.values())
        assert "f fills in the values, from x up; b the gradients, from C down" \
            in text_of(graph)


async def test_after_f_the_values_are_the_forward_pass_and_each_b_adds_a_layer_from_C_down():
    lesson = lecture()
    app = BackpropApp(lesson)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T", "f")
        await pilot.pause()
        fwd = lesson.forward_pass
        names = chain_names(lesson)
        lines = node_lines(app)
        for l in range(1, 4):
            assert lines[names["z", l]]["value"] == signed(fwd.z[l - 1][0, 0])
            assert lines[names["a", l]]["value"] == signed(fwd.a[l - 1][0, 0])
            assert lines[names["w", l]]["value"] == signed(lesson.network.w[l - 1][0, 0])
            assert lines[names["b", l]]["value"] == signed(lesson.network.b[l - 1][0])
        assert lines["x"]["value"] == signed(lesson.samples.x[0, 0])
        assert lines["C"]["value"] == signed(fwd.cost[0])
        assert f"y = {signed(lesson.samples.y[0, 0])}" in lines["C"]["rest"]
        assert all(m["gradient"] == BLANK for m in lines.values())

        for reached in (3, 2, 1):  # b: the output layer first, then one layer down each
            await pilot.press("b")
            await pilot.pause()
            bp = lesson.backward_pass
            lines = node_lines(app)
            assert lines["C"]["gradient"] == signed(1.0)
            for l in range(1, 4):
                i = l - 1
                want = {"w": bp.dC_dw[i][0, 0, 0], "b": bp.dC_db[i][0, 0],
                        "z": bp.dC_dz[i][0, 0], "a": bp.dC_da[i][0, 0]}
                for kind, value in want.items():
                    got = lines[names[kind, l]]
                    known = l >= reached or (kind == "a" and l >= reached - 1)
                    assert got["gradient"] == (signed(value) if known else BLANK), \
                        (reached, kind, l)
                    # the edge just multiplied in: marked by its shape, its product beside it
                    now = (kind != "a" and l == reached) \
                        or (kind == "a" and (l == reached - 1 or l == 3 == reached))
                    assert ("◀━━" in got["rest"]) == now, (reached, kind, l)
            x = lines["x"]["gradient"]
            assert x == (signed(bp.dC_da_prev[0][0, 0]) if reached == 1 else BLANK)


async def test_each_edge_writes_the_product_it_adds_as_the_derivation_rows_do():
    lesson = lecture()
    app = BackpropApp(lesson)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b", "T")
        await pilot.pause()
        bp = lesson.backward_pass
        rows = {row.key: row for row in F.backward_rows(bp, 0, 3)}
        lines = node_lines(app)
        names = chain_names(lesson)
        # ∂C/∂w(L) = ∂C/∂z(L)·a(L−1): the numbers and the value's rounding rule of the rows
        dz = float(bp.dC_dz[2][0, 0])
        numbers = f"{plug(dz)}·{plug(float(bp.factor('dz_dw', 2)[0][0]))}"
        rule = F.Row("edge", 3, "", "", numbers, float(bp.dC_dw[2][0, 0, 0]))
        assert lines[names["w", 3]]["rest"].strip() == f"◀━━ {rule.equals} {numbers}"
        dz_a = f"{plug(float(bp.dC_da[2][0, 0]))}·{plug(float(bp.da_dz[2][0, 0]))}"
        rule = F.Row("edge", 3, "", "", dz_a, dz)
        assert rule.approx  # (−0.8495)·0.2443 is not −0.2076 to 4 digits: ≈, as the rows say
        assert lines[names["z", 3]]["rest"].strip() == f"◀━━ ≈ {dz_a}"
        # the selected parameter's derivation row, read off the tree: the rows' own
        path = text_of(graph_of(app)).splitlines()[-1]
        row = rows["dC_dw"]
        assert path == (f"{PATH} {row.symbol} = {row.formula} = {row.numbers} {row.equals} "
                        f"{row.value_text}")


async def test_fan_out_the_gradient_of_x1_is_the_sum_of_its_two_edges():
    """2,2,1: x₁ feeds z₁(L−1) and z₂(L−1); its line adds the products of both edges."""
    lesson = xor_lesson()
    app = BackpropApp(lesson)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T", "f", "b")
        await pilot.pause()
        assert node_lines(app)["x₁"]["gradient"] == BLANK
        await pilot.press("b")
        await pilot.pause()
        bp = lesson.backward_pass
        lines = node_lines(app)
        for k, name in ((1, "x₁"), (2, "x₂")):
            line = lines[name]
            assert line["gradient"] == signed(bp.dC_da_prev[0][0, k - 1])
            terms = [float(t) for t in bp.dC_da_prev_terms[0][0][:, k - 1]]
            sum_text = "+".join(plug(t) for t in terms)
            assert re.search(rf"[=≈] Σ {re.escape(sum_text)}$", line["rest"].rstrip()), line[0]
            assert text_of(graph_of(app)).count(f"┴─{name}") == 1  # drawn once
        # a₁(L−1) feeds one neuron: one product, no Σ
        assert "Σ" not in lines["a₁(L−1)"]["rest"]
        assert lines["a₁(L−1)"]["gradient"] == signed(bp.dC_da[0][0, 0])


async def test_the_selected_parameters_way_to_C_is_marked():
    lesson = lecture()
    app = BackpropApp(lesson)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b", "b", "b", "T")
        await pilot.pause()
        names = chain_names(lesson)
        marked = {name for name, m in node_lines(app).items() if m["path"] == PATH}
        way = {names["w", 1], "C"} | {names[k, l] for k in ("z", "a") for l in (1, 2, 3)}
        assert marked == way
        await pilot.press("c")  # the bias instead
        await pilot.pause()
        marked = {name for name, m in node_lines(app).items() if m["path"] == PATH}
        assert marked == way - {names["w", 1]} | {names["b", 1]}
        row = next(r for r in F.backward_rows(lesson.backward_pass, 0, 1) if r.key == "dC_db")
        assert text_of(graph_of(app)).splitlines()[-1].endswith(
            f"{row.numbers} {row.equals} {row.value_text}")


async def test_on_the_network_screen_the_selected_weights_ways_to_C_are_marked():
    lesson = xor_lesson()
    app = BackpropApp(lesson)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b", "b", "T")
        await pilot.pause()
        assert app.main.graph_shown
        marked = {name for name, m in node_lines(app).items() if m["path"] == PATH}
        assert marked == {"w₁₁(L−1)", "z₁(L−1)", "a₁(L−1)", "z₁(L)", "a₁(L)", "C"}
        await pilot.press("right_curly_bracket", "c")  # neuron 2, its weight from x₂
        await pilot.pause()
        marked = {name for name, m in node_lines(app).items() if m["path"] == PATH}
        assert marked == {"w₂₂(L−1)", "z₂(L−1)", "a₂(L−1)", "z₁(L)", "a₁(L)", "C"}
        bp = lesson.backward_pass
        assert text_of(graph_of(app)).splitlines()[-1].endswith(
            f"= {signed(bp.dC_dw[0][0, 1, 1])}")


@pytest.mark.parametrize("lesson, keys, nodes", [
    (lecture, ("f", "b", "b", "b"), 14), (xor_lesson, ("f", "b", "b"), 18)],
    ids=["chain", "2,2,1"])
async def test_it_fits_80x24_without_a_cut_line(lesson, keys, nodes):
    app = BackpropApp(lesson())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*keys, "T")
        await pilot.pause()
        graph = graph_of(app)
        assert not graph.rows_hidden
        assert len(graph.lines) == nodes == len(node_lines(app))
        text = text_of(graph).splitlines()
        assert len(text) <= graph.content_size.height
        assert not any(line.rstrip().endswith("…") for line in text), text
        assert all(len(line) <= graph.content_size.width for line in text)
        assert graph.region.bottom <= SIZE[1] - 2  # above the two key lines
        assert text[-1].startswith(f"{PATH} ∂C/∂")


async def test_a_larger_network_scrolls_and_says_what_is_out_of_view():
    lesson = lesson_of((2, 4, 4, 1), [[0.7, 0.7]], [[1.0]])
    app = BackpropApp(lesson)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b", "T")
        await pilot.pause()
        graph = graph_of(app)
        assert graph.rows_hidden
        total = len(tree((2, 4, 4, 1)))
        text = text_of(graph).splitlines()
        more = next(line for line in text if line.startswith("lines "))
        assert re.match(rf"lines 1–\d+ of {total} · ↓ \d+ below \(\S+ … x₂\) · ↑ ↓ scroll$",
                        more), more
        await pilot.press("down")
        await pilot.pause()
        more = next(line for line in text_of(graph).splitlines() if line.startswith("lines "))
        assert more.startswith("lines 2–") and "↑ 1 above (C)" in more


async def test_a_deep_chain_folds_its_indentation_and_says_so():
    app = BackpropApp(ten_layers())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b", "T")
        await pilot.pause()
        for _ in range(6):
            await pilot.press("b")
            await pilot.pause()
            graph = graph_of(app)
            assert graph.fold > 0
            text = text_of(graph).splitlines()
            assert text[-2].startswith("lines ")  # what is out of view, and the fold
            assert "⋯ indentation folded" in text[-2]
            assert not any(line.rstrip().endswith("…") for line in text), text
            assert any("◀━━" in line for line in text)  # the step shown is in view
        # deep down, the indentation starts again after ⋯
        assert any(line[1:].startswith("⋯ ") for line in text[1:-2]), text


async def test_the_quiz_does_not_leak_the_layer_it_asks():
    lesson = lecture()
    app = BackpropApp(lesson, quiz=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T", "f", "b")
        await pilot.pause()
        lines = node_lines(app)
        names = chain_names(lesson)
        assert all(lines[names[k, 3]]["gradient"] == BLANK for k in ("w", "b", "z", "a"))


class _Frozen:
    """Stands for the training timer: the app draws as while training, the clock stopped."""

    def stop(self) -> None:
        pass


async def test_it_follows_training_with_every_gradient_of_the_current_parameters():
    lesson = lecture()
    app = BackpropApp(lesson)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T", "f")
        await pilot.pause()
        lesson.train(200)
        app.main._timer = _Frozen()
        app.main._training_started()
        app.main.show()
        await pilot.pause()
        assert app.main.graph_shown  # the graph stays in front while training
        trace = lesson.current_trace()
        lines = node_lines(app)
        names = chain_names(lesson)
        for l in range(1, 4):
            assert lines[names["w", l]]["value"] == signed(lesson.network.w[l - 1][0, 0])
            assert lines[names["w", l]]["gradient"] == signed(trace.dC_dw[l - 1][0, 0, 0])
        assert "◀━━" not in text_of(graph_of(app))  # no step is being shown


@pytest.mark.parametrize("lesson", [lecture, xor_lesson], ids=["chain", "2,2,1"])
async def test_T_again_shows_the_derivation(lesson):
    app = BackpropApp(lesson())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "T")
        await pilot.pause()
        assert graph_of(app).display
        assert not app.main.query_one("#derivation").display
        await pilot.press("T")
        await pilot.pause()
        assert not app.main.has_class("-graph")
        assert app.main.query_one("#derivation").display
        assert app.main.query_one("#derivation").region.height > 0
        assert graph_of(app).region.height == 0


async def test_the_loss_page_and_back_at_small_sizes():
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "T", "v")
        await pilot.pause()
        assert app.main.query_one(LossPlot).region.height > 0
        assert graph_of(app).region.height == 0
        await pilot.press("v")
        await pilot.pause()
        assert graph_of(app).region.height > 0


def test_the_graph_of_a_chain_at_80x24(snap_compare):
    """The default chain after f b b b with the graph open: every gradient, the edges of
    (L−2) marked ◀━━, the way of w(L−2) to C marked ●, its derivation row last."""
    app = BackpropApp(lecture())
    assert snap_compare(app, press=["f", "b", "b", "b", "T"], terminal_size=SIZE)


def test_the_tree_of_shapes():
    """One line per node; a value feeding several neurons is drawn once."""
    for shape in ((1, 1, 1, 1), (2, 2, 1), (2, 4, 4, 1), (3, 2, 2)):
        net = Network.chain((0.5,) * (len(shape) - 1), (0.0,) * (len(shape) - 1)) \
            if set(shape) == {1} else None
        items = tree(shape)
        ids = [item.node for item in items]
        assert len(ids) == len(set(ids))
        L = len(shape) - 1
        count = shape[0] + 1 + sum(shape[l] * (shape[l - 1] + 3) for l in range(1, L + 1))
        assert len(ids) == count, shape  # every node but y (on C's line)
        if net is not None:
            assert not any(item.shared for item in items)


def test_the_graph_over_ssh(tmp_path):
    """``backprop-tui ssh`` and the OpenSSH client at 80×24: the same graph after f b b b T
    (skipped, with the reason, where ssh or asyncssh is missing)."""
    from .. import test_ssh as S

    if getattr(S, "pytestmark", None) is not None:
        pytest.skip(S.pytestmark.kwargs.get("reason", "no ssh"))
    server = S.SshServer(tmp_path)
    client = S.Client(server.port, cols=80, rows=24)
    try:
        client.wait_for(S.READY)
        for key in "fbbbT":
            client.press(key)
            client.pump(0.2)
        client.wait_for("∂C/∂w(L−2) = ∂C/∂a(L−2)·σ'(z(L−2))·x")
        client.pump(0.5)
        rows = client.screen.display
        lesson = lecture()
        lesson.backward()
        w1 = signed(lesson.backward_pass.dC_dw[0][0, 0, 0])
        assert any(re.search(rf"├─w\(L−2\)\s+\+0\.5000\s+{re.escape(w1)} ◀━━", row)
                   for row in rows), client.text()
        assert "q quit" in rows[23]
        client.press("q")
        assert client.wait_exit() == 0
    finally:
        client.close()
        server.stop()
