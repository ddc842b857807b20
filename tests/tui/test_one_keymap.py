"""One set of keys for every shape (docs/design: "the same keys mean the same thing"): a key
that the chain's app and the app for several neurons a layer both have is one registry
entry, one action and one help sentence; the wide app's own features sit on keys the
chain's app leaves free; and a chain's key whose feature the shape lacks says so in one
line instead of doing something else."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.keys import KEYS
from backprop_tui.tui.wide.app import WideApp
from backprop_tui.tui.wide.derivation import WideDerivation
from backprop_tui.tui.wide.keys import CHAIN_ONLY, WIDE_KEYS
from backprop_tui.tui.wide.state import SYMMETRIC_B, SYMMETRIC_W
from backprop_tui.tui.widgets.decision import DecisionView

from .test_wide import SIZE, XOR_W, lesson_of, shown, xor_lesson

CHAIN = {key.shown: key for key in KEYS}


def bound(app_class) -> dict[str, str]:
    """Each Textual key name an app binds, and its action."""
    return {name.strip(): binding.action for binding in app_class.BINDINGS
            for name in binding.key.split(",")}


def test_a_key_both_apps_have_is_the_chains_own_entry():
    shared = [key for key in WIDE_KEYS if key.shown in CHAIN]
    assert {k.shown for k in shared} >= {"b", "s", "space", "l", "c", "↑ ↓", "n p", "tab"}
    different = [f"`{key.shown}`: wide {key.label!r}/{key.help[:40]!r}…, chain "
                 f"{CHAIN[key.shown].label!r}/{CHAIN[key.shown].help[:40]!r}…"
                 for key in shared if key is not CHAIN[key.shown]]
    assert not different, "a key that means two things:\n" + "\n".join(different)


def test_a_key_name_bound_in_both_apps_does_the_same_or_says_it_is_not_here():
    chain, wide = bound(BackpropApp), bound(WideApp)
    both = sorted(set(chain) & set(wide))
    assert {"e", "d", "m", "l", "c", "up", "down"} <= set(both)
    for name in both:
        if wide[name].startswith("absent("):
            assert name in CHAIN_ONLY, name
        else:
            assert wide[name] == chain[name], (
                f"{name}: {chain[name]} in the chain's app, {wide[name]} in the wide one")
    # The wide app's own keys are free in the chain's app.
    own = {name for key in WIDE_KEYS if key.shown not in CHAIN
           for names, _, _ in key.bindings for name in names.split(",")}
    assert own and not own & set(chain), sorted(own & set(chain))
    # And the keys that only say "not here" are the chain's, not the wide app's own.
    assert set(CHAIN_ONLY) <= set(chain)
    assert not {k for key in WIDE_KEYS for k in key.shown.split()} & set(CHAIN_ONLY)


def assert_not_available(app: WideApp, key: str) -> None:
    message = shown(app, "#message")
    assert message.startswith(f"{key}: ") and "not available for shape" in message, message
    assert "\n" not in message.strip() and len(message.strip()) < SIZE[0], message
    assert app.query_one("#message").has_class("-error")


async def test_symmetry_demo_is_on_S_and_e_says_the_nudge_is_not_available():
    app = WideApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b")
        await pilot.press("e")
        assert_not_available(app, "e")
        assert "nudge" in shown(app, "#message") and "S: the symmetry demo" in shown(
            app, "#message")
        assert np.array_equal(app.lesson.network.flat_w, XOR_W)  # e changed nothing
        assert app.lesson.phase == "backward"
        await pilot.press("S")
        net = app.lesson.network
        assert (net.flat_w == SYMMETRIC_W).all() and (net.flat_b == SYMMETRIC_B).all()
        assert shown(app, "#message").startswith("symmetry")


async def test_matrix_form_is_on_M_and_m_says_the_handout_is_not_available(
        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = WideApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b")
        await pilot.press("m")
        assert_not_available(app, "m")
        assert "handout" in shown(app, "#message")
        assert not app.matrix and not list(tmp_path.iterdir())  # no form, no file
        await pilot.press("M")
        assert app.matrix
        assert app.query_one(WideDerivation).shown.title[0] == "matrix form"
        await pilot.press("M")
        assert not app.matrix


async def test_decision_view_is_on_D_and_a_d_say_samples_cannot_be_added_or_deleted():
    app = WideApp(xor_lesson())
    async with app.run_test(size=(120, 36)) as pilot:
        view = app.query_one(DecisionView)
        for key, what in (("d", "deleting a sample"), ("a", "adding a sample")):
            await pilot.press(key)
            assert_not_available(app, key)
            assert what in shown(app, "#message")
            assert len(app.lesson.samples) == 4 and not view.display
        await pilot.press("d")
        assert "D: the decision view" in shown(app, "#message")
        await pilot.press("D")
        assert app.decision and view.display
        await pilot.press("D")
        assert not app.decision and not view.display


def test_every_key_of_the_chains_app_means_the_same_in_the_wide_one_or_says_it_is_not_here():
    chain, wide = bound(BackpropApp), bound(WideApp)
    silent = sorted(set(chain) - set(wide))
    assert not silent, f"keys of the chain's app that do nothing in the wide one: {silent}"


async def test_brackets_select_the_layer_as_the_arrows_do():
    app = WideApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        start = app.layer
        await pilot.press("right_square_bracket")
        assert app.layer == start + 1
        await pilot.press("left_square_bracket")
        assert app.layer == start


async def test_not_available_stays_one_line_for_a_long_shape():
    app = WideApp(lesson_of((2, 4, 4, 4, 4, 4, 4, 4, 1), [[0.1, 0.2]], [[1.0]]))
    async with app.run_test(size=SIZE) as pilot:
        for key in ("d", "e", "m", "a", "u", "z", "g"):
            await pilot.press(key)
            message = shown(app, "#message").strip()
            assert message.startswith(f"{key}: ") and "not available" in message
            assert "\n" not in message and len(message) < SIZE[0], message


async def test_braces_select_a_neuron_and_the_arrows_scroll_the_derivation():
    app = WideApp(lesson_of((3, 4, 2, 1), [[0.1, 0.2, 0.3]], [[1.0]]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b", "left", "left")
        assert (app.layer, app.neuron) == (1, 1)
        await pilot.press("right_curly_bracket", "right_curly_bracket")
        assert app.neuron == 3
        await pilot.press("left_curly_bracket")
        assert app.neuron == 2
        derivation = app.query_one(WideDerivation)
        assert derivation.rows_hidden  # 80×24: the rows scroll
        start = derivation._start
        assert start > 0  # it opens at the Σ row, further down
        await pilot.press("up")  # the chain's ↑: scroll, not the neuron above
        assert derivation._start == start - 1 and app.neuron == 2
        await pilot.press("down")
        assert derivation._start == start and app.neuron == 2


async def test_l_and_c_mean_one_thing_in_both_apps():
    """l: the lesson's dataset (XOR for a network, 8 samples for a chain); c: the parameter
    the derivation explains (the next w_jk; w or b in a chain)."""
    app = WideApp(lesson_of((3, 2, 1), [[0.1, 0.2, 0.3]], [[1.0]]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        assert app.lesson.shape == (2, 2, 1) and len(app.lesson.samples) == 4
        await pilot.press("f", "b", "c")
        assert app.weight == 2


@pytest.mark.parametrize("key", ["M", "D", "S", "left_curly_bracket", "right_curly_bracket"])
async def test_the_wide_apps_own_keys_do_nothing_in_the_chains_app(key):
    from .helpers import app_for

    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        before = (app.lesson.version, shown(app, "#message"))
        await pilot.press(key)
        assert (app.lesson.version, shown(app, "#message")) == before


async def test_i_writes_a_screenshot_in_the_wide_app_too(tmp_path):
    from backprop_tui.model.files import Folder

    app = WideApp(xor_lesson(), folder=Folder(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "i")
        await pilot.pause()
        svg = (tmp_path / "backprop-screenshot-1.svg").read_text()
        assert svg.lstrip().startswith("<svg") and svg.rstrip().endswith("</svg>")
        assert "shape" in svg and "2,2,1" in svg
        assert "screenshot written to backprop-screenshot-1.svg" in shown(app, "#message")


async def test_G_switches_the_wide_apps_loss_curve_to_a_log_axis():
    from backprop_tui.tui.widgets.loss_plot import LossPlot

    app = WideApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("G")
        plot = app.query_one(LossPlot)
        assert plot.log_scale and app.page == "loss"
        assert shown(app, "#message").startswith("loss curve: cost axis logarithmic")
        await pilot.press("G")
        assert not plot.log_scale
        assert shown(app, "#message").startswith("loss curve: cost axis linear")
