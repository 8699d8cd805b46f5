"""Simulated regulatory sequences: planted TF motifs and a motif grammar."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

# Position probability matrices (rows: positions; columns: A, C, G, T),
# rounded from the JASPAR 2024 CORE profiles named in each key.
MOTIFS = {
    # GATA1, MA0035: AGATAA core
    "GATA": np.array([
        [0.60, 0.10, 0.15, 0.15], [0.02, 0.01, 0.95, 0.02], [0.96, 0.01, 0.01, 0.02],
        [0.02, 0.01, 0.01, 0.96], [0.90, 0.02, 0.03, 0.05], [0.70, 0.05, 0.20, 0.05],
    ]),
    # FOS::JUN (AP-1), MA0099: TGA(C/G)TCA
    "AP-1": np.array([
        [0.05, 0.05, 0.05, 0.85], [0.03, 0.02, 0.90, 0.05], [0.92, 0.03, 0.03, 0.02],
        [0.10, 0.45, 0.40, 0.05], [0.02, 0.03, 0.05, 0.90], [0.05, 0.88, 0.04, 0.03],
        [0.85, 0.05, 0.05, 0.05],
    ]),
    # GABPA (ETS), MA0062: CCGGAAGT
    "ETS": np.array([
        [0.15, 0.60, 0.15, 0.10], [0.05, 0.85, 0.05, 0.05], [0.02, 0.03, 0.93, 0.02],
        [0.02, 0.02, 0.94, 0.02], [0.94, 0.02, 0.02, 0.02], [0.85, 0.03, 0.07, 0.05],
        [0.20, 0.10, 0.60, 0.10], [0.15, 0.20, 0.10, 0.55],
    ]),
    # ZEB1, MA0103 (repressor): CAGGTG
    "ZEB": np.array([
        [0.10, 0.75, 0.10, 0.05], [0.88, 0.04, 0.04, 0.04], [0.04, 0.04, 0.88, 0.04],
        [0.04, 0.04, 0.88, 0.04], [0.04, 0.04, 0.04, 0.88], [0.10, 0.10, 0.70, 0.10],
    ]),
}

#: Additive effect of one bound site on activity (log scale).
MOTIF_EFFECTS = {"GATA": 1.0, "AP-1": 1.5, "ETS": 0.8, "ZEB": -1.2}
#: Extra activity when both motifs of a pair are bound (cooperativity).
SYNERGY = {("AP-1", "ETS"): 1.0}

#: Bits below a motif's best log-odds score at which a site is half occupied.
OCCUPANCY_OFFSET = 3.0


def _sample_instance(pwm: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
    """One motif instance, as base indices, drawn position by position."""
    cumulative = np.cumsum(pwm / pwm.sum(axis=1, keepdims=True), axis=1)
    return (rng.random_sample((len(pwm), 1)) > cumulative).sum(axis=1)


def motif_occupancy(codes: np.ndarray) -> dict[str, np.ndarray]:
    """Expected number of bound sites of each motif in each sequence.

    A site's occupancy is ``sigmoid(score - (best - OCCUPANCY_OFFSET))``,
    with ``score`` its log2-odds against a uniform background (forward
    strand) and ``best`` the motif's highest possible score; occupancies
    are summed over positions. Activity defined from this, rather than from
    which instances were planted, is a function of the sequence alone: a
    chance match in the background counts as much as a planted one.

    Parameters
    ----------
    codes : ndarray of shape (n_sequences, length), int
        Base indices (0-3 for A, C, G, T).

    Returns
    -------
    dict of str to ndarray of shape (n_sequences,)
    """
    onehot = np.eye(4)[codes]
    occupancy = {}
    for name, pwm in MOTIFS.items():
        log_odds = np.log2((pwm + 1e-3) / (1 + 4e-3) / 0.25)
        windows = np.lib.stride_tricks.sliding_window_view(onehot, len(pwm), axis=1)
        scores = np.einsum("nwck,kc->nw", windows, log_odds)  # (n, n_windows)
        offset = log_odds.max(axis=1).sum() - OCCUPANCY_OFFSET
        occupancy[name] = (1 / (1 + np.exp(-(scores - offset)))).sum(axis=1)
    return occupancy


def make_regulatory_sequences(
    n_samples=1000,
    length=200,
    n_replicates=2,
    noise=0.3,
    max_motifs=3,
    return_replicates=False,
    random_state=None,
):
    """Random DNA with planted TF motifs and activity from a motif grammar.

    Each sequence has a uniform random background with 0 to ``max_motifs``
    non-overlapping instances sampled from real TF motifs (GATA, AP-1, ETS
    activators, ZEB repressor; ``MOTIFS``). Its true activity is read
    from the sequence by :func:`motif_occupancy`: the sum of
    ``MOTIF_EFFECTS`` times the bound sites of each motif, plus
    ``SYNERGY`` times the smaller occupancy of a cooperating pair. Each
    replicate measurement adds Gaussian noise whose
    standard deviation grows with activity,
    ``noise * (1 + 0.5 * max(activity, 0))``, so the data carry input-
    dependent (aleatoric) noise.

    Parameters
    ----------
    n_samples : int, default=1000
    length : int, default=200
        Sequence length in bp; at least ``max_motifs`` times the longest
        motif (8 bp).
    n_replicates : int, default=2
        Replicate measurements per sequence; ``y`` is their mean.
    noise : float, default=0.3
        Replicate noise standard deviation at zero activity.
    max_motifs : int, default=3
    return_replicates : bool, default=False
        Also return the replicates and the noise-free activity.
    random_state : int, RandomState or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples,), str
        Sequences over A, C, G, T.
    y : ndarray of shape (n_samples,), float64
        Mean of the replicate measurements.
    y_replicates : ndarray of shape (n_samples, 1, n_replicates), float64
        Only with ``return_replicates``; the layout (samples, tasks,
        replicates) that distillation with replicate aleatoric targets takes.
    activity : ndarray of shape (n_samples,), float64
        Only with ``return_replicates``: the noise-free activity.
    """
    rng = check_random_state(random_state)
    names = list(MOTIFS)
    longest = max(len(m) for m in MOTIFS.values())
    if length < max_motifs * longest:
        raise ValueError(f"length must be >= {max_motifs * longest} for max_motifs={max_motifs}")
    if n_replicates < 1:
        raise ValueError(f"n_replicates must be >= 1, got {n_replicates}")
    codes = rng.randint(4, size=(n_samples, length))
    slots = length // longest  # non-overlapping slots of the longest motif's width
    for i in range(n_samples):
        n_motifs = rng.randint(max_motifs + 1)
        chosen = rng.choice(len(names), size=n_motifs)
        for slot, m in zip(rng.choice(slots, size=n_motifs, replace=False), chosen):
            instance = _sample_instance(MOTIFS[names[m]], rng)
            start = slot * longest + rng.randint(longest - len(instance) + 1)
            codes[i, start:start + len(instance)] = instance
    occupancy = motif_occupancy(codes)
    activity = sum(MOTIF_EFFECTS[name] * occ for name, occ in occupancy.items())
    for (a, b), effect in SYNERGY.items():
        activity = activity + effect * np.minimum(occupancy[a], occupancy[b])
    sd = noise * (1 + 0.5 * np.maximum(activity, 0))
    replicates = activity[:, None] + sd[:, None] * rng.standard_normal((n_samples, n_replicates))
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)[codes]
    X = letters.view(f"S{length}").ravel().astype(str)
    y = replicates.mean(axis=1)
    if return_replicates:
        return X, y, replicates[:, None, :], activity
    return X, y
