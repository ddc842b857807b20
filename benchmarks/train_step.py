"""The training step, side by side: ours, the plain step, a hand-written numpy loop, torch, micrograd.

Run from the repository root (torch and micrograd are optional; without them
their columns say "skipped")::

    pip install -e '.[bench]'
    python benchmarks/train_step.py

"plain" is the model's own step repeated (``Network.forward``, ``backward``,
``Network.step``, keeping every factor): what ``Trainer.run`` would cost without
its fast step. Every implementation trains the same chain on the same data for
the same number of steps: sigmoid neurons, squared-error cost, batch-mean gradient,
step k on samples kB … kB+B−1 (mod n), the loss recorded before each update.
Before timing, each one's final parameters are checked against ours (relative
tolerance ``TOLERANCE``); micrograd is very slow, so it runs fewer steps and is
checked against ours at that step count. Runs are interleaved (ours, numpy,
torch, micrograd, then again) and the median of the repeats is reported, since
a 2-core machine is noisy.
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

import backprop_tui.blas  # noqa: E402, F401  (BLAS on one thread, as the app has it)
from backprop_tui.model import Network, Samples, Trainer, trace  # noqa: E402

TOLERANCE = 1e-9
"""Relative (and absolute) tolerance for the final parameters to agree with ours."""

N_SAMPLES = 1024
LR = 0.5


@dataclass(frozen=True)
class Case:
    layers: int
    batch: int
    steps: int
    micrograd_steps: int


CASES = [
    Case(3, 1, 2000, 200),
    Case(3, 16, 2000, 50),
    Case(3, 32, 2000, 20),
    Case(3, 33, 2000, 20),
    Case(3, 1024, 300, 2),
    Case(3, 4096, 100, 1),
    Case(10, 1, 1000, 100),
    Case(10, 16, 1000, 20),
    Case(10, 1024, 200, 1),
]


def make_problem(layers: int, seed: int = 0, n: int = N_SAMPLES):
    """Start parameters and ``n`` samples: the same for every implementation."""
    rng = np.random.default_rng(seed + layers)
    w = rng.normal(0.0, 1.0, layers)
    b = rng.normal(0.0, 0.5, layers)
    x = rng.uniform(-2.0, 2.0, n)
    y = 0.5 + 0.4 * np.sin(2.0 * x)
    return w, b, x, y


# ---------------------------------------------------------------- ours


def run_ours(w, b, x, y, batch, steps):
    trainer = Trainer(Network.chain(w, b), Samples(x, y), LR, batch)
    result = trainer.run(steps)
    assert result.divergence is None
    chain = trainer.network
    return chain.flat_w, chain.flat_b


def run_plain(w, b, x, y, batch, steps):
    chain, samples = Network.chain(w, b), Samples(x, y)
    for k in range(steps):
        chain = chain.step(trace(chain, samples.batch(k, batch)), LR)
    return chain.flat_w, chain.flat_b


# ---------------------------------------------------------------- plain numpy


def sigmoid(z):
    # The same overflow-free sigmoid as the model's: σ(z) = 1/(1+e^(−|z|)) for
    # z ≥ 0, e^(−|z|)/(1+e^(−|z|)) for z < 0.
    e = np.exp(-np.abs(z))
    t = 1.0 / (1.0 + e)
    return np.where(z >= 0.0, t, e * t)


def run_numpy(w, b, x_all, y_all, batch, steps):
    """A plain vectorised numpy training loop: forward, backward, update, loss."""
    w = np.array(w, dtype=np.float64)
    b = np.array(b, dtype=np.float64)
    layers, n = w.size, x_all.size
    losses = np.empty(steps)
    acts = [None] * (layers + 1)
    gw = np.empty(layers)
    gb = np.empty(layers)
    for k in range(steps):
        start = k * batch % n
        if start + batch <= n:
            x, y = x_all[start : start + batch], y_all[start : start + batch]
        else:
            idx = (start + np.arange(batch)) % n
            x, y = x_all[idx], y_all[idx]
        a = acts[0] = x
        for l in range(layers):
            a = acts[l + 1] = sigmoid(w[l] * a + b[l])
        diff = a - y
        losses[k] = np.dot(diff, diff) / batch
        grad = 2.0 * diff
        for l in range(layers - 1, -1, -1):
            a = acts[l + 1]
            delta = grad * a * (1.0 - a)
            gw[l] = np.dot(delta, acts[l]) / batch
            gb[l] = delta.sum() / batch
            grad = delta * w[l]
        w -= LR * gw
        b -= LR * gb
    return w, b


def run_bare(w, b, x_all, y_all, batch, steps):
    """The plainest numpy loop: the textbook σ(z) = 1/(1+e^(−z)) and σ' = a(1−a),
    no overflow guard of any kind, no loss kept, nothing preallocated."""
    w = np.array(w, dtype=np.float64)
    b = np.array(b, dtype=np.float64)
    layers, n = w.size, x_all.size
    for k in range(steps):
        start = k * batch % n
        if start + batch <= n:
            x, y = x_all[start : start + batch], y_all[start : start + batch]
        else:
            idx = (start + np.arange(batch)) % n
            x, y = x_all[idx], y_all[idx]
        acts = [x]
        for l in range(layers):
            acts.append(1.0 / (1.0 + np.exp(-(w[l] * acts[-1] + b[l]))))
        grad = 2.0 * (acts[-1] - y)
        gw, gb = np.empty(layers), np.empty(layers)
        for l in range(layers - 1, -1, -1):
            a = acts[l + 1]
            delta = grad * a * (1.0 - a)
            gw[l] = np.dot(delta, acts[l]) / batch
            gb[l] = delta.sum() / batch
            grad = delta * w[l]
        w -= LR * gw
        b -= LR * gb
    return w, b


# ---------------------------------------------------------------- torch


def torch_runner():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)

    def run_torch(w, b, x_all, y_all, batch, steps):
        wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
        bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
        xs = torch.tensor(x_all, dtype=torch.float64)
        ys = torch.tensor(y_all, dtype=torch.float64)
        layers, n = len(w), len(x_all)
        losses = torch.empty(steps, dtype=torch.float64)
        for k in range(steps):
            start = k * batch % n
            if start + batch <= n:
                x, y = xs[start : start + batch], ys[start : start + batch]
            else:
                idx = (start + torch.arange(batch)) % n
                x, y = xs[idx], ys[idx]
            a = x
            for l in range(layers):
                a = torch.sigmoid(wt[l] * a + bt[l])
            loss = ((a - y) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                losses[k] = loss
                wt -= LR * wt.grad
                bt -= LR * bt.grad
                wt.grad = None
                bt.grad = None
        return wt.detach().numpy(), bt.detach().numpy()

    return run_torch


# ---------------------------------------------------------------- micrograd


def micrograd_runner():
    try:
        from micrograd.engine import Value
    except ImportError:
        return None

    def mg_sigmoid(v):
        s = math.exp(-np.logaddexp(0.0, -v.data))
        out = Value(s, (v,), "sigmoid")

        def _backward():
            v.grad += s * (1.0 - s) * out.grad

        out._backward = _backward
        return out

    def run_micrograd(w, b, x_all, y_all, batch, steps):
        ws = [Value(float(v)) for v in w]
        bs = [Value(float(v)) for v in b]
        n = len(x_all)
        for k in range(steps):
            costs = []
            for i in range(batch):
                j = (k * batch + i) % n
                a = float(x_all[j])
                for wl, bl in zip(ws, bs):
                    a = mg_sigmoid(wl * a + bl)
                costs.append((a - float(y_all[j])) ** 2)
            # A balanced sum keeps the graph shallow enough for the recursive topo sort.
            while len(costs) > 1:
                costs = [costs[i] + costs[i + 1] if i + 1 < len(costs) else costs[i]
                         for i in range(0, len(costs), 2)]
            loss = costs[0] * (1.0 / batch)
            for p in ws + bs:
                p.grad = 0.0
            loss.backward()
            for p in ws + bs:
                p.data -= LR * p.grad
        return np.array([p.data for p in ws]), np.array([p.data for p in bs])

    return run_micrograd


# ---------------------------------------------------------------- several neurons a layer


@dataclass(frozen=True)
class WideCase:
    shape: tuple[int, ...]
    batch: int
    steps: int


WIDE_CASES = [WideCase((2, 2, 1), 1, 4000), WideCase((2, 2, 1), 16, 2000),
              WideCase((2, 2, 1), 1024, 300), WideCase((2, 4, 4, 1), 16, 1000),
              WideCase((2, 16, 16, 1), 16, 1000), WideCase((2, 16, 16, 1), 1024, 200)]
"""Networks with several neurons a layer: ours (Trainer) beside a numpy loop and torch."""

CHAIN_LAYERS = 3
"""The chain timed beside each network, at the network's batch size: the reference
for how fast a step of a few neurons can be."""


def make_wide_problem(shape: tuple[int, ...], seed: int = 0):
    """Flat start parameters (as --w, --b take them) and data for ``shape``."""
    rng = np.random.default_rng(seed + sum(shape))
    count_w = sum(shape[l] * shape[l - 1] for l in range(1, len(shape)))
    w = rng.normal(0.0, 1.0, count_w)
    b = rng.normal(0.0, 0.5, sum(shape[1:]))
    x = rng.uniform(-2.0, 2.0, (N_SAMPLES, shape[0]))
    y = 0.5 + 0.4 * np.sin(x.sum(axis=1, keepdims=True) * np.arange(1, shape[-1] + 1))
    return w, b, x, y


def _layers(shape, w, b):
    """Flat parameters as per-layer (N_l, N_(l−1)) weights and (N_l,) biases."""
    ws, bs, at, bt = [], [], 0, 0
    for l in range(1, len(shape)):
        ws.append(np.array(w[at:at + shape[l] * shape[l - 1]]).reshape(shape[l], shape[l - 1]))
        bs.append(np.array(b[bt:bt + shape[l]]))
        at += shape[l] * shape[l - 1]
        bt += shape[l]
    return ws, bs


def run_wide_ours(shape, w, b, x, y, batch, steps):
    net = Network(shape, w, b)
    trainer = Trainer(net, Samples(x, y, shape[0], shape[-1]), LR, batch)
    assert trainer.run(steps).divergence is None
    out = trainer.network
    return out.flat_w, out.flat_b


def run_wide_numpy(shape, w, b, x_all, y_all, batch, steps):
    """A plain numpy loop for a network: matrix forward, δ(l) = (δ(l+1)·W(l+1)) ⊙ σ'."""
    ws, bs = _layers(shape, w, b)
    n = x_all.shape[0]
    layers = len(ws)
    for k in range(steps):
        idx = (k * batch + np.arange(batch)) % n
        x, y = x_all[idx], y_all[idx]
        acts = [x]
        for l in range(layers):
            acts.append(sigmoid(acts[-1] @ ws[l].T + bs[l]))
        grad = 2.0 * (acts[-1] - y)
        for l in range(layers - 1, -1, -1):
            a = acts[l + 1]
            delta = grad * a * (1.0 - a)
            grad = delta @ ws[l]
            ws[l] -= LR * (delta.T @ acts[l]) / batch
            bs[l] -= LR * delta.sum(axis=0) / batch
    return np.concatenate([v.ravel() for v in ws]), np.concatenate(bs)


