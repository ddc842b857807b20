"""The model of a network of layers of neurons (the chain is the network of width 1):
pure numpy, no user interface.

Nothing in this package imports textual or plotext; the command line and the
app both build on it.

Its names are imported when first read (``from backprop_tui.model import Network``
imports :mod:`.network` then), so that the command line and the app's first frame,
which need a few light modules (the limits, the start values, the activations'
names), do not wait for numpy and every module of the model. :data:`_EXPORTS`
says which module holds each name; the imports below it say the same to type
checkers (a test holds the two equal).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, tuple[str, ...]] = {
    "arrays": ("as_finite_vector", "batch_indices",),
    "check": (
        "EPSILON", "check_gradients", "GradientCheck", "Nudge", "nudge", "relative_difference",
    ),
    "csv_data": ("load_samples_csv", "parse_samples_csv",),
    "errors": ("FileError", "ModelError", "NonFiniteError",),
    "files": ("ANYWHERE", "Folder", "read_text", "shown_name", "write_atomically",),
    "functions": (
        "ACTIVATIONS", "COSTS", "CROSS_ENTROPY", "RELU", "SIGMOID", "SQUARED_ERROR", "TANH",
        "Activation", "activation_named", "Cancellation", "Cost", "cost_named",
    ),
    "history": ("LossHistory", "Thinned",),
    "landscape": ("cost_slice", "CostSlice", "Fit", "fit_curve", "mean_costs", "outputs",),
    "limits": (
        "MAX_LAYERS", "MAX_SAMPLES", "check_batch_size", "check_learning_rate",
        "check_sample_count",
    ),
    "network": (
        "FACTOR_NAMES", "BackwardPass", "ForwardPass", "Network", "Samples", "random_network",
        "shape_text", "trace", "xor_samples",
    ),
    "session": ("load_session", "save_session", "Session",),
    "start": ("resolve_start", "StartError", "StartValues",),
    "trainer": ("Divergence", "RunResult", "Trainer",),
}
"""Each module of the model and the names it gives the package."""

_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)

if TYPE_CHECKING:  # the same names, for type checkers
    from .arrays import (
        as_finite_vector,
        batch_indices,
    )
    from .check import (
        EPSILON,
        GradientCheck,
        Nudge,
        check_gradients,
        nudge,
        relative_difference,
    )
    from .csv_data import (
        load_samples_csv,
        parse_samples_csv,
    )
    from .errors import (
        FileError,
        ModelError,
        NonFiniteError,
    )
    from .files import (
        ANYWHERE,
        Folder,
        read_text,
        shown_name,
        write_atomically,
    )
    from .functions import (
        ACTIVATIONS,
        COSTS,
        CROSS_ENTROPY,
        RELU,
        SIGMOID,
        SQUARED_ERROR,
        TANH,
        Activation,
        Cancellation,
        Cost,
        activation_named,
        cost_named,
    )
    from .history import (
        LossHistory,
        Thinned,
    )
    from .landscape import (
        CostSlice,
        Fit,
        cost_slice,
        fit_curve,
        mean_costs,
        outputs,
    )
    from .limits import (
        MAX_LAYERS,
        MAX_SAMPLES,
        check_batch_size,
        check_learning_rate,
        check_sample_count,
    )
    from .network import (
        FACTOR_NAMES,
        BackwardPass,
        ForwardPass,
        Network,
        Samples,
        random_network,
        shape_text,
        trace,
        xor_samples,
    )
    from .session import (
        Session,
        load_session,
        save_session,
    )
    from .start import (
        StartError,
        StartValues,
        resolve_start,
    )
    from .trainer import (
        Divergence,
        RunResult,
        Trainer,
    )

def __getattr__(name: str) -> Any:
    """``name`` from the module of the model that holds it, imported on first use."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # read once: from now on an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
