"""Genomic regions, windows tiled over them, and genome tracks written from them."""

import io

import numpy as np
import pandas as pd
import pytest

pysam = pytest.importorskip("pysam", reason="genome files need pysam (uqgenomics[genome])")
pybigtools = pytest.importorskip("pybigtools", reason="bigWig needs pybigtools")

from uqgenomics import MCDropoutClassifier, one_hot_encode  # noqa: E402
from uqgenomics.datasets import make_regulatory_sequences  # noqa: E402
from uqgenomics.genome import (  # noqa: E402
    Genome,
    Region,
    check_regions,
    read_bed,
    tile_regions,
)
from uqgenomics.stream import (  # noqa: E402
    WINDOW_KEYS,
    predict_regions,
    track_intervals,
    write_tracks,
)

from ._float32 import assert_float32_close  # noqa: E402
from .conftest import TINY_CNN, WINDOW_LENGTH  # noqa: E402
from .test_genome import CONTIGS, random_genome, write_fasta  # noqa: E402


@pytest.fixture
def fasta(tmp_path):
    return write_fasta(tmp_path / "genome.fa", random_genome(2))


def test_bed_files_are_read_and_checked_against_the_genome(tmp_path, fasta):
    bed = tmp_path / "regions.bed"
    bed.write_text("track name=x\n# comment\nchr2\t10\t60\tpeak1\nchr1\t0\t100\n"
                   "chr1\t200\t300\tlast\n")
    regions = read_bed(bed)
    assert regions == [Region("chr2", 10, 60, "peak1"), Region("chr1", 0, 100),
                       Region("chr1", 200, 300, "last")]
    genome = Genome(fasta)
    assert [r.chrom for r in check_regions(regions, genome, sort=True)] == \
        ["chr1", "chr1", "chr2"]
    with pytest.raises(ValueError, match="overlap.*bedtools merge"):
        check_regions([("chr1", 0, 100), ("chr1", 90, 150)], genome, sort=True)
    check_regions([("chr1", 0, 100), ("chr1", 90, 150)], genome)  # a table may overlap
    with pytest.raises(ValueError, match="outside chr2"):
        check_regions([("chr2", 100, 121)], genome)
    with pytest.raises(ValueError, match="empty"):
        check_regions([("chr2", 50, 50)], genome)
    with pytest.raises(KeyError, match="'chrM' is not in"):
        check_regions([("chrM", 0, 10)], genome)
    (tmp_path / "bad.bed").write_text("chr1\tten\t20\n")
    with pytest.raises(ValueError, match="line 1 is not a BED region"):
        read_bed(tmp_path / "bad.bed")


def test_tiling_covers_each_region_and_centres_short_ones():
    regions = [Region("chr1", 10, 110), Region("chr1", 200, 210), Region("chr2", 0, 5)]
    windows = list(tile_regions(regions, 40, 30, CONTIGS))
    assert windows == [(0, 10, 50), (0, 40, 80), (0, 70, 110),  # 70 + 40 = end: no extra
                       (1, 185, 225),                           # centred on the 10 bp region
                       (2, 0, 40)]                              # moved inwards at the start
    assert list(tile_regions([Region("chr1", 0, 100)], 40, 40, CONTIGS)) == [
        (0, 0, 40), (0, 40, 80), (0, 60, 100)]                  # last one end-aligned
    with pytest.raises(ValueError, match="stride <= window"):
        list(tile_regions(regions, 40, 50, CONTIGS))
    with pytest.raises(ValueError, match="shorter than the window"):
        list(tile_regions([Region("chr2", 0, 5)], 200, 10, CONTIGS))


def test_track_intervals_follow_the_documented_rules():
    region = Region("chr1", 100, 200)
    starts, ends = np.array([90, 110, 130]), np.array([130, 150, 170])  # centres 110, 130, 150
    values, keep = np.array([1.0, 2.0, 4.0]), np.ones(3, bool)
    assert track_intervals(region, starts, ends, values, keep, "center") == [
        (100, 121, 1.0), (121, 141, 2.0), (141, 200, 4.0)]   # ties (120, 140) to the earlier
    assert track_intervals(region, starts, ends, values, [True, False, True], "center") == [
        (100, 121, 1.0), (141, 200, 4.0)]                     # a left-out window: a gap
    assert track_intervals(region, starts, ends, values, keep, "mean") == [
        (100, 110, 1.0), (110, 130, 1.5), (130, 150, 3.0), (150, 170, 4.0)]
    assert track_intervals(region, starts, ends, values, [True, False, True], "mean") == [
        (100, 130, 1.0), (130, 170, 4.0)]
    with pytest.raises(ValueError, match="aggregation"):
        track_intervals(region, starts, ends, values, keep, "max")


