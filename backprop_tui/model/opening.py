"""The lesson as it opens: what the app's first frame shows, before numpy is loaded.

Before the first key nothing has been computed: the screen shows the start
values (w, b, x, y, η), step 0 and no result. An :class:`Opening` holds exactly
that, as plain numbers, and gives it the way a :class:`~.lesson.Lesson` does
(``network.flat_w``, ``samples.x``, ``phase`` …), so the app draws its first frame from
it while numpy and the rest of the model load; :meth:`Opening.lesson` then
makes the lesson itself. Tests hold the two frames equal, cell by cell.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .limits import check_batch_size, check_start

if TYPE_CHECKING:
    from .functions import Activation, Cost
    from .lesson import Lesson
    from .start import StartValues


# Plain classes, not dataclasses: they are made before the first frame, and a dataclass
# costs a little to define.


class OpeningNetwork:
    """The chain's start values as plain numbers, input to output (as a
    :class:`~backprop_tui.model.network.Network` of width 1 holds them)."""

    __slots__ = ("flat_w", "flat_b", "activation", "cost")

    def __init__(self, w: tuple[float, ...], b: tuple[float, ...], activation: Activation,
                 cost: Cost) -> None:
        self.flat_w, self.flat_b, self.activation, self.cost = w, b, activation, cost

    @property
    def layers(self) -> int:
        return len(self.flat_w)

    @property
    def shape(self) -> tuple[int, ...]:
        return (1,) * (len(self.flat_w) + 1)

    is_chain = True


class OpeningSamples:
    """The samples' inputs and targets as plain numbers, one row a sample."""

    __slots__ = ("x", "y")

    def __init__(self, x: tuple[float, ...], y: tuple[float, ...]) -> None:
        self.x = tuple((v,) for v in x)
        self.y = tuple((v,) for v in y)

    def __len__(self) -> int:
        return len(self.x)


class NoHistory:
    """The loss history before the first step: empty."""

    next_step = 0
    last: float | None = None

    def __len__(self) -> int:
        return 0


class Opening:
    """A lesson not yet started: the start values, step 0, nothing computed."""

    __slots__ = ("values", "network", "samples", "lr", "batch_size")

    def __init__(self, values: StartValues) -> None:
        # What the lesson would refuse is refused now, before anything is drawn.
        if values.session is not None:
            raise ValueError("a session opens as a lesson: it has steps and a history")
        self.lr = check_start(values.lr, len(values.x), values.batch_size)
        self.batch_size = values.batch_size
        self.values = values
        self.network = OpeningNetwork(values.w, values.b, values.activation, values.cost)
        self.samples = OpeningSamples(values.x, values.y)

    @property
    def layers(self) -> int:
        return len(self.values.w)

    @property
    def effective_batch_size(self) -> int:
        return check_batch_size(self.values.batch_size, len(self.values.x))

    @property
    def state(self) -> Opening:
        """The state shown: the opening itself (the lesson's first state is a new value)."""
        return self

    steps_done = 0
    phase = "none"
    forward_pass = None
    backward_pass = None
    last_step = None
    divergence = None
    history = NoHistory()

    def lesson(self) -> Lesson:
        """The lesson these values open (numpy and the model are imported here)."""
        from .lesson import Lesson

        v = self.values
        return Lesson(v.network(), v.samples(), v.lr, v.batch_size)
