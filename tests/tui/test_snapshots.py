"""Pictures of the app, of a chain and of a network with a wider layer (deterministic:
nothing timed, no cursor, no speeds)."""

from backprop_tui.model.lesson import Lesson
from backprop_tui.model.network import Network, xor_samples
from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.view import View

from .helpers import app_for, ten_layers

XOR_W = (0.22, 1.01, 1.11, -0.81, -0.93, -0.74)
XOR_B = (0.44, 0.32, -0.5)


def xor_app(lr: float = 0.5) -> BackpropApp:
    return BackpropApp(Lesson(Network((2, 2, 1), XOR_W, XOR_B), xor_samples(), lr))


def test_after_forward(snap_compare):
    assert snap_compare(app_for(), press=["f"], terminal_size=(80, 24))


def test_after_backward(snap_compare):
    assert snap_compare(app_for(), press=["f", "b"], terminal_size=(80, 24))


def test_after_step(snap_compare):
    assert snap_compare(app_for(), press=["f", "b", "s"], terminal_size=(80, 24))


def test_help_screen(snap_compare):
    assert snap_compare(app_for(), press=["question_mark"], terminal_size=(80, 24))


def test_ten_layers_after_forward(snap_compare):
    """Only whole panels, every minus sign, and how many neurons are left out."""
    assert snap_compare(app_for(ten_layers()), press=["f"], terminal_size=(80, 24))


class _Frozen:
    """Stands for the training timer: the app draws as while training, the clock stopped."""

    def stop(self) -> None:
        pass


def test_training_shows_live_numbers(snap_compare):
    """While training (frozen at step 300: no clock, no speed): the panels, the batch and
    the update rows show the current parameters' numbers, not "—"."""

    async def train(pilot):
        app = pilot.app
        await pilot.press("l")
        app.lesson.train(300)
        app.main.show()  # the loss curve drawn once (while training it is redrawn once a second)
        await pilot.pause()
        app.main._timer = _Frozen()
        app.main.training = True
        app.main.show_view(View.LOSS)
        app.main.show()
        await pilot.pause()

    assert snap_compare(app_for(), run_before=train, terminal_size=(120, 36))


def test_wide_after_backward(snap_compare):
    """160×45, ten layers, 8 samples: the chain rule's rows do not all fit, so it opens at
    its last ones (the means the step uses; ↑ for the factors above), every layer's factors
    at once below it, whole panels with every sign."""
    assert snap_compare(app_for(ten_layers()), press=["l", "f", "b"], terminal_size=(160, 45))


def test_backward_shows_the_sum_over_j(snap_compare):
    """2,2,1 after f b b at 80×24 (b: the output layer (L), b again: the layer below):
    w₁₁(L−1), its terms j = 1, 2 and the Σ row adding them."""
    assert snap_compare(xor_app(), press=["f", "b", "b"], terminal_size=(80, 24))


def test_xor_being_learnt(snap_compare):
    """Training frozen at step 3000 (η = 2): the loss curve, the accuracy in the header,
    the live update of the selected neuron."""

    async def train(pilot):
        app = pilot.app
        await pilot.pause()  # the lesson's screen mounted
        app.lesson.train(3000)
        app.main._timer = _Frozen()
        app.main.training = True
        app.main.show_view(View.LOSS)
        app.main.show()
        await pilot.pause()

    assert snap_compare(xor_app(lr=2.0), run_before=train, terminal_size=(80, 24))