def test_region_tables_carry_window_coordinates_and_resume(window_model, fasta, tmp_path):
    genome = Genome(fasta)
    table = predict_regions(window_model, genome, [("chr1", 20, 150), ("chr2", 50, 60)], stride=20,
                            chunk_size=3)
    assert list(table.columns) == [*WINDOW_KEYS, "mean", "epistemic", "aleatoric", "total"]
    assert table[["start", "end"]].values.tolist() == [
        [20, 60], [40, 80], [60, 100], [80, 120], [100, 140], [110, 150], [35, 75]]
    sequences = [genome.fetch(c, s, e) for c, s, e in table[["chrom", "start", "end"]].values]
    direct = window_model.predict_uncertainty(one_hot_encode(sequences))
    assert_float32_close(table["mean"], direct.mean)
    assert_float32_close(table["epistemic"], direct.epistemic, scale=np.abs(direct.mean).max())
    out = tmp_path / "windows.tsv"
    assert predict_regions(window_model, fasta, [("chr1", 20, 150)], out, stride=20,
                           chunk_size=2) == 6
    written = out.read_text()
    out.write_text("\n".join(written.splitlines()[:3]) + "\n")
    assert predict_regions(window_model, fasta, [("chr1", 20, 150)], out, stride=20,
                           chunk_size=2) == 6
    resumed = out.read_text().splitlines()
    assert resumed[:3] == written.splitlines()[:3] and len(resumed) == 7
    again = pd.read_csv(out, sep="\t")
    before = pd.read_csv(io.StringIO(written), sep="\t")
    pd.testing.assert_frame_equal(again[list(WINDOW_KEYS)], before[list(WINDOW_KEYS)])
    for column in ("mean", "epistemic", "total"):  # recomputed rows: float32 rounding
        assert_float32_close(again[column], before[column], scale=np.abs(direct.mean).max())
    with pytest.raises(ValueError, match="another stride"):
        predict_regions(window_model, fasta, [("chr1", 20, 150)], out, stride=10)
    whole = predict_regions(window_model, fasta, stride=40)  # every contig
    assert set(whole["chrom"]) == set(CONTIGS)
    with pytest.raises(ValueError, match="window=30 but"):
        predict_regions(window_model, fasta, window=30)


@pytest.mark.parametrize("aggregation", ["center", "mean"])
def test_bigwig_values_read_back_equal_the_in_memory_predictions(window_model, fasta, tmp_path,
                                                                 aggregation):
    regions = [("chr2", 0, 120), ("chr1", 10, 290)]  # written in the genome's order
    with pytest.warns(UserWarning, match=r"1 of 18 windows have more than 0 N"):
        tracks = write_tracks(window_model, fasta, tmp_path / "out" / "test", regions, stride=20,
                              aggregation=aggregation)
    assert set(tracks) == {"mean", "epistemic", "aleatoric", "total"}
    table = predict_regions(window_model, fasta, check_regions(regions, Genome(fasta), sort=True),
                            stride=20)
    for column, path in tracks.items():
        assert path.name == f"test.{column}.bw"
        reader = pybigtools.open(str(path))
        assert reader.chroms() == CONTIGS
        for index, region in enumerate(check_regions(regions, Genome(fasta), sort=True)):
            rows = table[table["region"] == index]
            expected = track_intervals(region, rows["start"].values, rows["end"].values,
                                       rows[column].values, rows["n_ambiguous"].values == 0,
                                       aggregation)
            found = list(reader.records(region.chrom))
            assert [(a, b) for a, b, _ in found] == [(a, b) for a, b, _ in expected]
            # bigWig stores float32
            np.testing.assert_allclose([v for *_, v in found], [v for *_, v in expected],
                                       rtol=1e-6, atol=1e-7)
    # chr2 holds 5 N at 10-15: the windows over them are gaps in every track
    covered = pybigtools.open(str(tracks["mean"])).values("chr2", 0, 120, fillna=None)
    assert np.isnan(covered[10:15]).all()
    assert not any(p.name.startswith(".tmp") for p in (tmp_path / "out").iterdir())


