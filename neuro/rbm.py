"""Restricted Boltzmann machines on memristor crossbars, and the deep belief net built from them.

An RBM with ``n_v`` visible and ``n_h`` hidden binary stochastic units keeps its weights and
both bias vectors in one crossbar of ``(n_v + 1) x (n_h + 1)`` weights (`neuro.crossbar`):

    [ W    b_v ]      forward read of [v, 1]   -> v W + b_h  (and one unused column)
    [ b_h^T  0 ]      transposed read of [h, 1] -> h W^T + b_v (and one unused row)

so hidden and visible inputs are analog reads with the crossbar's non-idealities (read noise,
I-V shape, ADC). Units are stochastic binary: ``p = sigmoid(gain * I)``, ``s = (p > U(0, 1))``
(Wang et al. 2022; DESIGN.md 3). Contrastive divergence (CD-k) on binary states gives the
statistic ``<v0 h0> - <vk hk>`` over the augmented vectors (the bias rows and columns get
``<h0> - <hk>`` and ``<v0> - <vk>``, the corner nothing); a learning rule of `learning_rules`
turns it into pulses: `learning_rules.ThresholdUpdate` (accumulator and write threshold, the
memristive DBN) or `learning_rules.NaiveSGD` (every mini-batch, pulses proportional to the
update: the baseline). With ``device=None`` the weights are floating point and CD updates them
exactly: the software reference of the same shape.

The DBN (Hinton, Osindero & Teh 2006) stacks RBMs greedily: each is trained by CD on the hidden
probabilities of the one below; the top RBM sees the penultimate layer together with the label
(one-hot) units. A test image is classified by the label whose joint configuration with the
penultimate activity has the lowest free energy, either from deterministic bottom-up
probabilities or averaged over several stochastic bottom-up passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from devices import Device
from devices.errors import check_int, check_range, fail
from neuro.crossbar import Crossbar, CrossbarSpec

__all__ = ["DBN", "RBM", "DBNSpec", "sample", "sigmoid", "train_dbn"]


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def sample(p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Binary states: 1 where ``p`` exceeds a uniform random threshold."""
    return (p > rng.random(p.shape)).astype(np.float64)


def _aug(a: np.ndarray) -> np.ndarray:
    return np.hstack([a, np.ones((len(a), 1))])


