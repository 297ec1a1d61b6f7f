"""Theory kernels and curves: NNGP/NTK, RG flow, random-feature risk."""
