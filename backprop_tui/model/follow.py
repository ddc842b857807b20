"""A class that follows its teacher: what the teacher's app sends, and the class's answers.

:class:`Shared` is the teacher's lesson as one JSON-ready value: the session (parameters,
start, samples, η, batch size, steps, a coarse copy of the loss history), the phase, the
parameters the step shown started from, and what the teacher's screen shows (a plain
mapping the screens write and read). A student's app rebuilds the same numbers from it
(:meth:`.lesson.Lesson.follow`): every result is computed again from the same values by
the same code, so each student's screen shows what the teacher's shows.

:class:`Tally` counts the answers to one question: who answered (the last answer of each
counts), how many are within the quiz's tolerance, the median, the commonest wrong ones.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .errors import ModelError
from .fields import Fields
from .network import Network
from .quiz import check_answer, parse_guess
from .session import Session

HISTORY_BUCKETS = 512
"""The loss history a class is sent has at most this many buckets (a plot needs no more)."""
ANSWER_MOST = 32
"""The longest answer taken, in characters."""
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


def clean_text(text: str, most: int = ANSWER_MOST) -> str | None:
    """``text`` if it is 1 to ``most`` printable characters (no control or escape
    character), else None: what a student types is shown as it is, never read as markup
    or escape codes, and never longer than this."""
    if not 1 <= len(text) <= most or not text.isprintable():
        return None
    return text


@dataclass
class Tally:
    """The answers to one question, by student; the last answer of each counts."""

    truth: float
    answers: dict[str, str] = field(default_factory=dict)
    """Each student's last answer, as typed."""
    right: dict[str, bool] = field(default_factory=dict)
    """Whether it is within the quiz's tolerance of :attr:`truth`."""
    guesses: dict[str, float] = field(default_factory=dict)

    def answer(self, name: str, text: str) -> bool:
        """Take ``name``'s answer; whether it is right. Text that is not a number (or is
        too long, or holds control characters) raises :class:`ModelError`, nothing counted."""
        if clean_text(text) is None:
            raise ModelError(f"an answer is 1 to {ANSWER_MOST} printable characters")
        guess = parse_guess(text)
        verdict = check_answer(guess, self.truth)
        self.answers[name] = text
        self.guesses[name] = guess
        self.right[name] = verdict.accepted
        return verdict.accepted

    @property
    def answered(self) -> int:
        return len(self.answers)

    @property
    def right_count(self) -> int:
        return sum(self.right.values())

    @property
    def median(self) -> float | None:
        """The median answer (None before any)."""
        return statistics.median(self.guesses.values()) if self.guesses else None

    def common_wrong(self, most: int = 3) -> list[tuple[float, int]]:
        """The commonest wrong answers (as numbers) with how many gave each, commonest
        first, then smallest."""
        wrong = Counter(self.guesses[name] for name, ok in self.right.items() if not ok)
        return sorted(wrong.items(), key=lambda item: (-item[1], item[0]))[:most]
