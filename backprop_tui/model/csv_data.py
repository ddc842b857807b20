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
import math
import os

from .chain import Samples
from .errors import FileError
from .files import read_text

COLUMNS = ("x", "y")


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _header(cells: list[str]) -> tuple[int, int] | None:
    """The positions of x and y if ``cells`` is a header line naming them, else None."""
    names = [c.strip().lower() for c in cells]
    if sorted(names) == sorted(COLUMNS):
        return names.index("x"), names.index("y")
    return None


def parse_samples_csv(text: str, source: str = "data") -> Samples:
    """The samples in CSV ``text``; ``source`` (the file name) starts every error message."""
    reader = csv.reader(io.StringIO(text, newline=""))
    xs: list[float] = []
    ys: list[float] = []
    columns: tuple[int, int] = (0, 1)
    seen_first = False
    header_line = 0
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            where = f"{source}: line {line}"
            if not seen_first:
                seen_first = True
                if all(_number(c.strip()) is None for c in cells):
                    found = _header(cells)
                    if found is None:
                        shown = ",".join(cells)
                        raise FileError(f"{where}: expected two numbers x,y or a header "
                                        f"naming the columns x and y, found {shown!r}")
                    columns, header_line = found, line
                    continue
            if len(cells) == 1:
                raise FileError(f"{where}: one column, {cells[0].strip()!r}; expected two "
                                "(x and y, separated by a comma)")
            if len(cells) > 2:
                raise FileError(f"{where}: {len(cells)} columns; expected two (x and y)")
            values = []
            for name, index in zip(COLUMNS, columns):
                cell = cells[index].strip()
                if not cell:
                    raise FileError(f"{where}: column {name} is empty")
                value = _number(cell)
                if value is None:
                    raise FileError(f"{where}: column {name}: {cell!r} is not a number")
                if not math.isfinite(value):
                    raise FileError(f"{where}: column {name}: {cell!r} is not a finite number")
                values.append(value)
            xs.append(values[0])
            ys.append(values[1])
    except csv.Error as exc:
        raise FileError(f"{source}: line {reader.line_num}: {exc}") from None
    if not xs:
        if header_line:
            raise FileError(f"{source}: no samples, only a header line")
        raise FileError(f"{source}: no samples (the file is empty)")
    return Samples(xs, ys)


def load_samples_csv(path: str | os.PathLike) -> Samples:
    """The samples in the CSV file at ``path``, or a :class:`FileError` saying why not."""
    return parse_samples_csv(read_text(path, "CSV", encoding="utf-8-sig"), os.fspath(path))


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
    reader = csv.reader(io.StringIO(text, newline=""))
    order = list(range(width))
    xs: list[list[float]] = []
    ys: list[list[float]] = []
    seen_first = False
    header_line = 0
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            where = f"{source}: line {line}"
            if not seen_first:
                seen_first = True
                if all(_number(c.strip()) is None for c in cells):
                    found = [c.strip().lower() for c in cells]
                    if sorted(found) != sorted(names):
                        raise FileError(f"{where}: expected {width} numbers "
                                        f"{','.join(names)} or a header naming those columns, "
                                        f"found {','.join(cells)!r}")
                    order = [found.index(name) for name in names]
                    header_line = line
                    continue
            if len(cells) != width:
                raise FileError(f"{where}: {len(cells)} column{'s' * (len(cells) != 1)}; "
                                f"expected {width} ({','.join(names)})")
            values = []
            for name, index in zip(names, order):
                cell = cells[index].strip()
                if not cell:
                    raise FileError(f"{where}: column {name} is empty")
                value = _number(cell)
                if value is None:
                    raise FileError(f"{where}: column {name}: {cell!r} is not a number")
                if not math.isfinite(value):
                    raise FileError(f"{where}: column {name}: {cell!r} is not a finite number")
                values.append(value)
            xs.append(values[:inputs])
            ys.append(values[inputs:])
    except csv.Error as exc:
        raise FileError(f"{source}: line {reader.line_num}: {exc}") from None
    if not xs:
        if header_line:
            raise FileError(f"{source}: no samples, only a header line")
        raise FileError(f"{source}: no samples (the file is empty)")
    return xs, ys


def load_network_csv(path: str | os.PathLike, inputs: int,
                     outputs: int) -> tuple[list[list[float]], list[list[float]]]:
    """The samples of a network in the CSV file at ``path`` (see :func:`parse_network_csv`)."""
    return parse_network_csv(read_text(path, "CSV", encoding="utf-8-sig"), inputs, outputs,
                             os.fspath(path))
