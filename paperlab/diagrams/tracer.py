"""Eager tracing of a live torch module into a circuit-diagram IR.

A ``torch.overrides.TorchFunctionMode`` sees every torch function and tensor method the
forward pass calls (functional ops included, and data-dependent control flow simply runs);
module forward hooks keep the stack of module calls, which become clusters. Each call goes
through a per-op rule (:mod:`paperlab.diagrams.rules`) that carries axis names forward; an op
without a rule becomes a ``generic`` box and one warning lists them. Tracing never fails
because of a rule: a rule that raises falls back to a generic box too.
"""

from __future__ import annotations

import inspect
import warnings
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from paperlab.diagrams.ir import Axis, Diagram, Node, Scope, Tensor
from paperlab.diagrams.rules import apply_rule, atomic_module
from paperlab.diagrams.rules._common import _prime
from paperlab.diagrams.rules._common import flatten as _flatten
from paperlab.diagrams.rules.message_passing import hooks as mp_hooks
from paperlab.diagrams.rules.message_passing import is_message_passing
from paperlab.diagrams.simplify import finalize

_DEFAULT_NAMES = {0: "", 1: "n", 2: "b d", 3: "b t d", 4: "b c h w", 5: "b c t h w"}


class DiagramWarning(UserWarning):
    """The tracer drew something it could not follow (a generic box)."""


def op_name(func: Callable) -> str:
    """A normalised name for a torch function or tensor method: ``__iadd__`` -> ``add``, ``T`` getter -> ``get_T``."""
    name = getattr(func, "__name__", None) or type(func).__name__
    if name == "__get__":
        return "get_" + str(getattr(getattr(func, "__self__", None), "__name__", "?"))
    if name.startswith("__i") and name.endswith("__") and name[3:-2] in _DUNDER:
        name = f"__{name[3:-2]}__"
    if name.startswith("__") and name.endswith("__"):
        return _DUNDER.get(name[2:-2], name)
    if name.endswith("_") and not name.endswith("__"):
        name = name[:-1]
    return name


_DUNDER = {
    "add": "add",
    "radd": "add",
    "sub": "sub",
    "rsub": "rsub",
    "mul": "mul",
    "rmul": "mul",
    "truediv": "div",
    "rtruediv": "rdiv",
    "rdiv": "rdiv",
    "div": "div",
    "floordiv": "floor_divide",
    "rfloordiv": "floor_divide",
    "mod": "remainder",
    "pow": "pow",
    "rpow": "rpow",
    "matmul": "matmul",
    "rmatmul": "rmatmul",
    "neg": "neg",
    "abs": "abs",
    "and": "logical_and",
    "or": "logical_or",
    "xor": "logical_xor",
    "invert": "logical_not",
    "eq": "eq",
    "ne": "ne",
    "lt": "lt",
    "le": "le",
    "gt": "gt",
    "ge": "ge",
    "getitem": "getitem",
}


