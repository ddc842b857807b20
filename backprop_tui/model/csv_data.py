"""Samples from a CSV file: two columns, x and y, one sample a line.

A header line is optional: when the first line holds no number it must name
the columns ``x`` and ``y`` (in either order, any case). Blank lines are
skipped. Every other line must hold exactly two finite numbers; anything else
(not a number, a missing or empty column, a third column, NaN or ±inf) is
refused with a :class:`FileError` naming the file and the line. A file without
a single sample is refused too.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator, Sequence

from .errors import FileError, ModelError
from .files import ANYWHERE, CSV_LIMIT, Folder, shown_value
from .network import Samples
from .numbers import parse_number

COLUMNS = ("x", "y")


def _number(cell: str) -> float | None:
    """The number in ``cell``, or None when it holds none (:func:`parse_number` says why)."""
    try:
        return parse_number(cell)
    except ModelError:
        return None


def _lines(text: str, source: str) -> Iterator[tuple[str, int, list[str]]]:
    """(``source: line N``, N, cells) of every line that is not blank; a line the CSV
    reader refuses is a :class:`FileError` naming it."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                yield f"{source}: line {reader.line_num}", reader.line_num, cells
    except csv.Error as exc:
        raise FileError(f"{source}: line {reader.line_num}: {exc}") from None


def _values(where: str, cells: list[str], names: Sequence[str],
            columns: Sequence[int]) -> list[float]:
    """The numbers of the columns ``names`` (at ``columns``) of one line."""
    values = []
    for name, index in zip(names, columns):
        cell = cells[index].strip()
        if not cell:
            raise FileError(f"{where}: column {name} is empty")
        try:
            values.append(parse_number(cell, f"column {name}"))
        except ModelError as exc:
            raise FileError(f"{where}: {exc}") from None
    return values


def _no_samples(source: str, header_line: int) -> FileError:
    if header_line:
        return FileError(f"{source}: no samples, only a header line")
    return FileError(f"{source}: no samples (the file is empty)")


def _sample_lines(text: str, source: str, names: Sequence[str],
                  expected: str) -> Iterator[tuple[str, list[str], list[int]]]:
    """(``source: line N``, cells, the positions of the columns ``names``) of every
    line of samples in ``text``.

    A first line holding no number is the header: it must name the columns
    ``names`` (in any order, any case), else a :class:`FileError` saying the
    line ``expected`` (``two numbers x,y or a header …``). No sample at all is a
    :class:`FileError` too.
    """
    order = list(range(len(names)))
    header_line = 0
    count = 0
    for where, line, cells in _lines(text, source):
        if not count and not header_line and all(_number(c.strip()) is None for c in cells):
            found = [c.strip().lower() for c in cells]
            if sorted(found) != sorted(names):
                raise FileError(f"{where}: expected {expected}, found "
                                f"{shown_value(','.join(cells))}")
            order = [found.index(name) for name in names]
            header_line = line
            continue
        count += 1
        yield where, cells, order
    if not count:
        raise _no_samples(source, header_line)


def parse_samples_csv(text: str, source: str = "data", most: int | None = None) -> Samples:
    """The samples in CSV ``text``; ``source`` (the file name) starts every error message.

    With ``most``, a file of more samples is refused as soon as one too many is read.
    """
    xs: list[float] = []
    ys: list[float] = []
    for where, cells, columns in _sample_lines(
            text, source, COLUMNS, "two numbers x,y or a header naming the columns x and y"):
        if len(cells) == 1:
            raise FileError(f"{where}: one column, {shown_value(cells[0].strip())}; expected two "
                            "(x and y, separated by a comma)")
        if len(cells) > 2:
            raise FileError(f"{where}: {len(cells)} columns; expected two (x and y)")
        x, y = _values(where, cells, COLUMNS, columns)
        xs.append(x)
        ys.append(y)
        if most is not None and len(xs) > most:
            raise FileError(f"{where}: more than {most} samples, the most the app takes")
    return Samples(xs, ys)


def load_samples_csv(path: str | os.PathLike, folder: Folder = ANYWHERE,
                     most: int | None = None) -> Samples:
    """The samples in the CSV file at ``path``, or a :class:`FileError` saying why not.

    The file is read as ``folder`` allows (:meth:`Folder.read_text`), at most
    :data:`CSV_LIMIT` bytes; with ``most``, at most that many samples.
    """
    text = folder.read_text(path, "CSV", CSV_LIMIT, encoding="utf-8-sig")
    return parse_samples_csv(text, folder.named(path), most)


def network_columns(inputs: int, outputs: int) -> tuple[str, ...]:
    """The columns of samples for a network: x1, x2, …, then y (one output) or y1, y2, …"""
    ys = ("y",) if outputs == 1 else tuple(f"y{j}" for j in range(1, outputs + 1))
    return tuple(f"x{k}" for k in range(1, inputs + 1)) + ys


def parse_network_csv(text: str, inputs: int, outputs: int,
                      source: str = "data") -> tuple[list[list[float]], list[list[float]]]:
    """Samples of several inputs (and outputs) in CSV ``text``: (x rows, y rows).

    The columns are :func:`network_columns`; a header line naming them (in any
    order, any case) is optional. Refused lines are reported as for two columns.
    """
    names = network_columns(inputs, outputs)
    width = len(names)
    xs: list[list[float]] = []
    ys: list[list[float]] = []
    expected = f"{width} numbers {','.join(names)} or a header naming those columns"
    for where, cells, order in _sample_lines(text, source, names, expected):
        if len(cells) != width:
            raise FileError(f"{where}: {len(cells)} column{'s' * (len(cells) != 1)}; "
                            f"expected {width} ({','.join(names)})")
        values = _values(where, cells, names, order)
        xs.append(values[:inputs])
        ys.append(values[inputs:])
    return xs, ys


def load_network_csv(path: str | os.PathLike, inputs: int, outputs: int,
                     folder: Folder = ANYWHERE) -> tuple[list[list[float]], list[list[float]]]:
    """The samples of a network in the CSV file at ``path`` (see :func:`parse_network_csv`),
    read as :func:`load_samples_csv` reads."""
    text = folder.read_text(path, "CSV", CSV_LIMIT, encoding="utf-8-sig")
    return parse_network_csv(text, inputs, outputs, folder.named(path))
