"""Checks shared by the scenarios that train an snnTorch network and evaluate it in Brian2."""

from __future__ import annotations

from devices.errors import check_choice, check_int, check_range

TARGETS = ("cpp_standalone", "cython", "numpy")

# field -> check, for the fields a spiking scenario's Config may have
_CHECKS = {
    "hidden": lambda v: check_int("hidden", v, 1),
    "n_steps": lambda v: check_int("n_steps", v, 1),
    "tau": lambda v: check_range("tau", v, 0.0, None, lo_open=True),
    "dt": lambda v: check_range("dt", v, 0.0, 1.0, lo_open=True),
    "epochs": lambda v: check_int("epochs", v, 1),
    "batch": lambda v: check_int("batch", v, 1),
    "lr": lambda v: check_range("lr", v, 0.0, None, lo_open=True),
    "w_max": lambda v: check_range("w_max", v, 0.0, None, lo_open=True),
    "tolerance": lambda v: check_range("tolerance", v, 0.0, 1.0, lo_open=True),
    "n_test": lambda v: v is None or check_int("n_test", v, 1),
    "target": lambda v: check_choice("target", v, TARGETS),
}


def check_spiking_fields(cfg) -> None:
    """Check the network, training and evaluation fields that ``cfg`` has (see `_CHECKS`)."""
    for name, check in _CHECKS.items():
        if hasattr(cfg, name):
            check(getattr(cfg, name))
