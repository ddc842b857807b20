"""Predict, then reveal: checking a typed value against a factor of the backward pass.

A guess is accepted when it is within 1% of the true value, relative to that
value. Near 0 a relative tolerance would ask for more digits than anyone can
type (1% of 2e−7 is 2e−9), so the tolerance never falls below an absolute
floor of 1e−6: for |value| < 1e−4 a guess within 1e−6 is accepted.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from .errors import ModelError
from .numbers import parse_number

REL_TOLERANCE = 0.01
"""A guess within this fraction of the true value is accepted."""
ABS_FLOOR = 1e-6
"""The tolerance never falls below this, so values near 0 can be answered."""
ANSWER_MOST = 32
"""The longest answer a class takes, in characters."""


def tolerance(truth: float) -> float:
    """How far from ``truth`` a guess may be: max(1%·|truth|, 1e−6)."""
    return max(REL_TOLERANCE * abs(float(truth)), ABS_FLOOR)


@dataclass(frozen=True)
class Verdict:
    """A guess checked against the true value."""

    guess: float
    truth: float
    accepted: bool

    @property
    def difference(self) -> float:
        """guess − truth."""
        return self.guess - self.truth

    @property
    def relative(self) -> float | None:
        """(guess − truth)/|truth|, or None when the truth is 0."""
        return self.difference / abs(self.truth) if self.truth != 0.0 else None


def parse_guess(text: str) -> float:
    """The number typed, or a :class:`ModelError` saying it is not one (:func:`parse_number`)."""
    return parse_number(str(text), "answer")


def check_answer(guess: float, truth: float) -> Verdict:
    """Is ``guess`` within :func:`tolerance` of ``truth``?"""
    guess, truth = float(guess), float(truth)
    return Verdict(guess, truth, abs(guess - truth) <= tolerance(truth))


class Quiz:
    """The running score, and which factor of the layer shown is hidden next.

    The position belongs to one backward pass, layer and sample (its ``key``):
    when any of them changes, the quiz starts again at the first factor.
    """

    def __init__(self) -> None:
        self.right = 0
        """Factors answered within the tolerance."""
        self.wrong = 0
        """Answers outside the tolerance (a factor may take several)."""
        self.revealed = 0
        """Factors shown without a right answer."""
        self._key: object = None
        self._position = 0

    def position(self, key: object) -> int:
        """The index of the hidden factor for ``key``; 0 when ``key`` is new."""
        if key != self._key:
            self._key, self._position = key, 0
        return self._position

    def place(self, key: object, index: int) -> None:
        """Hide factor ``index`` of ``key`` next (a class shows the teacher's)."""
        self._key, self._position = key, max(int(index), 0)

    def answer(self, key: object, text: str, truth: float) -> Verdict:
        """Check the typed ``text`` against ``truth``; a right answer moves on.

        Text that is not a number raises :class:`ModelError` and counts nothing.
        """
        verdict = check_answer(parse_guess(text), truth)
        self.position(key)
        if verdict.accepted:
            self.right += 1
            self._position += 1
        else:
            self.wrong += 1
        return verdict

    def reveal(self, key: object) -> None:
        """Show the hidden factor and move on to the next."""
        self.position(key)
        self.revealed += 1
        self._position += 1

    @property
    def score(self) -> str:
        """The running score in words."""
        done = self.right + self.revealed
        return f"{self.right}/{done} right · {self.wrong} wrong · {self.revealed} shown"


# -- a class's answers to one question (backprop-tui ssh --class)


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
