"""Memory stays flat however long training runs (allocation growth, never time)."""

import gc
import tracemalloc

import numpy as np

from backprop_tui.model import LossHistory, Network, Samples, Trainer


def test_many_thousands_of_steps_keep_memory_flat():
    x = np.linspace(-1.0, 1.0, 30)
    data = Samples(x, 0.5 + 0.4 * np.sin(2.0 * x))
    # A small history capacity, so that the history is already full after the
    # warm-up: from then on its size only moves between half and all of it.
    # Batch 4 of 30 samples: some batches are slices, some wrap around.
    trainer = Trainer(
        Network.chain([0.5, -0.3, 0.8], [0.1, 0.2, -0.1]), data, 0.5, batch_size=4,
        history=LossHistory(capacity=256),
    )
    tracemalloc.start()
    try:
        trainer.run(2_000)  # warm-up: buffers, the history's buckets
        gc.collect()
        base = tracemalloc.get_traced_memory()[0]
        growth = []
        for _ in range(12):
            # Long runs (the `train` command) and one-step runs (the app's loop).
            trainer.run(1_000)
            for _ in range(200):
                trainer.run(1)
            gc.collect()
            growth.append(tracemalloc.get_traced_memory()[0] - base)
    finally:
        tracemalloc.stop()
    assert trainer.steps_done == 2_000 + 12 * 1_200 and trainer.divergence is None
    # Keeping one float per step would hold 8 bytes × 14,400 ≈ 115 KB; one
    # small object per run, 2,400 objects of at least 16 bytes ≈ 38 KB.
    assert max(growth) < 16 * 1024, growth
    assert abs(growth[-1] - growth[0]) < 8 * 1024, growth


def test_one_long_run_holds_no_array_of_every_loss():
    trainer = Trainer(
        Network.chain([0.5, -0.3], [0.1, 0.2]), Samples([0.2, 0.8], [0.0, 1.0]), 0.5,
        history=LossHistory(capacity=256),
    )
    trainer.run(20_000)  # the history's buckets now span many steps each
    tracemalloc.start()
    try:
        gc.collect()
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        trainer.run(40_000)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert trainer.steps_done == 60_000 and len(trainer.history) == 60_000
    # The losses of all 40,000 steps at once would be 320 KB (about 340 KB at
    # the peak); in pieces of 4,096 steps it is under 100 KB.
    assert peak < 160 * 1024, peak