class Tracer(TorchFunctionMode):
    """Records one forward pass; see :func:`trace`."""

    def __init__(self, root: nn.Module) -> None:
        super().__init__()
        self.root = root
        self.nodes: list[Node] = []
        # id -> (weak reference, wires): the tracer keeps no activation alive; the weak reference
        # tells a live tensor from a new one that reuses a freed tensor's id
        self.map: dict[int, tuple[weakref.ref[torch.Tensor], Tensor]] = {}
        self.params: dict[int, tuple[torch.Tensor, str]] = {
            id(p): (p, name) for name, p in root.named_parameters(remove_duplicate=False)
        }
        for name, b in root.named_buffers():
            self.params.setdefault(id(b), (b, name))
        self.learned_ids = {id(p) for p in root.parameters()}
        # values computed from parameters alone (w.t(), w * mask): weak, like self.map
        self.derived: dict[int, tuple[weakref.ref[torch.Tensor], str]] = {}
        self.stack: list[Scope] = []
        self.atomic = 0
        # message passing (PyG): inside a MessagePassing layer only its submodules (lin, nn) are drawn;
        # its index bookkeeping passes wires through, and propagate/edge_updater are drawn as one box
        # each (paperlab.diagrams.rules.message_passing); silent > 0 while propagate/edge_updater run
        self.quiet: list[bool] = []
        self.silent = 0
        self.unknown: list[str] = []
        self.failed: list[str] = []
        self._n_axes = 0
        self._n_tensors = 0
        self._n_calls = 0
        self._used_names: set[str] = set()

    # --- building blocks used by the rules ---------------------------------------------------
    def axis(self, name: str, size: int, fixed: bool = False, parts: tuple[Axis, ...] = ()) -> Axis:
        self._n_axes += 1
        return Axis(self._n_axes, name, int(size), fixed, parts)

    def virtual(self, axes: Sequence[Axis]) -> Tensor:
        """A value the diagram draws that torch never materialises (conv windows)."""
        self._n_tensors += 1
        return Tensor(self._n_tensors, tuple(axes))

    def atomic_scope(self, path: str, module: nn.Module) -> Scope:
        """The scope of a module drawn as one box (so that depth and rolling see it)."""
        self._n_calls += 1
        return Scope(path, type(module).__name__, self._n_calls)

    def fresh(self, prefix: str, size: int) -> Axis:
        """A new wire with an unused automatic name (``f``, ``f1``, ``f2`` ...)."""
        name, k = prefix, 0
        while name in self._used_names:
            k += 1
            name = f"{prefix}{k}"
        self._used_names.add(name)
        return self.axis(name, size)

    def bind(self, value: torch.Tensor, axes: Sequence[Axis], root: Tensor | None = None) -> Tensor:
        """Register a torch tensor with its wires (``root``: it is an alias of another value)."""
        if tuple(value.shape) != tuple(a.size for a in axes):
            raise ValueError(f"wires {list(axes)} do not match shape {tuple(value.shape)}")
        self._n_tensors += 1
        t = Tensor(
            self._n_tensors,
            tuple(axes),
            str(value.dtype).removeprefix("torch."),
            None if root is None else root.origin,
        )
        self.map[id(value)] = (weakref.ref(value), t)
        return t

    def get(self, value: Any) -> Tensor | None:
        hit = self.map.get(id(value)) if isinstance(value, torch.Tensor) else None
        return hit[1] if hit is not None and hit[0]() is value else None

    def is_learned(self, value: Any) -> bool:
        if not isinstance(value, torch.Tensor) or id(value) not in self.learned_ids:
            return False
        derived = self.derived.get(id(value))  # a value computed from parameters: still the same one?
        return derived is None or derived[0]() is value

    def param_name_raw(self, value: Any) -> str:
        """The dotted parameter (or buffer) name of ``value``, or of the parameter it was computed from."""
        if not isinstance(value, torch.Tensor):
            return "param"
        derived = self.derived.get(id(value))
        if derived is not None and derived[0]() is value:
            return derived[1]
        hit = self.params.get(id(value))
        return hit[1] if hit is not None and hit[0] is value else "param"

    def param_name(self, value: Any) -> str:
        if not isinstance(value, torch.Tensor):
            return ""
        hit = self.params.get(id(value))
        derived = self.derived.get(id(value))
        if derived is not None and derived[0]() is value:
            hit = (value, derived[1])
        if hit is None or hit[0] is not value:
            return ""
        parts = hit[1].split(".")
        if parts[-1] in ("weight", "bias", "weight_orig", "in_proj_weight"):
            parts = parts[:-1] or ["W"]
        return ".".join(parts[-2:]) if parts[-1].isdigit() else parts[-1]

    def node(
        self,
        kind: str,
        label: str,
        inputs: Sequence[Tensor],
        outputs: Sequence[tuple[torch.Tensor, Sequence[Axis]]],
        *,
        learned: bool = False,
        flops: int = 0,
        beside: Iterable[Axis] = (),
        **meta: Any,
    ) -> Node:
        """Add a box; ``outputs`` pairs each torch output with its wires.

        One wire cannot be two axes of a value: where a rule gives an output the same wire twice (a Gram
        matrix XᵀX, self-attention scores QKᵀ, distances between the rows of one set), the second is a wire
        of its own, primed (f and f', t and t'), so the ops after it can tell the two apart.
        """
        outs = [self.bind(v, self._distinct(axes)) for v, axes in outputs]
        n = Node(
            len(self.nodes) + 1,
            kind,
            label,
            list(inputs),
            outs,
            tuple(self.stack),
            learned,
            int(flops),
            beside=tuple(beside),
            meta=meta,
        )
        self.nodes.append(n)
        return n

    def _distinct(self, axes: Sequence[Axis]) -> list[Axis]:
        seen: set[int] = set()
        out = []
        for ax in axes:
            if ax.id in seen:
                ax = self.axis(_prime(ax), ax.size, fixed=True)
            seen.add(ax.id)
            out.append(ax)
        return out

    def unify(self, a: Axis, b: Axis) -> None:
        """Two wires the code treats as the same axis: share a name (fixed names win)."""
        if a is b or a.size != b.size:
            return
        if b.fixed and not a.fixed:
            a.name = b.name
            a.parts = ()
        elif not b.fixed:
            b.name = a.name
            b.fixed = a.fixed
            b.parts = ()

    def generic(
        self, name: str, ins: Sequence[Tensor], outs: Sequence[torch.Tensor], *, known: bool = False
    ) -> None:
        """A box for an op without a rule: fresh wires d0..dn on its outputs."""
        if not known and name not in self.unknown:
            self.unknown.append(name)
        results = []
        for v in outs:
            results.append((v, [self.fresh("d", s) for s in v.shape]))
        self.node("generic", name, ins, results)

    # --- the mode -----------------------------------------------------------------------------
    def __torch_function__(
        self, func: Callable, types: Any, args: Sequence[Any] = (), kwargs: Any = None
    ) -> Any:
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if self.atomic:
            return out
        outs = _flatten(out)
        if not outs:
            return out
        name = op_name(func)
        flat_in = _flatten(list(args)) + _flatten(list(kwargs.values()))
        ins = [t for v in flat_in if (t := self.get(v)) is not None]
        if self.silent or (self.quiet and self.quiet[-1]):
            # inside a message-passing layer: learned maps (lin.forward(x) called directly) and joins of
            # two drawn values (out + lin(x)) are drawn; everything else is bookkeeping and passes through
            joins = len({t.origin.id for t in ins if t.dtype.startswith(("float", "bfloat"))}) > 1
            learned = name in _LEARNED_MAPS and any(self.is_learned(v) for v in flat_in)
            if self.silent or not (joins or learned):
                if ins:
                    self._pass_through(ins[0], outs)
                return out
        if not ins:  # constants: remember those built from parameters (they count as learned)
            if any(self.is_learned(v) for v in flat_in):
                self.learned_ids.update(id(v) for v in outs)
                source = self.param_name_raw(flat_in[0])
                for v in outs:
                    self.derived[id(v)] = (weakref.ref(v), source)
            return out
        try:
            apply_rule(self, func, name, args, kwargs, ins, outs)
        except Exception as exc:  # a rule bug must never break the user's forward pass
            self.failed.append(f"{name}: {type(exc).__name__}: {exc}")
            self.generic(name, ins, outs, known=True)
        return out

    def _pass_through(self, src: Tensor, outs: Sequence[torch.Tensor]) -> None:
        """Bookkeeping inside a message-passing layer: its outputs stand for ``src`` (no box)."""
        for v in outs:
            axes = [
                src.axes[i] if i < len(src.axes) and src.axes[i].size == s else self.axis("f", s)
                for i, s in enumerate(v.shape)
            ]
            self.bind(v, axes, root=src)

    # --- module hooks ---------------------------------------------------------------------------
    def pre_hook(self, path: str, module: nn.Module, args: Any, kwargs: Any) -> None:
        if self.atomic:
            self.atomic += _is_atomic(module)
            return
        if _is_atomic(module):
            self.atomic = 1
            return
        self.quiet.append(is_message_passing(module))
        if module is not self.root:
            self._n_calls += 1
            self.stack.append(Scope(path, type(module).__name__, self._n_calls))

    def post_hook(self, path: str, module: nn.Module, args: Any, kwargs: Any, output: Any) -> None:
        if self.atomic:
            self.atomic -= _is_atomic(module)
            if self.atomic == 0:
                ins = [
                    t
                    for v in _flatten(list(args)) + _flatten(list(kwargs.values()))
                    if (t := self.get(v)) is not None
                ]
                if ins:
                    try:
                        atomic_module(self, path, module, args, kwargs, ins, _flatten(output))
                    except Exception as exc:
                        self.failed.append(f"{type(module).__name__}: {type(exc).__name__}: {exc}")
                        self.generic(type(module).__name__, ins, _flatten(output), known=True)
            return
        if self.quiet:
            self.quiet.pop()
        if module is not self.root and self.stack:
            self.stack.pop()


