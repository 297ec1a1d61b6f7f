"""Do a notebook's checked outputs depend on the CPU's kernels? Run it on another kernel path and compare.

PyTorch's MKL and ATen pick their kernels by CPU (AVX2, AVX-512, ...), and a float32 result can move in
its last bits with them: notebook 03 printed 139 on one machine and 138 on another (issue 28). This
script executes notebooks in fast mode on a *different* kernel path than the one they were committed
with -- MKL's conditional-numerical-reproducibility branch ``MKL_CBWR=COMPATIBLE`` (SSE2 kernels) and
ATen's scalar kernels ``ATEN_CPU_CAPABILITY=default`` -- and compares every ``# NBVAL_CHECK_OUTPUT``
cell's text with the committed one, after nbval's sanitizers (``tests/nbval_sanitize.cfg``). A
difference means that output would fail nbval on some reader's CPU: print something the experiment
can resolve (a rounded value, a bound, a comparison) instead.

    python scripts/check_cpu_paths.py                       # every notebook
    python scripts/check_cpu_paths.py notebooks/03_*.ipynb  # some
    python scripts/check_cpu_paths.py --smoke ...           # also time the full-mode smoke (CPU seconds)

It prints, per notebook, the kernel's CPU seconds (user + system: a number that does not depend on
how busy the machine is, unlike wall time) and each differing checked cell. Exit 1 if any differ.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from paperlab.notebooks import NotebookFailed, execute  # noqa: E402

OTHER_PATH = {"MKL_CBWR": "COMPATIBLE", "ATEN_CPU_CAPABILITY": "default"}
"""The kernel path the check runs on: MKL's SSE2 branch and ATen's scalar kernels, available on any x86 CPU."""
CHECK = "# NBVAL_CHECK_OUTPUT"


def sanitizers(path: Path = ROOT / "tests" / "nbval_sanitize.cfg") -> list[tuple[re.Pattern, str]]:
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(path)
    return [(re.compile(cfg[s]["regex"]), cfg[s]["replace"]) for s in cfg.sections()]


def checked_texts(
    nb: dict, subs: list[tuple[re.Pattern, str]], *, streams_only: bool = False
) -> dict[int, str]:
    """Code-cell index -> the sanitized text outputs of each ``# NBVAL_CHECK_OUTPUT`` cell (``streams_only``:
    what it printed, without its displayed value)."""
    out, k = {}, -1
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        k += 1
        src = "".join(cell["source"])
        if not src.lstrip().startswith(CHECK):
            continue
        parts = []
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                parts.append("".join(o["text"]))
            elif streams_only:
                continue
            elif "data" in o and "text/plain" in o["data"]:
                parts.append("".join(o["data"]["text/plain"]))
            elif o.get("output_type") == "error":
                parts.append(f"{o.get('ename')}: {o.get('evalue')}")
        text = "".join(parts)
        for rx, rep in subs:
            text = rx.sub(rep, text)
        out[k] = text
    return out


_PROBE = r"""
import contextlib, io, json, sys
from IPython.core.interactiveshell import InteractiveShell
jobs = json.loads(sys.stdin.read())
shell = InteractiveShell.instance()
result = {}
for path, cells in jobs:
    nb = json.load(open(path, encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    shell.reset(new_session=False)
    out = {}
    for k in [0] + [c for c in cells if c != 0]:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            r = shell.run_cell("".join(code[k]["source"]), silent=True, store_history=False)
        ok = r.error_before_exec is None and r.error_in_exec is None
        out[k] = buf.getvalue() if ok else "ERROR " + repr(r.error_in_exec or r.error_before_exec)
    result[path] = out
print("@@PROBE@@" + json.dumps(result))
"""


def run_cells(jobs: list[tuple[Path, list[int]]], env: dict[str, str]) -> dict[str, dict[int, str]]:
    """Run, in one fresh Python process with ``env``, each notebook's setup cell (code cell 0) and then the given
    code cells, in a namespace of its own; return what each cell printed (``"ERROR ..."`` if it raised).

    The cheap form of the two-path check (``tests/test_cpu_paths.py``): checked cells that need nothing but the
    notebook's imports and ``paperlab.setup`` run in seconds, without a kernel or the notebook's training.
    """
    import subprocess

    full_env = {k: v for k, v in os.environ.items() if k not in OTHER_PATH}
    full_env.update(
        MPLBACKEND="Agg", PAPERLAB_MODE="fast", PAPERLAB_PROGRESS="0", PAPERLAB_THREADS="1", **env
    )
    payload = json.dumps([[str(p), cells] for p, cells in jobs])
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE],
        input=payload,
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT / "notebooks",
        timeout=600,
    )
    line = [x for x in proc.stdout.splitlines() if x.startswith("@@PROBE@@")]
    if proc.returncode or not line:
        raise RuntimeError(f"probe process failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return {p: {int(k): v for k, v in cells.items()} for p, cells in json.loads(line[0][9:]).items()}


def sanitize(text: str, subs: list[tuple[re.Pattern, str]]) -> str:
    for rx, rep in subs:
        text = rx.sub(rep, text)
    return text


def _cpu() -> float:
    ch, me = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    return ch.ru_utime + ch.ru_stime + me.ru_utime + me.ru_stime


def run(path: Path, env: dict[str, str], tmp: Path, allow: tuple[str, ...] = ()) -> tuple[dict, float, float]:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        c0, t0 = _cpu(), time.time()
        execute(
            path,
            tmp / path.name,
            cwd=path.parent,
            timeout=600,
            allow_error_names=allow,
            failed=tmp / "x.ipynb",
        )
        return json.loads((tmp / path.name).read_text()), _cpu() - c0, time.time() - t0
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument(
        "--smoke", action="store_true", help="also run the full-mode smoke and report its CPU time"
    )
    ap.add_argument("--json", type=Path, help="write the per-notebook numbers here")
    args = ap.parse_args(argv)
    paths = args.paths or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    base = {
        "PAPERLAB_MODE": "fast",
        "PAPERLAB_SMOKE": "0",
        "PAPERLAB_PROGRESS": "0",
        "PAPERLAB_THREADS": "1",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    subs = sanitizers()
    report, bad = {}, []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for path in paths:
            committed = checked_texts(json.loads(path.read_text()), subs)
            row: dict = {}
            try:
                nb, cpu, wall = run(path, {**base, **OTHER_PATH}, tmp)
            except NotebookFailed as exc:
                print(f"FAILED {path.name} on the other path: {exc}", flush=True)
                bad.append(path.name)
                continue
            other = checked_texts(nb, subs)
            diffs = [k for k in committed if committed[k] != other.get(k)]
            row.update(fast_cpu_s=round(cpu, 1), fast_wall_s=round(wall, 1), differing_cells=diffs)
            if args.smoke:
                senv = {**base, "PAPERLAB_MODE": "full", "PAPERLAB_SMOKE": "1", "PAPERLAB_DEVICE": "cpu"}
                senv["PAPERLAB_CACHE"] = str(tmp / "cache")
                try:
                    _, scpu, swall = run(path, senv, tmp, allow=("AssertionError",))
                    row.update(smoke_cpu_s=round(scpu, 1), smoke_wall_s=round(swall, 1))
                except NotebookFailed as exc:
                    row.update(smoke_error=str(exc)[:200])
            report[path.name] = row
            print(f"{path.name}: {row}", flush=True)
            for k in diffs:
                bad.append(f"{path.name} code cell {k}")
                print(
                    f"  code cell {k} differs:\n    committed: {committed[k]!r}\n    other:     {other.get(k)!r}"
                )
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    print(
        f"{len(bad)} differing or failing: {bad}" if bad else "every checked output is the same on both paths"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