def wide_torch_runner():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)

    def run_wide_torch(shape, w, b, x_all, y_all, batch, steps):
        ws, bs = _layers(shape, w, b)
        wt = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in ws]
        bt = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in bs]
        xs = torch.tensor(x_all, dtype=torch.float64)
        ys = torch.tensor(y_all, dtype=torch.float64)
        n = x_all.shape[0]
        for k in range(steps):
            idx = (k * batch + torch.arange(batch)) % n
            a, y = xs[idx], ys[idx]
            for wl, bl in zip(wt, bt):
                a = torch.sigmoid(a @ wl.T + bl)
            loss = ((a - y) ** 2).sum(dim=1).mean()
            loss.backward()
            with torch.no_grad():
                for p in wt + bt:
                    p -= LR * p.grad
                    p.grad = None
        return (np.concatenate([p.detach().numpy().ravel() for p in wt]),
                np.concatenate([p.detach().numpy() for p in bt]))

    return run_wide_torch


def run_chain_reference(shape, w, b, x, y, batch, steps):
    """Our chain of :data:`CHAIN_LAYERS` layers at the same batch size (its own data)."""
    cw, cb, cx, cy = make_problem(CHAIN_LAYERS)
    return run_ours(cw, cb, cx, cy, batch, steps)


def measure_wide(case: WideCase, runners: dict, repeats: int) -> tuple[dict, dict]:
    """µs per step of each implementation for a network, and each one's ratio to ours."""
    w, b, x, y = make_wide_problem(case.shape)
    want = run_wide_ours(case.shape, w, b, x, y, case.batch, case.steps)
    for name, fn in runners.items():
        if name not in ("ours", "chain"):
            check_same(name, fn(case.shape, w, b, x, y, case.batch, case.steps), want,
                       case.steps)
    per_step: dict[str, list[float]] = {name: [] for name in runners}
    ratios: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(repeats):
        this = {name: timed(fn, case.shape, w, b, x, y, case.batch, case.steps)
                / case.steps * 1e6 for name, fn in runners.items()}
        for name, us in this.items():
            per_step[name].append(us)
            ratios[name].append(us / this["ours"])
    return ({name: statistics.median(v) for name, v in per_step.items()},
            {name: statistics.median(v) for name, v in ratios.items()})


