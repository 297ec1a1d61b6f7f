"""The 47 papers: number, slug, title, authors, year, reference, group and headline claim.

``get(slug)`` returns one (a mistyped slug raises :class:`UnknownPaper` naming close
matches); ``PAPERS`` is the whole tuple in notebook order.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GROUPS = ("foundation", "diagrams", "theory", "representations", "sequences", "learning-rules", "graphs",
          "hypernets-search", "bayes-applied")


@dataclass(frozen=True)
class Paper:
    """One catalogue entry. ``ref`` is ``arXiv:XXXX.XXXXX`` where there is one, else the venue."""

    number: int
    slug: str
    title: str
    authors: str
    year: int
    ref: str
    group: str
    claim: str

    @property
    def notebook(self) -> Path:
        """Where the paper's notebook lives (it may not exist yet)."""
        return ROOT / "notebooks" / f"{self.number:02d}_{self.slug}.ipynb"

    @property
    def has_notebook(self) -> bool:
        return self.notebook.is_file()

    @property
    def module(self) -> str:
        return f"paperlab.papers.{self.slug}"

    @property
    def url(self) -> str:
        if self.ref.startswith("arXiv:"):
            return "https://arxiv.org/abs/" + self.ref.removeprefix("arXiv:")
        return ""


class UnknownPaper(KeyError):
    """A slug that is not in the catalogue; the message names the closest slugs."""

    def __str__(self) -> str:
        return str(self.args[0])


