"""Scenario scripts: one module per experiment, registered here (the one place).

See `scenarios._core` for the contract (``Config``, ``QUICK``, ``run``, ``plot``).
"""

from __future__ import annotations

import importlib
import types

from neuro.errors import ConfigError

REGISTRY: dict[str, tuple[str, str]] = {
    "software-mlp": (
        "scenarios.software_mlp",
        "floating-point MLP baseline with the NeuroSim protocol (20x20 binary MNIST, online SGD)",
    ),
    "neurosim-devices": (
        "scenarios.neurosim_devices",
        "NeuroSim V3.0 device table: in-situ online SGD of a 400-100-10 MLP on each device",
    ),
    "stochastic-dnn": (
        "scenarios.stochastic_dnn",
        "Babu & Rajendran 2017: stochastic (RPU) in-situ training vs levels, range, variability",
    ),
    "ssm": (
        "scenarios.ssm",
        "SSM vs naive in-situ SGD on an imprecise device, with each SSM part ablated",
    ),
    "dbn": (
        "scenarios.dbn",
        "Wang et al. 2022: memristive DBN, contrastive divergence with write thresholds",
    ),
    "stdp-mnist": (
        "scenarios.stdp_mnist",
        "Diehl & Cook / Querlioz: unsupervised memristive STDP on MNIST, vs device and D2D",
    ),
    "drift-retention": (
        "scenarios.drift_retention",
        "retention of an SNN programmed into drifting PCM, with and without drift compensation",
    ),
    "snn-nonlinearity": (
        "scenarios.snn_nonlinearity",
        "Chen et al. 2024: SNN on a crossbar with I-V non-linearity, ideal vs aware training",
    ),
    "offline-conversion": (
        "scenarios.offline_conversion",
        "device-aware SNN programmed open-loop and by write-verify, evaluated in Brian2",
    ),
    "memprop": (
        "scenarios.memprop",
        "MEMprop: BPTT through memristive (MIF) neurons and synapses vs an LIF baseline",
    ),
    "offline-vs-insitu": (
        "scenarios.offline_vs_insitu",
        "offline device-aware SNN + conversion + Brian2 vs in-situ routes, per device",
    ),
}
"""Scenario name -> (module, one-line description)."""

MAIN_JOB = "offline-vs-insitu"
"""The scenario ``make demo`` runs (its quick config on the embedded data)."""


def get(name: str) -> types.ModuleType:
    """The scenario module registered as ``name``."""
    if name not in REGISTRY:
        raise ConfigError(f"scenario = {name!r} is invalid: must be one of {', '.join(REGISTRY)}")
    return importlib.import_module(REGISTRY[name][0])
