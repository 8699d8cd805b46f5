"""Streaming prediction, tiling and resumable writers."""

import gzip
import pickle

import h5py
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from tests._float32 import assert_float32_close
from tests.conftest import TINY_CNN
from uqgenomics import EnsembleClassifier, EnsembleRegressor
from uqgenomics.encoding import one_hot_encode
from uqgenomics.stream import (
    iter_records,
    predict_fasta,
    predict_stream,
    result_columns,
    tile_records,
    write_predictions,
)
from uqgenomics.stream._writers import WRITERS

COLUMNS = ["mean", "epistemic", "aleatoric", "total"]


@pytest.fixture(scope="module")
def model(sequences):
    X, y = sequences[:2]
    return EnsembleRegressor(n_estimators=2, heteroscedastic=True, **TINY_CNN).fit(X, y)


@pytest.fixture(scope="module")
def fasta(sequences, tmp_path_factory):
    path = tmp_path_factory.mktemp("fasta") / "test.fa"
    path.write_text("".join(f">seq{i} description\n{s[:25]}\n{s[25:]}\n"
                            for i, s in enumerate(sequences[2])))
    return path


def _expected(model, X):
    result = model.predict_uncertainty(X)
    return np.column_stack([result.mean, result.epistemic, result.aleatoric, result.total])


# -- sources ---------------------------------------------------------------

def test_records_from_every_kind_of_source(sequences, fasta, tmp_path):
    seqs = list(sequences[2][:5])
    gz = tmp_path / "test.fa.gz"
    gz.write_bytes(gzip.compress(fasta.read_bytes()))
    with h5py.File(tmp_path / "data.h5", "w") as handle:
        handle["onehot"] = one_hot_encode(seqs)
        handle["text"] = np.array(seqs, dtype="S")
    from_fasta = list(iter_records(fasta))[:5]
    assert from_fasta == [(f"seq{i}", s) for i, s in enumerate(seqs)]
    assert list(iter_records(gz))[:5] == from_fasta
    assert list(iter_records(seqs)) == [(str(i), s) for i, s in enumerate(seqs)]
    assert list(iter_records((f"r{i}", s) for i, s in enumerate(seqs)))[1] == ("r1", seqs[1])
    assert list(iter_records(f"{tmp_path / 'data.h5'}:text"))[2] == ("2", seqs[2])
    name, onehot = list(iter_records((tmp_path / "data.h5", "onehot")))[3]
    assert name == "3" and np.array_equal(onehot, one_hot_encode(seqs[3:4])[0])
    with h5py.File(tmp_path / "data.h5") as handle:
        assert len(list(iter_records(handle["onehot"]))) == 5
    with pytest.raises(ValueError, match="cannot tell"):
        list(iter_records(tmp_path / "reads.txt"))
    with pytest.raises(TypeError, match="cannot stream"):
        list(iter_records(3))


def test_tiling_covers_every_base():
    records = [("chr", "ACGTACGTAC" * 3), ("short", "ACG")]
    windows = list(tile_records(records, window=8, stride=5))
    names = [name for name, _ in windows]
    assert names == ["chr:0-8", "chr:5-13", "chr:10-18", "chr:15-23", "chr:20-28",
                     "chr:22-30", "short:0-3"]
    assert all(len(w) == 8 for _, w in windows[:-1])
    assert windows[-2][1] == records[0][1][22:30]
    exact = [name for name, _ in tile_records([("x", "A" * 16)], window=8, stride=8)]
    assert exact == ["x:0-8", "x:8-16"]
    with pytest.raises(ValueError, match="positive"):
        list(tile_records(records, window=8, stride=0))


# -- predict_stream ---------------------------------------------------------

