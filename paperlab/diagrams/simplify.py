"""From a raw trace to the drawn diagram: prune, collapse to a depth, hide, roll ×N, add copy dots."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from paperlab.diagrams.ir import Node, Scope, Tensor


def _full_scope(n: Node) -> tuple[Scope, ...]:
    """The module calls a node sits in; a block also counts its own call."""
    own = n.meta.get("scope")
    return n.scope + ((own,) if isinstance(own, Scope) else ())


def _prune(nodes: list[Node]) -> list[Node]:
    """Drop boxes whose results never reach the output (shape checks, control-flow tests)."""
    needed: set[int] = set()
    keep = []
    for n in reversed(nodes):
        if n.kind in ("input", "output") or any(t.origin.id in needed for t in n.outputs):
            keep.append(n)
            needed.update(t.origin.id for t in n.inputs)
    return keep[::-1]


def _consumers(nodes: list[Node]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for i, n in enumerate(nodes):
        for t in n.inputs:
            out[t.origin.id].append(i)
    return out


def _block(members: list[Node], scope: tuple[Scope, ...], outside_use: set[int]) -> Node:
    produced = {t.origin.id for m in members for t in m.outputs}
    inputs: list[Tensor] = []
    seen: set[int] = set()
    for m in members:
        for t in m.inputs:
            if t.origin.id not in produced and t.origin.id not in seen:
                seen.add(t.origin.id)
                inputs.append(t)
    outputs = [t for m in members for t in m.outputs if t.id in outside_use]
    inner: Counter[str] = Counter()
    for m in members:
        if "inner_flops" in m.meta:
            for k, v in m.meta["inner_flops"].items():
                inner[k] += v * m.repeat
        else:
            inner[m.kind] += m.flops * m.repeat
    own = scope[-1]
    return Node(
        0,
        "block",
        own.cls,
        inputs,
        outputs,
        scope[:-1],
        learned=any(m.learned for m in members),
        flops=sum(inner.values()),
        meta={"scope": own, "path": own.path, "inner_flops": dict(sorted(inner.items()))},
    )


def _cut(full: tuple[Scope, ...], depth: int | None, paths: frozenset[str]) -> int | None:
    """How many of a node's module calls stay open: the rest (one call and what it holds) is one block."""
    cuts = [k for k, sc in enumerate(full) if sc.path in paths]
    if depth is not None and len(full) > depth:
        cuts.append(depth)
    return min(cuts) if cuts else None


def _collapse(nodes: list[Node], depth: int | None, paths: frozenset[str] = frozenset()) -> list[Node]:
    """Draw every module call nested deeper than ``depth``, and each call of a module in ``paths``, as one block."""
    cons = _consumers(nodes)
    out: list[Node] = []
    i = 0
    while i < len(nodes):
        n = nodes[i]
        full = _full_scope(n)
        cut = None if n.kind in ("input", "output") else _cut(full, depth, paths)
        if cut is None:
            out.append(n)
            i += 1
            continue
        key = full[: cut + 1]
        j = i
        while j < len(nodes) and _full_scope(nodes[j])[: cut + 1] == key:
            j += 1
        members = nodes[i:j]
        if len(members) == 1 and members[0].kind == "block" and members[0].meta.get("scope") == key[-1]:
            out.append(members[0])
        else:
            inside = set(range(i, j))
            outside_use = {tid for tid, users in cons.items() if any(u not in inside for u in users)}
            out.append(_block(members, key, outside_use))
        i = j
    return out


# reindex boxes that only move or broadcast data already drawn (plumbing, issue 13): folded away
_SHAPE_ONLY = {
    "unsqueeze",
    "squeeze",
    "expand",
    "expand_as",
    "gather",
    "index_select",
    "take_along_dim",
    "contiguous",
    "to",
    "type",
    "float",
    "double",
    "half",
    "long",
    "int",
    "bool",
    "detach",
    "clone",
}
_MASKING = {"mask", "where"}


def _is_float(t: Tensor) -> bool:
    return t.dtype.startswith(("float", "bfloat", "complex"))


def _shape_only(n: Node) -> bool:
    if n.kind != "reindex" or n.learned:
        return False
    label = n.label.strip()
    return label in _SHAPE_ONLY or (label.startswith("[") and "None" in label)


def _fold_plumbing(nodes: list[Node]) -> list[Node]:
    """Hide index bookkeeping (issue 13): boxes that compute only integers or masks vanish, with the
    wires they feed; unsqueeze/expand/gather/casts and masking pass their data input through."""
    gone: set[int] = set()  # tensors made by vanished boxes
    subst: dict[int, Tensor] = {}
    keep = []
    for n in nodes:
        if n.kind in ("input", "output"):
            n.inputs = [subst.get(t.origin.id, t) for t in n.inputs if t.origin.id not in gone]
            keep.append(n)
            continue
        had_inputs = bool(n.inputs)
        n.inputs = [subst.get(t.origin.id, t) for t in n.inputs]
        live = [t for t in n.inputs if t.origin.id not in gone]
        data = [t for t in live if _is_float(t)]
        param_free = not n.learned and n.kind in ("reindex", "elementwise", "reduce", "add", "generic")
        if param_free and n.outputs and not data and not any(_is_float(t) for t in n.outputs):
            gone.update(t.id for t in n.outputs)  # integer/boolean arithmetic: indices, lengths, masks
            continue
        masking = n.kind == "elementwise" and n.label in _MASKING and len(data) < len(n.inputs)
        if data and (_shape_only(n) or masking):
            for t in n.outputs:
                subst[t.id] = data[0]
            continue
        if had_inputs and not live and not n.learned:
            gone.update(t.id for t in n.outputs)  # computed from bookkeeping alone
            continue
        n.inputs = live
        keep.append(n)
    return keep