def _softmax(a: np.ndarray) -> np.ndarray:
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class RBM:
    """An RBM whose weights live in a crossbar (or in floating point when ``device`` is None).

    Parameters
    ----------
    n_visible, n_hidden : int
    device : Device or None
        Device of every cell; None: floating-point weights (software reference).
    crossbar : CrossbarSpec
        Mapping, ``w_max`` and read non-idealities of the crossbar.
    rng : np.random.Generator
        Draws D2D parameters and the initial weights (keyword-only).
    init_std : float
        Initial weights ``N(0, init_std)`` (clipped to the representable range); biases 0.
    gain : float
        Units fire with ``p = sigmoid(gain * I)``, ``I`` the read weighted sum.
    n_softmax : int
        The last ``n_softmax`` visible units form one softmax group (the labels of a DBN's top
        RBM): ``p = softmax(gain * I)`` over the group, sampled one-hot.
    momentum, weight_decay : float
        Floating point only (the software reference; Hinton 2010, "A practical guide to
        training RBMs", sections 9-10): each update is ``dW(t) = momentum dW(t-1) + lr (stat -
        weight_decay W)``, the decay on the weights, not the biases. 0 and 0: plain CD.
    """

    def __init__(self, n_visible: int, n_hidden: int, *, device: Device | None,
                 crossbar: CrossbarSpec, rng: np.random.Generator, init_std: float = 0.01,
                 gain: float = 1.0, n_softmax: int = 0, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        check_int("n_visible", n_visible, 1)
        check_int("n_hidden", n_hidden, 1)
        check_range("init_std", init_std, 0.0, None)
        check_range("gain", gain, 0.0, None, lo_open=True)
        check_int("n_softmax", n_softmax, 0, n_visible)
        check_range("momentum", momentum, 0.0, 1.0, hi_open=True)
        check_range("weight_decay", weight_decay, 0.0, None)
        if device is not None and (momentum or weight_decay):
            raise fail("momentum", (momentum, weight_decay),
                       "momentum and weight_decay apply to the floating-point RBM (device=None) "
                       "only; on a crossbar the learning rule decides the writes")
        self.shape = (n_visible + 1, n_hidden + 1)
        self.gain = gain
        self.n_softmax = n_softmax
        self.momentum, self.weight_decay = momentum, weight_decay
        w = np.zeros(self.shape)
        w[:-1, :-1] = init_std * rng.standard_normal((n_visible, n_hidden))
        self.xbar: Crossbar | None = None
        if device is None:
            self._w = w
        else:
            self.xbar = Crossbar(device, self.shape, crossbar, rng=rng)
            self.xbar.program(np.clip(w, -self.xbar.w_range, self.xbar.w_range))
        self.n_visible, self.n_hidden = n_visible, n_hidden
        # (synapse, update) pairs written: that received pulses, or in floating point whose
        # weight changed (what a conventional every-batch update rewrites).
        self.write_events = 0

    # -- reads ------------------------------------------------------------------------------------

    @property
    def weights(self) -> np.ndarray:
        """The augmented weight matrix ``[[W, b_v], [b_h^T, 0]]`` (noise-free)."""
        return self._w.copy() if self.xbar is None else self.xbar.weights

    def hidden_input(self, v: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
        """``v W + b_h`` read from the array, shape (batch, n_hidden)."""
        if self.xbar is None:
            return _aug(v) @ self._w[:, :-1]
        return self.xbar.forward(_aug(v), rng=rng)[:, :-1]

    def visible_input(self, h: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
        """``h W^T + b_v`` by a transposed read, shape (batch, n_visible)."""
        if self.xbar is None:
            return _aug(h) @ self._w[:-1, :].T
        return self.xbar.backward(_aug(h), rng=rng)[:, :-1]

    def read_forward(self, x: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
        """``x`` (augmented rows, shape (batch, n_visible + 1)) times the whole array: no bias
        is added unless ``x`` drives the bias row."""
        return x @ self._w if self.xbar is None else self.xbar.forward(x, rng=rng)

    def read_backward(self, d: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
        """``d`` (shape (batch, n_hidden + 1)) times the transposed array."""
        return d @ self._w.T if self.xbar is None else self.xbar.backward(d, rng=rng)

    def p_hidden(self, v: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
        return sigmoid(self.gain * self.hidden_input(v, rng=rng))

    def p_visible(self, h: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
        a = self.gain * self.visible_input(h, rng=rng)
        if not self.n_softmax:
            return sigmoid(a)
        k = self.n_visible - self.n_softmax
        return np.hstack([sigmoid(a[:, :k]), _softmax(a[:, k:])])

    def sample_visible(self, p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Binary visible states; the softmax group one-hot."""
        if not self.n_softmax:
            return sample(p, rng)
        k = self.n_visible - self.n_softmax
        out = sample(p, rng)
        cum = np.cumsum(p[:, k:], axis=1)
        pick = (cum < rng.random((len(p), 1)) * cum[:, -1:]).sum(axis=1)
        out[:, k:] = np.eye(self.n_softmax)[np.minimum(pick, self.n_softmax - 1)]
        return out

    def free_energy(self, v: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
        """``F(v) = -b_v . v - sum_j softplus(gain I_j)`` per row of ``v`` (in units of 1/gain).

        The visible-bias term is read from the array's bias column (a transposed read of the
        all-zero hidden vector gives ``b_v``).
        """
        b_v = self.visible_input(np.zeros((1, self.n_hidden)), rng=rng)[0]
        return -(v @ b_v) * self.gain - softplus(self.gain * self.hidden_input(v, rng=rng)).sum(1)

    # -- learning ---------------------------------------------------------------------------------

    def cd_statistic(self, v0: np.ndarray, *, k: int, rng: np.random.Generator
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CD-k on binary states from data ``v0``: ``(x, delta, v_k)``.

        ``x = [[v0, 1]; [vk, 1]]`` and ``delta = [[-h0, -1]; [hk, 1]]`` stack the two phases, so
        that ``-x^T delta`` is the summed statistic ``v0^T h0 - vk^T hk`` over the augmented
        vectors (the rules' gradient convention, `learning_rules.base`).
        """
        h0 = sample(self.p_hidden(v0, rng=rng), rng)
        h, v = h0, v0
        for _ in range(k):
            v = self.sample_visible(self.p_visible(h, rng=rng), rng)
            h = sample(self.p_hidden(v, rng=rng), rng)
        x = np.vstack([_aug(v0), _aug(v)])
        delta = np.vstack([-_aug(h0), _aug(h)])
        return x, delta, v

    def cd_step(self, v0: np.ndarray, rule, state, lr: float, *, k: int = 1,
                rng: np.random.Generator):
        """One CD-k update from the batch ``v0``; returns the rule's new state.

        The rule sees the two phases as one batch of ``2 B`` rows; ``lr`` is doubled so that its
        batch mean is the mean over the ``B`` data rows. Floating point (``device=None``):
        ``W += lr <v0 h0 - vk hk>`` exactly, ``rule`` unused.
        """
        x, delta, _ = self.cd_statistic(v0, k=k, rng=rng)
        return self.update(x, delta, 2.0 * lr, rule, state, rng=rng)

    def update(self, x: np.ndarray, delta: np.ndarray, lr: float, rule, state, *,
               rng: np.random.Generator, weight_decay: float | None = None):
        """Change the augmented weights by ``-lr x^T delta / len(x)`` through ``rule``.

        Floating point: exactly, with the RBM's momentum and weight decay (``weight_decay``,
        if given, instead of the RBM's; ``state`` is then the previous change, None at first);
        on the crossbar: the rule's pulses, open loop. The corner of the augmented matrix is
        never written. Returns the rule's new state.
        """
        if self.xbar is None:
            dw = (x.T @ delta) * (lr / len(x))
            dw[-1, -1] = 0.0
            wd = self.weight_decay if weight_decay is None else weight_decay
            if wd:
                dw[:-1, :-1] += (lr * wd) * self._w[:-1, :-1]
            if self.momentum and state is not None:
                dw += self.momentum * state
            self._w -= dw
            self.write_events += int(np.count_nonzero(dw))
            return dw if self.momentum else state
        if self.xbar.spec.read_precision == "float32":
            # The statistic in the reads' precision: exact for CD's binary states (coincidence
            # counts), rounding far below the read noise for fine-tuning's differences.
            x, delta = x.astype(np.float32), delta.astype(np.float32)
        state, rows, n = rule.pulses(state, x, delta, lr, self.xbar, rng=rng)
        if rows is None:
            n[-1, -1] = 0
        elif rows[-1] == self.shape[0] - 1:
            n[-1, -1] = 0
        self.xbar.apply(n, rng=rng, rows=rows)
        self.write_events += int(np.count_nonzero(n))
        return state

    def reconstruction_error(self, v: np.ndarray, *, rng: np.random.Generator) -> float:
        """Mean squared error of the mean-field reconstruction ``p(v | p(h | v))``."""
        r = self.p_visible(self.p_hidden(v, rng=rng), rng=rng)
        return float(np.mean((v - r) ** 2))

    @property
    def pulses(self) -> int:
        return 0 if self.xbar is None else self.xbar.pulses

    @property
    def n_devices(self) -> int:
        return 0 if self.xbar is None else self.xbar.n_devices


@dataclass(frozen=True, slots=True, kw_only=True)
class DBNSpec:
    """Shape and training of a DBN.

    Attributes
    ----------
    sizes : tuple of int
        Visible, hidden layers, top layer: ``(784, 500, 500, 2000)`` is Hinton's net, whose top
        RBM has ``500 + n_labels`` visible units.
    n_labels : int
    """

    sizes: tuple[int, ...] = (784, 500, 500, 2000)
    n_labels: int = 10

    def __post_init__(self) -> None:
        if len(self.sizes) < 2:
            raise fail("dbn.sizes", self.sizes, "needs a visible and at least one hidden layer")
        for i, s in enumerate(self.sizes):
            check_int(f"dbn.sizes[{i}]", s, 1)
        check_int("dbn.n_labels", self.n_labels, 2)


class DBN:
    """Greedy stack of RBMs with a label-joint top RBM (Hinton et al. 2006).

    Parameters
    ----------
    spec : DBNSpec
    device : Device or None
        None: floating-point RBMs (the software DBN).
    crossbar : CrossbarSpec
    rng : np.random.Generator
    init_std, gain, momentum, weight_decay : float
        As in `RBM` (momentum and weight decay: the software DBN only; they apply to the
        generative arrays of fine-tuning too).
    """

    def __init__(self, spec: DBNSpec, *, device: Device | None, crossbar: CrossbarSpec,
                 rng: np.random.Generator, init_std: float = 0.01, gain: float = 1.0,
                 momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        self.spec = spec
        s = spec.sizes
        self.rbms = []
        for i in range(len(s) - 1):
            top = i == len(s) - 2
            n_v = s[i] + (spec.n_labels if top else 0)
            self.rbms.append(RBM(n_v, s[i + 1], device=device, crossbar=crossbar, rng=rng,
                                 init_std=init_std, gain=gain,
                                 n_softmax=spec.n_labels if top else 0, momentum=momentum,
                                 weight_decay=weight_decay))
        self.device, self.crossbar, self.gain = device, crossbar, gain
        self.generative: list[RBM] = []
        """Untied generative copies of the lower RBMs (after `untie`), read top-down."""
        self.readout = "free-energy"
        """How labels are read: ``"free-energy"`` (the generative model's joint) or, after
        `finetune_backprop`, ``"discriminative"`` (the softmax of the label units' inputs)."""

    def _labels(self, y: np.ndarray) -> np.ndarray:
        return np.eye(self.spec.n_labels)[np.asarray(y, dtype=np.int64)]

    def up(self, v: np.ndarray, *, rng: np.random.Generator, stochastic: bool = False
           ) -> np.ndarray:
        """Penultimate activity: probabilities, or binary samples when ``stochastic``."""
        for rbm in self.rbms[:-1]:
            v = rbm.p_hidden(v, rng=rng)
            if stochastic:
                v = sample(v, rng)
        return v


    def pretrain_layer(self, i: int, x: np.ndarray, y: np.ndarray, rule, lr: float, *,
                       epochs: int, batch: int, k: int, rng: np.random.Generator,
                       on_epoch=None) -> None:
        """Train RBM ``i`` by CD-k on the layer below's hidden probabilities (binarised data
        ``x`` for the first), labels appended for the top one."""
        rbm = self.rbms[i]
        state = rule.init(rbm.shape) if rule is not None else None
        n = len(x)
        top = i == len(self.rbms) - 1
        for epoch in range(epochs):
            order = rng.permutation(n)
            for start in range(0, n, batch):
                sel = order[start: start + batch]
                v = x[sel] if i == 0 else sample(self._below(i, x[sel], rng), rng)
                if top:
                    v = np.hstack([v, self._labels(y[sel])])
                state = rbm.cd_step(v, rule, state, lr, k=k, rng=rng)
            if on_epoch is not None:
                on_epoch(i, epoch)

    def untie(self, *, rng: np.random.Generator) -> None:
        """Give each lower RBM a second array for its generative (top-down) weights.

        Pre-training ties recognition and generative weights; fine-tuning unties them (Hinton
        et al. 2006). The copies are programmed to the recognition arrays' current weights
        (nominal conductances; with D2D spread they are other devices).
        """
        self.generative = []
        for rbm in self.rbms[:-1]:
            g = RBM(rbm.n_visible, rbm.n_hidden, device=self.device, crossbar=self.crossbar,
                    rng=rng, init_std=0.0, gain=self.gain, momentum=rbm.momentum,
                    weight_decay=rbm.weight_decay)
            w = rbm.weights
            if g.xbar is None:
                g._w = w
            else:
                g.xbar.program(np.clip(w, -g.xbar.w_range, g.xbar.w_range))
            self.generative.append(g)

    def _rule_state(self, states: dict, key, i: int, rule):
        """``key``, after giving ``states`` a fresh rule state for array ``i`` under it if it
        has none."""
        if key not in states:
            states[key] = rule.init(self.rbms[i].shape) if rule is not None else None
        return key

    def finetune_step(self, v: np.ndarray, y: np.ndarray, rule, states: dict, lr: float, *,
                      k: int, rng: np.random.Generator) -> dict:
        """One up-down step on the binary batch ``v`` with labels ``y`` (Hinton et al. 2006).

        Wake: stochastic states up the recognition arrays; each generative array learns to
        predict the layer below from the one above (``G += lr h^T (v - p(v | h))``). Top: CD-k
        of the label-joint RBM from the wake states. Sleep: from the top's negative states down
        the generative arrays; each recognition array learns to predict the layer above from the
        one below (``R += lr v^T (h - p(h | v))``). Every write goes through ``rule``; ``states``
        holds one rule state per array.
        """
        if len(self.generative) != len(self.rbms) - 1:
            raise fail("generative", len(self.generative), "call untie() before fine-tuning")
        n_low = len(self.rbms) - 1
        wake = [v]
        for rbm in self.rbms[:-1]:
            wake.append(sample(rbm.p_hidden(wake[-1], rng=rng), rng))
        top = self.rbms[-1]
        pos_v = np.hstack([wake[-1], self._labels(y)])
        pos_h = sample(top.p_hidden(pos_v, rng=rng), rng)
        neg_v, neg_h = pos_v, pos_h
        for _ in range(k):
            neg_v = top.sample_visible(top.p_visible(neg_h, rng=rng), rng)
            neg_h = sample(top.p_hidden(neg_v, rng=rng), rng)
        sleep: list[np.ndarray] = [None] * (n_low + 1)  # type: ignore[list-item]
        sleep[n_low] = neg_v[:, : self.spec.sizes[-2]]
        for i in reversed(range(n_low)):
            p = self.generative[i].p_visible(sleep[i + 1], rng=rng)
            sleep[i] = p if i == 0 else sample(p, rng)  # visible: probabilities

        def key(kind, i):
            return self._rule_state(states, (kind, i), i, rule)

        ones = np.ones((len(v), 1))
        zeros = np.zeros((len(v), 1))
        for i in range(n_low):
            g = self.generative[i]
            err = wake[i] - g.p_visible(wake[i + 1], rng=rng)
            kk = key("gen", i)
            states[kk] = g.update(np.hstack([err, zeros]), -np.hstack([wake[i + 1], ones]), lr,
                                  rule, states[kk], rng=rng)
        x = np.vstack([_aug(pos_v), _aug(neg_v)])
        delta = np.vstack([-_aug(pos_h), _aug(neg_h)])
        kk = key("top", n_low)
        states[kk] = top.update(x, delta, 2.0 * lr, rule, states[kk], rng=rng)
        for i in range(n_low):
            r = self.rbms[i]
            err = sleep[i + 1] - r.p_hidden(sleep[i], rng=rng)
            kk = key("rec", i)
            states[kk] = r.update(np.hstack([sleep[i], ones]), -np.hstack([err, zeros]), lr,
                                  rule, states[kk], rng=rng)
        return states

    def finetune(self, x: np.ndarray, y: np.ndarray, rule, lr: float, *, epochs: int,
                 batch: int, k: int, rng: np.random.Generator, lr_decay: float = 1.0,
                 on_epoch=None) -> None:
        """Up-down fine-tuning (unties the generative weights first if needed) at rate
        ``lr * lr_decay**epoch``; labels are then read by the free energy (`readout`)."""
        check_range("lr_decay", lr_decay, 0.0, 1.0, lo_open=True)
        self.readout = "free-energy"
        if len(self.generative) != len(self.rbms) - 1:
            self.untie(rng=rng)
        _epochs(lambda xb, yb, st, eta: self.finetune_step(xb, yb, rule, st, eta, k=k, rng=rng),
                x, y, lr=lr, lr_decay=lr_decay, epochs=epochs, batch=batch, rng=rng,
                on_epoch=on_epoch)

    def discriminative_forward(self, v: np.ndarray, *, rng: np.random.Generator,
                               stochastic: bool = False) -> tuple[list[np.ndarray], np.ndarray]:
        """The recognition path read as a feed-forward net (Hinton & Salakhutdinov 2006).

        Returns the activities ``[v, h_1, ..., h_pen, h_top]`` (probabilities, or binary
        samples when ``stochastic``) with the label units off, and the label probabilities
        ``softmax(gain (h_top W_label^T + b_label))`` read back through the top array's label
        rows (a transposed read).
        """
        acts = [v]
        for rbm in self.rbms:
            x = acts[-1]
            if rbm is self.rbms[-1]:
                x = np.hstack([x, np.zeros((len(x), self.spec.n_labels))])
            p = rbm.p_hidden(x, rng=rng)
            acts.append(sample(p, rng) if stochastic else p)
        top = self.rbms[-1]
        a = top.gain * top.visible_input(acts[-1], rng=rng)[:, -self.spec.n_labels:]
        return acts, _softmax(a)

    def backprop_step(self, v: np.ndarray, y: np.ndarray, rule, states: dict, lr: float, *,
                      rng: np.random.Generator, weight_decay: float | None = None) -> dict:
        """One step of discriminative fine-tuning: the cross-entropy of the label read-out
        (`discriminative_forward`) back-propagated through every recognition array; the
        gradients are backward reads of the arrays (``delta W^T``, analog, with their
        non-idealities) and each array's gradient ``a^T delta`` goes through ``rule``, as a
        pulsed in-situ SGD would (floating point: exactly, with momentum and with
        ``weight_decay``, or the RBMs' pre-training decay when None).
        """
        acts, p = self.discriminative_forward(v, rng=rng)
        top, n_l, b = self.rbms[-1], self.spec.n_labels, len(v)
        d_out = top.gain * (p - self._labels(y))  # dL/dI of the label units
        x_lab = np.zeros((b, top.n_visible + 1))
        x_lab[:, top.n_visible - n_l: top.n_visible] = d_out
        dh = top.read_forward(x_lab, rng=rng)[:, :-1]  # dL/dh_top = d_out W_label
        h = acts[-1]
        deltas = [dh * (top.gain * h * (1.0 - h))]  # dL/dI per layer, top first
        for i in reversed(range(1, len(self.rbms))):
            rbm, a = self.rbms[i], acts[i]
            d = np.hstack([deltas[-1], np.zeros((b, 1))])
            da = rbm.read_backward(d, rng=rng)[:, : self.rbms[i - 1].n_hidden]
            deltas.append(da * (self.rbms[i - 1].gain * a * (1.0 - a)))
        deltas.reverse()  # deltas[i]: the hidden layer of rbm i

        def key(i):
            return self._rule_state(states, i, i, rule)

        for i, rbm in enumerate(self.rbms):
            x = acts[i]
            zeros = np.zeros((b, 1))
            if rbm is top:  # the top array: its hidden units and its label rows
                x_h = np.hstack([x, np.zeros((b, n_l)), np.ones((b, 1))])
                x_l = np.hstack([np.zeros((b, x.shape[1])), d_out, zeros])
                xs = np.vstack([x_h, x_l])
                ds = np.vstack([np.hstack([deltas[i], zeros]), _aug(acts[i + 1])])
                states[key(i)] = rbm.update(xs, ds, 2.0 * lr, rule, states[key(i)], rng=rng,
                                            weight_decay=weight_decay)
            else:
                states[key(i)] = rbm.update(_aug(x), np.hstack([deltas[i], zeros]), lr, rule,
                                            states[key(i)], rng=rng, weight_decay=weight_decay)
        return states

    def finetune_backprop(self, x: np.ndarray, y: np.ndarray, rule, lr: float, *, epochs: int,
                          batch: int, rng: np.random.Generator, lr_decay: float = 1.0,
                          weight_decay: float | None = None, on_epoch=None) -> None:
        """Discriminative fine-tuning (`backprop_step`) of the recognition arrays at rate
        ``lr * lr_decay**epoch``; labels are then read discriminatively (`readout`).

        ``weight_decay``: floating point only, the decay during fine-tuning (None: the RBMs'
        pre-training decay).
        """
        check_range("lr_decay", lr_decay, 0.0, 1.0, lo_open=True)
        if weight_decay is not None:
            check_range("weight_decay", weight_decay, 0.0, None)
            if weight_decay and self.device is not None:
                raise fail("weight_decay", weight_decay,
                           "weight decay applies to the floating-point DBN (device=None)")
        self.readout = "discriminative"
        _epochs(lambda xb, yb, st, eta: self.backprop_step(xb, yb, rule, st, eta, rng=rng,
                                                           weight_decay=weight_decay),
                x, y, lr=lr, lr_decay=lr_decay, epochs=epochs, batch=batch, rng=rng,
                on_epoch=on_epoch)

    def _below(self, i: int, v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        for rbm in self.rbms[:i]:
            v = rbm.p_hidden(v, rng=rng)
        return v

    def label_scores(self, x: np.ndarray, *, rng: np.random.Generator,
                     passes: int = 0) -> np.ndarray:
        """Log-probabilities of each label, shape (n, n_labels).

        ``passes = 0``: one deterministic bottom-up pass (probabilities); ``passes = m``: the
        label posteriors of ``m`` stochastic passes (binary samples) averaged.
        """
        check_int("passes", passes, 0)
        if self.readout == "discriminative":
            if passes == 0:
                return np.log(self.discriminative_forward(x, rng=rng)[1] + 1e-300)
            p = sum(self.discriminative_forward(x, rng=rng, stochastic=True)[1]
                    for _ in range(passes))
            return np.log(p / passes + 1e-300)
        top = self.rbms[-1]
        n_l = self.spec.n_labels

        def posterior(h: np.ndarray) -> np.ndarray:
            f = np.stack([top.free_energy(np.hstack([h, np.tile(np.eye(n_l)[c], (len(h), 1))]),
                                          rng=rng) for c in range(n_l)], axis=1)
            z = -f - (-f).max(axis=1, keepdims=True)
            p = np.exp(z)
            return p / p.sum(axis=1, keepdims=True)

        if passes == 0:
            return np.log(posterior(self.up(x, rng=rng)) + 1e-300)
        p = sum(posterior(self.up(x, rng=rng, stochastic=True)) for _ in range(passes))
        return np.log(p / passes + 1e-300)

    def predict(self, x: np.ndarray, *, rng: np.random.Generator, passes: int = 0,
                chunk: int = 1000) -> np.ndarray:
        out = [self.label_scores(x[i: i + chunk], rng=rng, passes=passes).argmax(1)
               for i in range(0, len(x), chunk)]
        return np.concatenate(out)

    def accuracy(self, x: np.ndarray, y: np.ndarray, *, rng: np.random.Generator,
                 passes: int = 0) -> float:
        return float(np.mean(self.predict(x, rng=rng, passes=passes) == np.asarray(y)))

    @property
    def pulses(self) -> int:
        return sum(r.pulses for r in (*self.rbms, *self.generative))

    @property
    def write_events(self) -> int:
        """Write operations: (synapse, update) pairs that received at least one pulse (Wang et
        al. count writes so; a pulse train to one synapse in one update is one operation). In
        floating point: (weight, update) pairs whose weight changed, the writes of a
        conventional every-batch update."""
        return sum(r.write_events for r in (*self.rbms, *self.generative))

    @property
    def n_devices(self) -> int:
        return sum(r.n_devices for r in (*self.rbms, *self.generative))


def _epochs(step, x: np.ndarray, y: np.ndarray, *, lr: float, lr_decay: float, epochs: int,
            batch: int, rng: np.random.Generator, on_epoch) -> None:
    """Shuffled mini-batch epochs of ``states = step(x_batch, y_batch, states, rate)``, the
    rate ``lr * lr_decay**epoch`` (a step decay per epoch; 1: constant; the callers check it)."""
    states: dict = {}
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        eta = lr * lr_decay**epoch
        for start in range(0, len(x), batch):
            sel = order[start: start + batch]
            states = step(x[sel], y[sel], states, eta)
        if on_epoch is not None:
            on_epoch(epoch)


def train_dbn(model: DBN, x: np.ndarray, y: np.ndarray, rule, lr: float | Sequence[float], *,
              epochs: int, batch: int = 100, k: int = 1, rng: np.random.Generator,
              on_epoch=None) -> None:
    """Greedy layer-wise pre-training of every RBM (``lr`` per layer or one for all)."""
    lrs = [lr] * len(model.rbms) if np.isscalar(lr) else list(lr)
    if len(lrs) != len(model.rbms):
        raise fail("lr", lr, f"give one learning rate or {len(model.rbms)}")
    for i, eta in enumerate(lrs):
        model.pretrain_layer(i, x, y, rule, eta, epochs=epochs, batch=batch, k=k, rng=rng,
                             on_epoch=on_epoch)
