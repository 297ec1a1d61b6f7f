"""Representation comparison: matching, sparse prediction, spectral groups, CKA."""