_LEARNED_MAPS = {"linear", "matmul", "mm", "addmm", "bmm", "einsum", "conv1d", "conv2d"}


def _is_atomic(module: nn.Module) -> int:
    return int(isinstance(module, (nn.RNNBase, nn.RNNCellBase, nn.MultiheadAttention)))


def _parse_axes(axes: str | Sequence[str | None] | None, inputs: Sequence[Any]) -> list[list[str] | None]:
    tensors = [x for x in inputs if isinstance(x, torch.Tensor)]
    if axes is None:
        return [None] * len(tensors)
    specs = [axes] if isinstance(axes, str) else list(axes)
    if len(specs) != len(tensors):
        raise ValueError(
            f"axes must give one string per tensor input ({len(tensors)}); got {len(specs)}: {axes!r}"
        )
    out: list[list[str] | None] = []
    for spec, x in zip(specs, tensors, strict=True):
        if spec is None:
            out.append(None)
            continue
        if not isinstance(spec, str):
            raise ValueError(f"axes entries must be strings like 'b t d' or None; got {spec!r}")
        names = spec.split()
        if len(names) != x.dim():
            raise ValueError(
                f"axes {spec!r} names {len(names)} axes but the input has shape {tuple(x.shape)}"
            )
        out.append(names)
    return out


