"""The pieces of ``--json`` shared by the chain's and the network's: plain lists of floats,
the nudge check, and the result of a training run."""

from __future__ import annotations

from typing import Any

from ..model import NonFiniteError

LOSS_POINTS = 1000
"""At most this many points of the loss history go into ``train --json``."""


def plain(values: Any) -> Any:
    """Arrays (or lists of them) as nested lists of Python floats, for JSON."""
    if isinstance(values, (list, tuple)):
        return [plain(v) for v in values]
    return values.tolist() if hasattr(values, "tolist") else float(values)


def check_json(check: Any) -> dict[str, Any]:
    """The nudge check for programs: numeric batch-mean gradients, ε and the largest difference."""
    wide = any(n != 1 for n in check.shape)  # a chain's are one number a layer
    return {
        "epsilon": check.epsilon,
        "dC_dw": plain(check.layer_w(check.dC_dw) if wide else check.dC_dw),
        "dC_db": plain(check.layer_b(check.dC_db) if wide else check.dC_db),
        "max_rel_error": check.max_rel_error,
    }


def final_cost(trainer: Any) -> float | None:
    """The mean cost at the parameters a run kept; None when it overflows, which only a
    diverged run can leave (its last finite parameters may be that far out)."""
    try:
        return trainer.mean_cost()
    except NonFiniteError:
        if trainer.divergence is None:
            raise
        return None


def run_json(trainer: Any, initial_cost: float, steps_run: int | None = None,
             outputs: Any = None) -> dict[str, Any]:
    """What ``train --json`` says of a run, after the parameters: its steps (with
    ``steps_run``, those of this run), settings, costs, the outputs (when given), the loss
    history and whether it diverged."""
    thinned = trainer.history.thinned(LOSS_POINTS)
    result: dict[str, Any] = {"steps": trainer.steps_done}
    if steps_run is not None:
        result["steps_run"] = steps_run
    result |= {
        "lr": trainer.lr,
        "batch_size": trainer.batch_size,
        "samples": len(trainer.samples),
        "initial_cost": initial_cost,
        "final_cost": final_cost(trainer),
    }
    if outputs is not None:
        result["outputs"] = plain(outputs)
    result |= {
        "loss": {"step": [int(s) for s in thinned.step], "cost": plain(thinned.first)},
        "diverged": None,
    }
    if trainer.divergence is not None:
        result["diverged"] = {"step": trainer.divergence.step, "message": str(trainer.divergence)}
    return result
