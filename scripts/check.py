"""The whole test suite: ruff over code and notebooks, then pytest (unit tests, nbval over every notebook,
the full-mode smoke), on two pytest-xdist workers where there are two cores."""

from __future__ import annotations

import os
import subprocess
import sys
import time


def _workers() -> int:
    """Two pytest workers where there are two cores: fast mode runs one torch thread per notebook."""
    try:
        import xdist  # noqa: F401
    except ImportError:
        return 0
    return min(2, os.cpu_count() or 1) if (os.cpu_count() or 1) > 1 else 0


def _parallel(argv: list[str]) -> list[str]:
    """``-n N --dist loadscope`` (each notebook's cells stay on one worker; see conftest.py), unless the
    caller chose (``-n``, ``-p no:xdist``) or xdist is missing."""
    chose = any(
        a in ("-n", "--numprocesses", "no:xdist") or a.startswith(("-n", "--numprocesses=")) for a in argv
    )
    n = _workers()
    return [] if chose or n < 2 else ["-n", str(n), "--dist", "loadscope"]


def _describe(argv: list[str]) -> str:
    extra = _parallel(argv)
    return f"{extra[1]} pytest workers" if extra else "one pytest process"


def main(argv: list[str]) -> int:
    t0 = time.time()
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "paperlab", "tests", "scripts", "notebooks"]
    )
    fmt = subprocess.run([sys.executable, "-m", "ruff", "format", "--check", "paperlab", "tests", "scripts"])
    if lint.returncode or fmt.returncode:
        print("ruff found problems (fix them with `ruff check --fix` and `ruff format`)")
        return lint.returncode or fmt.returncode
    env = dict(os.environ, PAPERLAB_MODE="fast", PAPERLAB_PROGRESS="0")
    # one pytest worker per core: each (and each notebook kernel it starts) runs torch and BLAS on one thread
    if _parallel(argv):
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(var, "1")
    code = subprocess.run([sys.executable, "-m", "pytest", *_parallel(argv), *argv], env=env).returncode
    print(f"test suite wall time: {time.time() - t0:.0f} s ({_describe(argv)})")
    if code == 5:
        print("pytest collected no tests: that is a failure here")
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