def _hide(nodes: list[Node]) -> list[Node]:
    """Drop parameter-free elementwise and reindex boxes; their consumers take their input."""
    subst: dict[int, Tensor] = {}
    keep = []
    for n in nodes:
        n.inputs = [subst.get(t.origin.id, t) for t in n.inputs]
        if n.kind in ("elementwise", "reindex") and not n.learned and n.inputs:
            for t in n.outputs:
                subst[t.id] = n.inputs[0]
            continue
        keep.append(n)
    return keep


def _units(nodes: list[Node]) -> dict[tuple[Scope, ...], list[tuple[Scope, list[int]]]]:
    """For every parent scope, its child module calls in order with their node positions."""
    found: dict[tuple[Scope, ...], dict[Scope, list[int]]] = defaultdict(dict)
    for i, n in enumerate(nodes):
        full = _full_scope(n)
        for k in range(len(full)):
            found[full[:k]].setdefault(full[k], []).append(i)
    return {p: list(children.items()) for p, children in found.items()}


def _signature(nodes: list[Node], idx: list[int], level: int) -> tuple[Any, ...]:
    return tuple(
        (
            n.kind,
            n.label,
            n.learned,
            tuple(t.shape for t in n.inputs),
            tuple(t.shape for t in n.outputs),
            tuple(s.cls for s in _full_scope(n)[level:]),
        )
        for n in (nodes[i] for i in idx)
    )


def _ext(nodes: list[Node], idx: list[int], cons: dict[int, list[int]]) -> tuple[list[int], set[int]]:
    """(roots made in the unit and used after it, in order; roots the unit reads from outside)."""
    inside = set(idx)
    made = [t.id for i in idx for t in nodes[i].outputs]
    made_set = set(made)
    used_out = [tid for tid in made if any(u not in inside for u in cons.get(tid, []))]
    reads = {t.origin.id for i in idx for t in nodes[i].inputs if t.origin.id not in made_set}
    return used_out, reads


def _feeds_next(
    nodes: list[Node], prev: list[int], cur: list[int], cons: dict[int, list[int]], first_reads: set[int]
) -> bool:
    """Whether unit ``cur`` repeats unit ``prev`` as a chain: prev's results go only to cur (or stay
    inside prev), and cur reads only prev's results or what the first unit read from outside."""
    prev_out, _ = _ext(nodes, prev, cons)
    _, cur_reads = _ext(nodes, cur, cons)
    allowed = set(prev) | set(cur)
    if any(u not in allowed for tid in prev_out for u in cons.get(tid, [])):
        return False
    return cur_reads <= set(prev_out) | first_reads


def _fold_run(
    nodes: list[Node], first: list[int], last: list[int], drop: set[int], cons: dict[int, list[int]]
) -> bool:
    """Keep the first unit of a run, drop the rest (``drop``, all after ``first``): what read the last
    unit's results reads the first unit's instead. False (nothing changed) if their results differ."""
    last_out, _ = _ext(nodes, last, cons)
    first_out, _ = _ext(nodes, first, cons)
    if len(first_out) != len(last_out):
        return False
    by_id = {t.id: t for k in first for t in nodes[k].outputs}
    sub = {a: by_id[b] for a, b in zip(last_out, first_out, strict=True)}
    for n in nodes:
        n.inputs = [sub[t.origin.id] if t.origin.id in sub else t for t in n.inputs]
    nodes[:] = [n for k, n in enumerate(nodes) if k not in drop]
    return True


def _roll_once(nodes: list[Node], repeats: dict[Scope, int]) -> bool:
    cons = _consumers(nodes)
    for parent, units in sorted(_units(nodes).items(), key=lambda kv: len(kv[0])):
        level = len(parent) + 1
        i = 0
        while i < len(units):
            first_scope, first = units[i]
            sig = _signature(nodes, first, level)
            _, first_reads = _ext(nodes, first, cons)
            j = i + 1
            while j < len(units):
                prev, cur = units[j - 1][1], units[j][1]
                if units[j][0].cls != first_scope.cls or max(prev) + 1 != min(cur):
                    break
                if _signature(nodes, cur, level) != sig:
                    break
                if not _feeds_next(nodes, prev, cur, cons, first_reads):
                    break
                j += 1
            if j - i > 1:
                drop = {k for _, idx in units[i + 1 : j] for k in idx}
                if _fold_run(nodes, first, units[j - 1][1], drop, cons):
                    n_rep = j - i
                    for k in first:
                        nodes[k].repeat *= n_rep
                    repeats[first_scope] = repeats.get(first_scope, 1) * n_rep
                    return True
            i = max(j, i + 1)
    return False


