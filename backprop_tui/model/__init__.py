"""The model of a chain of one-neuron layers: pure numpy, no user interface.

Nothing in this package imports textual or plotext; the command line and the
app both build on it.
"""

from .chain import (
    FACTOR_NAMES,
    MAX_LAYERS,
    BackwardPass,
    Chain,
    ForwardPass,
    Samples,
    as_finite_vector,
    batch_indices,
    trace,
)
from .check import EPSILON, GradientCheck, Nudge, check_gradients, nudge, relative_difference
from .csv_data import load_samples_csv, parse_samples_csv
from .errors import FileError, ModelError, NonFiniteError
from .files import ANYWHERE, Folder, read_text, shown_name, write_atomically
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
from .history import LossHistory, Thinned
from .landscape import CostSlice, Fit, cost_slice, fit_curve, mean_costs, outputs
from .session import (
    NetworkSession,
    Session,
    load_network_session,
    load_session,
    save_network_session,
    save_session,
)
from .start import StartError, StartValues, resolve_start
from .trainer import Divergence, RunResult, Trainer, check_batch_size, check_learning_rate

__all__ = [
    "ANYWHERE",
    "Folder",
    "read_text",
    "shown_name",
    "ACTIVATIONS",
    "COSTS",
    "CROSS_ENTROPY",
    "EPSILON",
    "FACTOR_NAMES",
    "MAX_LAYERS",
    "RELU",
    "SIGMOID",
    "SQUARED_ERROR",
    "TANH",
    "Activation",
    "BackwardPass",
    "Cancellation",
    "Chain",
    "Cost",
    "CostSlice",
    "Divergence",
    "FileError",
    "Fit",
    "ForwardPass",
    "GradientCheck",
    "LossHistory",
    "ModelError",
    "NetworkSession",
    "NonFiniteError",
    "Nudge",
    "RunResult",
    "Samples",
    "Session",
    "StartError",
    "StartValues",
    "Thinned",
    "Trainer",
    "activation_named",
    "as_finite_vector",
    "batch_indices",
    "check_batch_size",
    "check_gradients",
    "check_learning_rate",
    "cost_named",
    "cost_slice",
    "fit_curve",
    "load_network_session",
    "load_samples_csv",
    "load_session",
    "mean_costs",
    "nudge",
    "outputs",
    "parse_samples_csv",
    "relative_difference",
    "resolve_start",
    "save_network_session",
    "save_session",
    "trace",
    "write_atomically",
]
