"""Benchmark paperlab.theory.kernels: a 2,000 × 2,000 NNGP/NTK Gram at depth 20, and neural-tangents if present.

    python scripts/bench_theory.py                 # paperlab only (neural-tangents skipped if not importable)
    python scripts/bench_theory.py --n 500 --act tanh

It times ``nngp_kernel`` and ``ntk_kernel`` alone and ``nngp_ntk_kernels`` (both from one recursion).
neural-tangents needs jax (not a paperlab dependency); run this script with an interpreter that has
torch, jax and neural-tangents (a throwaway venv) to print the comparison side by side: both
libraries get the same inputs, their results are compared, and the speed-up of the one call is printed.
"""

from __future__ import annotations

import argparse
import sys
import timeit
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from paperlab.theory import nngp_kernel, nngp_ntk_kernels, ntk_kernel  # noqa: E402


def _best_of(fn, repeats: int) -> float:
    """Best wall time of ``repeats`` calls, in seconds."""
    return min(timeit.repeat(fn, number=1, repeat=repeats))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="number of inputs (Gram is n × n)")
    ap.add_argument("--d", type=int, default=32, help="input dimension")
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--act", default="relu", choices=("relu", "erf", "tanh"))
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    x = np.random.default_rng(0).normal(size=(args.n, args.d))
    hyper = dict(
        depth=args.depth, activation=args.act, weight_var=2.0 if args.act == "relu" else 1.5, bias_var=0.05
    )
    ours = {
        "nngp": _best_of(lambda: nngp_kernel(x, x, **hyper), args.repeats),
        "ntk": _best_of(lambda: ntk_kernel(x, x, **hyper), args.repeats),
        "both": _best_of(lambda: nngp_ntk_kernels(x, x, **hyper), args.repeats),
    }
    print(f"{args.n}x{args.n} Gram, depth {args.depth}, {args.act}, float64, best of {args.repeats}:")
    print(
        f"  paperlab {'':<14} nngp {ours['nngp']:.3f} s   ntk {ours['ntk']:.3f} s   both (one call) {ours['both']:.3f} s"
    )
    try:
        import jax
        from neural_tangents import stax
    except ImportError:
        print("neural-tangents: not installed here (needs jax); comparison skipped")
        return 0
    jax.config.update("jax_enable_x64", True)
    if args.act == "tanh":
        print("neural-tangents has no closed-form tanh layer; comparison skipped")
        return 0
    act = {"relu": stax.Relu(), "erf": stax.Erf()}[args.act]
    w_std, b_std = hyper["weight_var"] ** 0.5, hyper["bias_var"] ** 0.5
    layers = [stax.Dense(1, W_std=w_std, b_std=b_std), act] * args.depth + [
        stax.Dense(1, W_std=w_std, b_std=b_std)
    ]
    kernel_fn = jax.jit(stax.serial(*layers)[2], static_argnames="get")
    xj = jax.numpy.asarray(x)
    kernel_fn(xj, xj, "ntk").block_until_ready()  # compile
    nt = _best_of(lambda: kernel_fn(xj, xj, ("nngp", "ntk")).ntk.block_until_ready(), args.repeats)
    k = kernel_fn(xj, xj, ("nngp", "ntk"))
    both = nngp_ntk_kernels(x, x, **hyper)
    err_nngp = np.abs(np.asarray(k.nngp) - both.nngp).max() / np.abs(np.asarray(k.nngp)).max()
    err_ntk = np.abs(np.asarray(k.ntk) - both.ntk).max() / np.abs(np.asarray(k.ntk)).max()
    import neural_tangents

    label = f"neural-tangents {neural_tangents.__version__}"
    print(f"  {label:<23} both (jit, compile excluded) {nt:.3f} s")
    print(f"  speed-up of paperlab's one call over neural-tangents: {nt / ours['both']:.2f}x")
    print(f"  max relative difference: nngp {err_nngp:.2e}, ntk {err_ntk:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
