"""Sessions of networks with several neurons a layer (one Session for every shape): exact
round trips, the chain's document for width-1 shapes, and every refusal of a broken file.
Version 1 files (chains) are tested in test_session.py."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tui.model import (
    FileError,
    LossHistory,
    ModelError,
    Network,
    Samples,
    Session,
    StartError,
    Trainer,
    load_session,
    resolve_start,
    save_session,
)
from backprop_tui.model.defaults import XOR_SHAPE
from backprop_tui.model.functions import CROSS_ENTROPY
from backprop_tui.model.network import random_network, xor_samples
from backprop_tui.model.session import loads

from .strategies import finite, networks
from .test_session import set_path


def trained_xor(steps: int = 300, capacity: int = 4096) -> Session:
    start = random_network(XOR_SHAPE, seed=3)
    trainer = Trainer(start, xor_samples(), 2.0, 3, history=LossHistory(capacity))
    trainer.run(steps)
    return Session.from_trainer(trainer, start)


def document(session: Session | None = None) -> dict:
    return json.loads((session or trained_xor()).dumps())


def test_round_trip_is_exact(tmp_path):
    session = trained_xor(steps=5000, capacity=64)
    path = save_session(session, tmp_path / "xor.json")
    loaded = load_session(path)
    assert loaded.to_dict() == session.to_dict()
    assert loaded.shape == (2, 2, 1) and loaded.steps == 5000 and loaded.lr == 2.0
    assert loaded.batch_size == 3 and loaded.history.next_step == 5000
    for a, b in zip((*loaded.network.w, *loaded.network.b, *loaded.start.w, *loaded.start.b),
                    (*session.network.w, *session.network.b, *session.start.w,
                     *session.start.b)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.start.flat_w, random_network(XOR_SHAPE, seed=3).flat_w)
    np.testing.assert_array_equal(loaded.samples.x, xor_samples().x)
    assert loaded.network.activation is session.network.activation
    again = save_session(loaded, tmp_path / "again.json")
    assert again.read_bytes() == path.read_bytes()


def test_the_document_of_a_wide_network():
    session = trained_xor(steps=10)
    doc = document(session)
    assert doc["version"] == 2 and doc["shape"] == [2, 2, 1]
    assert doc["w"] == session.network.flat_w.tolist() and len(doc["w"]) == 6
    assert len(doc["b"]) == 3 and len(doc["start"]["w"]) == 6
    # two inputs a sample: rows; one target: plain numbers
    assert doc["samples"] == {"x": [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
                              "y": [0.0, 1.0, 1.0, 0.0]}
    two_out = Network((1, 2), [0.5, -0.5], [0.0, 0.1])
    doc = document(Session.new(two_out, two_out.samples([0.1, 0.2], [[0, 1], [1, 0]]), 0.5))
    assert doc["samples"] == {"x": [0.1, 0.2], "y": [[0.0, 1.0], [1.0, 0.0]]}
    assert loads(json.dumps(doc)).samples.y.tolist() == [[0.0, 1.0], [1.0, 0.0]]


@settings(max_examples=30, deadline=None)
@given(networks(max_layers=3, max_width=4, max_inputs=4, max_samples=4), st.integers(0, 30),
       st.data())
def test_round_trip_with_any_network(pair, steps, data):
    network, samples = pair
    batch = data.draw(st.integers(1, len(samples)))
    trainer = Trainer(network, samples, data.draw(finite(1e-3, 1.0)), batch)
    trainer.run(steps)
    session = Session.from_trainer(trainer, network)
    loaded = loads(session.dumps())
    assert loaded.to_dict() == session.to_dict()
    assert loaded.shape == network.shape
    np.testing.assert_array_equal(loaded.samples.x, samples.x)
    np.testing.assert_array_equal(loaded.network.flat_w, trainer.network.flat_w)


def test_a_reloaded_session_trains_on_exactly_like_the_original(tmp_path):
    start = random_network((2, 3, 1), seed=5)
    straight = Trainer(start, xor_samples(), 1.5, 3)
    straight.run(700)
    first = Trainer(start, xor_samples(), 1.5, 3)
    first.run(300)
    save_session(Session.from_trainer(first, start), tmp_path / "s.json")
    resumed = load_session(tmp_path / "s.json").trainer()
    assert resumed.steps_done == 300
    resumed.run(400)
    np.testing.assert_array_equal(resumed.network.flat_w, straight.network.flat_w)
    np.testing.assert_array_equal(resumed.network.flat_b, straight.network.flat_b)
    assert resumed.history.to_dict() == straight.history.to_dict()


def test_a_width_one_network_writes_the_chains_document(tmp_path):
    """A chain (Network.chain) and the network of shape 1,1,1,1 with its values: the same
    training, the same bytes, and the file reloads to the very same document."""
    chain = Network.chain([0.9, -0.6, 1.3], [0.0, 0.1, -0.2])
    data = Samples([0.0, 0.3, 0.6, 0.9], [0.0, 0.0, 1.0, 1.0])
    trainer = Trainer(chain, data, 1.5, 2)
    trainer.run(50)
    chain_session = Session.from_trainer(trainer, chain)
    net = Network((1, 1, 1, 1), chain.flat_w, chain.flat_b)
    net_trainer = Trainer(net, net.samples(data.x, data.y), 1.5, 2)
    net_trainer.run(50)
    net_session = Session.from_trainer(net_trainer, net)
    np.testing.assert_allclose(net_session.network.flat_w, trainer.network.flat_w, rtol=1e-12)
    assert net_session.dumps() == chain_session.dumps()
    path = save_session(chain_session, tmp_path / "chain.json")
    as_network = load_session(path)
    assert as_network.shape == (1, 1, 1, 1) and as_network.steps == 50
    assert as_network.network.is_chain
    assert as_network.dumps() == chain_session.dumps()
    back = load_session(save_session(as_network, tmp_path / "net.json"))
    assert back.to_dict() == chain_session.to_dict()


def test_the_chains_start_values_refuse_a_wide_file_with_a_reason(tmp_path):
    """Every shape loads, but start values (a chain's) refuse a wide session, saying why."""
    path = save_session(trained_xor(steps=5), tmp_path / "xor.json")
    assert load_session(path).shape == (2, 2, 1)
    with pytest.raises(StartError) as refused:
        resolve_start(session=str(path))
    assert refused.value.option == "session"
    message = str(refused.value)
    assert "shape 2,2,1: a network with several neurons" in message and "\n" not in message


def test_the_session_checks_its_parts():
    net = random_network(XOR_SHAPE)
    with pytest.raises(ModelError, match="the start has shape 2,3,1"):
        Session(net, random_network((2, 3, 1)), xor_samples(), 0.5, 4)
    with pytest.raises(ModelError, match="shape 3,1 takes 3"):
        Session(random_network((3, 1)), random_network((3, 1)), xor_samples(), 0.5, 4)
    with pytest.raises(ModelError, match="batch size: 5"):
        Session(net, net, xor_samples(), 0.5, 5)
    history = LossHistory()
    history.extend(np.ones(5))
    with pytest.raises(ModelError, match="beyond the 3 steps"):
        Session(net, net, xor_samples(), 0.5, 4, 3, history)
    with pytest.raises(ModelError, match="different activations or costs"):
        Session(net, net.with_functions(net.activation, CROSS_ENTROPY), xor_samples(), 0.5, 4)
    assert Session(net, net, xor_samples(), 0.5, None).batch_size == 4  # type: ignore


# -- refusals on loading ----------------------------------------------------------------

def refused(tmp_path, content, *words: str) -> str:
    path = tmp_path / "xor.json"
    if isinstance(content, dict):
        content = json.dumps(content)
    path.write_bytes(content.encode())
    with pytest.raises(FileError) as info:
        load_session(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    for word in words:
        assert word in message, message
    assert path.read_bytes() == content.encode()  # loading never changes the file
    return message


@pytest.mark.parametrize(
    "path, value, words",
    [
        ("w", [0.1] * 5, ["w: shape 2,2,1 needs 6 weights (2·2 + 1·2), got 5"]),
        ("w", [0.1] * 7, ["w:", "got 7"]),
        ("b", [0.1] * 2, ["b: shape 2,2,1 needs 3 biases (2 + 1), got 2"]),
        ("start.w", [0.1] * 4, ["start.w:", "6 weights", "got 4"]),
        ("start.b", [0.1] * 4, ["start.b:", "3 biases", "got 4"]),
        ("w", [0.1, 0.2, "x", 0.0, 0.0, 0.0], ["w", "item 3"]),
        ("samples.x", [[0.0, 0.0], [1.0]], ["samples.x: item 2 has 1 values", "each has 2"]),
        ("samples.x", [[0.0, 0.0], [1.0, 0.0, 1.0]], ["samples.x: item 2 has 3 values"]),
        ("samples.x", [0.0, 1.0], ["samples.x: item 1 is a number, not a list of 2 inputs"]),
        ("samples.x", [[0.0, "a"]], ["samples.x: item 1, value 2 is text"]),
        ("samples.x", [], ["samples.x", "empty"]),
        ("samples.y", [0.0, 1.0, 1.0], ["samples.y: 3 values, but samples.x has 4"]),
        ("samples.y", [[0.0], [1.0], [1.0], [0.0]], ["samples.y: item 1 is a list"]),
        ("shape", [2, 65, 1], ["layer 1 has 65 neurons", "1 to 64"]),
        ("shape", [2, 0, 1], ["layer 1 has 0 neurons"]),
        ("shape", [2] + [1] * 11, ["11 layers", "at most 10"]),
        ("shape", [65, 1], ["65 inputs", "1 to 64"]),
        ("shape", [2], ["shape", "at least one layer"]),
        ("shape", [2, 2.5, 1], ["shape", "item 2"]),
        ("shape", "2,2,1", ["shape", "expected a list"]),
        ("batch_size", 5, ["batch_size", "more than the 4 samples"]),
        ("steps", 3, ["beyond the 3 steps"]),
        ("cost", "cross-entropy", []),  # one sigmoid output: allowed
        ("extra", 1, ["unknown field 'extra'"]),
    ],
)
def test_wrong_fields_are_named(tmp_path, path, value, words):
    doc = set_path(document(), path, value)
    if not words:
        assert loads(json.dumps(doc)).network.cost.name == "cross-entropy"
        return
    refused(tmp_path, doc, *words)


def test_sizes_must_match_the_shape_of_another_valid_network(tmp_path):
    """A 2,3,1 network's parameters under shape 2,2,1: 9 weights, 4 biases, refused."""
    other = document(Session.new(random_network((2, 3, 1)), xor_samples(), 0.5))
    doc = document()
    for key in ("w", "b", "start"):
        doc[key] = other[key]
    refused(tmp_path, doc, "w: shape 2,2,1 needs 6 weights", "got 9")


def test_costs_and_targets_the_network_cannot_take(tmp_path):
    two_out = Network((2, 2), [0.5] * 4, [0.0] * 2)
    doc = document(Session.new(two_out, two_out.samples([[0, 0], [1, 1]], [[0, 1], [1, 0]]),
                               0.5))
    doc["cost"] = "cross-entropy"
    refused(tmp_path, doc, "cross-entropy takes one sigmoid output", "2 outputs")
    doc = document()
    doc["cost"] = "cross-entropy"
    doc["samples"]["y"] = [0.0, 1.0, 2.0, 0.0]
    refused(tmp_path, doc, "cross-entropy")


def test_truncated_and_non_finite_files(tmp_path):
    text = trained_xor(steps=20).dumps()
    for cut in (1, 60, len(text) // 2, len(text) - 3):
        refused(tmp_path, text[:cut], "ends too early")
    refused(tmp_path, text.replace('"x": [[', '"x": [[NaN, 0.0], [', 1), "samples.x",
            "not a finite number")


def test_a_failed_save_leaves_the_old_file(tmp_path, monkeypatch):
    path = save_session(trained_xor(steps=5), tmp_path / "xor.json")
    before = path.read_bytes()
    import os

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(FileError, match="the old file is unchanged"):
        save_session(trained_xor(steps=9), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["xor.json"]


def test_samples_of_a_session_are_shaped_for_its_network():
    session = trained_xor(steps=1)
    assert isinstance(session.samples, Samples)
    assert session.samples.x.shape == (4, 2) and session.samples.y.shape == (4, 1)
