"""Benchmark: trace + DOT of a ResNet-18-sized model on CPU, time and peak memory, beside torchview's.

    python scripts/bench_diagrams.py [--size 224] [--repeats 3]
    PYTHONPATH=/tmp/tv_pkgs python scripts/bench_diagrams.py   # with torchview, installed outside
                                                              # the project: pip install --no-deps
                                                              # --target /tmp/tv_pkgs torchview

ResNet-18 is written out here in plain torch (torchvision is not a dependency): a 7×7 stem,
four stages of two basic blocks (64, 128, 256, 512 channels), global pooling and a 1000-way head.
Peak memory is measured in a fresh process per method (growth of the peak resident set over the
model and input alone, under ``no_grad``), for ResNet-18 and for 30 Conv+ReLU layers with 8 MiB
activations (issue 13: a tracer that keeps activations alive shows here).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import timeit
import warnings
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from paperlab.diagrams import trace  # noqa: E402


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.down = None
        if stride != 1 or c_in != c_out:
            self.down = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + (x if self.down is None else self.down(x)))


class ResNet18(nn.Module):
    def __init__(self, classes: int = 1000) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)
        )
        widths = [64, 128, 256, 512]
        stages = []
        c_in = 64
        for i, w in enumerate(widths):
            stages.append(nn.Sequential(BasicBlock(c_in, w, 1 if i == 0 else 2), BasicBlock(w, w)))
            c_in = w
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(self.stages(self.stem(x))).flatten(1))


class ConvChain(nn.Module):
    """30 Conv+ReLU layers, 32 channels at 256×256: each activation is 8 MiB."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            *[m for _ in range(30) for m in (nn.Conv2d(32, 32, 3, padding=1), nn.ReLU())]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def _model(name: str, size: int) -> tuple[nn.Module, torch.Tensor]:
    torch.manual_seed(0)
    if name == "resnet18":
        return ResNet18().eval(), torch.randn(1, 3, size, size)
    return ConvChain().eval(), torch.randn(1, 32, 256, 256)


def _run(method: str, model: nn.Module, x: torch.Tensor) -> object:
    if method == "forward":
        return model(x)
    if method == "trace":
        return trace(model, x, axes="b c h w").to_dot()
    from torchview import draw_graph

    return draw_graph(model, input_data=x, depth=99, device="cpu").visual_graph.source


def _hwm_mib() -> float:
    """This process's peak resident set (MiB): VmHWM, which (unlike ru_maxrss, inherited from the
    forking parent on Linux) starts afresh at exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _peak_child(method: str, name: str, size: int) -> None:
    """In a fresh process: print the growth of the peak RSS (MiB) that one call of ``method`` causes."""
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    model, x = _model(name, size)
    before = _hwm_mib()
    with torch.no_grad():
        _run(method, model, x)
    print(_hwm_mib() - before)


def _peak(method: str, name: str, size: int) -> float:
    cmd = [sys.executable, __file__, "--child", method, name, "--size", str(size)]
    return float(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()[-1])


def _best(fn, repeats: int) -> float:
    """Best wall time of ``repeats`` calls after one warm-up call, in seconds."""
    fn()
    return min(timeit.repeat(fn, number=1, repeat=repeats))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=224, help="input height and width")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--child", nargs=2, metavar=("METHOD", "MODEL"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _peak_child(*args.child, args.size)
        return 0
    torch.set_num_threads(1)  # a shared machine; the children use one thread too
    torch.manual_seed(0)
    model = ResNet18().eval()
    x = torch.randn(1, 3, args.size, args.size)
    params = sum(p.numel() for p in model.parameters())
    print(
        f"ResNet-18: {params:,} parameters, input {tuple(x.shape)}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads"
    )
    with torch.no_grad():
        t_fwd = _best(lambda: model(x), args.repeats)
    warnings.simplefilter("ignore")
    with torch.no_grad():
        t_trace = _best(lambda: trace(model, x, axes="b c h w"), args.repeats)
        d = trace(model, x, axes="b c h w")
    t_dot = _best(d.to_dot, args.repeats)
    with torch.no_grad():
        t_blocks = _best(lambda: trace(model, x, axes="b c h w", depth=2).to_dot(), args.repeats)
    print(f"plain forward        {t_fwd * 1e3:8.1f} ms")
    print(
        f"trace                {t_trace * 1e3:8.1f} ms  ({len(d.nodes)} boxes, {len(d.edges())} wires, "
        f"rolled: {sorted(d.repeats.values())})"
    )
    print(f"to_dot               {t_dot * 1e3:8.1f} ms  ({len(d.to_dot()) / 1e3:.0f} kB)")
    print(f"trace + DOT, depth=2 {t_blocks * 1e3:8.1f} ms")
    print(f"counts: {d.counts()}")
    try:
        import torchview
    except ImportError:
        torchview = None
        print(
            "torchview: not installed (pip install --no-deps --target /tmp/tv_pkgs torchview) - no comparison"
        )
    if torchview is not None:
        with torch.no_grad():
            t_tv = _best(lambda: _run("torchview", model, x), args.repeats)
        print(
            f"torchview {torchview.__version__:10s} {t_tv * 1e3:8.1f} ms  (draw_graph + DOT source, depth=99)"
        )
        print(f"ours / torchview     {(t_trace + t_dot) / t_tv:8.2f} x time (trace + to_dot)")
        print(
            f"time over the forward: ours {(t_trace + t_dot - t_fwd) * 1e3:.1f} ms, "
            f"torchview {(t_tv - t_fwd) * 1e3:.1f} ms (both run the model once)"
        )
    methods = ["forward", "trace"] + (["torchview"] if torchview is not None else [])
    print("peak memory growth (MiB, fresh process each, no_grad):")
    print(f"  {'model':10s} " + " ".join(f"{m:>10s}" for m in methods) + "   trace/forward")
    for name in ("resnet18", "convchain"):
        peaks = {m: _peak(m, name, args.size) for m in methods}
        print(
            f"  {name:10s} "
            + " ".join(f"{peaks[m]:10.1f}" for m in methods)
            + f"   {peaks['trace'] / max(peaks['forward'], 1e-9):.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
