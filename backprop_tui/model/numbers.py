"""Reading a number a person typed: the one parser of the program.

The command-line options, the app's fields, the quiz's answers and the cells
of a CSV file all go through :func:`parse_number` (whole numbers through
:func:`parse_integer`, which adds its own rules on top), so they accept and
refuse the same text with the same message.

Accepted: what the program itself prints and what people type: ASCII digits
with an optional point, an optional exponent (``2.5e-3``), a leading ``+`` or
minus sign, the real minus sign ``−`` (U+2212) anywhere a ``-`` may stand,
a decimal comma (``0,5``) and spaces around the number.

Refused: empty text, digits other than 0–9 (``١``, ``５``: Python's ``float``
takes them, this parser does not), ``nan``, ``inf``, underscores, and numbers
beyond the float range. Every refusal is a :class:`ModelError` with one
message: the text, and how a number is written.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from .errors import ModelError
from .files import shown_value

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
"""Digits 0–9 with an optional point and exponent (after − → - and , → .)."""

_NOT_FINITE = ("nan", "inf", "infinity")
"""What Python's ``float`` reads as NaN or ±inf: refused as not finite."""

HOW = "write it with the digits 0-9, like 2, −0.3 or 1e−4"
"""The end of every refusal: how a number is written."""

MAX_INTEGER = 10**18
"""Whole numbers beyond this (in size) are refused: no count or seed needs more."""

WHOLE_HOW = "write it with the digits 0-9, like 3 or 1e6"
"""The end of a refusal of a whole number."""


def _refuse(text: str, name: str | None, what: str = "a number", how: str = HOW) -> ModelError:
    shown = text.strip()
    if not shown:
        return ModelError(f"no number given: {how}", subject=name)
    return ModelError(f"{shown_value(shown)} is not {what}: {how}", subject=name)


def _clean(text: str, name: str | None, how: str = HOW) -> str:
    """``text`` in Python's spelling, checked against the grammar above."""
    if not isinstance(text, str):
        raise ModelError(f"expected text, found {type(text).__name__}", subject=name)
    cleaned = text.strip().replace("\u2212", "-").replace(",", ".")
    if not _NUMBER.fullmatch(cleaned):
        finite = cleaned.lstrip("+-").lower() not in _NOT_FINITE
        raise _refuse(text, name, "a number" if finite else "a finite number", how)
    return cleaned


def parse_number(text: str, name: str | None = None) -> float:
    """The finite number ``text`` spells, or a :class:`ModelError` saying how to write one.

    ``name`` (``"w"``, ``"answer"``) starts the message when given.
    """
    value = float(_clean(text, name))
    if not math.isfinite(value):  # 1e999: the grammar allows it, floats do not
        raise _refuse(text, name, "a finite number (beyond ±1.8e308)")
    return value


def parse_integer(text: str, name: str | None = None, minimum: int | None = None,
                  maximum: int | None = None) -> int:
    """The whole number ``text`` spells (``1e6`` is 1000000), within ``minimum`` … ``maximum``.

    The same text as :func:`parse_number` is read; a value with a fraction
    (``2.5``) is refused, and so is anything beyond ±10¹⁸.
    """
    exact = Decimal(_clean(text, name, WHOLE_HOW))  # exact: 9007199254740993 stays itself
    if abs(exact) > MAX_INTEGER:
        raise ModelError(f"{shown_value(text.strip())} is too large (at most 10¹⁸)",
                         subject=name)
    if exact != exact.to_integral_value():
        raise _refuse(text, name, "a whole number", WHOLE_HOW)
    value = int(exact)
    if minimum is not None and value < minimum:
        raise ModelError(f"{value} is less than {minimum}", subject=name)
    if maximum is not None and value > maximum:
        raise ModelError(f"{value} is more than {maximum}", subject=name)
    return value
