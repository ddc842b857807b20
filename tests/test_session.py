"""Session files, one format for every shape (a chain is the network of width 1): exact
round trips, the chain's document for width-1 shapes, every refusal on loading (version 1
files too), and atomic saving."""

import errno
import json
import math
import os
import re
import stat

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
from backprop_tui.model import files as files_module
from backprop_tui.model.defaults import XOR_SHAPE
from backprop_tui.model.functions import CROSS_ENTROPY
from backprop_tui.model.network import random_network, xor_samples
from backprop_tui.model.session import FORMAT, VERSION, loads

from .strategies import chains, finite, networks, samples

KINDS = ["chain", "network"]
"""One session format for every shape: a chain (the network of width 1) and a wider network."""


def trained_session(steps: int = 300, batch_size: int = 2, capacity: int = 4096) -> Session:
    """A chain of three layers trained on four samples."""
    start = Network.chain([0.9, -0.6, 1.3], [0.0, 0.1, -0.2])
    data = Samples([0.0, 0.3, 0.6, 0.9], [0.0, 0.0, 1.0, 1.0])
    trainer = Trainer(start, data, 1.5, batch_size, history=LossHistory(capacity))
    trainer.run(steps)
    return Session.from_trainer(trainer, start)


def trained_xor(steps: int = 300, capacity: int = 4096) -> Session:
    """A network of shape 2,2,1 trained on XOR."""
    start = random_network(XOR_SHAPE, seed=3)
    trainer = Trainer(start, xor_samples(), 2.0, 3, history=LossHistory(capacity))
    trainer.run(steps)
    return Session.from_trainer(trainer, start)


TRAINED = {"chain": trained_session, "network": trained_xor}


def document(session: Session | None = None) -> dict:
    return json.loads((session or trained_session()).dumps())


# -- the loss history -----------------------------------------------------------------

@settings(max_examples=60)
@given(st.integers(2, 9), st.lists(finite(-1e3, 1e3), max_size=300), st.data())
def test_history_dict_round_trip_continues_exactly(capacity, values, data):
    cut = data.draw(st.integers(0, len(values)))
    original = LossHistory(capacity)
    original.extend(np.array(values[:cut]))
    saved = json.loads(json.dumps(original.to_dict()))
    reloaded = LossHistory.from_dict(saved)
    assert reloaded.to_dict() == original.to_dict()
    assert reloaded.next_step == original.next_step and len(reloaded) == len(original)
    # Both go on with the same values and stay identical, bucket for bucket.
    rest = np.array(values[cut:])
    original.extend(rest)
    reloaded.extend(rest)
    assert reloaded.to_dict() == original.to_dict()
    assert reloaded.last == original.last
    for points in (1, 3, 50):
        a, b = original.thinned(points), reloaded.thinned(points)
        for name in ("step", "first", "low", "high"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_history_that_started_later_keeps_its_start():
    history = LossHistory(4)
    history.clear(start_step=17)
    assert LossHistory.from_dict(history.to_dict()).next_step == 17
    history.extend(np.arange(11.0))
    reloaded = LossHistory.from_dict(history.to_dict())
    assert reloaded.next_step == 28
    np.testing.assert_array_equal(reloaded.thinned(100).step, history.thinned(100).step)
    assert reloaded.thinned(100).step[0] == 17


def test_history_copy_is_independent():
    history = LossHistory()
    history.extend(np.array([1.0, 2.0]))
    copy = history.copy()
    copy.append(3.0)
    assert len(history) == 2 and len(copy) == 3


def _history_doc() -> dict:
    history = LossHistory(4)
    history.extend(np.linspace(1.0, 0.0, 11))  # merged buckets and pending values
    return history.to_dict()


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda d: d.pop("span"), "missing field 'history.span'"),
        (lambda d: d.update(extra=1), "unknown field 'history.extra'"),
        (lambda d: d.update(span=3), "not a power of 2"),
        (lambda d: d.update(capacity=1), "history.capacity"),
        (lambda d: d.update(start=-1), "history.start"),
        (lambda d: d.update(count=[1.5] + d["count"][1:]), "history.count"),
        (lambda d: d.update(first=d["first"][:-1]), "history.first"),
        (lambda d: d.update(low=[math.nan] + d["low"][1:]), "history.low"),
        (lambda d: d.update(pending=[0.1] * d["span"]), "history.pending"),
        (lambda d: d.update(last=None), "history.last"),
        (lambda d: d.update(last=12345.0), "history.last"),
        (lambda d: d.update(first=[d["high"][0] + 1] + d["first"][1:]), "history.first"),
        (lambda d: d.update(count=[d["span"] * 2] + d["count"][1:]), "history.count"),
    ],
)
def test_history_from_dict_refuses_inconsistent_documents(change, words):
    doc = _history_doc()
    change(doc)
    with pytest.raises(ModelError, match=None) as info:
        LossHistory.from_dict(doc)
    assert words in str(info.value)


