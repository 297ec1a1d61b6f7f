"""The whole test suite: ruff over code and notebooks, then pytest (unit tests + nbval over every notebook)."""

from __future__ import annotations

import os
import subprocess
import sys
import time


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
    code = subprocess.run([sys.executable, "-m", "pytest", *argv], env=env).returncode
    print(f"test suite wall time: {time.time() - t0:.0f} s")
    if code == 5:
        print("pytest collected no tests: that is a failure here")
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
