"""Reading a JSON object field by field, with errors that name the field.

Loading a file never trusts its content: every field is checked for presence,
type and finiteness before anything is built from it. Each check raises a
:class:`ModelError` whose message names the field (``history.count``) and says
what is wrong with it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from .errors import ModelError

LARGEST_INTEGER = 2**53
"""The largest whole number a file may hold: step numbers and counts above it would
be inexact as floats and, past 2^63, wrap around in the loss history's arrays."""


def _shown(value: object) -> str:
    """A value for a message, cut short: a 4,000-digit number is not shown whole."""
    text = repr(value)
    if len(text) <= 24:
        return text
    if isinstance(value, int):
        return f"{text[:12]}… ({len(text)} digits)"
    return f"{text[:20]}…"


def _kind(value: object) -> str:
    """What a JSON value is, in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _as_number(value: object) -> float | None:
    """``value`` as a float when it is a JSON number (not true/false), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return float(value)
    except OverflowError:  # an integer beyond the float range
        return math.inf


class Fields:
    """The fields of one JSON object; ``where`` is its name in error messages."""

    def __init__(self, data: object, where: str = "") -> None:
        if not isinstance(data, dict):
            raise ModelError(f"{where or 'the document'}: expected an object, found {_kind(data)}")
        self.data = data
        self.where = where

    def name(self, key: str) -> str:
        """The full name of field ``key``, e.g. ``history.count``."""
        return f"{self.where}.{key}" if self.where else key

    def only(self, required: Iterable[str], optional: Iterable[str] = ()) -> None:
        """Refuse a missing required field or a field that is neither required nor optional."""
        required = tuple(required)
        allowed = set(required) | set(optional)
        for key in required:
            if key not in self.data:
                raise ModelError(f"missing field {self.name(key)!r}")
        for key in self.data:
            if key not in allowed:
                raise ModelError(f"unknown field {self.name(str(key))!r}")

    def has(self, key: str) -> bool:
        return key in self.data

    def _get(self, key: str) -> object:
        try:
            return self.data[key]
        except KeyError:
            raise ModelError(f"missing field {self.name(key)!r}") from None

    def value(self, key: str) -> object:
        """The field as it is (any JSON value); missing: a :class:`ModelError`."""
        return self._get(key)

    def number(self, key: str) -> float:
        """A finite number."""
        value = self._get(key)
        number = _as_number(value)
        if number is None:
            raise ModelError(f"{self.name(key)}: expected a number, found {_kind(value)}")
        if not math.isfinite(number):
            raise ModelError(f"{self.name(key)}: {_shown(value)} is not a finite number")
        return number

    def optional_number(self, key: str) -> float | None:
        """A finite number, or null."""
        if self._get(key) is None:
            return None
        return self.number(key)

    def integer(self, key: str, minimum: int | None = None) -> int:
        """A whole number (written without a fraction), at least ``minimum``."""
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            found = repr(value) if isinstance(value, float) else _kind(value)
            raise ModelError(f"{self.name(key)}: expected a whole number, found {found}")
        if minimum is not None and value < minimum:
            raise ModelError(f"{self.name(key)}: {_shown(value)} is less than {minimum}")
        if abs(value) > LARGEST_INTEGER:
            raise ModelError(f"{self.name(key)}: {_shown(value)} is too large (at most 2^53)")
        return value

    def text(self, key: str) -> str:
        """A string."""
        value = self._get(key)
        if not isinstance(value, str):
            raise ModelError(f"{self.name(key)}: expected text, found {_kind(value)}")
        return value

    def _list(self, key: str) -> list:
        value = self._get(key)
        if not isinstance(value, list):
            raise ModelError(f"{self.name(key)}: expected a list, found {_kind(value)}")
        return value

    def numbers(self, key: str, min_length: int = 0) -> list[float]:
        """A list of finite numbers, at least ``min_length`` long."""
        values = self._list(key)
        if (len(values) >= min_length and all(type(v) is float for v in values)
                and all(map(math.isfinite, values))):  # the common case, checked at once
            return list(values)
        out = []
        for i, value in enumerate(values, 1):
            number = _as_number(value)
            if number is None:
                raise ModelError(f"{self.name(key)}: item {i} is {_kind(value)}, not a number")
            if not math.isfinite(number):
                raise ModelError(f"{self.name(key)}: item {i} is {_shown(value)}, not a finite "
                                 "number")
            out.append(number)
        if len(out) < min_length:
            raise ModelError(f"{self.name(key)}: the list is empty" if min_length == 1 else
                             f"{self.name(key)}: fewer than {min_length} items")
        return out

    def rows(self, key: str, width: int, what: str, min_length: int = 0) -> list[list[float]]:
        """A list of lists of ``width`` finite numbers each (``what``: one of them, in words,
        for the message), at least ``min_length`` lists."""
        values = self._list(key)
        out = []
        for i, row in enumerate(values, 1):
            if not isinstance(row, list):
                raise ModelError(f"{self.name(key)}: item {i} is {_kind(row)}, not a list of "
                                 f"{width} {what}s")
            if len(row) != width:
                raise ModelError(f"{self.name(key)}: item {i} has {len(row)} values, but "
                                 f"each has {width} ({what}s)")
            numbers = []
            for k, value in enumerate(row, 1):
                number = _as_number(value)
                if number is None or not math.isfinite(number):
                    shown = _kind(value) if number is None else _shown(value)
                    raise ModelError(f"{self.name(key)}: item {i}, value {k} is {shown}, not a "
                                     "finite number")
                numbers.append(number)
            out.append(numbers)
        if len(out) < min_length:
            raise ModelError(f"{self.name(key)}: the list is empty" if min_length == 1 else
                             f"{self.name(key)}: fewer than {min_length} items")
        return out

    def integers(self, key: str, minimum: int | None = None) -> list[int]:
        """A list of whole numbers, each at least ``minimum``."""
        values = self._list(key)
        for i, value in enumerate(values, 1):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ModelError(f"{self.name(key)}: item {i} is not a whole number")
            if minimum is not None and value < minimum:
                raise ModelError(f"{self.name(key)}: item {i} is {_shown(value)}, less than "
                                 f"{minimum}")
            if abs(value) > LARGEST_INTEGER:
                raise ModelError(f"{self.name(key)}: item {i} is {_shown(value)}, too large "
                                 "(at most 2^53)")
        return list(values)

    def object(self, key: str) -> Fields:
        """A nested object."""
        return Fields(self._get(key), self.name(key))