# -- the session ------------------------------------------------------------------------

TRAINED_AS = {
    "chain": {"shape": (1, 1, 1, 1), "start_w": [0.9, -0.6, 1.3], "lr": 1.5, "batch_size": 2,
              "x": [[0.0], [0.3], [0.6], [0.9]]},
    "network": {"shape": (2, 2, 1), "start_w": random_network(XOR_SHAPE, seed=3).flat_w.tolist(),
                "lr": 2.0, "batch_size": 3, "x": xor_samples().x.tolist()},
}
"""What trained_session and trained_xor were given."""


@pytest.mark.parametrize("kind", KINDS)
def test_session_save_load_is_exact(tmp_path, kind):
    session = TRAINED[kind](steps=5000, capacity=64)  # merged buckets and pending values
    path = save_session(session, tmp_path / "lesson.json")
    loaded = load_session(path)
    assert loaded.to_dict() == session.to_dict()
    np.testing.assert_array_equal(loaded.network.flat_w, session.network.flat_w)
    np.testing.assert_array_equal(loaded.network.flat_b, session.network.flat_b)
    for a, b in zip((*loaded.network.w, *loaded.network.b, *loaded.start.w, *loaded.start.b),
                    (*session.network.w, *session.network.b, *session.start.w,
                     *session.start.b)):
        np.testing.assert_array_equal(a, b)
    given = TRAINED_AS[kind]
    assert loaded.shape == given["shape"]
    np.testing.assert_array_equal(loaded.start.flat_w, given["start_w"])
    np.testing.assert_array_equal(loaded.samples.x, given["x"])
    assert loaded.steps == 5000 and loaded.history.next_step == 5000
    assert loaded.lr == given["lr"] and loaded.batch_size == given["batch_size"]
    assert loaded.network.activation is session.network.activation
    assert loaded.network.cost is session.network.cost
    # Saving what was loaded gives the same bytes.
    again = save_session(loaded, tmp_path / "again.json")
    assert again.read_bytes() == path.read_bytes()


@pytest.mark.parametrize("kind, examples, most_steps, fastest", [
    ("chain", 25, 40, 2.0),
    ("network", 30, 30, 1.0),
])
def test_session_round_trip_with_any_numbers(kind, examples, most_steps, fastest):
    cases = (st.tuples(chains(max_layers=4), samples(max_size=4)) if kind == "chain"
             else networks(max_layers=3, max_width=4, max_inputs=4, max_samples=4))

    @settings(max_examples=examples, deadline=None)
    @given(cases, st.integers(0, most_steps), st.data())
    def check(case, steps, draw):
        network, data = case
        batch = draw.draw(st.integers(1, len(data)))
        trainer = Trainer(network, data, draw.draw(finite(1e-3, fastest)), batch)
        trainer.run(steps)
        session = Session.from_trainer(trainer, network)
        loaded = loads(session.dumps())
        assert loaded.to_dict() == session.to_dict()
        assert loaded.shape == network.shape
        np.testing.assert_array_equal(loaded.samples.x, data.x)
        np.testing.assert_array_equal(loaded.network.flat_w, trainer.network.flat_w)

    check()


