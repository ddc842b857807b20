"""Settings that are finite but will not lower the cost say so: η ≤ 0, all gradients 0."""

import numpy as np

from backprop_tui.model import RELU, SIGMOID, Network, Samples, trace
from backprop_tui.present import formulas as F

from .test_cli import run


def test_lr_warning_says_what_a_step_does():
    assert F.lr_warning(0.5) is None
    assert "rise" in F.lr_warning(-0.5) and "−0.5000" in F.lr_warning(-0.5)
    assert "not fall" in F.lr_warning(0.0)


def test_train_with_a_negative_rate_warns_on_stderr_and_the_cost_does_rise():
    done = run("train", "--lr", "-0.5", "--steps", "20")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("backprop-tui: warning: η = −0.5000 < 0")
    assert "cost will rise" in lines[0]
    first, last = (float(v.replace("−", "-")) for v in
                   done.stdout.splitlines()[1].split(": ")[1].split(" → "))
    assert last > first  # the warning is true
    assert run("train", "--steps", "5").stderr == ""


def test_a_dead_relu_chain_says_why_every_gradient_is_zero():
    bp = trace(Network.chain([0.5, -0.3, 0.8], [0.1, 0.2, -0.1], RELU), Samples([0.7], [1.0]))
    # the situation under test
    assert not bp.column("dC_dw").any() and not bp.column("dC_db").any()
    note = F.zero_gradient_note(bp)
    assert note is not None and "ReLU'(z(L)) = 0" in note and "dead ReLU" in note
    done = run("trace", "--activation", "relu")
    assert done.returncode == 0 and note in done.stdout
    done = run("train", "--activation", "relu", "--steps", "3")
    assert done.returncode == 0 and f"warning: {note}" in done.stderr


def test_no_note_when_some_gradient_is_not_zero():
    bp = trace(Network.chain([0.5, -0.3, 0.8], [0.1, 0.2, -0.1], SIGMOID),
               Samples([0.7], [1.0]))
    assert F.zero_gradient_note(bp) is None
    at_target = trace(Network.chain([1.0], [0.0], RELU), Samples([0.5], [0.5]))
    assert np.all(at_target.column("dC_dw") == 0)
    assert "C is at its least" in F.zero_gradient_note(at_target)


def test_narration_speaks_the_note_and_fits_80_columns():
    for layers in (1, 3, 10, 12):
        for phase in ("none", "forward", "backward", "step"):
            for layer in range(1, layers + 1):
                for symbol in ("σ", "tanh", "ReLU"):
                    for training, revealing in ((False, False), (True, False), (False, True)):
                        text = F.narration(phase, layer, layers, symbol, training, revealing)
                        assert 0 < len(text) <= F.NARRATION_WIDTH, text
    assert F.narration("backward", 3, 3) == (
        "∂C/∂a(L−1) is passed down: it starts the chain rule at (L−1); b: (L−1)")
    assert F.narration("backward", 1, 3).startswith("x is data: the chain stops here")
    assert F.narration("step", 1, 3).startswith(
        "every w and b moved against its mean gradient; f: the new cost")
    assert "tanh(z)" in F.narration("forward", 3, 3, "tanh")