@pytest.mark.parametrize("n_jobs", [None, 2])
def test_stream_matches_predicting_at_once(model, sequences, n_jobs):
    X_test = sequences[2]
    chunks = list(predict_stream(model, list(X_test), chunk_size=7, n_jobs=n_jobs))
    assert [len(names) for names, _ in chunks] == [7] * 17 + [1]
    values = np.concatenate([np.column_stack([r.mean, r.epistemic, r.aleatoric, r.total])
                             for _, r in chunks])
    expected = _expected(model, X_test)  # one prediction: other batches than chunks of 7
    assert_float32_close(values, expected, np.abs(expected[:, 0]).max())
    assert sum((names for names, _ in chunks), []) == [str(i) for i in range(len(X_test))]


def test_stream_is_lazy():
    # A million-record generator: the first chunk comes back after reading
    # about one chunk, so memory does not grow with the stream.
    pulled = []

    def records():
        for i in range(1_000_000):
            pulled.append(i)
            yield "ACGT" * 10

    X, y = one_hot_encode(["ACGT" * 10, "TTTT" * 10] * 10), np.arange(20.0)
    small = EnsembleRegressor(n_estimators=2, **dict(TINY_CNN, max_epochs=1)).fit(X, y)
    stream = predict_stream(small, records(), chunk_size=100)
    names, result = next(stream)
    assert len(names) == 100 and result.mean.shape == (100,)
    assert len(pulled) <= 300
    stream.close()


def test_stream_tiles_long_records(model):
    genome = "".join(np.random.default_rng(0).choice(list("ACGT"), 130))
    chunks = list(predict_stream(model, [("chr1", genome)], stride=30, chunk_size=2))
    names = sum((n for n, _ in chunks), [])
    assert names == ["chr1:0-40", "chr1:30-70", "chr1:60-100", "chr1:90-130"]
    means = np.concatenate([r.mean for _, r in chunks])
    windows = [genome[s:s + 40] for s in (0, 30, 60, 90)]
    assert_float32_close(means, model.predict(windows))


def test_stream_checks_its_input(model, sequences):
    with pytest.raises(ValueError, match="chunk_size"):
        next(predict_stream(model, list(sequences[2]), chunk_size=0))
    with pytest.raises(ValueError, match="length"):
        next(predict_stream(model, ["ACGT" * 20]))


# -- writers ----------------------------------------------------------------

def _read(path, format):
    if format == "tsv":
        return pd.read_csv(path, sep="\t")
    if format == "parquet":
        return pd.read_parquet(path)
    with h5py.File(path) as handle:
        return pd.DataFrame({"name": handle["name"].asstr()[:],
                             **{c: handle[c][:] for c in COLUMNS}})


@pytest.mark.parametrize("format", ["tsv", "parquet", "h5"])
def test_predict_fasta_writes_means_and_uncertainties(model, sequences, fasta, tmp_path, format):
    out = tmp_path / f"scores.{format}"
    assert predict_fasta(model, fasta, out, chunk_size=16) == 120
    table = _read(out, format)
    assert list(table.columns) == ["name", *COLUMNS]
    assert list(table["name"]) == [f"seq{i}" for i in range(120)]
    np.testing.assert_allclose(table[COLUMNS].to_numpy(), _expected(model, sequences[2]),
                               rtol=1e-5, atol=1e-6)


class Interrupted(Exception):
    pass


def _interrupt_after(monkeypatch, format, chunks):
    """Make the writer of ``format`` die after writing ``chunks`` chunks."""
    writer = WRITERS[format]
    original, calls = writer.write, []

    def write(self, names, values):
        if len(calls) == chunks:
            raise Interrupted
        calls.append(1)
        original(self, names, values)
    monkeypatch.setattr(writer, "write", write)
    return lambda: monkeypatch.setattr(writer, "write", original)


