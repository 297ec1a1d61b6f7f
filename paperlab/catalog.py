"""The 47 papers: number, slug, title, authors, year, reference, group and headline claim.

``get(slug)`` returns one (a mistyped slug raises :class:`UnknownPaper` naming close
matches); ``PAPERS`` is the whole tuple in notebook order.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GROUPS = (
    "foundation",
    "diagrams",
    "theory",
    "representations",
    "sequences",
    "learning-rules",
    "graphs",
    "hypernets-search",
    "bayes-applied",
)


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
    Paper(
        1,
        "lowrank_mhsa",
        "Low Rank Factorization for Compact Multi-Head Self-Attention",
        authors="Mehta, Rangwala, Ramakrishnan",
        year=2019,
        ref="arXiv:1912.00835",
        group="foundation",
        claim=(
            "Low-rank bilinear attention over a global context gives many heads with far fewer parameters "
            "than Transformer MHSA"
        ),
    ),
    Paper(
        2,
        "tpsgd_local_targets",
        "Learning with Local Gradients at the Edge",
        authors="Lomnitz et al.",
        year=2022,
        ref="arXiv:2208.08503",
        group="learning-rules",
        claim=(
            "Layer-wise SGD on random-projection targets trains FC, conv and recurrent nets within 5% of "
            "backprop"
        ),
    ),
    Paper(
        3,
        "rnn_lstm_brnn_review",
        "A Critical Review of Recurrent Neural Networks for Sequence Learning",
        authors="Lipton, Berkowitz, Elkan",
        year=2015,
        ref="arXiv:1506.00019",
        group="sequences",
        claim=(
            "Gated (LSTM) and bidirectional RNNs overcome vanishing gradients and use future context in "
            "sequence learning"
        ),
    ),
    Paper(
        4,
        "sparse_rnn_pruning",
        "Investigating Sparsity in Recurrent Neural Networks",
        authors="Darji",
        year=2024,
        ref="arXiv:2407.20601",
        group="sequences",
        claim=(
            "RNNs tolerate heavy weight pruning, often recovered by one retraining epoch; graph structure "
            "predicts accuracy"
        ),
    ),
    Paper(
        5,
        "fccov_sdr",
        (
            "Fréchet Cumulative Covariance Net for Deep Nonlinear Sufficient Dimension Reduction with "
            "Random Objects"
        ),
        authors="Yuan, Wang, Yu",
        year=2025,
        ref="arXiv:2502.15374",
        group="representations",
        claim=(
            "A neural Fréchet cumulative covariance recovers nonlinear sufficient predictors for "
            "non-Euclidean responses"
        ),
    ),
    Paper(
        6,
        "nested_sampling_nn_likelihood",
        "Deep Learning and genetic algorithms for cosmological Bayesian inference speed-up",
        authors="Gómez-Vargas, Vázquez",
        year=2024,
        ref="arXiv:2405.03293",
        group="bayes-applied",
        claim=(
            "A neural likelihood surrogate (tuned by a genetic algorithm) gives the same posteriors with "
            "fewer likelihood calls"
        ),
    ),
    Paper(
        7,
        "gradient_noise_deep_nets",
        "Adding Gradient Noise Improves Learning for Very Deep Networks",
        authors="Neelakantan et al.",
        year=2015,
        ref="arXiv:1511.06807",
        group="learning-rules",
        claim="Annealed Gaussian gradient noise helps very deep networks train from poor initialisations",
    ),
    Paper(
        8,
        "forwardgnn",
        "Forward Learning of Graph Neural Networks",
        authors="Park et al.",
        year=2024,
        ref="arXiv:2403.11004",
        group="graphs",
        claim=(
            "Layer-wise forward learning (no backprop, no negative inputs) trains GNNs about as well as "
            "backprop"
        ),
    ),
    Paper(
        9,
        "snn_learnable_delays",
        "Learning Delays in Spiking Neural Networks using Dilated Convolutions with Learnable Spacings",
        authors="Hammouamri, Khalfaoui-Hassani, Masquelier",
        year=2024,
        ref="arXiv:2306.17670",
        group="sequences",
        claim=(
            "Synaptic delays learned with dilated convolutions (DCLS) beat fixed random delays in "
            "feedforward SNNs"
        ),
    ),
    Paper(
        10,
        "selectable_kan",
        "Activation Space Selectable Kolmogorov-Arnold Networks",
        authors="Yang et al.",
        year=2024,
        ref="arXiv:2408.08338",
        group="hypernets-search",
        claim=(
            "KAN neurons that select their activation basis from several function spaces beat single-basis "
            "KANs and MLPs"
        ),
    ),
    Paper(
        11,
        "mossformer2_separation",
        (
            "MossFormer2: Combining Transformer and RNN-Free Recurrent Network for Enhanced Time-Domain "
            "Monaural Speech Separation"
        ),
        authors="Zhao et al.",
        year=2023,
        ref="arXiv:2312.11825",
        group="sequences",
        claim=(
            "Adding an RNN-free recurrent (FSMN) module to MossFormer's attention improves monaural speech "
            "separation"
        ),
    ),
    Paper(
        12,
        "pfn_bayesian_transformer",
        "Transformers Can Do Bayesian Inference",
        authors="Müller et al.",
        year=2022,
        ref="arXiv:2112.10510",
        group="bayes-applied",
        claim=(
            "A transformer trained on prior samples (PFN) approximates Bayesian posterior prediction, e.g. "
            "mimics a GP"
        ),
    ),
    Paper(
        13,
        "wide_deep_ntk_classification",
        "Wide and Deep Neural Networks Achieve Optimality for Classification",
        authors="Radhakrishnan, Belkin, Uhler",
        year=2023,
        ref="arXiv:2204.14126",
        group="theory",
        claim=(
            "Infinitely wide, deep nets classify as 1-NN, majority vote or singular kernels; suitable "
            "activations are optimal"
        ),
    ),
    Paper(
        14,
        "guidance_untrainable",
        "Training the Untrainable: Introducing Inductive Bias via Representational Alignment",
        authors="Subramaniam et al.",
        year=2025,
        ref="arXiv:2410.20035",
        group="representations",
        claim=(
            "Aligning a network's layers to a guide network's representations makes 'untrainable' "
            "architectures train"
        ),
    ),
    Paper(
        15,
        "auto_gnn_nas",
        "Auto-GNN: Neural Architecture Search of Graph Neural Networks",
        authors="Zhou, Song, Huang, Hu",
        year=2019,
        ref="arXiv:1909.03184",
        group="graphs",
        claim=(
            "An RL-controlled, constrained architecture search finds GNNs that beat handcrafted models and "
            "other NAS"
        ),
    ),
    Paper(
        16,
        "neural_ranking_drmm",
        "A Deep Look into Neural Ranking Models for Information Retrieval",
        authors="Guo et al.",
        year=2019,
        ref="arXiv:1903.06902",
        group="bayes-applied",
        claim=(
            "In ad-hoc retrieval, interaction-based neural rankers using exact match and term importance "
            "beat representation models"
        ),
    ),
    Paper(
        17,
        "sheaf_recsys",
        "Sheaf Neural Networks for Graph-based Recommender Systems",
        authors="Purificato et al.",
        year=2023,
        ref="arXiv:2304.09097",
        group="graphs",
        claim=(
            "Sheaf diffusion on the user-item graph beats GNN recommenders such as LightGCN and NGCF on "
            "top-K ranking"
        ),
    ),
    Paper(
        18,
        "neural_circuit_diagrams",
        (
            "Neural Circuit Diagrams: Robust Diagrams for the Communication, Implementation, and Analysis "
            "of Deep Learning Architectures"
        ),
        authors="Abbott",
        year=2024,
        ref="arXiv:2402.05424",
        group="diagrams",
        claim=(
            "Neural circuit diagrams describe architectures precisely, map one-to-one to code and expose "
            "backprop costs"
        ),
    ),
    Paper(
        19,
        "scale_mixture_nngp",
        "Scale Mixtures of Neural Network Gaussian Processes",
        authors="Lee, Yun, Yang, Lee",
        year=2022,
        ref="arXiv:2107.01408",
        group="theory",
        claim=(
            "A prior on the last-layer variance turns NNGPs into heavy-tailed processes that are more "
            "robust out of distribution"
        ),
    ),
    Paper(
        20,
        "benchmarking_gnns_pe",
        "Benchmarking Graph Neural Networks",
        authors="Dwivedi, Joshi, Luu et al.",
        year=2023,
        ref="arXiv:2003.00982",
        group="graphs",
        claim="A fair GNN benchmark shows Laplacian positional encodings lift message-passing GNNs",
    ),
    Paper(
        21,
        "hypernetworks_review",
        "A Brief Review of Hypernetworks in Deep Learning",
        authors="Chauhan et al.",
        year=2023,
        ref="arXiv:2306.06955",
        group="hypernets-search",
        claim=(
            "Hypernetworks that generate another net's weights enable compression, weight sharing and "
            "continual learning"
        ),
    ),
    Paper(
        22,
        "physical_ff_training",
        "Backpropagation-free Training of Deep Physical Neural Networks",
        authors="Momeni et al.",
        year=2023,
        ref="arXiv:2304.11042",
        group="learning-rules",
        claim=(
            "Model-free forward-forward training trains deep physical networks without knowing the physical"
            " layers' properties"
        ),
    ),
    Paper(
        23,
        "deep_learning_theory_criticality",
        "The Principles of Deep Learning Theory",
        authors="Roberts, Yaida, Hanin",
        year=2022,
        ref="arXiv:2106.10165",
        group="theory",
        claim=(
            "Nets tuned to criticality avoid exploding/vanishing signals; depth-to-width ratio controls "
            "non-Gaussianity"
        ),
    ),
    Paper(
        24,
        "prototype_case_based",
        (
            "Deep Learning for Case-Based Reasoning through Prototypes: A Neural Network that Explains Its "
            "Predictions"
        ),
        authors="Li, Liu, Chen, Rudin",
        year=2018,
        ref="arXiv:1710.04806",
        group="representations",
        claim=(
            "A prototype layer on an autoencoder classifies about as well as a black-box net and explains "
            "via decodable prototypes"
        ),
    ),
    Paper(
        25,
        "w2pgnn_when_to_pretrain",
        "When to Pre-Train Graph Neural Networks? From Data Generation Perspective!",
        authors="Cao, Xu, Yang et al.",
        year=2023,
        ref="arXiv:2303.16458",
        group="graphs",
        claim=(
            "Fitting graphon bases to pre-training graphs measures how feasible pre-training is for a "
            "downstream graph set"
        ),
    ),
    Paper(
        26,
        "convergent_learning",
        "Convergent Learning: Do different neural networks learn the same representations?",
        authors="Li, Yosinski, Clune et al.",
        year=2016,
        ref="arXiv:1511.07543",
        group="representations",
        claim=(
            "Nets trained from different seeds share some units one-to-one and share subspaces though not "
            "bases"
        ),
    ),
    Paper(
        27,
        "gradient_boosted_nn",
        "Sequential Training of Neural Networks with Gradient Boosting",
        authors="Emami, Martínez-Muñoz",
        year=2023,
        ref="arXiv:1909.12098",
        group="learning-rules",
        claim=(
            "Training hidden units in gradient-boosting stages matches standard solvers and lets late units"
            " be switched off"
        ),
    ),
    Paper(
        28,
        "rnn_hypernet_continual",
        "Continual Learning with Dependency Preserving Hypernetworks",
        authors="Chandra, Varshney, Srijith, Gupta",
        year=2023,
        ref="arXiv:2209.07712",
        group="hypernets-search",
        claim=(
            "An RNN hypernetwork that keeps dependencies across generated weight chunks reduces forgetting "
            "with fewer parameters"
        ),
    ),
    Paper(
        29,
        "dagnn_deeper_gnn",
        "Towards Deeper Graph Neural Networks",
        authors="Liu, Gao, Ji",
        year=2020,
        ref="KDD 2020",
        group="graphs",
        claim=(
            "Decoupling transformation from propagation, with adaptive hop scores (DAGNN), lets GNNs go "
            "deep without over-smoothing"
        ),
    ),
    Paper(
        30,
        "pointer_networks",
        "Pointer Networks",
        authors="Vinyals, Fortunato, Jaitly",
        year=2015,
        ref="arXiv:1506.03134",
        group="sequences",
        claim=(
            "Attention used as a pointer over input positions solves hull and TSP tasks and generalises to "
            "longer inputs"
        ),
    ),
    Paper(
        31,
        "crypto_performer_bilstm",
        (
            "Enhancing Price Prediction in Cryptocurrency Using Transformer Neural Network and Technical "
            "Indicators"
        ),
        authors="Khaniki, Manthouri",
        year=2024,
        ref="arXiv:2403.03606",
        group="sequences",
        claim=(
            "A Performer + BiLSTM model fed technical indicators beats baselines on crypto price MAE, RMSE "
            "and MAPE"
        ),
    ),
    Paper(
        32,
        "data_filtering_networks",
        "Data Filtering Networks",
        authors="Fang, Jose, Jain et al.",
        year=2024,
        ref="arXiv:2309.17425",
        group="bayes-applied",
        claim=(
            "A filter network trained on small clean data builds better training sets; filter quality is "
            "not its own accuracy"
        ),
    ),
    Paper(
        33,
        "lottery_ticket",
        "The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural Networks",
        authors="Frankle, Carbin",
        year=2019,
        ref="arXiv:1803.03635",
        group="learning-rules",
        claim=(
            "Dense nets contain sparse subnetworks that, reset to their initial weights, train to full "
            "accuracy"
        ),
    ),
    Paper(
        34,
        "active_learning_text",
        "A Survey of Active Learning for Text Classification using Deep Neural Networks",
        authors="Schröder, Niekler",
        year=2020,
        ref="arXiv:2008.07267",
        group="bayes-applied",
        claim=(
            "Survey: uncertainty-based active learning for text needs reliable DNN uncertainty to beat "
            "random sampling"
        ),
    ),
    Paper(
        35,
        "binary_paragraph_vectors",
        "Vector representations of text data in deep learning",
        authors="Grzegorczyk",
        year=2019,
        ref="arXiv:1901.01695",
        group="representations",
        claim=(
            "Binary Paragraph Vectors give compact codes that beat semantic hashing; Disambiguated "
            "Skip-gram learns word senses"
        ),
    ),
    Paper(
        36,
        "spatiotemporal_gnn_forecasting",
        "Graph Deep Learning for Time Series Forecasting",
        authors="Cini, Marisca, Zambon, Alippi",
        year=2023,
        ref="arXiv:2310.15978",
        group="graphs",
        claim=(
            "Spatiotemporal GNNs let global forecasting models exploit correlations between related time "
            "series"
        ),
    ),
    Paper(
        37,
        "more_is_better_rf",
        (
            "More is Better in Modern Machine Learning: when Infinite Overparameterization is Optimal and "
            "Overfitting is Obligatory"
        ),
        authors="Simon, Karkada, Ghosh, Belkin",
        year=2023,
        ref="arXiv:2311.14646",
        group="theory",
        claim=(
            "With optimal ridge, random-feature test risk falls with width and samples; optimal fits "
            "overfit on power-law tasks"
        ),
    ),
    Paper(
        38,
        "n2n_rl_compression",
        "N2N Learning: Network to Network Compression via Policy Gradient Reinforcement Learning",
        authors="Ashok, Rhinehart, Beainy, Kitani",
        year=2018,
        ref="arXiv:1709.06030",
        group="hypernets-search",
        claim="RL policies that remove then shrink layers compress a teacher over 10x at similar accuracy",
    ),
    Paper(
        39,
        "hardware_aware_subnet_search",
        "A Hardware-Aware System for Accelerating Deep Neural Network Optimization",
        authors="Sarah, Cummings, Sridhar et al.",
        year=2022,
        ref="arXiv:2202.12954",
        group="hypernets-search",
        claim=(
            "Predictor-guided evolutionary search finds hardware-aware subnetwork Pareto fronts with far "
            "fewer evaluations"
        ),
    ),
    Paper(
        40,
        "graph_ssl_benchmark",
        "GraphFM: A Comprehensive Benchmark for Graph Foundation Model",
        authors="Xu, Liu, Duan et al.",
        year=2024,
        ref="arXiv:2406.08310",
        group="graphs",
        claim="Benchmark of graph self-supervised methods across tasks, batching strategies, time and memory",
    ),
    Paper(
        41,
        "deep_learning_architectures_tour",
        "A Review of Deep Learning with Special Emphasis on Architectures, Applications and Recent Trends",
        authors="Sengupta et al.",
        year=2020,
        ref="Knowledge-Based Systems 2020",
        group="bayes-applied",
        claim=(
            "Review: each deep architecture (MLP, CNN, RNN, autoencoder) suits particular data and "
            "applications"
        ),
    ),
    Paper(
        42,
        "dense_hebbian_supervised",
        "Dense Hebbian neural networks: a replica symmetric picture of supervised learning",
        authors="Agliari et al.",
        year=2022,
        ref="arXiv:2212.00606",
        group="theory",
        claim=(
            "Supervised dense (P-spin) Hebbian networks reach ultra-storage and ultra-detection regimes "
            "beyond Hopfield nets"
        ),
    ),
    Paper(
        43,
        "opposing_signals",
        "Outliers with Opposing Signals Have an Outsized Effect on Neural Network Optimization",
        authors="Rosenfeld, Risteski",
        year=2024,
        ref="arXiv:2311.04163",
        group="learning-rules",
        claim=(
            "Paired outlier groups with large opposing features drive sharpening, loss oscillations and "
            "spikes in training"
        ),
    ),
    Paper(
        44,
        "deep_interest_network",
        "Deep Interest Network for Click-Through Rate Prediction",
        authors="Zhou et al.",
        year=2018,
        ref="arXiv:1706.06978",
        group="bayes-applied",
        claim=(
            "Attention over user behaviours w.r.t. the candidate ad (DIN) beats fixed-length pooling for "
            "CTR prediction"
        ),
    ),
    Paper(
        45,
        "future_token_prediction",
        (
            "Future Token Prediction -- Causal Language Modelling with Per-Token Semantic State Vector for "
            "Multi-Token Prediction"
        ),
        authors="Walker",
        year=2024,
        ref="arXiv:2410.18160",
        group="sequences",
        claim=(
            "Predicting several future tokens from one per-token state gives smoother, more topical "
            "embeddings than GPT"
        ),
    ),
    Paper(
        46,
        "nested_dynamical_systems",
        "Deep neural networks as nested dynamical systems",
        authors="Spivak, Hosgood",
        year=2021,
        ref="arXiv:2111.01297",
        group="theory",
        claim=(
            "A deep net is a nested dynamical system: neurons hold weights as state and wires carry "
            "activations and feedback"
        ),
    ),
    Paper(
        47,
        "magnitude_invariant_hypernets",
        "Magnitude Invariant Parametrizations Improve Hypernetwork Learning",
        authors="Gonzalez Ortiz, Guttag, Dalca",
        year=2024,
        ref="arXiv:2304.07645",
        group="hypernets-search",
        claim=(
            "Constant-norm inputs plus residual weights (MIP) remove hypernetwork magnitude proportionality"
            " and speed up training"
        ),
    ),
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
    if slug.endswith(".ipynb"):  # a notebook path or file name
        slug = Path(slug).stem
    number = None
    if slug[:2].isdigit() and slug[2:3] == "_":
        number, slug = int(slug[:2]), slug[3:]
    if slug in _BY_SLUG:
        paper = _BY_SLUG[slug]
        if number is not None and number != paper.number:
            other = PAPERS[number - 1] if 1 <= number <= len(PAPERS) else None
            hint = [f"{paper.number:02d}_{paper.slug}"] + (
                [f"{other.number:02d}_{other.slug}"] if other else []
            )
            raise UnknownPaper(
                f"{key!r}: its number and slug disagree ({slug} is paper {paper.number:02d}"
                + (f", paper {number:02d} is {other.slug}" if other else f"; there is no paper {number}")
                + f"); did you mean {' or '.join(hint)}?"
            )
        return paper
    hint = suggest(slug)
    more = f"; did you mean {', '.join(hint)}?" if hint else "; `paperlab list` shows them all"
    raise UnknownPaper(f"unknown paper {key!r}{more}")
