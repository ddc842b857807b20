"""numpy, imported where it is first used rather than where it is named.

numpy takes about as long to import as Textual's first frame takes to draw. The
modules the first frame needs (the activations and costs, the start values)
name it at the top, as every module does, but only compute with it later: for
them :func:`numpy_on_first_use` is the standard library's lazy loader
(:class:`importlib.util.LazyLoader`). The module it returns is numpy itself: the
first attribute read (``np.exp``), or any ``import numpy`` elsewhere, loads it,
and from then on it is the ordinary module, at no cost per use.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def numpy_on_first_use() -> ModuleType:
    """The ``numpy`` module, loaded when it is first used (at once if it is loaded)."""
    loaded = sys.modules.get("numpy")
    if loaded is not None:
        return loaded
    spec = importlib.util.find_spec("numpy")
    if spec is None or spec.loader is None:  # not installed: the import says so
        import numpy

        return numpy
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["numpy"] = module
    loader.exec_module(module)
    return module