def wide_table(repeats: int, quick: bool) -> list[str]:
    """The table of :data:`WIDE_CASES`, as lines."""
    runners: dict[str, Callable] = {"ours": run_wide_ours, "numpy": run_wide_numpy,
                                    "chain": run_chain_reference}
    torch_fn = wide_torch_runner()
    if torch_fn is not None:
        runners["torch"] = torch_fn
    header = ("shape", "batch", "steps", "ours", "numpy", "torch", f"chain ({CHAIN_LAYERS})",
              "numpy/ours", "torch/ours", "ours/chain")
    rows = []
    for case in WIDE_CASES:
        if quick:
            case = WideCase(case.shape, case.batch, max(case.steps // 10, 10))
        us, to_ours = measure_wide(case, runners, repeats)
        rows.append((",".join(map(str, case.shape)), str(case.batch), str(case.steps),
                     fmt_us(us["ours"]), fmt_us(us["numpy"]), fmt_us(us.get("torch")),
                     fmt_us(us["chain"]), fmt_ratio(to_ours["numpy"]),
                     fmt_ratio(to_ours.get("torch")), fmt_ratio(1.0 / to_ours["chain"])))
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    out = ["", "several neurons a layer (Trainer: Python floats for small batches of "
           "small networks, numpy above), µs per step;",
           f"chain ({CHAIN_LAYERS}): our chain of {CHAIN_LAYERS} layers at the same batch size, "
           "for reference:",
           "| " + " | ".join(h.ljust(wd) for h, wd in zip(header, widths)) + " |",
           "|" + "|".join("-" * (wd + 2) for wd in widths) + "|"]
    out += ["| " + " | ".join(c.rjust(wd) for c, wd in zip(r, widths)) + " |" for r in rows]
    return out


# ---------------------------------------------------------------- measuring


def timed(fn: Callable, *args) -> float:
    gc.collect()
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def check_same(name, got, want, steps):
    for label, g, e in zip(("w", "b"), got, want):
        if not np.allclose(g, e, rtol=TOLERANCE, atol=TOLERANCE):
            err = float(np.max(np.abs(np.asarray(g) - e)))
            raise SystemExit(
                f"{name}: final {label} after {steps} steps differs from ours by {err:.3g}"
            )


def measure(case: Case, runners: dict, repeats: int) -> tuple[dict, dict]:
    """µs per step of each implementation, and each one's ratio to ours.

    Both are medians over the repeats; a ratio is taken within one repeat (the
    two runs were next to each other in time), then the median of those.
    """
    w, b, x, y = make_problem(case.layers, n=max(N_SAMPLES, case.batch))
    steps_of = {name: case.micrograd_steps if name == "micrograd" else case.steps
                for name in runners}
    # Same parameters first (this also warms every implementation up).
    for count in sorted(set(steps_of.values())):
        want = run_ours(w, b, x, y, case.batch, count)
        for name, fn in runners.items():
            if name != "ours" and steps_of[name] == count:
                check_same(name, fn(w, b, x, y, case.batch, count), want, count)
    per_step: dict[str, list[float]] = {name: [] for name in runners}
    ratios: dict[str, list[float]] = {name: [] for name in runners}
    for rep in range(repeats):
        this: dict[str, float] = {}
        for name, fn in runners.items():
            if name == "micrograd" and rep >= max(1, repeats // 3):
                continue  # a few micrograd runs are enough: it is orders of magnitude slower
            seconds = timed(fn, w, b, x, y, case.batch, steps_of[name])
            this[name] = seconds / steps_of[name] * 1e6
            per_step[name].append(this[name])
        for name, us in this.items():
            ratios[name].append(us / this["ours"])
    return (
        {name: statistics.median(v) for name, v in per_step.items()},
        {name: statistics.median(v) for name, v in ratios.items()},
    )


def fmt_us(value: float | None) -> str:
    if value is None:
        return "skipped"
    return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"


def fmt_ratio(value: float | None) -> str:
    return "—" if value is None else (f"{value:.2f}×" if value < 10 else f"{value:,.0f}×")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=9, help="timed runs per implementation")
    parser.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    parser.add_argument("--wide", action="store_true",
                        help="only the networks with several neurons a layer")
    args = parser.parse_args(argv)
    runners: dict[str, Callable] = {"ours": run_ours, "plain": run_plain, "numpy": run_numpy,
                                    "bare": run_bare}
    notes = []
    for name, make in (("torch", torch_runner), ("micrograd", micrograd_runner)):
        fn = make()
        if fn is None:
            notes.append(f"{name}: not installed, skipped (pip install -e '.[bench]')")
        else:
            runners[name] = fn
    repeats = 3 if args.quick else args.repeats
    if args.wide:
        print(f"numpy {np.__version__}, python {sys.version.split()[0]}; medians of {repeats} "
              "interleaved runs")
        for line in wide_table(repeats, args.quick):
            print(line)
        return 0
    cases = CASES
    if args.quick:
        cases = [Case(c.layers, c.batch, max(c.steps // 10, 10), 1) for c in CASES]

    print(f"training step, µs per step: median of {repeats} interleaved runs; ratios: "
          f"median of the ratios within each run;\nfinal parameters checked against ours "
          f"to {TOLERANCE:g} (relative and absolute)")
    print(f"numpy {np.__version__}", end="")
    if "torch" in runners:
        import torch
        print(f", torch {torch.__version__} (CPU, float64, 1 thread)", end="")
    print(f", python {sys.version.split()[0]}\n")
    header = ("layers", "batch", "steps", "ours", "plain", "numpy", "bare", "torch", "micrograd",
              "plain/ours", "ours/numpy", "ours/bare", "torch/ours", "micrograd/ours")
    rows = []
    for case in cases:
        us, to_ours = measure(case, runners, repeats)
        ours = us["ours"]
        torch_us, mg_us = us.get("torch"), us.get("micrograd")
        rows.append((
            str(case.layers), str(case.batch),
            f"{case.steps}" + (f" ({case.micrograd_steps})" if mg_us is not None else ""),
            fmt_us(ours), fmt_us(us["plain"]), fmt_us(us["numpy"]), fmt_us(us["bare"]),
            fmt_us(torch_us), fmt_us(mg_us), fmt_ratio(to_ours["plain"]),
            fmt_ratio(1.0 / to_ours["numpy"]), fmt_ratio(1.0 / to_ours["bare"]),
            fmt_ratio(to_ours.get("torch")),
            fmt_ratio(to_ours.get("micrograd")),
        ))
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("| " + " | ".join(h.ljust(wd) for h, wd in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (wd + 2) for wd in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.rjust(wd) for c, wd in zip(r, widths)) + " |")
    print("\nsteps: steps per timed run (micrograd's in brackets). numpy: a numpy loop with "
          "the model's overflow-free sigmoid;\nbare: the plainest numpy loop (1/(1+e^(−z)), "
          "a(1−a), no overflow guard).")
    for line in wide_table(repeats, args.quick):
        print(line)
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