def trace(
    module: nn.Module,
    *example_inputs: Any,
    axes: str | Sequence[str | None] | None = None,
    depth: int | None = None,
    collapse: Sequence[str] = (),
    roll: bool = True,
    hide_param_free: bool = False,
    show_plumbing: bool = False,
    title: str = "",
) -> Diagram:
    """Run ``module(*example_inputs)`` once and draw what it computed as a neural circuit diagram.

    ``axes`` names the input axes einops-style, one string per tensor input (``"y m"`` or
    ``["y m", "x m"]``); names then flow through the ops. ``depth`` collapses module calls
    nested deeper than that into ``block`` boxes (``0``: the model's children are boxes);
    ``roll`` draws consecutive identical blocks once with ×N; ``hide_param_free`` drops
    parameter-free elementwise and reindex boxes. Index bookkeeping (integer and mask arithmetic,
    unsqueeze/expand/gather, casts) is folded away unless ``show_plumbing=True``. Ops without a rule become generic boxes with
    a :class:`DiagramWarning`, never an exception.
    """
    if not isinstance(module, nn.Module):
        raise ValueError(f"module must be a torch.nn.Module; got {type(module).__name__}")
    if depth is not None and (not isinstance(depth, int) or depth < 0):
        raise ValueError(f"depth must be None or an int >= 0; got {depth!r}")
    if isinstance(collapse, str):
        collapse = (collapse,)
    known = {p for p, _ in module.named_modules() if p}
    if unknown := sorted(set(collapse) - known):
        raise ValueError(
            f"collapse names modules the model does not have: {unknown}; its modules: {sorted(known)}"
        )
    names = _parse_axes(axes, example_inputs)
    tr = Tracer(module)
    try:
        arg_names = [p for p in inspect.signature(module.forward).parameters if p not in ("args", "kwargs")]
    except (TypeError, ValueError):
        arg_names = []
    in_tensors: list[tuple[torch.Tensor, list[Axis]]] = []
    labels = []
    for i, x in enumerate(v for v in example_inputs if isinstance(v, torch.Tensor)):
        given = names[i]
        fixed = given is not None
        spec = (
            given
            if given is not None
            else _DEFAULT_NAMES.get(x.dim(), " ".join(f"d{k}" for k in range(x.dim()))).split()
        )
        in_tensors.append((x, [tr.axis(n, s, fixed) for n, s in zip(spec, x.shape, strict=True)]))
        tr._used_names.update(spec)
        labels.append(arg_names[i] if i < len(arg_names) else f"x{i}")
    if len({id(x) for x, _ in in_tensors}) < len(in_tensors):
        raise ValueError("example_inputs must be distinct tensors (pass x.clone() to use one twice)")
    inode = tr.node("input", "inputs", [], in_tensors, names=labels)
    inode.scope = ()
    handles = []
    for path, sub in module.named_modules():
        if is_message_passing(sub):
            handles.extend(mp_hooks(tr, sub))
        handles.append(
            sub.register_forward_pre_hook(lambda m, a, k, _p=path: tr.pre_hook(_p, m, a, k), with_kwargs=True)
        )
        handles.append(
            sub.register_forward_hook(
                lambda m, a, k, o, _p=path: tr.post_hook(_p, m, a, k, o), with_kwargs=True, always_call=True
            )
        )
    try:
        with tr:
            output = module(*example_inputs)
    finally:
        for h in handles:
            h.remove()
    outs = [t for v in _flatten(output) if (t := tr.get(v)) is not None]
    onode = Node(len(tr.nodes) + 1, "output", "outputs", outs, [])
    tr.nodes.append(onode)
    notes = []
    if tr.unknown:
        notes.append(f"no diagram rule for {', '.join(tr.unknown)}: drawn as generic boxes")
    if tr.failed:
        notes.append("rule failed, drawn as generic boxes: " + "; ".join(tr.failed))
    for note in notes:
        warnings.warn(f"paperlab.diagrams: {note}", DiagramWarning, stacklevel=2)
    try:
        nodes, repeats = finalize(
            list(tr.nodes),
            depth=depth,
            collapse=frozenset(collapse),
            roll=roll,
            hide_param_free=hide_param_free,
            show_plumbing=show_plumbing,
        )
    except Exception as exc:  # never lose the drawing over a simplification bug: draw every op instead
        note = f"could not apply depth/roll/hide ({type(exc).__name__}: {exc}); drawing every op"
        warnings.warn(f"paperlab.diagrams: {note}", DiagramWarning, stacklevel=2)
        notes.append(note)
        nodes, repeats = finalize(tr.nodes, roll=False)
    return Diagram(nodes, title=title or type(module).__name__, warnings=notes, repeats=repeats)
