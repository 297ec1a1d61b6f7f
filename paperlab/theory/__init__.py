"""Theory kernels and curves: NNGP/NTK, RG flow, random-feature risk.

The public functions, at the package level::

    from paperlab.theory import nngp_kernel, ntk_kernel, nngp_ntk_kernels, kernel_flow, rf_ridge_risk
"""

from paperlab.theory.kernels import Kernels, nngp_kernel, nngp_ntk_kernels, ntk_kernel
from paperlab.theory.rf import krr_risk, rf_ridge_risk
from paperlab.theory.rg import critical_point, kernel_flow

__all__ = [
    "Kernels",
    "critical_point",
    "kernel_flow",
    "krr_risk",
    "nngp_kernel",
    "nngp_ntk_kernels",
    "ntk_kernel",
    "rf_ridge_risk",
]
