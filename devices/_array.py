"""The few array operations device physics needs, for numpy arrays and torch tensors alike.

Device equations are written once against `ops(x)`, which returns the numpy or the torch
implementation depending on the type of ``x``. torch is imported only when a tensor is passed, so
the numpy path never needs it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["NumpyOps", "is_torch", "ops"]


def is_torch(x) -> bool:
    return type(x).__module__.split(".")[0] == "torch"


class NumpyOps:
    """numpy implementations."""

    exp = staticmethod(np.exp)
    expm1 = staticmethod(np.expm1)
    log = staticmethod(np.log)
    log1p = staticmethod(np.log1p)
    sqrt = staticmethod(np.sqrt)
    sinh = staticmethod(np.sinh)
    abs = staticmethod(np.abs)
    sign = staticmethod(np.sign)
    where = staticmethod(np.where)
    floor = staticmethod(np.floor)

    @staticmethod
    def clip(x, lo, hi):
        return np.minimum(np.maximum(x, lo), hi)

    @staticmethod
    def round_half_away(x):
        """Round to nearest, halves away from zero (as NeuroSim's ``truncate``)."""
        return np.sign(x) * np.floor(np.abs(x) + 0.5)

    @staticmethod
    def pow(x, y):
        return np.power(x, y)


class TorchOps:
    """torch implementations (differentiable where torch is)."""

    def __init__(self) -> None:
        import torch

        self.t = torch
        for name in ("exp", "expm1", "log", "log1p", "sqrt", "sinh", "abs", "sign", "floor"):
            setattr(self, name, self._unary(getattr(torch, name)))

    def _unary(self, fn):
        """``fn`` that also takes Python numbers (as 0-d float64 tensors: no type promotion)."""
        torch = self.t

        def apply(x):
            return fn(x if isinstance(x, torch.Tensor) else torch.as_tensor(x, dtype=torch.float64))

        return apply

    def _like(self, v, ref):
        return v if isinstance(v, self.t.Tensor) else self.t.as_tensor(v, dtype=ref.dtype,
                                                                       device=ref.device)

    def where(self, cond, a, b):
        ref = a if isinstance(a, self.t.Tensor) else b if isinstance(b, self.t.Tensor) else cond
        dtype = ref.dtype if ref.dtype.is_floating_point else self.t.get_default_dtype()
        a = a if isinstance(a, self.t.Tensor) else self.t.as_tensor(a, dtype=dtype,
                                                                    device=cond.device)
        b = b if isinstance(b, self.t.Tensor) else self.t.as_tensor(b, dtype=dtype,
                                                                    device=cond.device)
        return self.t.where(cond, a, b)

    def clip(self, x, lo, hi):
        return self.t.minimum(self.t.maximum(x, self._like(lo, x)), self._like(hi, x))

    def round_half_away(self, x):
        return self.t.sign(x) * self.t.floor(self.t.abs(x) + 0.5)

    def pow(self, x, y):
        return self.t.pow(x, y)


_TORCH_OPS: TorchOps | None = None


def ops(x):
    """numpy or torch operations, chosen by the type of ``x``."""
    global _TORCH_OPS
    if is_torch(x):
        if _TORCH_OPS is None:
            _TORCH_OPS = TorchOps()
        return _TORCH_OPS
    return NumpyOps
