"""Theory curves and sliders: the RG flow of the kernel through depth, and random-feature risk curves.

Static matplotlib figures (house style) plus ipywidgets panels that redraw them when a slider moves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes

from paperlab.theory.kernels import ACTIVATIONS
from paperlab.theory.rf import rf_ridge_solution
from paperlab.theory.rg import chi_parallel, chi_perp, kernel_flow
from paperlab.viz.style import PALETTE, subplots


def plot_kernel_flow(
    settings: dict[str, dict],
    *,
    k0: float = 1.0,
    depth: int = 50,
    ax: Axes | None = None,
    mc: dict[str, tuple[Sequence[int], Sequence[float]]] | None = None,
) -> Axes:
    """K⁽ˡ⁾ against layer for named settings ``{"label": dict(activation=, weight_var=, bias_var=)}``.

    ``mc`` optionally overlays Monte Carlo points ``{"label": (layers, values)}`` in the same colour.
    """
    if ax is None:
        _, ax = subplots()
    for i, (label, s) in enumerate(settings.items()):
        k = kernel_flow(
            s["activation"], weight_var=s["weight_var"], bias_var=s["bias_var"], k0=k0, depth=depth
        )
        ax.plot(np.arange(1, depth + 2), k, color=PALETTE[i % len(PALETTE)], label=label)
        if mc and label in mc:
            layers, vals = mc[label]
            ax.plot(np.asarray(layers) + 1, vals, "o", ms=4, color=PALETTE[i % len(PALETTE)], alpha=0.8)
    ax.set(
        xlabel="layer ℓ", ylabel="kernel K⁽ˡ⁾ (variance of z)", yscale="log", title="RG flow of the kernel"
    )
    ax.legend(fontsize=8)
    return ax


def plot_susceptibilities(
    activation: str, weight_vars: Sequence[float], *, k_max: float = 3.0, ax: Axes | None = None
) -> Axes:
    """χ∥(K) (solid) and χ⊥(K) (dashed) against K for a few C_W; criticality is both equal to 1."""
    if ax is None:
        _, ax = subplots()
    k = np.linspace(0.02, k_max, 120)
    for i, cw in enumerate(weight_vars):
        c = PALETTE[i % len(PALETTE)]
        ax.plot(k, chi_parallel(activation, k, weight_var=cw), color=c, label=f"χ∥, C_W={cw:g}")
        ax.plot(k, chi_perp(activation, k, weight_var=cw), "--", color=c, label=f"χ⊥, C_W={cw:g}")
    ax.axhline(1.0, color="gray", lw=0.8)
    ax.set(xlabel="K", ylabel="susceptibility", title=f"{activation}: susceptibilities")
    ax.legend(fontsize=7, ncol=2)
    return ax


def kernel_flow_widget(depth_max: int = 100):
    """Sliders for activation, C_W, C_b, depth and input variance: the kernel and two-input correlation flows."""
    import ipywidgets as widgets

    from paperlab.papers.deep_learning_theory_criticality import two_input_flow

    def draw(activation: str, weight_var: float, bias_var: float, depth: int) -> None:
        import matplotlib.pyplot as plt

        fig, axes = subplots(1, 2, width=4.2)
        k, rho = two_input_flow(activation, weight_var=weight_var, bias_var=bias_var, depth=depth, cos0=0.5)
        layers = np.arange(1, depth + 2)
        axes[0].plot(layers, k)
        axes[0].set(xlabel="layer ℓ", ylabel="K⁽ˡ⁾", yscale="log", title="kernel (one input)")
        axes[1].plot(layers, rho)
        axes[1].set(
            xlabel="layer ℓ", ylabel="correlation ρ⁽ˡ⁾", ylim=(-0.05, 1.05), title="two inputs, cos = 0.5"
        )
        chi_p = chi_perp(activation, max(k[-1], 1e-12), weight_var=weight_var)
        fig.suptitle(
            f"{activation}, C_W={weight_var:.2f}, C_b={bias_var:.2f}: K⁽ᴸ⁾={k[-1]:.3g}, χ⊥(K⁽ᴸ⁾)={chi_p:.3f}"
        )
        plt.show()

    return widgets.interactive(
        draw,
        activation=widgets.Dropdown(
            options=[a for a in ("relu", "tanh", "erf") if a in ACTIVATIONS], value="relu"
        ),
        weight_var=widgets.FloatSlider(value=2.0, min=0.2, max=4.0, step=0.05, description="C_W"),
        bias_var=widgets.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.01, description="C_b"),
        depth=widgets.IntSlider(value=30, min=1, max=depth_max, description="depth"),
    )


def plot_kurtosis(
    ratios: Sequence[float],
    measured: Sequence[float],
    *,
    theory: dict[str, tuple[Sequence[float], Sequence[float]]],
    widths: Sequence[int] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Measured excess kurtosis (points, coloured by width) against depth/width, with theory curves."""
    if ax is None:
        _, ax = subplots()
    ratios, measured = np.asarray(ratios), np.asarray(measured)
    if widths is None:
        ax.plot(ratios, measured, "o", label="Monte Carlo")
    else:
        widths = np.asarray(widths)
        for i, w in enumerate(sorted(set(widths.tolist()))):
            sel = widths == w
            ax.plot(ratios[sel], measured[sel], "o", color=PALETTE[i % len(PALETTE)], label=f"MC, n = {w}")
    for j, (label, (x, y)) in enumerate(theory.items()):
        ax.plot(x, y, ["-", "--", ":"][j % 3], color="k", lw=1.2, label=label)
    ax.set(
        xlabel="depth / width  (L / n)",
        ylabel="excess kurtosis of z",
        xscale="log",
        yscale="log",
        title="finite-width non-Gaussianity",
    )
    ax.legend(fontsize=7)
    return ax


