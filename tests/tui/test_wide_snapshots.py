"""Pictures of the wide app (deterministic: nothing timed, no cursor, no speeds)."""

from backprop_tui.model.lesson import Lesson
from backprop_tui.model.network import Network, xor_samples
from backprop_tui.tui.app import BackpropApp

XOR_W = (0.22, 1.01, 1.11, -0.81, -0.93, -0.74)
XOR_B = (0.44, 0.32, -0.5)


def xor_app(lr: float = 0.5) -> BackpropApp:
    return BackpropApp(Lesson(Network((2, 2, 1), XOR_W, XOR_B), xor_samples(), lr))


def test_backward_shows_the_sum_over_j(snap_compare):
    """2,2,1 after f b b at 80×24 (b: the output layer (L), b again: the layer below):
    w₁₁(L−1), its terms j = 1, 2 and the Σ row adding them."""
    assert snap_compare(xor_app(), press=["f", "b", "b"], terminal_size=(80, 24))


class _Frozen:
    """Stands for the training timer: the app draws as while training, the clock stopped."""

    def stop(self) -> None:
        pass


def test_xor_being_learnt(snap_compare):
    """Training frozen at step 3000 (η = 2): the loss curve, the accuracy in the header,
    the live update of the selected neuron."""

    async def train(pilot):
        app = pilot.app
        await pilot.pause()  # the lesson's screen mounted
        app.lesson.train(3000)
        app.main._timer = _Frozen()
        app.main.page = "loss"
        app.main.show()
        await pilot.pause()

    assert snap_compare(xor_app(lr=2.0), run_before=train, terminal_size=(80, 24))