def test_bedgraph_and_classifier_tracks(fasta, tmp_path):
    X, y = make_regulatory_sequences(200, length=WINDOW_LENGTH, random_state=1)
    classifier = MCDropoutClassifier(n_samples=4, **TINY_CNN).fit(X, y > np.median(y))
    tracks = write_tracks(classifier, fasta, tmp_path / "cls", [("chr1", 0, 120)],
                          format="bedgraph")
    assert set(tracks) == {"proba_False", "proba_True", "total", "aleatoric", "epistemic"}
    lines = pd.read_csv(tracks["proba_True"], sep="\t", header=None)
    # windows 0-40, 40-80, 80-120 (centres 20, 60, 100): cut after the ties 40 and 80
    assert lines[[1, 2]].values.tolist() == [[0, 41], [41, 81], [81, 120]]
    with pytest.raises(ValueError, match="max_ambiguous"):
        write_tracks(classifier, fasta, tmp_path / "x", max_ambiguous=-1)
    with pytest.raises(ValueError, match="format"):
        write_tracks(classifier, fasta, tmp_path / "x", format="wig")


def _bigwig(path, intervals, contigs=CONTIGS):
    pybigtools.open(str(path), "w").write(dict(contigs), iter(intervals))
    return path


def test_training_data_from_bed_regions_and_bigwig_or_table_targets(fasta, tmp_path):
    from uqgenomics.genome import regions_dataset

    genome = Genome(fasta)
    bed = tmp_path / "peaks.bed"
    bed.write_text("chr1\t100\t140\tp1\nchr1\t200\t240\tp2\nchr2\t0\t40\tp3\n")
    signal = _bigwig(tmp_path / "signal.bw", [("chr1", 100, 120, 2.0), ("chr1", 120, 140, 4.0),
                                              ("chr1", 200, 240, 1.0), ("chr2", 0, 40, 0.5)])
    other = _bigwig(tmp_path / "other.bw", [("chr1", 0, 300, 1.0), ("chr2", 0, 120, 3.0)])
    data = regions_dataset(genome, bed, signal)
    assert data.X.shape == (3, 40, 4) and data.X.dtype == np.float32
    np.testing.assert_array_equal(data.X, one_hot_encode(
        [genome.fetch("chr1", 100, 140), genome.fetch("chr1", 200, 240),
         genome.fetch("chr2", 0, 40)]))
    np.testing.assert_allclose(data.y, [3.0, 1.0, 0.5])
    assert data.target_names == ["signal"] and data.n_ambiguous.tolist() == [0, 0, 5]
    both = regions_dataset(genome, bed, [signal, other], statistic="max")
    np.testing.assert_allclose(both.y, [[4.0, 1.0], [1.0, 1.0], [0.5, 3.0]])
    # windows of another length are centred on the regions, inside the contig
    wide = regions_dataset(genome, bed, signal, length=60)
    assert [(w.start, w.end) for w in wide.windows] == [(90, 150), (190, 250), (0, 60)]
    np.testing.assert_allclose(wide.y, data.y)  # targets stay over the regions
    # uncovered bases: an error unless told they are zero coverage
    gappy = _bigwig(tmp_path / "gappy.bw", [("chr1", 100, 110, 4.0), ("chr1", 200, 240, 1.0),
                                            ("chr2", 0, 40, 0.5)])
    with pytest.raises(ValueError, match="no value for 30 bases of chr1:100-140"):
        regions_dataset(genome, bed, gappy)
    np.testing.assert_allclose(regions_dataset(genome, bed, gappy, uncovered="zero").y[0], 1.0)
    table = tmp_path / "targets.tsv"
    table.write_text("chrom\tstart\tend\tactivity\nchr2\t0\t40\t7\nchr1\t100\t140\t5\n"
                     "chr1\t200\t240\t6\n")
    np.testing.assert_allclose(regions_dataset(genome, bed, table, target_columns=["activity"]).y,
                               [5, 6, 7])
    with pytest.raises(ValueError, match="2 lengths"):
        regions_dataset(genome, [("chr1", 0, 40), ("chr1", 50, 100)], signal)
    with pytest.raises(ValueError, match="target_columns"):
        regions_dataset(genome, bed, table)
    table.write_text("chrom\tstart\tend\tactivity\nchr1\t100\t140\t5\n")
    with pytest.raises(ValueError, match="2 regions have no row"):
        regions_dataset(genome, bed, table, target_columns="activity")
    with pytest.raises(KeyError, match="'chr1' is not in renamed.bw"):
        regions_dataset(genome, bed, _bigwig(tmp_path / "renamed.bw", [("1", 0, 10, 1.0)],
                                             contigs={"1": 300}))
