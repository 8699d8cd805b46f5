"""Simulated base-resolution profiles: motif footprints, count noise, replicates."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

from ._motifs import read_meme
from ._simulated import MOTIFS, OCCUPANCY_OFFSET, _sample_instance

#: Distance (bp) from a motif's edge to the peak of each flank of its
#: footprint, and the flanks' standard deviation (bp): accessible DNA is cut
#: beside a bound factor, not under it (an ATAC-seq footprint).
FOOTPRINT_GAP, FOOTPRINT_SD = 8, 6.0


def _occupancy(onehot: np.ndarray, pwm: np.ndarray) -> np.ndarray:
    """Occupancy ``(n, length)`` of a motif at each centre position, either strand."""
    log_odds = np.log2((pwm + 1e-3) / (1 + 4e-3) / 0.25)
    offset = log_odds.max(axis=1).sum() - OCCUPANCY_OFFSET
    width = len(pwm)
    windows = np.lib.stride_tricks.sliding_window_view(onehot, width, axis=1)  # (n, W, 4, w)
    forward = np.einsum("nwck,kc->nw", windows, log_odds)
    reverse = np.einsum("nwck,kc->nw", windows, log_odds[::-1, ::-1])
    score = np.maximum(forward, reverse)
    occupancy = np.zeros(onehot.shape[:2])
    occupancy[:, width // 2: width // 2 + score.shape[1]] = 1 / (1 + np.exp(-(score - offset)))
    return occupancy


def _footprint(width: int) -> np.ndarray:
    """Cut-site density around a bound site of ``width`` bp, centred, summing to 1."""
    reach = width // 2 + FOOTPRINT_GAP + int(3 * FOOTPRINT_SD)
    x = np.arange(-reach, reach + 1, dtype=np.float64)
    peak = width / 2 + FOOTPRINT_GAP
    kernel = (np.exp(-0.5 * ((x - peak) / FOOTPRINT_SD) ** 2)
              + np.exp(-0.5 * ((x + peak) / FOOTPRINT_SD) ** 2))
    kernel[np.abs(x) <= width / 2] = 0.0  # the factor protects its own site
    return kernel / kernel.sum()


def make_profiles(n_samples=500, length=512, motifs=None, n_tasks=1, n_replicates=3,
                  sites_per_sequence=2.0, depth=20.0, dispersion=0.1, background=0.05,
                  resolution=1, return_replicates=False, random_state=None):
    """Random DNA with planted TF motifs and ATAC-like profiles with count noise.

    Each sequence has a uniform random background with a Poisson number of
    motif instances (mean ``sites_per_sequence``, either strand) sampled
    from real position probability matrices. Every position's occupancy by
    every motif is read from the sequence (a sigmoid of its log-odds
    score, either strand, as in :func:`motif_occupancy`: chance matches
    count too). A bound site adds a footprint to each task's expected
    coverage: two flanks of cut sites beside the motif and none under it,
    with a per-motif, per-task strength. Each replicate is a
    negative-binomial count per base (mean ``depth × rate``, variance
    ``mean + dispersion × mean²``) at its own sequencing depth; ``y`` is
    the replicates' depth-normalised mean.

    Parameters
    ----------
    n_samples : int, default=500
    length : int, default=512
        Sequence length in bp, a multiple of ``resolution``.
    motifs : dict of str to ndarray (width, 4), str or path-like, default=None
        Position probability matrices, or a MEME file (e.g. JASPAR's, read
        with :func:`read_meme`; its first 8 motifs are used); None: the
        JASPAR motifs of ``uqgenomics.datasets.MOTIFS``.
    n_tasks : int, default=1
        Tracks sharing the sequences, each with its own motif strengths.
    n_replicates : int, default=3
    sites_per_sequence : float, default=2.0
    depth : float, default=20.0
        Mean reads per unit rate; replicates' depths vary by ±25 %.
    dispersion : float, default=0.1
        Negative-binomial overdispersion (0: Poisson).
    background : float, default=0.05
        Rate of cuts away from any bound factor, per bp.
    resolution : int, default=1
        Bases per output bin (counts summed).
    return_replicates : bool, default=False
        Also return the replicates and the expected profile.
    random_state : int, RandomState or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples,), str
    y : ndarray of shape (n_samples, length // resolution, n_tasks), float32
        Depth-normalised coverage, the mean of the replicates.
    y_replicates : ndarray of shape (n_samples, length // resolution, n_tasks, n_replicates)
        Only with ``return_replicates``; float32, depth-normalised.
    rate : ndarray of shape (n_samples, length // resolution, n_tasks), float32
        Only with ``return_replicates``: the expected profile (noise-free).
    """
    rng = check_random_state(random_state)
    if motifs is None:
        motifs = MOTIFS
    elif not isinstance(motifs, dict):
        motifs = dict(list(read_meme(motifs).items())[:8])
    if not motifs:
        raise ValueError("motifs is empty")
    if length % resolution:
        raise ValueError(f"length {length} is not a multiple of resolution {resolution}")
    longest = max(len(pwm) for pwm in motifs.values())
    if length < 4 * longest:
        raise ValueError(f"length must be at least {4 * longest} bp (4 widths of the longest "
                         f"motif); got {length}")
    if n_replicates < 1 or n_tasks < 1:
        raise ValueError("n_replicates and n_tasks must be >= 1")
    pwms = list(motifs.values())
    codes = rng.randint(4, size=(n_samples, length))
    for i in range(n_samples):
        for _ in range(rng.poisson(sites_per_sequence)):
            pwm = pwms[rng.randint(len(pwms))]
            instance = _sample_instance(pwm, rng)
            if rng.rand() < 0.5:  # the reverse strand
                instance = 3 - instance[::-1]
            start = rng.randint(length - len(instance) + 1)
            codes[i, start:start + len(instance)] = instance
    onehot = np.eye(4)[codes]
    strength = rng.lognormal(np.log(8.0), 0.5, size=(len(pwms), n_tasks)) * (
        rng.random_sample((len(pwms), n_tasks)) < 0.75)
    rate = np.full((n_samples, length, n_tasks), background)
    for m, pwm in enumerate(pwms):
        occupancy = _occupancy(onehot, pwm)
        kernel = _footprint(len(pwm))
        cuts = np.apply_along_axis(np.convolve, 1, occupancy, kernel, mode="same")
        rate += cuts[:, :, None] * strength[m]
    rate = rate.reshape(n_samples, length // resolution, resolution, n_tasks).sum(axis=2)
    depths = depth * rng.uniform(0.75, 1.25, size=n_replicates)
    mean = rate[..., None] * depths  # (n, L', T, R)
    if dispersion > 0:  # gamma-Poisson mixture = negative binomial
        mean = rng.gamma(1 / dispersion, mean * dispersion)
    replicates = (rng.poisson(mean) / depths).astype(np.float32)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)[codes]
    X = letters.view(f"S{length}").ravel().astype(str)
    y = replicates.mean(axis=-1)
    if return_replicates:
        return X, y, replicates, rate.astype(np.float32)
    return X, y
