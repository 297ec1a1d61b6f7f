"""Training-rule building blocks shared by the learning-rules papers.

``pruning`` (magnitude/random masks, rewinding), ``local`` (layer-local losses and
saved-activation memory), ``sharpness`` (Hessian-vector products, top eigenvalue),
``groups`` (per-group loss tracking).
"""
