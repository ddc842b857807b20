"""How a number is written, in one place: four decimals or four significant digits, a real
minus sign (U+2212), never a number cut short. Every number the program shows goes
through here; reading a number back is :mod:`backprop_tui.model.numbers`.
"""

from __future__ import annotations

import math

MINUS = "\u2212"
"""A real minus sign, used for every negative number shown."""


BLANK = "—"
"""What stands where a number is not computed yet."""


def with_minus(text: str) -> str:
    """``text`` (a number as Python writes it) with the real minus sign for ``-``."""
    return text.replace("-", MINUS)


def short(value: float, digits: int = 3) -> str:
    """``value`` with at most ``digits`` significant digits (a plot's tick or last value):
    ``0.25``, ``1.5e−05``; never ``−0``."""
    text = f"{float(value):.{digits}g}"
    return "0" if text == "-0" else with_minus(text)


def fixed(value: float, decimals: int) -> str:
    """``value`` with ``decimals`` decimals (an axis label): ``0.25``, ``−1.50``."""
    return with_minus(f"{float(value):.{decimals}f}")


def number(value: float, signed: bool = False) -> str:
    """``value`` with 4 decimals, and at least 4 significant digits when small.

    0.5753, 12.3457, 0.01681, 0.002072; below 1e−4 and from 1e4 on, scientific
    (2.072e−5).
    ``signed`` puts an explicit ``+`` on positive values. Negative values get a
    real minus sign.
    """
    v = float(value)
    if v == 0.0:
        text = "0.0000"
    elif not math.isfinite(v):
        text = repr(v)
    elif 1e-4 <= abs(v) < 1e4:
        decimals = max(4, 3 - math.floor(math.log10(abs(v))))
        text = f"{v:.{decimals}f}"
    else:
        mantissa, exponent = f"{v:.3e}".split("e")
        text = f"{mantissa}e{int(exponent)}"
    if signed and not text.startswith("-"):
        text = "+" + text
    return with_minus(text)


def fitted(value: float, width: int, signed: bool = False) -> str | None:
    """``value`` as :func:`number` writes it when that fits ``width`` cells; else with
    fewer significant digits (still correctly rounded); None when nothing fits.

    A number is never cut: it is shown whole and exact to its digits, or not at all.
    """
    text = number(value, signed)
    if len(text) <= width:
        return text
    v = float(value)
    if math.isfinite(v) and v != 0.0:
        for digits in (2, 1):
            mantissa, exponent = f"{v:.{digits}e}".split("e")
            brief = f"{mantissa}e{int(exponent)}"
            if signed and not brief.startswith("-"):
                brief = "+" + brief
            if len(brief) <= width:
                return with_minus(brief)
    return None


def plug(value: float) -> str:
    """``value`` for insertion into a formula: negatives in parentheses."""
    text = number(value)
    return f"({text})" if text.startswith(MINUS) else text


def precise(value: float, digits: int = 9) -> str:
    """``value`` with ``digits`` significant digits: a nudge changes C only far right."""
    return with_minus(f"{float(value):.{digits}g}")
