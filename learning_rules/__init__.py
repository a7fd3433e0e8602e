"""How updates become pulses (in-situ rules) and how offline training sees the device.

In-situ rules share `learning_rules.base.Rule` (gradient in, pulses out); `RULES` is their
registry (the one place a rule is added).
"""

from learning_rules.naive_sgd import NaiveSGD
from learning_rules.ssm import SSM
from learning_rules.stochastic import StochasticUpdate
from learning_rules.threshold import ThresholdUpdate

RULES: dict[str, type] = {
    "naive-sgd": NaiveSGD,
    "stochastic": StochasticUpdate,
    "ssm": SSM,
    "threshold": ThresholdUpdate,
}

__all__ = ["RULES", "SSM", "NaiveSGD", "StochasticUpdate", "ThresholdUpdate"]
