"""The memprop scenario, quick config: MIF training, conversion, Brian2 evaluation, baseline."""

from __future__ import annotations

import numpy as np
import pytest

from scenarios import memprop
from scenarios._core import RunContext, apply_overrides


def test_memprop_quick(tmp_path) -> None:
    result = memprop.run(memprop.QUICK, RunContext(progress=False, out_dir=tmp_path))
    m = result.metrics
    # the waveform of DESIGN.md 4, identical in torch and Brian2
    assert 44.0 < m["spike_peak_mV"] < 48.0 and -14.0 < m["spike_undershoot_mV"] < -11.0
    assert m["waveform_max_difference_mV"] < 1e-6
    # 1,000 mnist-5k images, one epoch, 784-40-10; chance is 10%. Measured: 71%.
    assert m["mif_torch_accuracy"] > 0.6
    assert len(result.history["mif_test_accuracy"]) == 1
    saved = np.load(tmp_path / "mif_weights.npz")  # kept before programming and Brian2
    assert [saved[k].shape for k in saved.files] == [(784, 40), (40, 10)]
    assert all(np.abs(saved[k]).max() <= 1.0 for k in saved.files)  # the clipped window
    # write-verify programming, event-driven Brian2 on 100 images: within a few images of torch
    # (measured 81% vs 81%)
    assert m["n_brian"] == 100 and m["torch_accuracy_on_brian_subset"] > 0.6
    assert abs(m["brian_minus_torch"]) <= 0.05
    assert m["programming_rms_error"] < 0.01 and m["programming_pulses"] > 0
    assert m["brian_input_events"] > 0 and m["brian_analog_updates"] == 100 * 30 * 40 * 10
    assert m["lif_accuracy"] > 0.2 and len(result.history["lif_test_accuracy"]) == 1


def test_memprop_baseline_alone_gives_the_same_baseline() -> None:
    import dataclasses

    both = memprop.run(dataclasses.replace(memprop.QUICK, n_brian=10), RunContext(progress=False))
    alone = memprop.run(dataclasses.replace(memprop.QUICK, mif=False), RunContext(progress=False))
    assert "mif_torch_accuracy" not in alone.metrics and "brian_accuracy" not in alone.metrics
    assert alone.history["lif_test_accuracy"] == both.history["lif_test_accuracy"]


@pytest.mark.parametrize("item, message", [
    ("substeps=0", "substeps = 0 is invalid"),
    ("i_scale=-1e-6", "i_scale = -1e-06 is invalid"),
    ("hidden=0", r"hidden\[0\] = 0 is invalid"),
    ("dataset=cifar", "dataset = 'cifar' is invalid"),
    ("lif_loss=rate", "lif_loss = 'rate' is invalid"),
    ("layer_scale=row", "layer_scale = 'row' is invalid"),
    ("relay=diode", "relay = 'diode' is invalid"),
    ("lr_decay=0", "lr_decay = 0"),
])
def test_memprop_bad_config(item, message) -> None:
    with pytest.raises(ValueError, match=message):
        apply_overrides(memprop.QUICK, [item])
