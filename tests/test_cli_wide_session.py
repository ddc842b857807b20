"""``train --save`` and ``--session`` for networks with several neurons a layer."""

import json

import numpy as np
import pytest

from backprop_tui.cli import main
from backprop_tui.model import Session, Trainer, load_session, save_session
from backprop_tui.model.defaults import XOR_SHAPE
from backprop_tui.model.network import random_network, xor_samples

from .test_cli_wide import output, refused


def numbers(values) -> str:
    return ",".join(repr(float(v)) for v in values)


def test_train_save_writes_the_trained_network(capsys, tmp_path):
    path = tmp_path / "xor.json"
    text = output(capsys, "train", "--xor", "--steps", "300", "--save", str(path))
    assert f"session saved to {path}" in text
    start = random_network(XOR_SHAPE)  # the start values of --xor
    trainer = Trainer(start, xor_samples(), 0.5)
    trainer.run(300)
    assert load_session(path).to_dict() == Session.from_trainer(trainer, start).to_dict()


def test_going_on_from_a_session_equals_one_long_run(capsys, tmp_path):
    first, second, straight = (tmp_path / name for name in ("a.json", "b.json", "c.json"))
    output(capsys, "train", "--shape", "2,3,1", "--xor", "--lr", "1.5", "--batch-size", "3",
           "--steps", "300", "--save", str(first))
    text = output(capsys, "train", "--session", str(first), "--steps", "200", "--save",
                  str(second))
    assert "for 200 steps (500 in all)" in text
    assert f"went on from step 300 of {first}" in text
    output(capsys, "train", "--shape", "2,3,1", "--xor", "--lr", "1.5", "--batch-size", "3",
           "--steps", "500", "--save", str(straight))
    assert load_session(second).to_dict() == load_session(straight).to_dict()
    doc = json.loads(output(capsys, "train", "--session", str(first), "--steps", "200",
                            "--json"))
    assert doc["steps"] == 500 and doc["steps_run"] == 200 and doc["shape"] == [2, 3, 1]
    assert load_session(first).steps == 300  # not saved: unchanged


def test_trace_of_a_session_is_the_trace_of_its_network(capsys, tmp_path):
    path = tmp_path / "xor.json"
    output(capsys, "train", "--xor", "--steps", "50", "--save", str(path))
    net = load_session(path).network
    from_session = output(capsys, "trace", "--session", str(path), "--json")
    given = output(capsys, "trace", "--shape", "2,2,1", "--xor", "--w", numbers(net.flat_w),
                   "--b", numbers(net.flat_b), "--json")
    assert from_session == given
    assert json.loads(from_session)["shape"] == [2, 2, 1]


def test_options_given_with_a_session_override_it(capsys, tmp_path):
    path = tmp_path / "xor.json"
    output(capsys, "train", "--xor", "--steps", "10", "--save", str(path))
    session = load_session(path)
    doc = json.loads(output(capsys, "train", "--session", str(path), "--lr", "0.25",
                            "--batch-size", "1", "--x", "0:1,1:1", "--y", "1,0", "--steps",
                            "5", "--json"))
    samples = session.network.samples([[0, 1], [1, 1]], [[1], [0]])
    trainer = Trainer(session.network, samples, 0.25, 1, history=session.history,
                      steps_done=10)
    trainer.run(5)
    assert doc["w"] == [w.tolist() for w in trainer.network.w]
    assert doc["lr"] == 0.25 and doc["batch_size"] == 1 and doc["samples"] == 2
    line = refused(capsys, "train", "--session", str(path), "--x", "0:1,1:1", "--y", "1,0")
    assert "--batch-size" in line and "batch size 4 is more than the 2 samples" in line


@pytest.mark.parametrize("extra, words", [
    (("--w", "1,2,3,4,5,6"), ["--w", "cannot be combined with --session"]),
    (("--seed", "3"), ["--seed", "cannot be combined with --session"]),
    (("--activation", "tanh"), ["--activation", "cannot be combined"]),
    (("--shape", "2,2,1"), ["--session", "without --shape"]),
    (("--x", "0:1:1", "--y", "1"), ["--x", "2 inputs", "sample 1 has 3"]),
])
def test_options_a_session_leaves_no_room_for(capsys, tmp_path, extra, words):
    path = tmp_path / "xor.json"
    save_session(Session.new(random_network(XOR_SHAPE), xor_samples(), 0.5), path)
    before = path.read_bytes()
    line = refused(capsys, "train", "--session", str(path), *extra, "--save", str(path))
    for word in words:
        assert word in line, line
    assert path.read_bytes() == before


def test_a_broken_session_is_reported_and_never_overwritten(capsys, tmp_path):
    path = tmp_path / "xor.json"
    save_session(Session.new(random_network(XOR_SHAPE), xor_samples(), 0.5), path)
    doc = json.loads(path.read_text())
    doc["w"] = doc["w"][:5]
    broken = json.dumps(doc)
    path.write_text(broken)
    for command in ("train", "trace"):
        args = [command, "--session", str(path)] + (["--save", str(path)]
                                                    if command == "train" else [])
        line = refused(capsys, *args)
        assert "--session" in line and "xor.json" in line
        assert "w: shape 2,2,1 needs 6 weights (2·2 + 1·2), got 5" in line
    assert path.read_text() == broken
    path.write_text(broken[:40])
    assert "ends too early" in refused(capsys, "train", "--session", str(path))


def test_save_is_checked_before_training(capsys, tmp_path):
    line = refused(capsys, "train", "--xor", "--steps", "10", "--save", str(tmp_path))
    assert "--save" in line and "folder" in line
    line = refused(capsys, "train", "--xor", "--save", str(tmp_path / "no" / "x.json"))
    assert "--save" in line


def test_a_sessions_theme_is_kept(capsys, tmp_path):
    from dataclasses import replace

    path = tmp_path / "xor.json"
    session = Session.new(random_network(XOR_SHAPE), xor_samples(), 0.5)
    save_session(replace(session, theme="backprop-contrast"), path)
    output(capsys, "train", "--session", str(path), "--steps", "3", "--save", str(path))
    again = load_session(path)
    assert again.theme == "backprop-contrast" and again.steps == 3
    assert not np.array_equal(again.network.flat_w, again.start.flat_w)


def test_the_app_opens_a_wide_session_in_the_wide_app(capsys, tmp_path, monkeypatch):
    import backprop_tui.tui.wide.app as wide_app

    path = tmp_path / "xor.json"
    output(capsys, "train", "--xor", "--steps", "40", "--lr", "0.75", "--save", str(path))
    session = load_session(path)
    opened = {}

    def run(lesson, theme=None, **kwargs):
        opened.update(lesson=lesson, theme=theme)
        return 0

    monkeypatch.setattr(wide_app, "run_wide_app", run)
    assert main(["--session", str(path)]) == 0
    lesson = opened["lesson"]
    np.testing.assert_array_equal(lesson.network.flat_w, session.network.flat_w)
    np.testing.assert_array_equal(lesson.samples.x, session.samples.x)
    assert lesson.lr == 0.75
    doc = json.loads(path.read_text())
    doc["samples"]["x"] = [[0.0, 0.0]] * 3
    path.write_text(json.dumps(doc))
    line = refused(capsys, "--session", str(path))
    assert "--session" in line and "samples.y: 4 values, but samples.x has 3" in line
