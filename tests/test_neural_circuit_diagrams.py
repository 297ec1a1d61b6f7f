"""The claim of notebook 18: diagram-read code and cost match torch; misread diagrams do not."""

import pytest
import torch

from paperlab.diagrams import MATMUL_KINDS, trace
from paperlab.papers import neural_circuit_diagrams as ncd


def _mha_diagram(cls=ncd.MultiHeadAttention):  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    mha = cls()
    e, x = torch.randn(20, 128), torch.randn(22, 128)
    return mha, (e, x), trace(mha, e, x, axes=["y m", "x m"])


def test_abbott_rule_is_the_stored_box_cost_and_torchs_count():
    mha, inputs, d = _mha_diagram()
    assert ncd.read_flops(d, "abbott") == d.flops(MATMUL_KINDS) == ncd.torch_flops(mha, *inputs)


def test_misread_cost_rules_miss_the_head_and_contracted_wires():
    _, _, d = _mha_diagram()
    right = ncd.read_flops(d)
    assert ncd.read_flops(d, "no_heads") * 4 == right  # every learned map and contraction touches h=4
    assert ncd.read_flops(d, "outputs_only") < right / 10
    with pytest.raises(ValueError, match="rule"):
        ncd.read_flops(d, "guess")


def test_wrong_axis_diagram_runs_but_is_not_multi_head_attention():
    mha, inputs, d = _mha_diagram(ncd.WrongAxisMHA)
    assert mha(*inputs).shape == (20, 128)
    qk = d.find("contraction")[0]
    assert [a.name for a in qk.outputs[0].axes] == ["y", "x", "k"]  # h ended, k goes on
    assert ncd.mha_error(0, wrong_axis=True) > 0.1 > 1e-5 > ncd.mha_error(0)


def test_claim_holds_and_every_control_fails_an_evidence_clause():
    table = ncd.CLAIM.check(ncd.claim_experiment(0))
    table.assert_holds()
    assert all(table.control_evidence_failures(c) for c in table.controls)
