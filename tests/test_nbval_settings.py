"""Issue 28: nbval holds under load — a cell's outputs may trail the kernel's reply by more than nbval's 5 s."""

from __future__ import annotations

from types import SimpleNamespace

import conftest


def test_nbval_cells_wait_longer_than_five_seconds_for_outputs():
    cell = SimpleNamespace(nodeid="notebooks/01_x.ipynb::Cell 4", output_timeout=5)
    unit = SimpleNamespace(nodeid="tests/test_x.py::test_y")
    items = [unit, cell]
    conftest.pytest_collection_modifyitems(None, items)
    assert items[0] is cell  # notebooks first
    assert cell.output_timeout == conftest.NBVAL_OUTPUT_TIMEOUT >= 60
    assert not hasattr(unit, "output_timeout")


def test_nbval_still_has_the_attribute_we_set():
    """If nbval renames ``output_timeout``, the setting above silently stops applying: fail here instead."""
    import inspect

    from nbval.plugin import IPyNbCell

    assert "self.output_timeout" in inspect.getsource(IPyNbCell)
