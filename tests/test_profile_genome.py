"""Profile targets from bigWig replicates, chromosome splits, and profile tracks out."""

import numpy as np
import pytest

pysam = pytest.importorskip("pysam", reason="genome files need pysam (uqgenomics[genome])")
pybigtools = pytest.importorskip("pybigtools", reason="bigWig needs pybigtools")

from uqgenomics import EnsembleRegressor, one_hot_encode  # noqa: E402
from uqgenomics.genome import Genome, chromosome_split, profile_dataset  # noqa: E402
from uqgenomics.stream import predict_regions, write_tracks  # noqa: E402

from ._float32 import assert_float32_close  # noqa: E402
from .test_genome import CONTIGS, random_genome, write_fasta  # noqa: E402
from .test_profiles import TINY_PROFILE  # noqa: E402


@pytest.fixture
def fasta(tmp_path):
    return write_fasta(tmp_path / "genome.fa", random_genome(2))


def _bigwig(path, values_by_contig):
    """A bigWig with one interval per base (as ENCODE's fold-change tracks, which
    leave stretches without value out)."""
    intervals = [(chrom, i, i + 1, float(v)) for chrom, values in values_by_contig.items()
                 for i, v in enumerate(values) if not np.isnan(v)]
    pybigtools.open(str(path), "w").write(dict(CONTIGS), iter(intervals))
    return path


def _signal(seed, gap=False):
    rng = np.random.default_rng(seed)
    values = {c: np.round(rng.random(n) * 3, 3) for c, n in CONTIGS.items()}
    if gap:
        values["chr2"][100:110] = np.nan
    return values


def test_profiles_are_read_from_replicate_bigwigs_unchanged(fasta, tmp_path):
    genome = Genome(fasta)
    plus = [_signal(1), _signal(2)]
    minus = [_signal(3), _signal(4)]
    tracks = {"plus": [_bigwig(tmp_path / f"p{i}.bw", v) for i, v in enumerate(plus)],
              "minus": [_bigwig(tmp_path / f"m{i}.bw", v) for i, v in enumerate(minus)]}
    bed = tmp_path / "peaks.bed"
    bed.write_text("chr1\t100\t120\tp1\nchr2\t40\t60\tp2\n")
    data = profile_dataset(genome, tracks, bed, length=32)
    assert [(w.chrom, w.start, w.end) for w in data.windows] == [("chr1", 94, 126),
                                                                  ("chr2", 34, 66)]
    assert data.X.shape == (2, 32, 4) and data.y.shape == (2, 32, 2)
    assert data.y_replicates.shape == (2, 32, 2, 2) and data.target_names == ["plus", "minus"]
    np.testing.assert_array_equal(data.X[0], one_hot_encode([genome.fetch("chr1", 94, 126)])[0])
    # the values as the files hold them (float32 in bigWig), replicate by replicate
    np.testing.assert_allclose(data.y_replicates[0, :, 1, 1], minus[1]["chr1"][94:126],
                               rtol=1e-6)
    np.testing.assert_allclose(data.y[1, :, 0], (plus[0]["chr2"][34:66]
                                                 + plus[1]["chr2"][34:66]) / 2, rtol=1e-6)
    binned = profile_dataset(genome, tracks, bed, length=32, resolution=4)
    assert binned.y.shape == (2, 8, 2)
    np.testing.assert_allclose(binned.y, data.y.reshape(2, 8, 4, 2).mean(2), rtol=1e-6)


def test_tiled_chromosomes_split_by_chromosome_and_gaps_are_handled(fasta, tmp_path):
    signal = _bigwig(tmp_path / "gappy.bw", _signal(5, gap=True))
    data = profile_dataset(fasta, [signal], length=40)  # every contig tiled
    assert set(data.chroms) == {"chr1", "chr2"} and data.y.shape[1:] == (40, 1)
    assert len(data.windows) == 8 + 3  # the last window of a contig ends at its end
    gap = [i for i, w in enumerate(data.windows) if w.chrom == "chr2" and w.start <= 100 < w.end]
    assert (data.y[gap[0], 100 - data.windows[gap[0]].start, 0]) == 0.0  # uncovered = 0
    with pytest.raises(ValueError, match="no value for 10 bases"):
        profile_dataset(fasta, [signal], length=40, uncovered="error")
    train, valid, test = chromosome_split(data.chroms, test="chr2", validation=[])
    assert set(data.chroms[test]) == {"chr2"} and not len(valid)
    assert set(data.chroms[train]) == {"chr1"}
    with pytest.raises(ValueError, match="chr9"):
        chromosome_split(data.chroms, test="chr9", validation="chr1")
    with pytest.raises(ValueError, match="both test and validation"):
        chromosome_split(data.chroms, test="chr1", validation="chr1")
    clean = profile_dataset(fasta, [signal], length=40, max_ambiguous=0)
    assert clean.n_dropped == 1 and (clean.n_ambiguous == 0).all()
    with pytest.raises(ValueError, match="same .non-zero. number of replicate"):
        profile_dataset(fasta, {"a": [signal], "b": [signal, signal]}, length=40)


def test_profile_tracks_place_each_bin_on_its_bases(fasta, tmp_path):
    genome = Genome(fasta)
    rng = np.random.default_rng(0)
    X = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (64, 40))]
    y = rng.random((64, 20, 1)).astype(np.float32)  # 2 bp bins
    params = {**TINY_PROFILE, "network__pool_sizes": (2, 2, 2)}
    model = EnsembleRegressor(n_estimators=2, **params).fit(X, y)
    tracks = write_tracks(model, genome, tmp_path / "out" / "profile", regions=[
        ("chr1", 0, 100)], stride=40)
    assert sorted(tracks) == ["aleatoric", "epistemic", "mean", "total"]
    windows = [(0, 40), (40, 80), (60, 100)]  # the last one ends at the region's end
    predicted = model.predict_uncertainty(one_hot_encode(
        [genome.fetch("chr1", a, b) for a, b in windows]))
    values = pybigtools.open(str(tracks["mean"])).values("chr1", 0, 100, fillna=None)
    # 'center': each base takes the bin whose centre is nearest
    # bases 0-39 from window 0; 40-69 from window 1 (centre 60) and 70-99 from window 2
    # (centre 80): the cut between them is halfway, at 70
    first, second, third = (np.repeat(predicted.mean[k], 2) for k in range(3))
    expected = np.concatenate([first, second[:30], third[10:]])
    assert_float32_close(values, expected, scale=np.abs(expected).max())
    with pytest.raises(ValueError, match="write_tracks writes a profile model"):
        predict_regions(model, genome, [("chr1", 0, 100)])


def test_a_failing_track_leaves_no_file_behind(tmp_path):
    from uqgenomics.stream._tracks import _write_track

    def intervals():
        yield "chr1", 0, 10, 1.0
        raise RuntimeError("the model failed half-way")

    for name, format in (("broken.mean.bw", "bigwig"), ("broken.mean.bedGraph", "bedgraph")):
        with pytest.raises(RuntimeError, match="half-way"):  # pybigtools alone only prints it
            _write_track(tmp_path / name, CONTIGS, intervals(), format)
        assert list(tmp_path.iterdir()) == []