@pytest.mark.parametrize("start, data", [
    (Network.chain([0.9, -0.6, 1.3], [0.0, 0.1, -0.2]),
     Samples([0.0, 0.3, 0.6, 0.9], [0.0, 0.0, 1.0, 1.0])),
    (random_network((2, 3, 1), seed=5), xor_samples()),
], ids=KINDS)
def test_a_reloaded_session_trains_on_exactly_like_the_original(tmp_path, start, data):
    straight = Trainer(start, data, 1.5, 3)
    straight.run(700)
    first = Trainer(start, data, 1.5, 3)
    first.run(300)
    save_session(Session.from_trainer(first, start), tmp_path / "s.json")
    resumed = load_session(tmp_path / "s.json").trainer()
    assert resumed.steps_done == 300
    resumed.run(400)
    np.testing.assert_array_equal(resumed.network.flat_w, straight.network.flat_w)
    np.testing.assert_array_equal(resumed.network.flat_b, straight.network.flat_b)
    assert resumed.history.to_dict() == straight.history.to_dict()


def test_session_trainer_does_not_change_the_session():
    session = trained_session(steps=10)
    before = session.to_dict()
    session.trainer().run(20)
    assert session.to_dict() == before


def test_new_session_starts_at_step_zero():
    chain = Network.chain([0.5], [0.1])
    session = Session.new(chain, Samples([1.0, 2.0], [0.0, 1.0]), 0.5)
    assert session.steps == 0 and session.batch_size == 2 and len(session.history) == 0
    assert session.start is chain


@pytest.mark.parametrize("network, data, batch", [
    (Network.chain([0.5], [0.1]), Samples([1.0], [0.0]), 1),
    (random_network(XOR_SHAPE), xor_samples(), 4),
], ids=KINDS)
def test_session_refuses_a_history_beyond_its_steps(network, data, batch):
    history = LossHistory()
    history.extend(np.ones(5))
    with pytest.raises(ModelError, match="beyond the 3 steps"):
        Session(network, network, data, 0.5, batch, 3, history)


def test_the_session_checks_its_parts():
    net = random_network(XOR_SHAPE)
    with pytest.raises(ModelError, match="the start has shape 2,3,1"):
        Session(net, random_network((2, 3, 1)), xor_samples(), 0.5, 4)
    with pytest.raises(ModelError, match="shape 3,1 takes 3"):
        Session(random_network((3, 1)), random_network((3, 1)), xor_samples(), 0.5, 4)
    with pytest.raises(ModelError, match="batch size: 5"):
        Session(net, net, xor_samples(), 0.5, 5)
    with pytest.raises(ModelError, match="different activations or costs"):
        Session(net, net.with_functions(net.activation, CROSS_ENTROPY), xor_samples(), 0.5, 4)
    assert Session(net, net, xor_samples(), 0.5, None).batch_size == 4  # type: ignore


@pytest.mark.parametrize("kind, inputs", [("chain", 1), ("network", 2)])
def test_samples_of_a_session_are_shaped_for_its_network(kind, inputs):
    session = TRAINED[kind](steps=1)
    assert isinstance(session.samples, Samples)
    assert session.samples.x.shape == (4, inputs) and session.samples.y.shape == (4, 1)


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
    with pytest.raises(StartError) as info:
        resolve_start(session=str(path))
    assert info.value.option == "session"
    message = str(info.value)
    assert "shape 2,2,1: a network with several neurons" in message and "\n" not in message


# -- refusals on loading ----------------------------------------------------------------

def refused(tmp_path, content, *words: str) -> str:
    path = tmp_path / "lesson.json"
    if isinstance(content, dict):
        content = json.dumps(content)
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    with pytest.raises(FileError) as info:
        load_session(path)
    message = str(info.value)
    assert str(path) in message
    assert "\n" not in message
    for word in words:
        assert word in message, message
    assert path.read_bytes() == content  # loading never changes the file
    return message


