"""Unsupervised memristive STDP learning of MNIST in Brian2 (Diehl & Cook 2015; Querlioz 2013).

The network of Diehl & Cook (2015), with its published constants: 784 Poisson inputs (rate
``intensity * pixel / 8`` Hz for pixel values 0..255, 350 ms per image then 150 ms of rest; an
image that drew fewer than 5 excitatory spikes is shown again one intensity step brighter) ->
``n_exc`` conductance-based LIF excitatory neurons (each input synapse delays by a fixed random
0-10 ms) with adaptive thresholds (``theta`` grows 0.05 mV per spike, decays with 1e7 ms; fixed
when learning is off) -> as many inhibitory neurons, one-to-one (weight 10.4),
inhibiting every other excitatory neuron (weight 17): lateral inhibition.

The input synapses are memristors: each weight is ``w = w_max (G - G_min) / (G_max - G_min)`` of a
device of `devices` (its family's update code, D2D spread, C2C noise), and the pair-based STDP
of Diehl & Cook (pre trace 20 ms; post traces 20 and 40 ms; depression ``nu_pre * post1`` on a
presynaptic spike, potentiation ``nu_post * pre * post2`` on a postsynaptic one) is applied as
device pulses: the desired change divided by the nominal weight step of one pulse, rounded
stochastically, then sent through the device's own non-linear step in ``on_pre`` / ``on_post``
(Querlioz et al. 2013: learning through the device's own response). Each excitatory neuron's
incoming weights are normalised to a total of 78 after every image (Diehl & Cook), also as
pulses.

After training, each excitatory neuron is labelled with the digit it responds to most
(average spike count per image of each class on labelling images, learning off; neurons that
stay silent are not labelled); a test image is classified as the digit whose neurons respond
most on average. Spikes count during the accepted (last) presentation of each image.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass

import numpy as np

from devices import Device, DeviceArray
from devices.brian import brian_code
from devices.errors import check_bool, check_choice, check_int, check_range
from neuro.brian import ensure_numpy_functions

__all__ = ["STDPParams", "STDPResult", "assign_labels", "classify", "run_stdp"]

REFRACTORY_E_MS = 5.0
"""Excitatory refractory period (membrane clamped; Diehl & Cook's ``refrac_e``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class STDPParams:
    """Constants of the Diehl & Cook network (units in the field names).

    Attributes
    ----------
    n_exc : int
        Excitatory (and inhibitory) neurons.
    dt_ms : float
        Time step.
    t_present_ms, t_rest_ms : float
        Presentation and rest per image.
    intensity : float
        Initial input intensity (rate = intensity * pixel / 8 Hz, pixel 0..255); +1 per retry.
    min_spikes : int
        Excitatory spikes an image must draw before the next one is shown.
    nu_pre, nu_post : float
        STDP learning rates (depression on pre, potentiation on post).
    w_max : float
        Weight of a full conductance window.
    w_init_max : float
        Initial weights uniform in ``[0, w_init_max]`` (programmed ideally).
    norm_total : float or None
        Target total incoming weight per excitatory neuron after each image (None: off).
    theta_plus_mv, tau_theta_ms, theta0_mv : float
        Adaptive threshold: increment per spike, decay time, initial value. Without learning
        (labelling, test) the thresholds are fixed (Diehl & Cook's test mode).
    input_delay_ms : float
        Each input synapse delays its spikes (and its STDP) by a fixed ``U(0, input_delay_ms)``
        (Diehl & Cook: 10 ms).
    min_isi_ms : float
        Least time between two spikes of one excitatory neuron (its membrane is clamped for the
        5 ms refractory period either way). Default 5, the refractory period of Diehl & Cook.
        Their published code also asks that a timer exceed 5 ms, but that timer grows at 100
        (SI: seconds) per second (``dtimer/dt = 100.0 : ms``), so it passes 5 ms one time step
        after a spike and adds nothing; some ports read it as 0.1 per second, a 50 ms spacing
        (measured no better on 8,000 images, docs/offline.md).
    hold_v_refractory : bool
        True: the excitatory membrane is held at reset for the 5 ms refractory period (Brian2's
        ``(unless refractory)``). False (default): it keeps integrating input and inhibition
        and only its spikes are blocked, as in Diehl & Cook's published code: Brian 1 holds the
        membrane only for a numeric reset, and theirs is a string (``v = v_reset_e; theta +=
        ...``), so their neurons get just the spike blocking (``_next_allowed_spiketime``).
        Measured in docs/offline.md ("Refractory membrane").
    rule : {"triplet", "power-law", "querlioz"}
        ``triplet``: the rule of Diehl & Cook's published code (above). ``power-law``: the
        weight-dependent rule their paper also describes, applied on each postsynaptic spike to
        every input synapse, ``dw = nu_post (pre - x_tar) (w_max - w)^mu`` (no change on a
        presynaptic spike): inputs whose trace is below ``x_tar`` (silent ones) are depressed.
        ``querlioz``: the simplified memristive STDP of Querlioz et al. (2011, 2013; DESIGN.md
        3): on each postsynaptic spike, every input synapse whose (delayed) presynaptic spike
        arrived within the last ``t_ltp_ms`` is potentiated by ``alpha_plus`` and every other
        one depressed by ``alpha_minus`` (no change on a presynaptic spike). The steps are
        nominal weight changes, sent as pulses through the device, so a non-linear device
        makes them weight-dependent as in the paper.
    x_tar, mu : float
        Target presynaptic trace and weight exponent of the power-law rule. Their published
        code defines, unused, ``STDP_offset = 0.4`` and ``exp_ee_post = 0.2``: taken as these.
    t_ltp_ms, alpha_plus, alpha_minus : float
        LTP window and nominal steps (fractions of ``w_max``) of the ``querlioz`` rule:
        45 ms, 0.01 and 0.005 (Querlioz et al. 2011, whose steps a 2019 review, Frontiers in
        Neuroscience, PMC6691091, table 3, lists as "increments, decrements 0.01, 0.005"; the
        authors' N2D2 model of that paper uses a 50 ms window).
    """

    n_exc: int = 100
    dt_ms: float = 0.5
    t_present_ms: float = 350.0
    t_rest_ms: float = 150.0
    intensity: float = 2.0
    min_spikes: int = 5
    nu_pre: float = 1e-4
    nu_post: float = 1e-2
    w_max: float = 1.0
    w_init_max: float = 0.3
    norm_total: float | None = 78.0
    theta_plus_mv: float = 0.05
    tau_theta_ms: float = 1e7
    theta0_mv: float = 20.0
    input_delay_ms: float = 10.0
    min_isi_ms: float = REFRACTORY_E_MS
    hold_v_refractory: bool = False
    rule: str = "triplet"
    x_tar: float = 0.4
    mu: float = 0.2
    t_ltp_ms: float = 45.0
    alpha_plus: float = 0.01
    alpha_minus: float = 0.005

    def __post_init__(self) -> None:
        check_int("stdp.n_exc", self.n_exc, 1)
        check_range("stdp.dt_ms", self.dt_ms, 0.0, 10.0, lo_open=True)
        check_range("stdp.t_present_ms", self.t_present_ms, 0.0, None, lo_open=True)
        check_range("stdp.t_rest_ms", self.t_rest_ms, 0.0, None)
        check_range("stdp.intensity", self.intensity, 0.0, None, lo_open=True)
        check_int("stdp.min_spikes", self.min_spikes, 0)
        check_range("stdp.nu_pre", self.nu_pre, 0.0, 1.0)
        check_range("stdp.nu_post", self.nu_post, 0.0, 1.0)
        check_range("stdp.w_max", self.w_max, 0.0, None, lo_open=True)
        check_range("stdp.w_init_max", self.w_init_max, 0.0, self.w_max)
        if self.norm_total is not None:
            check_range("stdp.norm_total", self.norm_total, 0.0, None, lo_open=True)
        check_range("stdp.input_delay_ms", self.input_delay_ms, 0.0, self.t_rest_ms)
        check_range("stdp.min_isi_ms", self.min_isi_ms, REFRACTORY_E_MS, self.t_present_ms)
        check_bool("stdp.hold_v_refractory", self.hold_v_refractory)
        check_choice("stdp.rule", self.rule, ("triplet", "power-law", "querlioz"))
        check_range("stdp.x_tar", self.x_tar, 0.0, 1.0)
        check_range("stdp.mu", self.mu, 0.0, 10.0)
        check_range("stdp.t_ltp_ms", self.t_ltp_ms, 0.0, self.slot_ms, lo_open=True)
        check_range("stdp.alpha_plus", self.alpha_plus, 0.0, 1.0)
        check_range("stdp.alpha_minus", self.alpha_minus, 0.0, 1.0)

    @property
    def slot_ms(self) -> float:
        return self.t_present_ms + self.t_rest_ms


@dataclass(slots=True)
class STDPResult:
    """Outcome of a run.

    Attributes
    ----------
    counts : np.ndarray, shape (n_images, n_exc)
        Excitatory spikes per image and neuron (all presentations of the image).
    shown : int
        Images completed.
    presentations : int
        Image presentations (including the brighter retries).
    weights : np.ndarray, shape (784, n_exc)
        Weights at the end.
    theta_mv : np.ndarray, shape (n_exc,)
        Adaptive thresholds at the end.
    pulses : int
        Device pulses sent (STDP and normalisation).
    """

    counts: np.ndarray
    shown: int
    presentations: int
    weights: np.ndarray
    theta_mv: np.ndarray
    pulses: int


def run_stdp(images: np.ndarray, device: Device, p: STDPParams, *, learn: bool,
             rng: np.random.Generator, g: np.ndarray | None = None,
             theta_mv: np.ndarray | None = None, target: str = "numpy",
             seed: int = 0, retry_margin: float = 1.0,
             max_rounds: int = 10) -> tuple[STDPResult, DeviceArray]:
    """Show ``images`` (uint8 or [0, 255] values, shape ``(n, 784)``) to the network.

    Parameters
    ----------
    images : np.ndarray
        Images in presentation order.
    device : Device
        The input synapses' device.
    p : STDPParams
    learn : bool
        STDP, normalisation and threshold adaptation on (training) or off (labelling, test:
        weights and thresholds fixed).
    rng : np.random.Generator
        Draws the devices (D2D), the initial weights and the input delays.
    g : np.ndarray, optional
        Conductances to start from, shape (784, n_exc) (default: initial weights).
    theta_mv : np.ndarray, optional
        Thresholds to start from (default: ``theta0_mv``).
    target : {"numpy", "cython", "cpp_standalone"}
    seed : int
        Brian2's seed (Poisson inputs, stochastic rounding, C2C noise).
    retry_margin : float
        Simulated time of one round for the brighter re-presentations, as a fraction of
        ``n * slot`` (one epoch of the 100-neuron network needs about 2 presentations per image).
    max_rounds : int
        The images not reached in one round are shown in the next (same synapses, thresholds
        and delays; a new simulation, so standalone code is built again), up to this many rounds
        (Diehl & Cook show every image until it draws ``min_spikes``). `STDPResult.shown`
        says how many images were reached; the others have zero counts.

    Returns
    -------
    STDPResult (``counts``: spikes during the accepted, last presentation of each image), and
    the `DeviceArray` of the input synapses at the end.
    """
    check_choice("target", target, ("numpy", "cython", "cpp_standalone"))
    check_range("retry_margin", retry_margin, 0.0, 10.0)
    check_int("max_rounds", max_rounds, 1)
    images = np.asarray(images, dtype=np.float64)
    n_img, n_in = images.shape
    n = p.n_exc
    arr = DeviceArray(device, (n_in, n), rng=rng, g0="min")
    d_g = device.g_max - device.g_min
    if g is None:
        w0 = rng.uniform(0.0, p.w_init_max, (n_in, n))
        g = np.clip(device.g_min + w0 / p.w_max * d_g, arr.g_min, arr.g_max)
    arr.g = np.array(g, dtype=np.float64)
    delays_ms = rng.uniform(0.0, p.input_delay_ms, n_in * n)
    theta = np.full(n, p.theta0_mv) if theta_mv is None else np.asarray(theta_mv, dtype=float)
    counts = np.zeros((n_img, n), dtype=np.int64)
    shown = presentations = pulses = boost = 0
    for k in range(max_rounds):
        res, boost = _run_round(images[shown:], arr, device, p, learn=learn, theta_mv=theta,
                                boost=boost, delays_ms=delays_ms, target=target,
                                seed=seed + 1_000_003 * k, retry_margin=retry_margin)
        counts[shown: shown + res.shown] = res.counts[: res.shown]
        shown += res.shown
        presentations += res.presentations
        pulses += res.pulses
        theta = res.theta_mv
        if shown == n_img:
            break
    result = STDPResult(counts=counts, shown=shown, presentations=presentations,
                        weights=(arr.g - device.g_min) / d_g * p.w_max, theta_mv=theta,
                        pulses=pulses)
    return result, arr


def _run_round(images: np.ndarray, arr: DeviceArray, device: Device, p: STDPParams, *,
               learn: bool, theta_mv: np.ndarray, boost: int, delays_ms: np.ndarray,
               target: str, seed: int, retry_margin: float) -> tuple[STDPResult, int]:
    """One simulation of `run_stdp` from the state in ``arr`` (updated at the end), the first
    image shown ``boost`` intensity steps brighter; also returns the boost its first
    unfinished image needs next."""
    import brian2 as b2

    ensure_numpy_functions()
    n_img, n_in = images.shape
    n = p.n_exc
    d_g = device.g_max - device.g_min
    levels = _levels(device)
    dw_min = p.w_max / levels

    directory = None
    if target == "cpp_standalone":
        directory = tempfile.mkdtemp(prefix="neuro-stdp-")
        b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    else:
        b2.prefs.codegen.target = target
    b2.start_scope()
    # Brian2 warns that the order of the synaptic sums below might matter (they are sums: it
    # does not); the warning comes from brian2.codegen.generators.base, named "base".
    b2.BrianLogger.suppress_name("base")
    ms, mV, second = b2.ms, b2.mV, b2.second
    dt = p.dt_ms * ms
    slot = p.slot_ms * ms
    ns = {"slot": slot, "t_present": p.t_present_ms * ms, "min_spikes": float(p.min_spikes),
          "intensity0": p.intensity, "n_img": float(n_img), "learning": 1.0 if learn else 0.0,
          "images": b2.TimedArray(images, dt=1 * second), "dw_min": dw_min,
          "w_max": p.w_max, "g_min_nominal": device.g_min, "d_g": d_g,
          "nu_pre": p.nu_pre, "nu_post": p.nu_post, "theta_plus": p.theta_plus_mv * mV,
          "tau_theta": p.tau_theta_ms * ms, "norm_total": p.norm_total or 0.0,
          "normalise": 1.0 if (learn and p.norm_total) else 0.0,
          "v_rest_e": -65 * mV, "v_reset_e": -65 * mV, "v_thresh_e": -52 * mV,
          "offset": 20 * mV, "min_isi": p.min_isi_ms * ms, "v_rest_i": -60 * mV,
          "v_reset_i": -45 * mV, "v_thresh_i": -40 * mV, "refrac_i": 2 * ms,
          "x_tar": p.x_tar, "mu": p.mu, "t_ltp": p.t_ltp_ms * ms,
          "alpha_plus": p.alpha_plus, "alpha_minus": p.alpha_minus}

    ctrl = b2.NeuronGroup(1, "img : 1\nboost : 1\nspikes : 1", dt=dt, name="stdp_control")
    ctrl.boost = boost
    # At the start of each slot (not the first): next image if the last one drew enough
    # excitatory spikes, else the same image one intensity step brighter.
    ctrl.run_regularly("\n".join([
        "ok = int(spikes >= min_spikes)",
        "active = int(t > 0*second)",
        "img = img + ok*active",
        "boost = boost*(1 - active) + (boost + 1)*(1 - ok)*active",
        "spikes = 0"]), dt=slot, when="start", order=3, name="stdp_next_image")
    inputs = b2.NeuronGroup(n_in, "\n".join([
        "img : 1 (linked)", "boost : 1 (linked)",
        "on = int(t - floor(t/slot)*slot < t_present)*int(img < n_img) : 1",
        "rate = images(img*second, i)/8*(intensity0 + boost)*on*Hz : Hz"]),
        threshold="rand() < rate*dt", dt=dt, name="stdp_inputs")
    inputs.img = b2.linked_var(ctrl, "img", index=np.zeros(n_in, dtype=int))
    inputs.boost = b2.linked_var(ctrl, "boost", index=np.zeros(n_in, dtype=int))

    # (Brian2's refractory period already spaces spikes by REFRACTORY_E_MS: no timer test then.)
    threshold_e = "v > theta - offset + v_thresh_e"
    if p.min_isi_ms > REFRACTORY_E_MS:
        threshold_e += " and t - lastspike > min_isi"
    exc = b2.NeuronGroup(n, "\n".join([
        "dv/dt = ((v_rest_e - v) + ge*(-v) + gi*(-100*mV - v))/(100*ms) : volt"
        + (" (unless refractory)" if p.hold_v_refractory else ""),
        "dge/dt = -ge/(1*ms) : 1", "dgi/dt = -gi/(2*ms) : 1",
        "dtheta/dt = -learning*theta/tau_theta : volt",
        "wsum : 1", "wsum_new : 1", "img : 1 (linked)", "img_now : 1"]),
                         threshold=threshold_e,
                         reset="v = v_reset_e\ntheta += theta_plus*learning",
                         refractory=REFRACTORY_E_MS * ms, method="euler", dt=dt,
                         name="stdp_exc")
    exc.v = -105 * mV  # Diehl & Cook start 40 mV below rest
    exc.theta = np.asarray(theta_mv) * mV
    exc.img = b2.linked_var(ctrl, "img", index=np.zeros(n, dtype=int))
    inh = b2.NeuronGroup(n, "\n".join([
        "dv/dt = ((v_rest_i - v) + ge*(-v) + gi*(-85*mV - v))/(10*ms) : volt (unless refractory)",
        "dge/dt = -ge/(1*ms) : 1", "dgi/dt = -gi/(2*ms) : 1"]),
                         threshold="v > v_thresh_i", reset="v = v_reset_i",
                         refractory=2 * ms, method="euler", dt=dt, name="stdp_inh")
    inh.v = -100 * mV

    code = brian_code(arr, prefix="d_", g="g", g_read="g_read", n_pulses="n_pulses")
    weight = "((g - g_min_nominal)/d_g*w_max)"
    # Desired change / nominal step of one pulse, rounded stochastically, through the device.
    write = [code.write, "n_sent += abs(n_pulses)"]
    if p.rule == "triplet":
        on_pre = "\n".join([f"ge_post += {weight}", "pre = 1", f"w_old = {weight}",
                            "n_pulses = -floor(learning*nu_pre*post1/dw_min + rand())", *write,
                            f"wsum_post += {weight} - w_old"])
        dw_post = "nu_post*pre*post2before"
    elif p.rule == "power-law":  # every synapse changes on a post spike, by
        # (pre - x_tar)(w_max - w)^mu
        on_pre = "\n".join([f"ge_post += {weight}", "pre = 1"])
        dw_post = "nu_post*(pre - x_tar)*clip(w_max - w_old, 0, w_max)**mu"
    else:  # querlioz: on a post spike, +alpha_plus if the input arrived within t_ltp, else
        # -alpha_minus
        on_pre = "\n".join([f"ge_post += {weight}", "t_arrival = t"])
        dw_post = "alpha_plus*int(t - t_arrival <= t_ltp) - alpha_minus*int(t - t_arrival > t_ltp)"
    on_post = "\n".join(["post2before = post2", f"w_old = {weight}",
                         f"n_pulses = floor(learning*({dw_post})/dw_min + rand())",
                         *write, f"wsum_post += {weight} - w_old", "post1 = 1", "post2 = 1"])
    syn = b2.Synapses(inputs, exc, model="\n".join([
        code.model, "n_sent : 1", "post2before : 1", "t_arrival : second",
        "dpre/dt = -pre/(20*ms) : 1 (event-driven)",
        "dpost1/dt = -post1/(20*ms) : 1 (event-driven)",
        "dpost2/dt = -post2/(40*ms) : 1 (event-driven)"]),
        on_pre=on_pre, on_post=on_post, dt=dt, name="stdp_input_syn")
    syn.connect(i=np.repeat(np.arange(n_in), n), j=np.tile(np.arange(n), n_in))
    syn.delay = delays_ms * ms  # the STDP sees the delayed arrivals, as in Diehl & Cook
    syn.t_arrival = -1e9 * second  # no arrival yet (outside any LTP window)
    for name, values in code.values.items():
        setattr(syn, name, values)
    ns.update(code.namespace)
    exc.wsum = ((arr.g - device.g_min) / d_g * p.w_max).sum(axis=0)
    # Normalisation after each image: factor from the totals, pulses through the device.
    exc.run_regularly("wsum_new = 0", dt=slot, when="start", order=0, name="stdp_norm_start")
    syn.run_regularly("\n".join([
        f"w_old = {weight}",
        "n_pulses = floor(normalise*(w_old*(norm_total/wsum_post - 1))/dw_min + rand())",
        *write, f"wsum_new_post += {weight}"]), dt=slot, when="start", order=1,
        name="stdp_normalise")
    exc.run_regularly("wsum = wsum_new*normalise + wsum*(1 - normalise)", dt=slot,
                      when="start", order=2, name="stdp_norm_end")

    # Only spikes during the presentation count (not those of the rest that follows).
    counter = b2.Synapses(exc, ctrl, on_pre="spikes_post += int(t - floor(t/slot)*slot < "
                          "t_present)", dt=dt, name="stdp_counter")
    counter.connect()
    e2i = b2.Synapses(exc, inh, on_pre="ge_post += 10.4", dt=dt, name="stdp_e2i")
    e2i.connect(j="i")
    i2e = b2.Synapses(inh, exc, on_pre="gi_post += 17.0", dt=dt, name="stdp_i2e")
    i2e.connect(condition="i != j")
    # (A SpikeMonitor cannot record a linked variable: copy the image index each slot.)
    exc.run_regularly("img_now = img", dt=slot, when="start", order=4, name="stdp_img_now")
    spikes = b2.SpikeMonitor(exc, variables=["img_now"], name="stdp_spikes")
    net = b2.Network(ctrl, inputs, exc, inh, syn, counter, e2i, i2e, spikes, name="stdp_net")
    duration = n_img * (1 + retry_margin) * slot
    if target == "cpp_standalone":
        b2.seed(seed)
        net.run(duration, namespace=ns)
        b2.device.build(directory=directory, compile=True, run=True, with_output=False)
    else:
        b2.seed(seed)
        net.run(duration, namespace=ns)
    # The last slot's image is done if it drew enough spikes (the check runs at the next slot).
    ok = bool(ctrl.variables["spikes"].get_value()[0] >= p.min_spikes)  # (.spikes: events)
    shown = int(min(ctrl.img[0] + ok, n_img))
    next_boost = 0 if ok else int(round(ctrl.boost[0])) + 1
    # Counts of the accepted presentation of each image: its last slot, presentation only.
    img_of_spike = np.rint(np.asarray(spikes.img_now[:])).astype(np.int64)
    t_s = np.asarray(spikes.t[:] / second)
    slot_of_spike = np.floor(t_s / float(slot / second) + 1e-9).astype(np.int64)
    in_window = t_s - slot_of_spike * float(slot / second) < p.t_present_ms * 1e-3 - 1e-9
    keep = (img_of_spike < n_img) & in_window
    img_k, slot_k, idx_k = img_of_spike[keep], slot_of_spike[keep], np.asarray(spikes.i[:])[keep]
    last = np.full(n_img, -1, dtype=np.int64)
    np.maximum.at(last, img_k, slot_k)
    accepted = slot_k == last[img_k]
    counts = np.zeros((n_img, n), dtype=np.int64)
    np.add.at(counts, (img_k[accepted], idx_k[accepted]), 1)
    g_end = np.asarray(syn.g[:]).reshape(n_in, n)
    pulses = int(np.asarray(syn.n_sent[:]).sum())
    theta_end = np.asarray(exc.theta[:] / mV)
    presentations = int(round(float(net.t / slot)))
    if target == "cpp_standalone":
        b2.device.reinit()
        b2.device.activate()
        b2.set_device("runtime")
        shutil.rmtree(directory, ignore_errors=True)  # the inputs alone are 6 kB per image
    arr.g = g_end
    return STDPResult(counts=counts, shown=shown, presentations=presentations,
                      weights=(g_end - device.g_min) / d_g * p.w_max, theta_mv=theta_end,
                      pulses=pulses), next_boost


def _levels(device: Device) -> float:
    r = device.response
    if hasattr(r, "levels_ltp"):
        return 0.5 * (r.levels_ltp + r.levels_ltd)
    return float(r.levels - 1 if device.family == "linear" else r.levels)


def assign_labels(counts: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each neuron's digit: the class with the highest mean spike count per image; -1 for a
    neuron that never fired on the labelling images (it takes no part in `classify`)."""
    rates = np.stack([counts[labels == c].mean(axis=0) if np.any(labels == c)
                      else np.zeros(counts.shape[1]) for c in range(10)])
    return np.where(rates.max(axis=0) > 0, rates.argmax(axis=0), -1)


def classify(counts: np.ndarray, neuron_labels: np.ndarray) -> np.ndarray:
    """Digit per image: the class whose neurons have the highest mean spike count."""
    scores = np.stack([counts[:, neuron_labels == c].mean(axis=1) if np.any(neuron_labels == c)
                       else np.zeros(len(counts)) for c in range(10)], axis=1)
    return scores.argmax(axis=1)
