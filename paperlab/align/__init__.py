"""Representation comparison: matching, sparse prediction, spectral groups, CKA.

The public functions, at the package level::

    from paperlab.align import bipartite_match, linear_cka
"""

from paperlab.align.cka import cka_matrix, kernel_cka, linear_cka
from paperlab.align.matching import bipartite_match, correlation_matrix, sparse_prediction, spectral_groups

__all__ = [
    "bipartite_match",
    "cka_matrix",
    "correlation_matrix",
    "kernel_cka",
    "linear_cka",
    "sparse_prediction",
    "spectral_groups",
]
