import numpy as np
import pytest

from uqgenomics.datasets import MOTIFS, make_regulatory_sequences, motif_occupancy


def test_shapes_determinism_and_alphabet():
    X, y = make_regulatory_sequences(50, length=60, random_state=0)
    assert X.shape == (50,) and y.shape == (50,) and y.dtype == np.float64
    assert all(len(s) == 60 and set(s) <= set("ACGT") for s in X)
    X2, y2 = make_regulatory_sequences(50, length=60, random_state=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_replicates_and_activity():
    X, y, reps, activity = make_regulatory_sequences(
        2000, length=80, n_replicates=3, noise=0.2, return_replicates=True, random_state=1
    )
    assert reps.shape == (2000, 1, 3)
    np.testing.assert_allclose(y, reps[:, 0, :].mean(axis=1))
    assert np.corrcoef(activity, y)[0, 1] > 0.9
    # noise grows with activity: replicate spread is larger for active sequences
    spread = reps[:, 0, :].std(axis=1, ddof=1)
    high, low = activity > np.quantile(activity, 0.8), activity < np.quantile(activity, 0.2)
    assert spread[high].mean() > 1.3 * spread[low].mean()


def test_occupancy_sees_a_consensus_site():
    background = np.zeros((1, 40), dtype=int)  # poly-A
    site = np.array([list(MOTIFS["AP-1"].argmax(axis=1))])
    with_site = background.copy()
    with_site[0, 10:10 + site.shape[1]] = site
    occupancy, empty = motif_occupancy(with_site), motif_occupancy(background)
    assert occupancy["AP-1"][0] > 0.9 and empty["AP-1"][0] < 0.01


def test_bad_arguments():
    with pytest.raises(ValueError, match="length must be"):
        make_regulatory_sequences(10, length=10)
    with pytest.raises(ValueError, match="n_replicates"):
        make_regulatory_sequences(10, length=40, n_replicates=0)
