"""Device-aware training transforms: what the forward pass sees, and its gradients."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from devices import PRESETS, SinhIV, Variability, iv_factor
from learning_rules.device_aware import DeviceAware, device_states, ltp_pulses, make_transforms

GEN = torch.Generator().manual_seed(0)


def test_device_states_follow_the_ltp_curve() -> None:
    dev = PRESETS["ag-a-si"]
    s = device_states(dev)
    assert len(s) == ltp_pulses(dev) + 1 == 98
    assert s[0] == dev.g_min and s[-1] == pytest.approx(dev.g_max, rel=1e-12)
    assert np.all(np.diff(s) > 0)
    assert s[1] - s[0] > 5 * (s[-1] - s[-2])  # NL 2.4: big steps first, small at the top


def test_ideal_is_the_identity_and_clip_clips() -> None:
    w = torch.linspace(-2, 2, 11, dtype=torch.float64).reshape(11, 1)
    wt, it = make_transforms(PRESETS["epiram"], DeviceAware.ideal(), generator=GEN)
    assert torch.equal(wt(0, w), w) and it is None
    wt, _ = make_transforms(PRESETS["epiram"], DeviceAware(w_max=1.0, levels=False),
                            generator=GEN)
    torch.testing.assert_close(wt(0, w), w.clamp(-1, 1))


def test_levels_snap_to_reachable_states_with_straight_through_gradient() -> None:
    dev = PRESETS["ag-a-si"]
    w = torch.linspace(-0.99, 0.99, 41, dtype=torch.float64, requires_grad=True)
    wt, _ = make_transforms(dev, DeviceAware(w_max=1.0), generator=GEN)
    seen = wt(0, w)
    d_g = dev.g_max - dev.g_min
    states = device_states(dev)
    g = dev.g_min + seen.detach().abs().numpy() * d_g  # the programmed device of each pair
    assert np.all(np.min(np.abs(g[:, None] - states[None]), axis=1) < 1e-9 * dev.g_max)
    assert torch.max(torch.abs(seen - w)) > 0.005  # snapping really moves weights
    seen.sum().backward()
    torch.testing.assert_close(w.grad, torch.ones_like(w))


def test_programming_noise_has_the_configured_sigma() -> None:
    dev = dataclasses.replace(PRESETS["epiram"], variability=Variability())
    wt, _ = make_transforms(dev, DeviceAware(w_max=1.0, levels=False, programming_noise=0.02),
                            generator=torch.Generator().manual_seed(1))
    w = torch.zeros(200_000, dtype=torch.float64)
    noise = wt(0, w)
    # Two devices, each N(0, 0.02 dG): the weight difference has sigma 0.02 sqrt(2) w_max.
    assert float(noise.std()) == pytest.approx(0.02 * np.sqrt(2), rel=0.01)


def test_input_transform_is_the_device_iv_shape() -> None:
    dev = dataclasses.replace(PRESETS["epiram"], iv=SinhIV(k=5.0))
    _, it = make_transforms(dev, DeviceAware(), generator=GEN, graded_inputs=True)
    a = torch.linspace(0, 1, 11, dtype=torch.float64)
    expected = iv_factor(dev.iv, a.numpy() * dev.v_read) / dev.v_read
    np.testing.assert_allclose(it(a).numpy(), expected, rtol=1e-12)
    # sinh(k V)/k read as if ohmic: a gain error sinh(k V_read) / (k V_read) at full scale.
    full = float(it(torch.tensor([1.0], dtype=torch.float64)))
    assert full == pytest.approx(np.sinh(5.0 * dev.v_read) / (5.0 * dev.v_read))


def test_saturating_cells_in_the_forward_pass() -> None:
    from devices import SaturatingIV, cell_current

    dev = dataclasses.replace(PRESETS["epiram"], variability=Variability(),
                              iv=SaturatingIV(i_sat=PRESETS["epiram"].g_max * 0.5 / 4.0))
    wt, it = make_transforms(dev, DeviceAware(w_max=1.0, levels=False), generator=GEN)
    assert it is None
    w = torch.tensor([[-1.0, -0.5, 0.0, 0.5, 1.0]], dtype=torch.float64)
    d_g = dev.g_max - dev.g_min
    def read(g):
        return cell_current(dev.iv, g, dev.v_read) / dev.v_read
    gp = dev.g_min + np.maximum(w.numpy(), 0) * d_g
    gn = dev.g_min + np.maximum(-w.numpy(), 0) * d_g
    np.testing.assert_allclose(wt(1, w).numpy(), (read(gp) - read(gn)) / d_g, rtol=1e-12)
    with pytest.raises(ValueError, match="saturating' is invalid with graded inputs"):
        make_transforms(dev, DeviceAware(), generator=GEN, graded_inputs=True)
