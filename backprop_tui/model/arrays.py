"""The checks and indices every model array goes through, for chains and networks alike."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .errors import ModelError, NonFiniteError


def as_finite_vector(values: Iterable[float] | np.ndarray, name: str) -> np.ndarray:
    """``values`` as a read-only 1-D float64 array, refusing empty, NaN and ±inf."""
    try:
        arr = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ModelError(f"{name}: not a list of numbers") from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ModelError(f"{name}: expected a flat list of numbers")
    if arr.size == 0:
        raise ModelError(f"{name}: the list is empty")
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.argmax(bad))
        raise ModelError(f"{name}: value {i + 1} is {float(arr[i])!r}, not a finite number")
    arr.flags.writeable = False
    return arr


def check_finite(name: str, *arrays: np.ndarray) -> None:
    for arr in arrays:
        if not np.isfinite(arr).all():
            raise NonFiniteError(f"{name} is not finite (the numbers overflow)")


def batch_indices(step: int, size: int, n: int) -> np.ndarray:
    """Indices of the samples of batch ``step``: step·size + 0..size−1, modulo n."""
    return (step * size + np.arange(size)) % n
