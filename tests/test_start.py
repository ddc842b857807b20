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


def test_every_shape_resolves_the_same_way_a_width_1_shape_being_the_chain():
    xor = resolve_start(xor=True, wide=True)
    assert xor == resolve_start(data="xor", wide=True)
    assert xor.shape == (2, 2, 1) and xor.session is None and xor.seed == defaults.SEED
    assert xor.x == (0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0) and xor.y == (0.0, 1.0, 1.0, 0.0)
    assert xor.network().shape == (2, 2, 1) and len(xor.samples()) == 4
    given = resolve_start(shape=(2, 1), w=(1.0, 2.0), x=((0.5, 0.25),), y=(1.0,), wide=True)
    assert (given.b, given.x, given.seed) == ((0.0,), (0.5, 0.25), None)
    assert resolve_start(shape=(1, 1, 1, 1)) == resolve_start()
    assert resolve_start(shape=(1, 1, 1, 1, 1), seed=3) == resolve_start(layers=4, seed=3)


@pytest.mark.parametrize("given, option", [
    ({"shape": (2, 2, 1), "xor": True}, "shape"),  # a wide network where chains are taken
    ({"shape": (1, 1, 1), "w": (1.0, 2.0, 3.0)}, "shape"),
    ({"shape": (2, 2, 1), "layers": 2, "wide": True}, "layers"),
    ({"shape": (3, 2, 1), "xor": True, "wide": True}, "xor"),
    ({"xor": True, "data": "x.csv", "wide": True}, "xor"),
    ({"shape": (2, 2, 1), "x": (0.5,), "y": (1.0,), "wide": True}, "x"),
    ({"shape": (2, 2, 1), "y": (1.0,), "wide": True}, "y"),
    ({"shape": (2, 2, 1), "w": (1.0,), "wide": True}, "w"),
    ({"xor": True, "batch_size": 5, "wide": True}, "batch-size"),
    ({"x": ((0.1, 0.2),), "y": (1.0,)}, "x"),
    ({"session": "s.json", "shape": (1, 1, 1, 1)}, "session"),
])
def test_refusals_name_the_value_for_every_shape(given, option):
    with pytest.raises(StartError) as refused:
        resolve_start(**given)
    assert refused.value.option == option and str(refused.value)


def test_a_wide_session_goes_on_with_overrides(tmp_path):
    xor = resolve_start(xor=True, wide=True)
    path = tmp_path / "xor.json"
    save_session(xor.to_session(), str(path))
    start = resolve_start(session=str(path), x=((0.0, 1.0), (1.0, 1.0)), y=(1.0, 0.0),
                          lr=0.25, batch_size=1, wide=True)
    assert start.session is not None and start.shape == (2, 2, 1)
    assert start.w == xor.w and (start.lr, start.batch_size) == (0.25, 1)
    assert start.samples().x.tolist() == [[0.0, 1.0], [1.0, 1.0]]
    assert start.session.lr == 0.25 and start.session.batch_size == 1
    with pytest.raises(StartError) as refused:
        resolve_start(session=str(path), x=((0.0, 1.0),), y=(1.0,), wide=True)
    assert refused.value.option == "batch-size" and "batch size 4" in str(refused.value)
