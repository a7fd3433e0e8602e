"""Imported first by every benchmark: one thread per library, and the package path clean.

``benchmarks/devices.py`` shares its name with the ``devices`` package; running a file from
this folder puts the folder on ``sys.path``, so it is removed here before anything else loads.
"""

import os
import sys
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

_here = Path(__file__).parent.resolve()
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _here]
sys.modules.pop("devices", None)  # in case this folder's devices.py was picked up already
