"""Start values from plain values, without the command line."""

import pytest

from backprop_tui.model import (
    TANH,
    Network,
    Samples,
    Session,
    StartError,
    defaults,
    resolve_start,
    save_session,
)


def test_nothing_given_is_the_documented_example():
    start = resolve_start()
    assert (start.w, start.b, start.x, start.y, start.lr) == (
        defaults.W, defaults.B, defaults.X, defaults.Y, defaults.LR)
    assert start.seed is None and start.session is None and start.batch_size is None


def test_layers_draw_from_the_seed_and_only_w_given_means_zero_biases():
    start = resolve_start(layers=4, seed=9)
    assert (start.w, start.b) == defaults.random_start(4, 9) and start.seed == 9
    assert resolve_start(w=(1.0, 2.0)).b == (0.0, 0.0)


@pytest.mark.parametrize("given, option", [
    ({"seed": 3}, "seed"),
    ({"layers": 2, "w": (1.0,)}, "layers"),
    ({"w": (1.0, 2.0), "b": (0.0,)}, "b"),
    ({"x": (0.1, 0.2)}, "y"),
    ({"x": (0.1,), "batch_size": 2}, "batch-size"),
    ({"activation": "tanh", "cost": "cross-entropy"}, "cost"),
    ({"cost": "cross-entropy", "y": (2.0,)}, "y"),
    ({"data": "x.csv", "x": (1.0,)}, "data"),
    ({"session": "s.json", "w": (1.0,)}, "w"),
])
def test_refusals_name_the_value(given, option):
    with pytest.raises(StartError) as refused:
        resolve_start(**given)
    assert refused.value.option == option and str(refused.value)


def test_a_session_goes_on_with_overrides(tmp_path):
    chain = Network.chain((0.4, -0.2), (0.0, 0.1), TANH)
    path = tmp_path / "lesson.json"
    save_session(Session.new(chain, Samples((0.1, 0.5, 0.9), (0.0, 1.0, 1.0)), 0.3, 3),
                 str(path))
    start = resolve_start(session=str(path), lr=0.7, x=(0.2,), y=(1.0,),
                          takes_batch_size=False)
    assert start.session is not None and start.lr == 0.7 and start.batch_size == 1
    assert start.network().activation is TANH and start.w == (0.4, -0.2)
    with pytest.raises(StartError) as refused:
        resolve_start(session=str(path), x=(0.2,), y=(1.0,))
    assert refused.value.option == "batch-size"