@pytest.mark.parametrize("kind", KINDS)
def test_truncated_files_are_refused_as_truncated(tmp_path, kind):
    text = TRAINED[kind](steps=20).dumps()
    for cut in (1, 40, 60, 200, len(text) // 2, len(text) - 3):
        refused(tmp_path, text[:cut], "ends too early")


def test_malformed_json_names_the_line(tmp_path):
    text = trained_session(steps=5).dumps().replace('"lr":', '"lr" 0.5,', 1)
    refused(tmp_path, text, "not valid JSON", "line")


@pytest.mark.parametrize(
    "content, words",
    [
        ("", ["empty"]),
        ("  \n", ["empty"]),
        ("[1, 2]", ["expected an object"]),
        ('{"format": "something else", "version": 1}', ["not a backprop-tui session"]),
        ('{"version": 1}', ["not a backprop-tui session"]),
        (b"\xff\xfe{}", ["not UTF-8"]),
        ("[" * 100_000 + "]" * 100_000, ["nested too deeply"]),
    ],
)
def test_files_that_are_not_sessions(tmp_path, content, words):
    refused(tmp_path, content, *words)


@pytest.mark.parametrize("version", [0, 3, "1", 1.0, None, True])
def test_wrong_version(tmp_path, version):
    doc = document()
    doc["version"] = version
    message = refused(tmp_path, doc)
    assert "version" in message


def test_unsupported_version_says_which_it_reads(tmp_path):
    doc = document()
    doc["version"] = VERSION + 1
    refused(tmp_path, doc, f"version {VERSION + 1} is not supported", f"reads version {VERSION}")


@pytest.mark.parametrize("key", ["activation", "cost", "w", "b", "start", "samples", "lr",
                                 "batch_size", "steps", "history"])
def test_every_missing_field_is_named(tmp_path, key):
    doc = document()
    del doc[key]
    refused(tmp_path, doc, f"missing field '{key}'")


def set_path(doc: dict, path: str, value) -> dict:
    *parents, last = path.split(".")
    target = doc
    for key in parents:
        target = target[key]
    target[last] = value
    return doc


@pytest.mark.parametrize(
    "kind, path, value, words",
    [
        ("chain", "extra", 1, ["unknown field 'extra'"]),
        ("chain", "start.extra", 1, ["unknown field 'start.extra'"]),
        ("chain", "activation", "softsign", ["unknown activation 'softsign'"]),
        ("chain", "activation", 3, ["activation", "expected text"]),
        ("chain", "cost", "hinge", ["unknown cost 'hinge'"]),
        ("chain", "w", "0.5,0.3", ["w", "expected a list"]),
        ("chain", "w", [], ["w", "empty"]),
        ("chain", "w", [0.5, "x", 0.1], ["w", "item 2"]),
        ("chain", "w", [0.5, True, 0.1], ["w", "item 2"]),
        ("chain", "b", [0.0, 0.1], ["b: 2 values, but w has 3"]),
        ("chain", "start.w", [0.0], ["start.w: 1 values, but w has 3"]),
        ("chain", "start", [1, 2], ["start", "expected an object"]),
        ("chain", "samples.y", [0.0], ["samples.y: 1 values, but samples.x has 4"]),
        ("chain", "samples.x", [], ["samples.x", "empty"]),
        ("chain", "lr", "fast", ["lr", "expected a number"]),
        ("chain", "lr", None, ["lr", "expected a number"]),
        ("chain", "batch_size", 1.5, ["batch_size", "whole number"]),
        ("chain", "batch_size", 0, ["batch_size", "less than 1"]),
        ("chain", "batch_size", 5, ["batch_size", "more than the 4 samples"]),
        ("chain", "steps", -1, ["steps", "less than 0"]),
        ("chain", "steps", 3, ["beyond the 3 steps"]),
        ("chain", "history", [], ["history", "expected an object"]),
        ("chain", "history.first", [], ["history.first"]),
        # shape 2,2,1
        ("network", "w", [0.1] * 5, ["w: shape 2,2,1 needs 6 weights (2·2 + 1·2), got 5"]),
        ("network", "w", [0.1] * 7, ["w:", "got 7"]),
        ("network", "b", [0.1] * 2, ["b: shape 2,2,1 needs 3 biases (2 + 1), got 2"]),
        ("network", "start.w", [0.1] * 4, ["start.w:", "6 weights", "got 4"]),
        ("network", "start.b", [0.1] * 4, ["start.b:", "3 biases", "got 4"]),
        ("network", "w", [0.1, 0.2, "x", 0.0, 0.0, 0.0], ["w", "item 3"]),
        ("network", "samples.x", [[0.0, 0.0], [1.0]],
         ["samples.x: item 2 has 1 values", "each has 2"]),
        ("network", "samples.x", [[0.0, 0.0], [1.0, 0.0, 1.0]],
         ["samples.x: item 2 has 3 values"]),
        ("network", "samples.x", [0.0, 1.0],
         ["samples.x: item 1 is a number, not a list of 2 inputs"]),
        ("network", "samples.x", [[0.0, "a"]], ["samples.x: item 1, value 2 is text"]),
        ("network", "samples.x", [], ["samples.x", "empty"]),
        ("network", "samples.y", [0.0, 1.0, 1.0], ["samples.y: 3 values, but samples.x has 4"]),
        ("network", "samples.y", [[0.0], [1.0], [1.0], [0.0]], ["samples.y: item 1 is a list"]),
        ("network", "shape", [2, 65, 1], ["layer 1 has 65 neurons", "1 to 64"]),
        ("network", "shape", [2, 0, 1], ["layer 1 has 0 neurons"]),
        ("network", "shape", [2] + [1] * 11, ["11 layers", "at most 10"]),
        ("network", "shape", [65, 1], ["65 inputs", "1 to 64"]),
        ("network", "shape", [2], ["shape", "at least one layer"]),
        ("network", "shape", [2, 2.5, 1], ["shape", "item 2"]),
        ("network", "shape", "2,2,1", ["shape", "expected a list"]),
        ("network", "batch_size", 5, ["batch_size", "more than the 4 samples"]),
        ("network", "steps", 3, ["beyond the 3 steps"]),
        ("network", "cost", "cross-entropy", []),  # one sigmoid output: allowed
        ("network", "extra", 1, ["unknown field 'extra'"]),
    ],
)
def test_wrong_fields_are_named(tmp_path, kind, path, value, words):
    doc = set_path(document(TRAINED[kind]()), path, value)
    if not words:
        assert loads(json.dumps(doc)).network.cost.name == "cross-entropy"
        return
    refused(tmp_path, doc, *words)


def test_sizes_must_match_the_shape_of_another_valid_network(tmp_path):
    """A 2,3,1 network's parameters under shape 2,2,1: 9 weights, 4 biases, refused."""
    other = document(Session.new(random_network((2, 3, 1)), xor_samples(), 0.5))
    doc = document(trained_xor())
    for key in ("w", "b", "start"):
        doc[key] = other[key]
    refused(tmp_path, doc, "w: shape 2,2,1 needs 6 weights", "got 9")


def test_costs_and_targets_the_network_cannot_take(tmp_path):
    two_out = Network((2, 2), [0.5] * 4, [0.0] * 2)
    doc = document(Session.new(two_out, two_out.samples([[0, 0], [1, 1]], [[0, 1], [1, 0]]),
                               0.5))
    doc["cost"] = "cross-entropy"
    refused(tmp_path, doc, "cross-entropy takes one sigmoid output", "2 outputs")
    doc = document(trained_xor())
    doc["cost"] = "cross-entropy"
    doc["samples"]["y"] = [0.0, 1.0, 2.0, 0.0]
    refused(tmp_path, doc, "cross-entropy")


@pytest.mark.parametrize(
    "kind, old, new, field",
    [
        ("chain", '"lr": 1.5', '"lr": NaN', "lr"),
        ("chain", '"lr": 1.5', '"lr": Infinity', "lr"),
        ("chain", '"lr": 1.5', '"lr": -Infinity', "lr"),
        ("chain", '"lr": 1.5', '"lr": 1e400', "lr"),
        ("chain", '"w": [', '"w": [NaN, ', "w"),
        ("chain", '"x": [', '"x": [1e999, ', "samples.x"),
        ("chain", '"first": [', '"first": [NaN, ', "history.first"),
        ("chain", '"last": ', '"last": Infinity', "history.last"),
        ("network", '"x": [[', '"x": [[NaN, 0.0], [', "samples.x"),  # in a row of inputs
    ],
)
def test_non_finite_numbers_are_refused(tmp_path, kind, old, new, field):
    text = TRAINED[kind](steps=20).dumps()
    assert old in text
    text = re.sub(r'"last": [^\n]*', new, text) if old == '"last": ' else text.replace(old, new, 1)
    message = refused(tmp_path, text)
    assert field in message and "not a finite number" in message


def test_unreadable_paths(tmp_path):
    with pytest.raises(FileError, match="cannot read the session file"):
        load_session(tmp_path / "missing.json")
    with pytest.raises(FileError, match="cannot read the session file"):
        load_session(tmp_path)


@pytest.mark.parametrize("kind, shape, weights, biases", [
    ("chain", [1, 1, 1, 1], 3, 3),
    ("network", [2, 2, 1], 6, 3),
])
def test_the_document_has_format_and_version_and_full_precision(kind, shape, weights, biases):
    session = TRAINED[kind](steps=30)
    doc = document(session)
    assert doc["format"] == FORMAT and doc["version"] == VERSION == 2
    assert doc["w"] == session.network.flat_w.tolist() and len(doc["w"]) == weights
    assert doc["b"] == session.network.flat_b.tolist() and len(doc["b"]) == biases
    assert doc["start"]["w"] == session.start.flat_w.tolist() and len(doc["start"]["w"]) == weights
    assert set(doc) == {"format", "version", "shape", "activation", "cost", "w", "b", "start",
                        "samples", "lr", "batch_size", "steps", "history"}
    assert doc["shape"] == shape


def test_samples_are_plain_numbers_for_one_value_and_rows_for_several():
    doc = document(trained_session(steps=10))
    assert doc["samples"] == {"x": [0.0, 0.3, 0.6, 0.9], "y": [0.0, 0.0, 1.0, 1.0]}
    # two inputs a sample: rows; one target: plain numbers
    doc = document(trained_xor(steps=10))
    assert doc["samples"] == {"x": [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
                              "y": [0.0, 1.0, 1.0, 0.0]}
    two_out = Network((1, 2), [0.5, -0.5], [0.0, 0.1])
    doc = document(Session.new(two_out, two_out.samples([0.1, 0.2], [[0, 1], [1, 0]]), 0.5))
    assert doc["samples"] == {"x": [0.1, 0.2], "y": [[0.0, 1.0], [1.0, 0.0]]}
    assert loads(json.dumps(doc)).samples.y.tolist() == [[0.0, 1.0], [1.0, 0.0]]


VERSION_1 = """{
  "format": "backprop-tui session",
  "version": 1,
  "activation": "tanh",
  "cost": "squared-error",
  "w": [0.25, -1.5],
  "b": [0.125, 0.0],
  "start": {"w": [0.5, -1.0], "b": [0.0, 0.0]},
  "samples": {"x": [0.1, 0.9, -0.3], "y": [0.0, 1.0, 0.5]},
  "lr": 0.75,
  "batch_size": 2,
  "steps": 3,
  "history": {"capacity": 4096, "span": 1, "start": 0, "count": [1, 1, 1],
              "first": [0.5, 0.25, 0.125], "low": [0.5, 0.25, 0.125],
              "high": [0.5, 0.25, 0.125], "pending": [], "last": 0.125}
}
"""


def test_a_version_1_file_still_loads_as_it_did(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(VERSION_1)
    session = load_session(path)
    assert session.network.flat_w.tolist() == [0.25, -1.5]
    assert session.network.flat_b.tolist() == [0.125, 0.0] and session.shape == (1, 1, 1)
    assert session.start.flat_w.tolist() == [0.5, -1.0]
    assert session.network.activation.name == "tanh" and session.lr == 0.75
    assert session.samples.x[:, 0].tolist() == [0.1, 0.9, -0.3] and session.batch_size == 2
    assert session.steps == 3 and session.history.last == 0.125
    again = json.loads(session.dumps())  # saved again: version 2, the same content
    old = json.loads(VERSION_1)
    assert again["version"] == 2 and again["shape"] == [1, 1, 1]
    assert {k: v for k, v in again.items() if k not in ("version", "shape")} == {
        k: v for k, v in old.items() if k != "version"}
    assert loads(session.dumps()).network.flat_w.tolist() == [0.25, -1.5]


def test_version_1_takes_no_shape_and_version_2_needs_one(tmp_path):
    doc = json.loads(VERSION_1)
    doc["shape"] = [1, 1, 1]
    refused(tmp_path, doc, "shape")
    doc["version"] = 2
    del doc["shape"]
    refused(tmp_path, doc, "shape")


@pytest.mark.parametrize("shape, words", [
    ([1, 1, 1, 1], ["w: 2 values", "shape 1,1,1,1 has 3 weights"]),
    ([2, 2, 1], ["w: shape 2,2,1 needs 6 weights (2·2 + 1·2), got 2"]),
    ([1, 65, 1], ["65 neurons"]),
])
def test_a_version_2_shape_must_fit_the_values(tmp_path, shape, words):
    doc = json.loads(VERSION_1)
    doc["version"] = 2
    doc["shape"] = shape
    refused(tmp_path, doc, *words)


# -- atomic saving ----------------------------------------------------------------------

def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "lesson.json")


def test_saving_replaces_and_keeps_permissions(tmp_path):
    path = tmp_path / "lesson.json"
    save_session(trained_session(steps=5), path)
    os.chmod(path, 0o640)
    save_session(trained_session(steps=9), path)
    assert load_session(path).steps == 9
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def _fail(code: int):
    def raiser(*args, **kwargs):
        raise OSError(code, os.strerror(code))
    return raiser


def _partial_write_then_full(real_write):
    calls = []

    def write(fd, data):
        if not calls:
            calls.append(1)
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    return write


def _failing_open(folder, real_open):
    """os.open failing in ``folder`` the way a read-only folder makes it fail."""
    def open_(path, flags, *args, **kwargs):
        if os.path.dirname(os.fspath(path)) == os.fspath(folder) and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_open(path, flags, *args, **kwargs)
    return open_


@pytest.mark.parametrize("where", ["open", "write", "fsync", "replace"])
@pytest.mark.parametrize("had_old_file", [True, False])
@pytest.mark.parametrize("kind", KINDS)
def test_a_failed_save_leaves_the_old_file_and_no_temporary_file(
        tmp_path, monkeypatch, kind, where, had_old_file):
    path = tmp_path / "lesson.json"
    old = b""
    if had_old_file:
        save_session(TRAINED[kind](steps=5), path)
        old = path.read_bytes()
    if where == "open":  # what a read-only folder does
        monkeypatch.setattr(files_module.os, "open", _failing_open(tmp_path, os.open))
        reason = os.strerror(errno.EACCES)
    elif where == "write":  # the disk fills up half way
        monkeypatch.setattr(files_module.os, "write", _partial_write_then_full(os.write))
        reason = os.strerror(errno.ENOSPC)
    elif where == "fsync":  # the disk is full when the data is flushed
        monkeypatch.setattr(files_module.os, "fsync", _fail(errno.ENOSPC))
        reason = os.strerror(errno.ENOSPC)
    else:
        monkeypatch.setattr(files_module.os, "replace", _fail(errno.EXDEV))
        reason = os.strerror(errno.EXDEV)
    with pytest.raises(FileError) as info:
        save_session(TRAINED[kind](steps=9), path)
    monkeypatch.undo()
    message = str(info.value)
    assert str(path) in message and reason in message
    if had_old_file:
        assert "the old file is unchanged" in message
        assert path.read_bytes() == old
        assert load_session(path).steps == 5
    else:
        assert "nothing was written" in message
        assert not path.exists()
    assert leftovers(tmp_path) == []


def test_saving_into_a_read_only_folder_fails_cleanly(tmp_path):
    path = tmp_path / "lesson.json"
    save_session(trained_session(steps=5), path)
    old = path.read_bytes()
    os.chmod(tmp_path, 0o500)
    try:
        try:  # root (with CAP_DAC_OVERRIDE) writes into a read-only folder all the same
            (tmp_path / "probe").touch()
        except PermissionError:
            pass
        else:
            pytest.skip("running as root: a read-only folder does not stop writes here; "
                        "test_a_failed_save_leaves_the_old_file_and_no_temporary_file[chain-True-open] "
                        "covers the same path with a simulated EACCES")
        with pytest.raises(FileError, match="Permission denied.*the old file is unchanged"):
            save_session(trained_session(steps=9), path)
        assert path.read_bytes() == old
        assert leftovers(tmp_path) == []
    finally:
        os.chmod(tmp_path, 0o700)


def test_saving_onto_a_folder_or_into_a_missing_folder(tmp_path):
    with pytest.raises(FileError, match="it is a folder"):
        save_session(trained_session(steps=1), tmp_path)
    with pytest.raises(FileError, match="nothing was written"):
        save_session(trained_session(steps=1), tmp_path / "missing" / "lesson.json")
