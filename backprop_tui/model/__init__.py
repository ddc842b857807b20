"""The model of a chain of one-neuron layers: pure numpy, no user interface.

Nothing in this package imports textual or plotext; the command line and the
app both build on it.

Its names are imported when first read (``from backprop_tui.model import Chain``
imports :mod:`.chain` then), so that the command line and the app's first frame,
which need a few light modules (the limits, the start values, the activations'
names), do not wait for numpy and every module of the model. :data:`_EXPORTS`
says which module holds each name; the imports below it say the same to type
checkers (a test holds the two equal).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, tuple[str, ...]] = {
    "chain": (
        "FACTOR_NAMES", "as_finite_vector", "BackwardPass", "batch_indices", "Chain",
        "ForwardPass", "Samples", "trace",
    ),
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
    "session": (
        "load_network_session", "load_session", "NetworkSession", "save_network_session",
        "save_session", "Session",
    ),
    "start": ("resolve_start", "StartError", "StartValues",),
    "trainer": ("Divergence", "RunResult", "Trainer",),
}
"""Each module of the model and the names it gives the package."""

_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)

if TYPE_CHECKING:  # the same names, for type checkers (``X as X``: given on)
    from .chain import (
        FACTOR_NAMES as FACTOR_NAMES,
    )
    from .chain import (
        BackwardPass as BackwardPass,
    )
    from .chain import (
        Chain as Chain,
    )
    from .chain import (
        ForwardPass as ForwardPass,
    )
    from .chain import (
        Samples as Samples,
    )
    from .chain import (
        as_finite_vector as as_finite_vector,
    )
    from .chain import (
        batch_indices as batch_indices,
    )
    from .chain import (
        trace as trace,
    )
    from .check import (
        EPSILON as EPSILON,
    )
    from .check import (
        GradientCheck as GradientCheck,
    )
    from .check import (
        Nudge as Nudge,
    )
    from .check import (
        check_gradients as check_gradients,
    )
    from .check import (
        nudge as nudge,
    )
    from .check import (
        relative_difference as relative_difference,
    )
    from .csv_data import (
        load_samples_csv as load_samples_csv,
    )
    from .csv_data import (
        parse_samples_csv as parse_samples_csv,
    )
    from .errors import (
        FileError as FileError,
    )
    from .errors import (
        ModelError as ModelError,
    )
    from .errors import (
        NonFiniteError as NonFiniteError,
    )
    from .files import (
        ANYWHERE as ANYWHERE,
    )
    from .files import (
        Folder as Folder,
    )
    from .files import (
        read_text as read_text,
    )
    from .files import (
        shown_name as shown_name,
    )
    from .files import (
        write_atomically as write_atomically,
    )
    from .functions import (
        ACTIVATIONS as ACTIVATIONS,
    )
    from .functions import (
        COSTS as COSTS,
    )
    from .functions import (
        CROSS_ENTROPY as CROSS_ENTROPY,
    )
    from .functions import (
        RELU as RELU,
    )
    from .functions import (
        SIGMOID as SIGMOID,
    )
    from .functions import (
        SQUARED_ERROR as SQUARED_ERROR,
    )
    from .functions import (
        TANH as TANH,
    )
    from .functions import (
        Activation as Activation,
    )
    from .functions import (
        Cancellation as Cancellation,
    )
    from .functions import (
        Cost as Cost,
    )
    from .functions import (
        activation_named as activation_named,
    )
    from .functions import (
        cost_named as cost_named,
    )
    from .history import (
        LossHistory as LossHistory,
    )
    from .history import (
        Thinned as Thinned,
    )
    from .landscape import (
        CostSlice as CostSlice,
    )
    from .landscape import (
        Fit as Fit,
    )
    from .landscape import (
        cost_slice as cost_slice,
    )
    from .landscape import (
        fit_curve as fit_curve,
    )
    from .landscape import (
        mean_costs as mean_costs,
    )
    from .landscape import (
        outputs as outputs,
    )
    from .limits import (
        MAX_LAYERS as MAX_LAYERS,
    )
    from .limits import (
        MAX_SAMPLES as MAX_SAMPLES,
    )
    from .limits import (
        check_batch_size as check_batch_size,
    )
    from .limits import (
        check_learning_rate as check_learning_rate,
    )
    from .limits import (
        check_sample_count as check_sample_count,
    )
    from .session import (
        NetworkSession as NetworkSession,
    )
    from .session import (
        Session as Session,
    )
    from .session import (
        load_network_session as load_network_session,
    )
    from .session import (
        load_session as load_session,
    )
    from .session import (
        save_network_session as save_network_session,
    )
    from .session import (
        save_session as save_session,
    )
    from .start import (
        StartError as StartError,
    )
    from .start import (
        StartValues as StartValues,
    )
    from .start import (
        resolve_start as resolve_start,
    )
    from .trainer import (
        Divergence as Divergence,
    )
    from .trainer import (
        RunResult as RunResult,
    )
    from .trainer import (
        Trainer as Trainer,
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
