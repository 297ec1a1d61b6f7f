"""MossFormer2 speech separation (Zhao et al., 2023): gated attention + RNN-free FSMN recurrence."""
