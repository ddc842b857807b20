"""The limits every start value is checked against, and the checks: plain Python.

They are read before anything is computed (the command line, the app's first
frame), so this module imports nothing heavier than :mod:`math`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Integral

from .errors import ModelError

MAX_LAYERS = 10
"""The longest chain: 1 to 10 layers."""
MAX_WIDTH = 64
"""The most neurons in one layer (``trace`` and ``train``; the app shows fewer)."""
MAX_INPUTS = 64
"""The most inputs a sample has."""
APP_MAX_WIDTH = 4
"""The most neurons of one layer, and inputs, the app's screen shows at once (each
neuron a panel): a wider layer shows those around the selected neuron, and says so."""
MIN_SAMPLES = 1
"""A batch never becomes empty."""
MAX_SAMPLES = 64
"""The most samples the app takes: the batch table stays readable."""


MAX_TRACE_SAMPLES = 10_000
"""The most samples ``trace`` takes: it prints every factor of every sample (about 3.5 KB
of text a sample), so more would be megabytes no one reads; ``train`` takes any number."""


def check_trace_samples(count: int) -> None:
    """A :class:`ModelError` when ``trace`` is given more samples than it prints."""
    if count > MAX_TRACE_SAMPLES:
        raise ModelError(f"{count:,} samples, but trace prints every factor of every sample: "
                         f"at most {MAX_TRACE_SAMPLES:,} (train takes any number)")


def check_sample_count(count: int) -> int:
    """``count`` samples, or a :class:`ModelError` when the app cannot take that many."""
    if count > MAX_SAMPLES:
        raise ModelError(f"samples: {count:,} samples, but the app takes at most {MAX_SAMPLES}")
    return count


def check_learning_rate(lr: float) -> float:
    """η as a float, refusing NaN and ±inf."""
    try:
        value = float(lr)
    except (TypeError, ValueError):
        raise ModelError("not a number", subject="learning rate") from None
    if not math.isfinite(value):
        raise ModelError(f"{value!r} is not a finite number", subject="learning rate")
    return value


def check_batch_size(batch_size: int | None, n: int) -> int:
    """The batch size B (all n samples when None), refusing B < 1 and B > n."""
    if batch_size is None:
        return n
    if isinstance(batch_size, bool) or int(batch_size) != batch_size:
        raise ModelError(f"batch size: {batch_size!r} is not a whole number")
    size = int(batch_size)
    if size < 1:
        raise ModelError(f"batch size: {size} is less than 1")
    if size > n:
        raise ModelError(f"batch size: {size} is more than the {n} sample{'s' * (n != 1)}")
    return size


Shape = tuple[int, ...]
"""A network's shape: its inputs, then the neurons of each layer (2, 2, 1)."""


def plural(count: int, word: str) -> str:
    """``1 neuron``, ``2 neurons``: a count and its word."""
    return f"{count} {word}{'s' * (count != 1)}"


def check_shape(shape: Iterable[int]) -> Shape:
    """``shape`` as a tuple (N0, N1, …, NL), refusing what a network cannot have."""
    try:
        sizes = tuple(shape)
    except TypeError:
        raise ModelError("shape: not a list of whole numbers") from None
    for n in sizes:
        if isinstance(n, bool) or not isinstance(n, Integral):
            raise ModelError(f"shape: {n!r} is not a whole number")
    sizes = tuple(int(n) for n in sizes)
    if len(sizes) < 2:
        raise ModelError("shape: give the inputs and at least one layer, e.g. 2,2,1")
    layers = len(sizes) - 1
    if layers > MAX_LAYERS:
        raise ModelError(f"shape: {layers} layers, but a network has at most {MAX_LAYERS}")
    if not 1 <= sizes[0] <= MAX_INPUTS:
        raise ModelError(f"shape: {sizes[0]} inputs; a sample has 1 to {MAX_INPUTS}")
    for l, n in enumerate(sizes[1:], 1):
        if not 1 <= n <= MAX_WIDTH:
            raise ModelError(f"shape: layer {l} has {plural(n, 'neuron')}; a layer has "
                             f"1 to {MAX_WIDTH}")
    return sizes


def check_start(lr: float, samples: int, batch_size: int | None) -> float:
    """η, the number of samples and the batch size a lesson starts with, checked together
    (the lesson and the app's opening refuse the same values); η as a float."""
    lr = check_learning_rate(lr)
    check_sample_count(samples)
    check_batch_size(batch_size, samples)
    return lr
