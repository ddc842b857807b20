"""The project's notation in ASCII, with words where a symbol reads badly: the one rule
of the plain mode (a screen reader, a braille display), written once.

:func:`ascii_text` turns any text the program writes (∂C/∂w₁₂(L−1), σ'(z(L)), η, ≈, …)
into printable ASCII; :func:`fact_lines` writes a :class:`~.formulas.Row` as a fact, its
name and value first, then its formula and the numbers plugged in, in lines of at most
80 columns.

The words were chosen by listening: ``espeak-ng -q -x`` (the speech synthesizer screen
readers on Linux use) drops a minus sign after ``=``, ``(`` or ``*``, reads ``*`` as
"asterisk", drops the prime of ``sigma'``, the caret of ``^2`` and the sign of an
exponent (``2.1e-5`` is "e five"), and reads ``w_12`` as "w twelve". So

- every minus sign is the word ``minus`` (``−0.1047`` → ``minus 0.1047``,
  ``a(L)−y`` → ``a(L) minus y``, ``2.072e−5`` → ``2.072e minus 5``), except in a layer's
  label, which is a name (``L−1`` → ``L-1``);
- a product ``·`` is ``times`` (a `` · `` between words, a separator, is a comma);
- ``σ'`` is ``sigma prime``; ``²`` is ``squared``; ``ᵀ`` is ``transposed``;
- a weight's two indices are apart: ``w₁₂`` → ``w_1_2`` (one index: ``a₁₂`` → ``a_12``);
- ``Σⱼ`` is ``sum over j of``, ``≈`` is ``about`` (in a fact: ``(approx)``), ``→`` is
  ``to``, ``←`` is ``becomes``, ``±`` is ``plus or minus``, ``|x|`` is ``abs(x)``.

Nothing else changes: ASCII text stays as it is (a ``-`` the program did not write as a
minus sign, in ``1e-5`` or ``--plain``, stays a ``-``), and a character the rule does not
know becomes its Unicode name in brackets, never something a terminal would act on.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .formulas import Row

WIDTH = 80
"""The widest line the plain mode writes."""

INDENT = "    "
"""Before the continuation lines of a fact or a sentence that does not fit one line."""

APPROX = "(approx)"
"""After a fact's value when the numbers plugged in are rounded (the rows' ``≈``)."""

_MINUS = "\u2212"

_WORDS: dict[str, str] = {
    "∂": "d",
    "η": "eta",
    "θ": "theta",
    "ε": "epsilon",
    "δ": "delta",
    "σ": "sigma",
    "μ": "mu",
    "µ": "mu",
    "λ": "lambda",
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "π": "pi",
    "Δ": "Delta",
    "∆": "Delta",
    "≈": "about",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "∞": "infinity",
    "…": "...",
    "—": "--",
    "–": "-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "✓": "right",
    "✗": "wrong",
    "○": "(open circle)",
    "●": "(filled circle)",
    "▶": ">",
    "◀": "<",
    "▲": "^",
    "▼": "v",
    "⌈": "ceil(",
    "⌉": ")",
    "⌊": "floor(",
    "⌋": ")",
}
"""One symbol, one word (or ASCII sign)."""

_SUBSCRIPT = "₀₁₂₃₄₅₆₇₈₉ⱼₖ"
_SUBSCRIPT_ASCII = str.maketrans(_SUBSCRIPT, "0123456789jk")
_SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺ⁿᵀ"
_SUPERSCRIPT_ASCII = str.maketrans(_SUPERSCRIPT, "0123456789-+nT")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_LABEL = re.compile(rf"\bL{_MINUS}(?=\d)")
_SEPARATOR_DOT = re.compile(r" · ")
_SPACED_WORDS = {"·": "times", "×": "times", "⊙": "elementwise times", _MINUS: "minus",
                 "±": "plus or minus", "→": "to", "⟶": "to", "←": "becomes",
                 "÷": "divided by"}
"""Operators written as words, with a space either side (none after an opening
parenthesis or at either end of a line)."""
_SPACED = re.compile(r" ?([" + "".join(_SPACED_WORDS) + r"]) ?")
_SUM = re.compile(r"[Σ∑]\s*([ⱼₖ])?\s*")
_PRODUCT = re.compile(r"∏\s*")
_PRIME = re.compile(r"(σ|tanh|ReLU|(?<![A-Za-z])[A-Za-z](?='\())'")
_INDEXED = re.compile(rf"([A-Za-zδσ])([{_SUBSCRIPT}]+(?:,[{_SUBSCRIPT}]+)*)")
_LOOSE_SUBSCRIPT = re.compile(rf"[{_SUBSCRIPT}]+")
_SUPERSCRIPTS = re.compile(rf"[{_SUPERSCRIPT}]+")
_PLUS = re.compile(r"(?<=[\w)\]])(?<!\de)\+(?=[\w(\[.])")
_ABS = re.compile(r"\|([^|\s](?:[^|]*[^|\s])?)\|")
_BOX = {"│": "|", "┃": "|", "║": "|", "─": "-", "━": "-", "═": "="}


def _index(match: re.Match[str]) -> str:
    """w₁₂ → w_1_2 (a weight's j and k), w₁₃,₁ → w_13_1; a₁₂ → a_12 (one index)."""
    letter, run = match.group(1), match.group(2).translate(_SUBSCRIPT_ASCII)
    one_digit_each = letter in "wW" and "," not in run  # w₁₂: j = 1, k = 2
    parts = list(run) if one_digit_each else run.split(",")
    return letter + "".join(f"_{part}" for part in parts)


def _superscript(match: re.Match[str]) -> str:
    run = match.group(0)
    if run == "²":
        return " squared"
    if run == "ᵀ":
        return " transposed"
    return "^" + run.translate(_SUPERSCRIPT_ASCII)


def _spaced(match: re.Match[str]) -> str:
    """An operator as its word: a space before it unless at the start of a line or after
    an opening parenthesis, a space after it unless at the end of a line."""
    text, start, end = match.string, match.start(), match.end()
    before = "" if start == 0 or text[start - 1] in "\n([" else " "
    after = "" if end == len(text) or text[end] == "\n" else " "
    return before + _SPACED_WORDS[match.group(1)] + after


def _fallback(char: str) -> str:
    """A character no rule names: its ASCII letters, else its name in brackets."""
    code = ord(char)
    if 0x2500 <= code <= 0x257F:
        return _BOX.get(char, "+")
    if 0x2580 <= code <= 0x259F or 0x2800 <= code <= 0x28FF:
        return " "  # block elements and braille patterns: drawing, not text
    decomposed = unicodedata.normalize("NFKD", char)
    kept = "".join(c for c in decomposed if " " <= c <= "~")
    if kept:
        return kept
    name = unicodedata.name(char, "")
    return f"[{name.lower()}]" if name else "?"


def ascii_text(text: str) -> str:
    """``text`` in printable ASCII (newlines kept), with words where a symbol reads badly
    (the rules in this module's description)."""
    s = _CONTROL.sub("?", text.replace("\r\n", "\n").replace("\t", " "))
    s = _SPACES.sub(" ", s)
    s = _LABEL.sub("L-", s)
    s = _SEPARATOR_DOT.sub(", ", s)
    s = _SUM.sub(lambda m: f"sum over {m.group(1).translate(_SUBSCRIPT_ASCII)} of "
                 if m.group(1) else "sum of ", s)
    s = _PRODUCT.sub("product of ", s)
    s = _PRIME.sub(r"\1 prime", s)
    s = _INDEXED.sub(_index, s)
    s = _LOOSE_SUBSCRIPT.sub(lambda m: "_" + m.group(0).translate(_SUBSCRIPT_ASCII), s)
    s = _SUPERSCRIPTS.sub(_superscript, s)
    s = _ABS.sub(r"abs(\1)", s)
    s = _PLUS.sub(" + ", s)
    s = _SPACED.sub(_spaced, s)
    out: list[str] = []
    for c in s:
        if c == "\n" or " " <= c <= "~":
            out.append(c)
            continue
        word = _WORDS.get(c) or _fallback(c)
        if word[0].isalpha() and out and out[-1][-1:].isdigit():
            word = " " + word  # 2ε: "2 epsilon", not "2epsilon"
        out.append(word)
    return "".join(out)


def value_text(row: Row) -> str:
    """A fact's value: the row's (explicit sign), then ``(approx)`` when its numbers are
    rounded."""
    value = ascii_text(row.value_text)
    return f"{value} {APPROX}" if row.approx else value


def fact_parts(row: Row) -> list[str]:
    """A row as a fact, in pieces: ``name = value`` (``name becomes value`` for an
    update), then ``= formula``, then ``= numbers`` when it has them, then its note."""
    relation = "becomes" if row.relation == "←" else ascii_text(row.relation)
    parts = [f"{ascii_text(row.symbol)} {relation} {value_text(row)},"]
    for text in (row.formula, row.numbers):
        if text is not None:  # a formula may be two, σ'(z) = a·(1−a): a part each
            parts += [f"= {piece}" for piece in ascii_text(text).split(" = ")]
    if row.note:
        parts.append(f"({ascii_text(row.note)})")
    return parts


def fact_text(row: Row) -> str:
    """A row as a fact on one line (however long): name and value, formula, numbers."""
    return " ".join(fact_parts(row))


def fact_lines(row: Row, width: int = WIDTH) -> list[str]:
    """A row as a fact in lines of at most ``width`` columns: a new line only between its
    parts (before an ``=``), and within a part that does not fit a line by itself."""
    return pack(fact_parts(row), width)


def pack(parts: list[str], width: int = WIDTH) -> list[str]:
    """``parts`` joined by spaces into lines of at most ``width`` columns, breaking
    between parts where it can, the lines after the first indented."""
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1]) + 1 + len(part) <= width:
            lines[-1] += " " + part
            continue
        lead = INDENT if lines else ""
        lines += wrap(part, width, lead, INDENT)
    return lines


_GLUE = re.compile(r"\b(minus|plus or minus|times|sum over [jk] of|term [jk]) (?=\S)")
_HARD_SPACE = "\x00"


def wrap(text: str, width: int = WIDTH, first: str = "", rest: str = INDENT) -> list[str]:
    """``text`` (ASCII) in lines of at most ``width`` columns, the first after ``first``,
    the others after ``rest``. A line never ends with ``minus`` or ``times``: the word
    stays with what follows it."""
    glued = _GLUE.sub(lambda m: m.group(0).replace(" ", _HARD_SPACE), text)
    glued = glued.replace(" = ", _HARD_SPACE + "=" + _HARD_SPACE)  # "y = 1" stays whole
    lines = textwrap.wrap(glued, width, initial_indent=first, subsequent_indent=rest,
                          break_on_hyphens=False, break_long_words=True)
    return [line.replace(_HARD_SPACE, " ") for line in lines] or [first.rstrip()]