@pytest.mark.parametrize("format", ["tsv", "parquet", "h5"])
def test_resume_after_an_interruption_loses_no_rows(model, sequences, fasta, tmp_path, format,
                                                    monkeypatch):
    out = tmp_path / f"scores.{format}"
    restore = _interrupt_after(monkeypatch, format, chunks=3)
    with pytest.raises(Interrupted):
        predict_fasta(model, fasta, out, chunk_size=16)
    restore()
    partial = _read(out, format)
    assert len(partial) == 48  # three whole chunks made it
    # A crash in the middle of a chunk's write leaves debris behind.
    if format == "tsv":
        with open(out, "a") as handle:
            handle.write("seq48\t0.1\t0.")
    elif format == "parquet":
        (out / ".part-000003.parquet.tmp").write_bytes(b"half a part")
        (out / "_notes.tmp").write_text("a file of the user's")
    else:
        with h5py.File(out, "a") as handle:
            for key in ["name", *COLUMNS]:
                handle[key].resize((60,))
    assert predict_fasta(model, fasta, out, chunk_size=16) == 120
    table = _read(out, format)
    assert list(table["name"]) == [f"seq{i}" for i in range(120)]
    np.testing.assert_allclose(table[COLUMNS].to_numpy(), _expected(model, sequences[2]),
                               rtol=1e-5, atol=1e-6)
    if format == "parquet":  # only the writer's own temporary file was removed
        assert not (out / ".part-000003.parquet.tmp").exists()
        assert (out / "_notes.tmp").read_text() == "a file of the user's"
    # A finished run resumed is a no-op; resume=False starts again.
    assert predict_fasta(model, fasta, out, chunk_size=16) == 120
    assert predict_fasta(model, fasta, out, resume=False, chunk_size=16) == 120


@pytest.mark.parametrize("format", ["tsv", "parquet", "h5"])
def test_another_run_never_appends_to_an_output(model, sequences, fasta, tmp_path, format):
    out = tmp_path / f"scores.{format}"
    predict_fasta(model, fasta, out)
    other = tmp_path / "other.fa"
    other.write_text("".join(f">b{i}\n{s}\n" for i, s in enumerate(sequences[0][:30])))
    # b.fa after a.fa used to return at once, leaving a.fa's scores
    with pytest.raises(ValueError, match="another source.*resume=False"):
        predict_fasta(model, other, out)
    with pytest.raises(ValueError, match="another stride"):
        predict_fasta(model, fasta, out, stride=20)
    retrained = clone(model).set_params(random_state=7).fit(*sequences[:2])
    with pytest.raises(ValueError, match="another model"):
        predict_fasta(retrained, fasta, out)
    # the same file name rewritten with other contents is another source
    changed = tmp_path / "a.fa"
    changed.write_text(fasta.read_text())
    predict_fasta(model, changed, out, resume=False)
    changed.write_text(fasta.read_text().replace("A", "C", 1))
    with pytest.raises(ValueError, match="another source"):
        predict_fasta(model, changed, out)
    assert predict_fasta(model, other, out, resume=False) == 30
    assert list(_read(out, format)["name"]) == [f"b{i}" for i in range(30)]
    # a one-pass iterator cannot be checked against an existing output
    with pytest.raises(ValueError, match="one-pass iterator"):
        write_predictions(model, iter(sequences[2][:5]), out, format=format)


def test_a_classifier_with_object_labels_resumes_in_a_new_process(sequences, fasta, tmp_path):
    # object arrays (classes_ from an object Series) hash by value, not by pointer
    X, y, _, _ = sequences
    labels = pd.Series(np.where(y > np.median(y), "up", "down"), dtype=object)
    clf = EnsembleClassifier(n_estimators=1, **dict(TINY_CNN, max_epochs=1)).fit(X, labels)
    assert clf.classes_.dtype == object
    out = tmp_path / "clf.tsv"
    predict_fasta(clf, fasta, out)
    copy = pickle.loads(pickle.dumps(clf))  # new objects, new addresses
    assert predict_fasta(copy, fasta, out) == 120