def plot_risk_curves(
    xs: Sequence[float],
    curves: dict[str, Sequence[float]],
    *,
    points: dict[str, tuple[Sequence[float], Sequence[float]]] | None = None,
    xlabel: str = "number of features N",
    ylabel: str = "test MSE",
    title: str = "",
    ax: Axes | None = None,
) -> Axes:
    """Theory risk curves (lines) over ``xs`` and simulation points ``{"label": (x, y)}`` in matching colours."""
    if ax is None:
        _, ax = subplots()
    for i, (label, ys) in enumerate(curves.items()):
        ax.plot(xs, ys, color=PALETTE[i % len(PALETTE)], label=label)
        if points and label in points:
            px, py = points[label]
            ax.plot(px, py, "o", ms=4, color=PALETTE[i % len(PALETTE)])
    ax.set(xlabel=xlabel, ylabel=ylabel, xscale="log", yscale="log", title=title)
    ax.legend(fontsize=7)
    return ax


def rf_risk_widget(n_modes: int = 2000):
    """Sliders for the power-law task (α, β, noise), n and N: theory test/train MSE against the ridge δ."""
    import ipywidgets as widgets

    from paperlab.theory.rf import power_law_task

    def draw(alpha: float, beta: float, noise_var: float, log2_n: int, log2_features: int) -> None:
        import matplotlib.pyplot as plt

        lam, v2 = power_law_task(n_modes, alpha=alpha, beta=beta)
        n, big_n = 2**log2_n, 2**log2_features
        ridges = np.logspace(-5, 1, 61)
        fig, axes = subplots(1, 2, width=4.2)
        for i, nf in enumerate((big_n, math.inf)):
            sols = [
                rf_ridge_solution(lam, v2, n_samples=n, n_features=nf, ridge=r, noise_var=noise_var)
                for r in ridges
            ]
            test = np.array([s.test_mse for s in sols])
            train = np.array([s.train_mse for s in sols])
            label = f"N = {nf}" if math.isfinite(nf) else "N = ∞ (kernel)"
            axes[0].plot(ridges, test, color=PALETTE[i], label=f"test, {label}")
            axes[0].plot(ridges, train, "--", color=PALETTE[i], label=f"train, {label}")
            axes[1].plot(ridges, train / test, color=PALETTE[i], label=label)
            best = int(np.argmin(test))
            axes[0].plot(ridges[best], test[best], "*", ms=10, color=PALETTE[i])
        axes[0].set(xscale="log", yscale="log", xlabel="ridge δ", ylabel="MSE", title=f"n = {n}")
        axes[1].set(
            xscale="log", xlabel="ridge δ", ylabel="train / test MSE", title="fitting ratio", ylim=(0, 1.05)
        )
        axes[0].legend(fontsize=7)
        axes[1].legend(fontsize=7)
        plt.show()

    return widgets.interactive(
        draw,
        alpha=widgets.FloatSlider(value=1.5, min=1.1, max=3.0, step=0.05, description="α (eigen)"),
        beta=widgets.FloatSlider(value=1.5, min=0.5, max=3.0, step=0.05, description="β (target)"),
        noise_var=widgets.FloatLogSlider(value=1e-3, base=10, min=-5, max=0, description="noise ε²"),
        log2_n=widgets.IntSlider(value=8, min=4, max=11, description="log₂ n"),
        log2_features=widgets.IntSlider(value=9, min=3, max=12, description="log₂ N"),
    )
