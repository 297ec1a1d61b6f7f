"""Benchmark: trace + DOT of a ResNet-18-sized model on CPU (and torchview's time, if it is installed).

    python scripts/bench_diagrams.py [--size 224] [--repeats 3]

ResNet-18 is written out here in plain torch (torchvision is not a dependency): a 7×7 stem,
four stages of two basic blocks (64, 128, 256, 512 channels), global pooling and a 1000-way head.
"""

from __future__ import annotations

import argparse
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


def _best(fn, repeats: int) -> float:
    """Best wall time of ``repeats`` calls, in seconds."""
    return min(timeit.repeat(fn, number=1, repeat=repeats))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=224, help="input height and width")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
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
        from torchview import draw_graph
    except ImportError:
        print("torchview: not installed (pip install torchview) - no comparison")
        return 0
    t_tv = _best(lambda: draw_graph(model, input_data=x, depth=99).visual_graph.source, args.repeats)
    print(f"torchview            {t_tv * 1e3:8.1f} ms  (draw_graph + DOT source, depth=99)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