def test_corrupt_outputs_are_refused(model, fasta, tmp_path):
    tsv = tmp_path / "scores.tsv"
    predict_fasta(model, fasta, tsv, chunk_size=16)
    lines = tsv.read_text().splitlines(keepends=True)
    lines[10] = lines[10][:12] + "\n"  # a row cut short in the middle of the file
    tsv.write_text("".join(lines))
    with pytest.raises(ValueError, match="row 10 is corrupt or truncated"):
        predict_fasta(model, fasta, tsv)
    (tmp_path / "scores.tsv.run.json").unlink()
    with pytest.raises(ValueError, match="no uqgenomics run record"):
        predict_fasta(model, fasta, tsv)

    folder = tmp_path / "scores.parquet"
    predict_fasta(model, fasta, folder, chunk_size=16)
    (folder / "part-000002.parquet").unlink()
    with pytest.raises(ValueError, match="part-000002.parquet is missing"):
        predict_fasta(model, fasta, folder, chunk_size=16)
    predict_fasta(model, fasta, folder, chunk_size=16, resume=False)
    (folder / "part-000001.parquet").write_bytes(b"not parquet")
    with pytest.raises(ValueError, match="not a readable Parquet file"):
        predict_fasta(model, fasta, folder, chunk_size=16)

    h5 = tmp_path / "scores.h5"
    predict_fasta(model, fasta, h5, chunk_size=16)
    with h5py.File(h5, "a") as handle:
        handle["total"].resize((50,))
    with pytest.raises(ValueError, match="'total' is missing or shorter"):
        predict_fasta(model, fasta, h5)


def test_writer_refuses_bad_outputs_and_sources(model, sequences, fasta, tmp_path):
    out = tmp_path / "scores.tsv"
    out.write_text("name\tsomething_else\n")
    with pytest.raises(ValueError, match="no uqgenomics run record"):
        predict_fasta(model, fasta, out)
    with pytest.raises(ValueError, match="output format"):
        predict_fasta(model, fasta, tmp_path / "scores.xlsx")
    with pytest.raises(ValueError, match="FASTA"):
        predict_fasta(model, tmp_path / "scores.tsv", out)


def test_classifier_and_multitask_columns(sequences, fasta, tmp_path):
    X, y, X_test, _ = sequences
    labels = np.where(y > np.median(y), "active", "inactive")
    clf = EnsembleClassifier(n_estimators=2, **dict(TINY_CNN, max_epochs=1)).fit(X, labels)
    assert result_columns(clf) == ["proba_active", "proba_inactive", "total", "aleatoric",
                                   "epistemic"]
    predict_fasta(clf, fasta, tmp_path / "clf.tsv")
    table = pd.read_csv(tmp_path / "clf.tsv", sep="\t")
    np.testing.assert_allclose(table[["proba_active", "proba_inactive"]].to_numpy(),
                               clf.predict_proba(X_test), rtol=1e-5, atol=1e-6)
    two = EnsembleRegressor(n_estimators=2, **dict(TINY_CNN, max_epochs=1)).fit(
        X, np.column_stack([y, -y]))
    assert result_columns(two)[:3] == ["mean_0", "mean_1", "epistemic_0"]


def test_calibrated_models_stream_and_their_calibration_is_part_of_the_run(
        model, sequences, fasta, tmp_path):
    from uqgenomics.calibration import RecalibratedRegressor

    X_test, y_test = sequences[2:]
    recalibrated = RecalibratedRegressor(model, method="std").fit(X_test[:60], y_test[:60])
    out = tmp_path / "calibrated.tsv"
    assert predict_fasta(recalibrated, fasta, out) == len(X_test)
    written = pd.read_csv(out, sep="\t")
    expected = recalibrated.predict_uncertainty(X_test)
    assert_float32_close(written["total"], expected.total)
    assert predict_fasta(recalibrated, fasta, out) == len(X_test)  # the same run resumes
    other = RecalibratedRegressor(model, method="affine").fit(X_test[:60], y_test[:60])
    with pytest.raises(ValueError, match="another model"):
        predict_fasta(other, fasta, out)
    with pytest.raises(ValueError, match="another model"):
        predict_fasta(model, fasta, out)  # the uncalibrated model is another model too
