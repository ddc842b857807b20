"""numpy's BLAS on one thread unless the user set it: done before numpy loads.

The command line (``backprop-tui``, ``python -m backprop_tui``) imports this
first. A chain's arrays are tiny: a BLAS thread pool only costs start-up time,
and with a class of apps on one machine, a thread per core in every app.
"""

from __future__ import annotations

import os

THREAD_SETTINGS: tuple[str, ...] = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                    "MKL_NUM_THREADS")
"""The environment variables that set the threads of the BLAS numpy may be built with."""

for _name in THREAD_SETTINGS:
    os.environ.setdefault(_name, "1")
