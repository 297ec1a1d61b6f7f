"""Backpropagation-free Training of Deep Physical Neural Networks (Momeni, Rahmani, Malléjac, del Hougne,
Fleury, Science 2023, arXiv 2304.11042): physical local learning (PhyLL).

A deep physical network is a stack of blocks. Block k sends its input x_k through a black-box
nonlinear physical system, and only the *measured* output a_k = P_k(x_k) is available to the
computer. Our simulated physics is an optical-style intensity measurement with a saturable
detector and read-out noise (numpy, outside autograd)::

    a_k = tanh(g · |H_k x_k|²) + σ ε,      H_k a fixed random complex coupling, ε ~ N(0, 1).

A trainable digital layer follows the physics, h_k = relu(W_k a_k + b_k), and the next block
receives h_k normalised to unit RMS. Training is forward-forward style: the label is embedded in the
input (a one-hot appended to the image), a *positive* sample carries the true label and a *negative*
one a random wrong label, and each block maximises its own goodness G_k = mean_j h_{k,j}² for
positives and minimises it for negatives,

    L_k = softplus(θ − G_k(pos)) + softplus(G_k(neg) − θ),

with ∂L_k/∂W_k computed from the measured a_k alone: no derivative of the physics is ever needed, so
no model of it either. Prediction embeds each candidate label and picks the label with the largest
summed goodness. (Our reading of the paper's block layout — trainable digital weights acting on the
measured physical output — is not verified against its §2 here; see the notebook.)

Baselines: in-silico backpropagation through a differentiable digital twin of the physics (the twin
equal to the real system, or with its couplings perturbed), then deployed on the real system; and
random physics with only a trained softmax readout. Drift: the real couplings change after training
(H ← √(1−s²) H + s H'), PhyLL keeps training on measurements, the twin-trained network cannot adapt.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from threadpoolctl import threadpool_limits
from torch import nn

from paperlab.data.bundled import digits
from paperlab.train import batches, progress

N_CLASSES = 10
LABEL_SCALE = 3.0  # amplitude of the embedded one-hot label (pixels lie in [0, 1])

# --- 1. the physical system (a black box, outside autograd) -----------------------------------


def _coupling(d_in: int, d_out: int, rng: np.random.Generator) -> np.ndarray:
    return (rng.normal(size=(d_out, d_in)) + 1j * rng.normal(size=(d_out, d_in))) / np.sqrt(2 * d_in)


class PhysicalLayer:
    """Simulated physics a = tanh(gain·|H x|²) + noise·ε, evaluated in numpy: it only *measures*.

    ``measure`` returns a plain tensor with ``requires_grad=False``; nothing connects it to its input.
    """

    def __init__(self, d_in: int, d_out: int, gain: float = 1.0, noise: float = 0.01, seed: int = 0) -> None:
        if d_in < 1 or d_out < 1:
            raise ValueError(f"d_in and d_out must be >= 1; got {d_in}, {d_out}")
        if gain <= 0 or noise < 0:
            raise ValueError(f"gain must be > 0 and noise >= 0; got gain={gain}, noise={noise}")
        self.d_in, self.d_out, self.gain, self.noise = d_in, d_out, gain, noise
        self._rng = np.random.default_rng(seed)
        self.H = _coupling(d_in, d_out, self._rng)

    def measure(self, x: torch.Tensor) -> torch.Tensor:
        """Send ``x`` (batch, d_in) through the physics; return the measured (batch, d_out) output."""
        xn = x.detach().cpu().numpy().astype(np.float32)
        hr, hi = self.H.real.astype(np.float32), self.H.imag.astype(np.float32)
        with threadpool_limits(1, user_api="blas"):  # tiny matmuls: BLAS threads only add overhead
            a = np.tanh(self.gain * ((xn @ hr.T) ** 2 + (xn @ hi.T) ** 2))
        a = a + self.noise * self._rng.standard_normal(size=a.shape, dtype=np.float32)
        return torch.from_numpy(a)

    def drift(self, strength: float, seed: int) -> None:
        """The physics changes: H ← √(1−s²) H + s H' with a fresh random H' (same statistics)."""
        if not 0 <= strength <= 1:
            raise ValueError(f"strength must lie in [0, 1]; got {strength}")
        fresh = _coupling(self.d_in, self.d_out, np.random.default_rng(seed))
        self.H = np.sqrt(1 - strength**2) * self.H + strength * fresh

    def twin(self, mismatch: float = 0.0, seed: int = 0) -> DigitalTwin:
        """A differentiable digital model of this system whose couplings are off by ``mismatch`` (same drift rule)."""
        if not 0 <= mismatch <= 1:
            raise ValueError(f"mismatch must lie in [0, 1]; got {mismatch}")
        fresh = _coupling(self.d_in, self.d_out, np.random.default_rng(seed))
        return DigitalTwin(np.sqrt(1 - mismatch**2) * self.H + mismatch * fresh, self.gain)


class DigitalTwin(nn.Module):
    """A torch model of the physics, tanh(gain·|H x|²) without noise, for in-silico backprop."""

    def __init__(self, H: np.ndarray, gain: float) -> None:
        super().__init__()
        self.register_buffer("Hr", torch.tensor(H.real, dtype=torch.float32))
        self.register_buffer("Hi", torch.tensor(H.imag, dtype=torch.float32))
        self.gain = gain

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, d_in) -> (batch, d_out)
        return torch.tanh(self.gain * ((x @ self.Hr.T) ** 2 + (x @ self.Hi.T) ** 2))


def _unit_rms(x: torch.Tensor) -> torch.Tensor:
    return x / (x.pow(2).mean(1, keepdim=True).sqrt() + 1e-6)


def embed(x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Append the scaled one-hot label to the image, the forward-forward input (batch, 64 + 10)."""
    return torch.cat([x, LABEL_SCALE * F.one_hot(labels, N_CLASSES).float()], 1)