PAPERS: tuple[Paper, ...] = (
    Paper(1, 'lowrank_mhsa', 'Low Rank Factorization for Compact Multi-Head Self-Attention', authors='', year=0, ref='', group='foundation', claim=''),
    Paper(2, 'tpsgd_local_targets', 'Learning with Local Gradients at the Edge', authors='', year=0, ref='', group='learning-rules', claim=''),
    Paper(3, 'rnn_lstm_brnn_review', 'A Critical Review of Recurrent Neural Networks for Sequence Learning', authors='', year=0, ref='', group='sequences', claim=''),
    Paper(4, 'sparse_rnn_pruning', 'Investigating Sparsity in Recurrent Neural Networks', authors='', year=0, ref='', group='sequences', claim=''),
    Paper(5, 'fccov_sdr', 'Fréchet Cumulative Covariance Net for Deep Nonlinear Sufficient Dimension Reduction with Random Objects', authors='', year=0, ref='', group='representations', claim=''),
    Paper(6, 'nested_sampling_nn_likelihood', 'Deep Learning and genetic algorithms for cosmological Bayesian inference speed-up', authors='', year=0, ref='', group='bayes-applied', claim=''),
    Paper(7, 'gradient_noise_deep_nets', 'Adding Gradient Noise Improves Learning for Very Deep Networks', authors='', year=0, ref='', group='learning-rules', claim=''),
    Paper(8, 'forwardgnn', 'Forward Learning of Graph Neural Networks', authors='', year=0, ref='', group='graphs', claim=''),
    Paper(9, 'snn_learnable_delays', 'Learning Delays in Spiking Neural Networks using Dilated Convolutions with Learnable Spacings', authors='', year=0, ref='', group='sequences', claim=''),
    Paper(10, 'selectable_kan', 'Activation Space Selectable Kolmogorov-Arnold Networks', authors='', year=0, ref='', group='hypernets-search', claim=''),
    Paper(11, 'mossformer2_separation', 'MossFormer2: Combining Transformer and RNN-Free Recurrent Network for Enhanced Time-Domain Monaural Speech Separation', authors='', year=0, ref='', group='sequences', claim=''),
    Paper(12, 'pfn_bayesian_transformer', 'Transformers Can Do Bayesian Inference', authors='', year=0, ref='', group='bayes-applied', claim=''),
    Paper(13, 'wide_deep_ntk_classification', 'Wide and Deep Neural Networks Achieve Optimality for Classification', authors='', year=0, ref='', group='theory', claim=''),
    Paper(14, 'guidance_untrainable', 'Training the Untrainable: Introducing Inductive Bias via Representational Alignment', authors='', year=0, ref='', group='representations', claim=''),
    Paper(15, 'auto_gnn_nas', 'Auto-GNN: Neural Architecture Search of Graph Neural Networks', authors='', year=0, ref='', group='graphs', claim=''),
    Paper(16, 'neural_ranking_drmm', 'A Deep Look into Neural Ranking Models for Information Retrieval', authors='', year=0, ref='', group='bayes-applied', claim=''),
    Paper(17, 'sheaf_recsys', 'Sheaf Neural Networks for Graph-based Recommender Systems', authors='', year=0, ref='', group='graphs', claim=''),
    Paper(18, 'neural_circuit_diagrams', 'Neural Circuit Diagrams: Robust Diagrams for the Communication, Implementation, and Analysis of Deep Learning Architectures', authors='', year=0, ref='', group='diagrams', claim=''),
    Paper(19, 'scale_mixture_nngp', 'Scale Mixtures of Neural Network Gaussian Processes', authors='', year=0, ref='', group='theory', claim=''),
    Paper(20, 'benchmarking_gnns_pe', 'Benchmarking Graph Neural Networks', authors='', year=0, ref='', group='graphs', claim=''),
    Paper(21, 'hypernetworks_review', 'A Brief Review of Hypernetworks in Deep Learning', authors='', year=0, ref='', group='hypernets-search', claim=''),
    Paper(22, 'physical_ff_training', 'Backpropagation-free Training of Deep Physical Neural Networks', authors='', year=0, ref='', group='learning-rules', claim=''),
    Paper(23, 'deep_learning_theory_criticality', 'The Principles of Deep Learning Theory', authors='', year=0, ref='', group='theory', claim=''),
    Paper(24, 'prototype_case_based', 'Deep Learning for Case-Based Reasoning through Prototypes: A Neural Network that Explains Its Predictions', authors='', year=0, ref='', group='representations', claim=''),
    Paper(25, 'w2pgnn_when_to_pretrain', 'When to Pre-Train Graph Neural Networks? From Data Generation Perspective!', authors='', year=0, ref='', group='graphs', claim=''),
    Paper(26, 'convergent_learning', 'Convergent Learning: Do different neural networks learn the same representations?', authors='', year=0, ref='', group='representations', claim=''),
    Paper(27, 'gradient_boosted_nn', 'Sequential Training of Neural Networks with Gradient Boosting', authors='', year=0, ref='', group='learning-rules', claim=''),
    Paper(28, 'rnn_hypernet_continual', 'Continual Learning with Dependency Preserving Hypernetworks', authors='', year=0, ref='', group='hypernets-search', claim=''),
    Paper(29, 'dagnn_deeper_gnn', 'Towards Deeper Graph Neural Networks', authors='', year=0, ref='', group='graphs', claim=''),
    Paper(30, 'pointer_networks', 'Pointer Networks', authors='', year=0, ref='', group='sequences', claim=''),
    Paper(31, 'crypto_performer_bilstm', 'Enhancing Price Prediction in Cryptocurrency Using Transformer Neural Network and Technical Indicators', authors='', year=0, ref='', group='sequences', claim=''),
    Paper(32, 'data_filtering_networks', 'Data Filtering Networks', authors='', year=0, ref='', group='bayes-applied', claim=''),
    Paper(33, 'lottery_ticket', 'The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural Networks', authors='', year=0, ref='', group='learning-rules', claim=''),
    Paper(34, 'active_learning_text', 'A Survey of Active Learning for Text Classification using Deep Neural Networks', authors='', year=0, ref='', group='bayes-applied', claim=''),
    Paper(35, 'binary_paragraph_vectors', 'Vector representations of text data in deep learning', authors='', year=0, ref='', group='representations', claim=''),
    Paper(36, 'spatiotemporal_gnn_forecasting', 'Graph Deep Learning for Time Series Forecasting', authors='', year=0, ref='', group='graphs', claim=''),
    Paper(37, 'more_is_better_rf', 'More is Better in Modern Machine Learning: when Infinite Overparameterization is Optimal and Overfitting is Obligatory', authors='', year=0, ref='', group='theory', claim=''),
    Paper(38, 'n2n_rl_compression', 'N2N Learning: Network to Network Compression via Policy Gradient Reinforcement Learning', authors='', year=0, ref='', group='hypernets-search', claim=''),
    Paper(39, 'hardware_aware_subnet_search', 'A Hardware-Aware System for Accelerating Deep Neural Network Optimization', authors='', year=0, ref='', group='hypernets-search', claim=''),
    Paper(40, 'graph_ssl_benchmark', 'GraphFM: A Comprehensive Benchmark for Graph Foundation Model', authors='', year=0, ref='', group='graphs', claim=''),
    Paper(41, 'deep_learning_architectures_tour', 'A Review of Deep Learning with Special Emphasis on Architectures, Applications and Recent Trends', authors='', year=0, ref='', group='bayes-applied', claim=''),
    Paper(42, 'dense_hebbian_supervised', 'Dense Hebbian neural networks: a replica symmetric picture of supervised learning', authors='', year=0, ref='', group='theory', claim=''),
    Paper(43, 'opposing_signals', 'Outliers with Opposing Signals Have an Outsized Effect on Neural Network Optimization', authors='', year=0, ref='', group='learning-rules', claim=''),
    Paper(44, 'deep_interest_network', 'Deep Interest Network for Click-Through Rate Prediction', authors='', year=0, ref='', group='bayes-applied', claim=''),
    Paper(45, 'future_token_prediction', 'Future Token Prediction -- Causal Language Modelling with Per-Token Semantic State Vector for Multi-Token Prediction', authors='', year=0, ref='', group='sequences', claim=''),
    Paper(46, 'nested_dynamical_systems', 'Deep neural networks as nested dynamical systems', authors='', year=0, ref='', group='theory', claim=''),
    Paper(47, 'magnitude_invariant_hypernets', 'Magnitude Invariant Parametrizations Improve Hypernetwork Learning', authors='', year=0, ref='', group='hypernets-search', claim=''),
)

_BY_SLUG = {p.slug: p for p in PAPERS}


def suggest(name: str, n: int = 3) -> list[str]:
    """The slugs closest to ``name`` (substring matches first)."""
    name = name.lower().strip()
    subs = [s for s in _BY_SLUG if name and name in s]
    close = difflib.get_close_matches(name, list(_BY_SLUG), n=n, cutoff=0.4)
    return list(dict.fromkeys(subs + close))[:n]


def get(key: str | int) -> Paper:
    """A paper by slug (``"lowrank_mhsa"``), notebook stem (``"01_lowrank_mhsa"``) or number (``1``)."""
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        number = int(key)
        if not 1 <= number <= len(PAPERS):
            raise UnknownPaper(f"no paper number {number}; numbers run 1..{len(PAPERS)}")
        return PAPERS[number - 1]
    slug = key.strip()
    if slug[:2].isdigit() and slug[2:3] == "_":
        slug = slug[3:]
    if slug in _BY_SLUG:
        return _BY_SLUG[slug]
    hint = suggest(slug)
    more = f"; did you mean {', '.join(hint)}?" if hint else "; `paperlab list` shows them all"
    raise UnknownPaper(f"unknown paper {key!r}{more}")
