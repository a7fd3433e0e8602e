"""The Brian2 boundary: Brian2 objects built from device code, and Brian2 set-up.

Units (Brian2 quantities) exist here only. Device conductances live in Brian2 as plain numbers
in siemens (``g : 1``), exactly the numbers of `devices.DeviceArray`, and are converted to
quantities where a current enters a neuron.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ensure_numpy_functions"]


def ensure_numpy_functions() -> None:
    """Give Brian2's ``expm1`` and ``log1p`` a numpy-target implementation.

    Brian2 2.9 ships these functions for the C++ and Cython targets only; the device equations
    use them (they avoid cancellation near linear response). Adding ``np.expm1`` / ``np.log1p``
    for the numpy target is idempotent and changes nothing for the other targets.
    """
    from brian2 import NumpyCodeObject
    from brian2.core.functions import DEFAULT_FUNCTIONS

    for name, fn in (("expm1", np.expm1), ("log1p", np.log1p)):
        impls = DEFAULT_FUNCTIONS[name].implementations
        try:
            impls[NumpyCodeObject]
        except KeyError:
            impls.add_numpy_implementation(fn)
