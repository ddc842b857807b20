"""The model of a chain of one-neuron layers: pure numpy, no user interface.

Nothing in this package imports textual or plotext; the command line and the
app both build on it.
"""

from .chain import (
    FACTOR_NAMES,
    BackwardPass,
    Chain,
    ForwardPass,
    Samples,
    as_finite_vector,
    batch_indices,
    trace,
)
from .csv_data import load_samples_csv, parse_samples_csv
from .errors import FileError, ModelError, NonFiniteError
from .files import write_atomically
from .functions import (
    ACTIVATIONS,
    COSTS,
    SIGMOID,
    SQUARED_ERROR,
    Activation,
    Cost,
    activation_named,
    cost_named,
)
from .history import LossHistory, Thinned
from .session import Session, load_session, save_session
from .trainer import Divergence, RunResult, Trainer, check_batch_size, check_learning_rate

__all__ = [
    "ACTIVATIONS",
    "COSTS",
    "FACTOR_NAMES",
    "SIGMOID",
    "SQUARED_ERROR",
    "Activation",
    "BackwardPass",
    "Chain",
    "Cost",
    "Divergence",
    "FileError",
    "ForwardPass",
    "LossHistory",
    "ModelError",
    "NonFiniteError",
    "RunResult",
    "Samples",
    "Session",
    "Thinned",
    "Trainer",
    "activation_named",
    "as_finite_vector",
    "batch_indices",
    "check_batch_size",
    "check_learning_rate",
    "cost_named",
    "load_samples_csv",
    "load_session",
    "parse_samples_csv",
    "save_session",
    "trace",
    "write_atomically",
]