def _flat_sig(n: Node) -> tuple[Any, ...]:
    """What must match for two boxes to be repeats of each other (names of learned maps may differ)."""
    return (
        n.kind,
        n.label if not n.learned else "",
        n.learned,
        tuple(t.shape for t in n.inputs),
        tuple(t.shape for t in n.outputs),
        tuple(sc.cls for sc in _full_scope(n)),
    )


def _roll_flat_once(nodes: list[Node], repeats: dict[Scope, int], counter: list[int]) -> bool:
    """Roll a run of >= 2 identical op sequences that feed each other (a loop over layers written
    without a module per layer, e.g. ``for lin in self.layers: x = relu(lin(x))``) into one ×N frame."""
    cons = _consumers(nodes)
    sigs = [_flat_sig(n) for n in nodes]
    n_all = len(nodes)
    for period in range(1, 9):
        i = 0
        while i + 2 * period <= n_all:
            unit0 = list(range(i, i + period))
            if any(nodes[k].kind in ("input", "output") for k in unit0) or (
                sigs[i + period : i + 2 * period] != sigs[i : i + period]
            ):  # cheap test first: most positions do not repeat at all
                i += 1
                continue
            _, first_reads = _ext(nodes, unit0, cons)
            j = 1
            while i + (j + 1) * period <= n_all:
                prev = list(range(i + (j - 1) * period, i + j * period))
                cur = list(range(i + j * period, i + (j + 1) * period))
                if [sigs[k] for k in cur] != [sigs[k] for k in unit0]:
                    break
                if not _feeds_next(nodes, prev, cur, cons, first_reads):
                    break
                j += 1
            if j >= 2:
                last = list(range(i + (j - 1) * period, i + j * period))
                if _fold_run(nodes, unit0, last, set(range(i + period, i + j * period)), cons):
                    counter[0] += 1
                    common = _full_scope(nodes[unit0[0]])
                    for k in unit0:
                        fs = _full_scope(nodes[k])
                        m = 0
                        while m < min(len(common), len(fs)) and common[m] == fs[m]:
                            m += 1
                        common = common[:m]
                    frame = Scope("", "repeated", -counter[0])
                    depth = len(common) - (
                        1 if any(nodes[k].meta.get("scope") in common for k in unit0) else 0
                    )
                    for k in unit0:
                        sc = nodes[k].scope
                        nodes[k].scope = sc[:depth] + (frame,) + sc[depth:]
                        nodes[k].repeat *= j
                    repeats[frame] = j
                    return True
            i += 1
    return False


def _copies(nodes: list[Node]) -> list[Node]:
    """Insert a copy dot wherever one value feeds several inputs (Abbott §2: copy is a fork)."""
    uses: dict[int, list[tuple[Node, int]]] = defaultdict(list)
    for n in nodes:
        for slot, t in enumerate(n.inputs):
            uses[t.origin.id].append((n, slot))
    next_id = 1 + max((t.id for n in nodes for t in (*n.inputs, *n.outputs)), default=0)
    out = []
    for n in nodes:
        out.append(n)
        for t in n.outputs:
            users = uses.get(t.id, [])
            if len(users) < 2:
                continue
            branches = []
            for user, slot in users:
                branch = Tensor(next_id, t.axes, t.dtype)
                next_id += 1
                seen = user.inputs[slot]
                user.inputs[slot] = branch if seen is t else Tensor(next_id, seen.axes, seen.dtype, branch)
                next_id += 1
                branches.append(branch)
            scopes = [u.scope for u, _ in users]
            common = scopes[0]
            for s in scopes[1:]:
                k = 0
                while k < min(len(common), len(s)) and common[k] == s[k]:
                    k += 1
                common = common[:k]
            out.append(Node(0, "copy", "copy", [t], branches, common))
    return out


def finalize(
    nodes: list[Node],
    *,
    depth: int | None = None,
    collapse: frozenset[str] = frozenset(),
    roll: bool = True,
    hide_param_free: bool = False,
    show_plumbing: bool = True,
) -> tuple[list[Node], dict[Scope, int]]:
    """The drawn nodes (numbered in execution order) and the ×N count of each rolled module call."""
    nodes = _prune(nodes)
    if not show_plumbing:
        nodes = _prune(_fold_plumbing(nodes))
    if depth is not None or collapse:
        nodes = _collapse(nodes, depth, collapse)
    if hide_param_free:
        nodes = _hide(nodes)
    repeats: dict[Scope, int] = {}
    if roll:
        while _roll_once(nodes, repeats):
            pass
        counter = [0]
        while _roll_flat_once(nodes, repeats, counter):
            pass
    nodes = _copies(nodes)
    for i, n in enumerate(nodes):
        n.id = i + 1
    return nodes, repeats
