"""A class that follows its teacher: what the teacher's app sends, and the class's answers.

:class:`Shared` is the teacher's lesson as one JSON-ready value: the session (parameters,
start, samples, η, batch size, steps, a coarse copy of the loss history), the phase, the
parameters the step shown started from, and what the teacher's screen shows (a plain
mapping the screens write and read). A student's app rebuilds the same numbers from it
(:meth:`.lesson.Lesson.follow`): every result is computed again from the same values by
the same code, so each student's screen shows what the teacher's shows.

The class's answers are counted by :class:`.quiz.Tally`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import ModelError
from .fields import Fields
from .network import Network
from .session import Session

HISTORY_BUCKETS = 512
"""The loss history a class is sent has at most this many buckets (a plot needs no more)."""
SHARED_FIELDS = ("session", "phase", "before", "view")


@dataclass(frozen=True)
class Shared:
    """The teacher's lesson and screen, as the class is sent them."""

    session: Session
    phase: str
    before: Network | None = None
    """The parameters the step shown started from (phase ``step``), else None."""
    view: dict[str, Any] = field(default_factory=dict)
    """What the teacher's screen shows (the layer, the sample, the view …), by name."""

    def to_dict(self) -> dict[str, Any]:
        session = self.session
        coarse = Session(session.network, session.start, session.samples, session.lr,
                         session.batch_size, session.steps,
                         session.history.coarse(HISTORY_BUCKETS))
        before = self.before
        return {
            "session": coarse.to_dict(),
            "phase": self.phase,
            "before": None if before is None else {
                "w": [float(v) for v in before.flat_w], "b": [float(v) for v in before.flat_b]},
            "view": dict(self.view),
        }

    @classmethod
    def from_dict(cls, data: object) -> Shared:
        """The value :meth:`to_dict` wrote, checked (a :class:`ModelError` names the field)."""
        fields = Fields(data, "shared")
        fields.only(SHARED_FIELDS)
        session = Session.from_dict(fields.value("session"))
        phase = fields.text("phase")
        before = None
        if fields.value("before") is not None:
            params = fields.object("before")
            params.only(("w", "b"))
            before = session.network.with_params(params.numbers("w"), params.numbers("b"))
        view = fields.value("view")
        if not isinstance(view, dict):
            raise ModelError(f"{fields.name('view')}: not an object")
        return cls(session, phase, before, view)