# --- 2. the PhyLL network and its local update -----------------------------------------------


class PhyLLNet(nn.Module):
    """Blocks of [physics → digital linear + relu]; only the digital layers are parameters."""

    def __init__(
        self,
        d_in: int = 64 + N_CLASSES,
        phys: tuple[int, ...] = (120, 120),
        hidden: int = 60,
        gain: float = 1.0,
        noise: float = 0.01,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if not phys or min(phys) < 1 or hidden < 1:
            raise ValueError(
                f"phys must be a non-empty tuple of positive widths and hidden >= 1; got {phys}, {hidden}"
            )
        ins = [d_in] + [hidden] * (len(phys) - 1)
        self.physics = [
            PhysicalLayer(a, b, gain, noise, seed + 101 * k)
            for k, (a, b) in enumerate(zip(ins, phys, strict=True))
        ]
        self.digital = nn.ModuleList(nn.Linear(p, hidden) for p in phys)

    def block_outputs(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Run the physical network; return each block's digital output h_k (inputs detached)."""
        outs = []
        for phys, lin in zip(self.physics, self.digital, strict=True):
            a = phys.measure(_unit_rms(x))  # measured, no graph
            h = F.relu(lin(a))
            outs.append(h)
            x = h.detach()
        return outs

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Label with the largest summed goodness over blocks, trying every label (10 physical passes)."""
        scores = torch.stack(
            [
                sum(h.pow(2).mean(1) for h in self.block_outputs(embed(x, torch.full((len(x),), c))))
                for c in range(N_CLASSES)
            ],
            1,
        )
        return scores.argmax(1)


def phyll_step(
    net: PhyLLNet,
    opt: torch.optim.Optimizer,
    x: torch.Tensor,
    y: torch.Tensor,
    gen: torch.Generator,
    theta: float = 2.0,
) -> list[float]:
    """One PhyLL update: every block descends its own L_k (goodness of pos vs neg) from measured outputs only."""
    wrong = (y + torch.randint(1, N_CLASSES, y.shape, generator=gen)) % N_CLASSES
    pos, neg = net.block_outputs(embed(x, y)), net.block_outputs(embed(x, wrong))
    losses = [
        F.softplus(theta - hp.pow(2).mean(1)).mean() + F.softplus(hn.pow(2).mean(1) - theta).mean()
        for hp, hn in zip(pos, neg, strict=True)
    ]
    opt.zero_grad(set_to_none=True)
    sum(losses).backward()  # each loss only reaches its own block's digital layer
    opt.step()
    return [loss.item() for loss in losses]


def goodness(net: PhyLLNet, x: torch.Tensor, y: torch.Tensor, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Summed goodness of positive (true label) and negative (random wrong label) samples."""
    gen = torch.Generator().manual_seed(seed)
    wrong = (y + torch.randint(1, N_CLASSES, y.shape, generator=gen)) % N_CLASSES
    with torch.no_grad():
        g = [sum(h.pow(2).mean(1) for h in net.block_outputs(embed(x, lab))).numpy() for lab in (y, wrong)]
    return g[0], g[1]


# --- 3. baselines: in-silico backprop through a digital twin; random physics + readout ----------


class TwinNet(nn.Module):
    """Same blocks, softmax readout, trained end-to-end by backprop through ``twins`` (digital models).

    ``deploy=True`` swaps each twin for the real measurement: the in-silico weights run on the hardware.
    """

    def __init__(self, physics: list[PhysicalLayer], twins: list[DigitalTwin], hidden: int = 60) -> None:
        super().__init__()
        self.physics, self.twins = physics, nn.ModuleList(twins)
        self.digital = nn.ModuleList(nn.Linear(p.d_out, hidden) for p in physics)
        self.readout = nn.Linear(hidden, N_CLASSES)

    def forward(self, x: torch.Tensor, deploy: bool = False) -> torch.Tensor:
        for phys, twin, lin in zip(self.physics, self.twins, self.digital, strict=True):
            x = _unit_rms(x)
            x = F.relu(lin(phys.measure(x) if deploy else twin(x)))
        return self.readout(x)


# --- 4. experiments ------------------------------------------------------------------------------


@dataclass
class Result:
    """Test accuracies per epoch (measured on the real physics) and the final numbers."""

    curve: list[float] = field(default_factory=list)
    final: float = 0.0


def _acc(pred: torch.Tensor, y: torch.Tensor) -> float:
    return (pred == y).float().mean().item()


def train_phyll(
    net: PhyLLNet,
    data: tuple,
    epochs: int,
    lr: float = 0.01,
    seed: int = 0,
    opt: torch.optim.Optimizer | None = None,
) -> tuple[Result, torch.optim.Optimizer]:
    """Train with PhyLL for ``epochs``; test accuracy after each epoch. Returns (result, optimizer)."""
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0; got {epochs}")
    Xtr, Xte, ytr, yte = data
    opt = opt or torch.optim.Adam(net.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed + 17)
    epoch = batches(Xtr, ytr, batch_size=64, seed=seed)
    res = Result()
    for _ in progress(range(epochs), desc="PhyLL"):
        for xb, yb in epoch():
            phyll_step(net, opt, xb, yb, gen)
        res.curve.append(_acc(net.predict(Xte), yte))
    res.final = res.curve[-1] if res.curve else _acc(net.predict(Xte), yte)
    return res, opt


def train_twin(
    physics: list[PhysicalLayer], mismatch: float, data: tuple, epochs: int, lr: float = 0.003, seed: int = 0
) -> tuple[TwinNet, Result]:
    """In-silico backprop through twins off by ``mismatch``; accuracy measured on the real physics."""
    Xtr, Xte, ytr, yte = data
    twins = [p.twin(mismatch, seed=seed + 500 + k) for k, p in enumerate(physics)]
    torch.manual_seed(seed)
    net = TwinNet(physics, twins)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    epoch = batches(Xtr, ytr, batch_size=64, seed=seed)
    res = Result()
    for _ in progress(range(epochs), desc=f"twin BP (mismatch {mismatch})"):
        for xb, yb in epoch():
            loss = F.cross_entropy(net(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        with torch.no_grad():
            res.curve.append(_acc(net(Xte, deploy=True).argmax(1), yte))
    res.final = res.curve[-1]
    return net, res


def train_readout(phys: PhysicalLayer, data: tuple, epochs: int, lr: float = 0.01, seed: int = 0) -> float:
    """Random physics, trained softmax readout on its measured output (first block's physics, no label)."""
    Xtr, Xte, ytr, yte = data
    torch.manual_seed(seed)
    head = nn.Linear(phys.d_out, N_CLASSES)
    opt = torch.optim.Adam(head.parameters(), lr=lr)
    Atr, Ate = phys.measure(_unit_rms(Xtr)), phys.measure(_unit_rms(Xte))
    epoch = batches(Atr, ytr, batch_size=64, seed=seed)
    for _ in range(epochs):
        for ab, yb in epoch():
            loss = F.cross_entropy(head(ab), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    with torch.no_grad():
        return _acc(head(Ate).argmax(1), yte)


def run(
    seed: int = 0,
    epochs: int = 12,
    recover_epochs: int = 8,
    mismatch: float = 0.4,
    drift: float = 0.4,
    noise: float = 0.01,
) -> dict:
    """The whole comparison for one seed: PhyLL, perfect-twin BP, mismatched-twin BP, readout; then drift.

    After the physics drifts, PhyLL keeps training on measurements for ``recover_epochs``; the twin-trained
    networks are re-measured on the drifted hardware (their twins do not know about the drift).
    """
    data = digits(seed=seed)
    torch.manual_seed(seed)
    net = PhyLLNet(noise=noise, seed=seed)
    phyll, opt = train_phyll(net, data, epochs, seed=seed)
    # the backprop baselines get hardware of the same kind, without the label inputs
    hw = [
        PhysicalLayer(64, 120, noise=noise, seed=seed + 7),
        PhysicalLayer(60, 120, noise=noise, seed=seed + 8),
    ]
    perfect_net, perfect = train_twin(hw, 0.0, data, epochs, seed=seed)
    mism_net, mism = train_twin(hw, mismatch, data, epochs, seed=seed)
    readout = train_readout(hw[0], data, epochs, seed=seed)
    # drift of every physical layer
    for k, p in enumerate([*net.physics, *hw]):
        p.drift(drift, seed=seed + 900 + k)
    Xte, yte = data[1], data[3]
    after = _acc(net.predict(Xte), yte)
    with torch.no_grad():
        perfect_after = _acc(perfect_net(Xte, deploy=True).argmax(1), yte)
        mism_after = _acc(mism_net(Xte, deploy=True).argmax(1), yte)
    recovered, _ = train_phyll(net, data, recover_epochs, seed=seed + 1, opt=opt)
    g_pos, g_neg = goodness(net, Xte, yte, seed=seed)
    return {
        "phyll": phyll,
        "perfect": perfect,
        "mismatched": mism,
        "readout": readout,
        "phyll_after_drift": after,
        "phyll_recovered": recovered,
        "perfect_after_drift": perfect_after,
        "mismatched_after_drift": mism_after,
        "goodness_pos": g_pos,
        "goodness_neg": g_neg,
    }


def diagram_example() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
    """One block's digital twin followed by its trainable layer (the traceable part of a block)."""
    phys = PhysicalLayer(74, 32, seed=0)
    model = nn.Sequential(phys.twin(), nn.Linear(32, 16), nn.ReLU())
    return model, (torch.randn(2, 74),), ["b d"]
