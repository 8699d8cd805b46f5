"""Dataset loaders on small files in the documented formats, and on ../shared/data."""

import gzip
import hashlib
import http.server
import json
import threading
import warnings

import h5py
import numpy as np
import pytest

from tests.conftest import SHARED_DATA
from uqgenomics.datasets import (
    MissingDataError,
    fetch_deepstarr,
    fetch_lentimpra,
    get_data_home,
    load_cagi5,
    load_chip_peaks,
    load_lentimpra_wtc11,
    load_mpsa,
    load_sortseq,
    sample_reads,
)
from uqgenomics.encoding import one_hot_encode, reverse_complement

SPLITS = {"Train": 6, "Val": 3, "Test": 4}


def _random_sequences(n, length, seed):
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)]


def _write_deepstarr_release(folder):
    folder.mkdir(parents=True, exist_ok=True)
    expected = {}
    for i, (split, n) in enumerate(SPLITS.items()):
        sequences = _random_sequences(n, 249, i)
        activity = np.random.default_rng(i).normal(size=(n, 2))
        with open(folder / f"Sequences_{split}.fa", "w") as handle:
            handle.writelines(f">chr2L_{j}_+_positive_peaks\n{s}\n" for j, s in enumerate(sequences))
        with open(folder / f"Sequences_activity_{split}.txt", "w") as handle:
            handle.write("Dev_log2_enrichment\tHk_log2_enrichment\tclass\n")
            handle.writelines(f"{a:.6f}\t{b:.6f}\tpeak\n" for a, b in activity)
        expected[split] = (sequences, activity)
    return expected


def test_data_home_argument_and_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("UQGENOMICS_DATA", str(tmp_path / "env"))
    assert get_data_home() == tmp_path / "env"
    assert get_data_home(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv("UQGENOMICS_DATA")
    assert get_data_home().name == "uqgenomics_data"


def test_deepstarr_release_layout(tmp_path, monkeypatch):
    expected = _write_deepstarr_release(tmp_path / "deepstarr")
    monkeypatch.setenv("UQGENOMICS_DATA", str(tmp_path))
    data = fetch_deepstarr(download_if_missing=False)
    assert data.layout == "release" and data.target_names == ["Dev", "Hk"]
    for split, name in (("train", "Train"), ("valid", "Val"), ("test", "Test")):
        assert list(data[f"X_{split}"]) == expected[name][0]
        np.testing.assert_allclose(data[f"y_{split}"], expected[name][1], atol=1e-6)


def test_deepstarr_h5_layout_channels_first(tmp_path):
    folder = tmp_path / "deepstarr"
    folder.mkdir()
    onehot = one_hot_encode(_random_sequences(5, 249, 0))
    with h5py.File(folder / "DeepSTARR_data.h5", "w") as handle:
        for split in ("train", "valid", "test"):
            handle[f"x_{split}"] = onehot.transpose(0, 2, 1)  # EvoAug stores (N, 4, L)
            handle[f"y_{split}"] = np.arange(10.0).reshape(5, 2)
    data = fetch_deepstarr(data_home=tmp_path, download_if_missing=False)
    assert data.layout == "h5" and data.X_valid.shape == (5, 249, 4)
    np.testing.assert_array_equal(data.X_test, onehot)
    assert data.y_train.shape == (5, 2)


def test_deepstarr_missing_files_say_what_and_where(tmp_path):
    with pytest.raises(MissingDataError, match=r"Sequences_Train\.fa.*zenodo.*5502060") as info:
        fetch_deepstarr(data_home=tmp_path, download_if_missing=False)
    assert str(tmp_path / "deepstarr") in str(info.value)


class _FakeZenodo(http.server.BaseHTTPRequestHandler):
    """Serves a record listing and its files on loopback."""

    files: dict = {}
    checksums: dict = {}

    def do_GET(self):  # noqa: N802 (http.server's name)
        host = f"http://127.0.0.1:{self.server.server_port}"
        if self.path == "/api/records/5502060":
            body = json.dumps({"files": [
                {"key": name, "checksum": self.checksums[name],
                 "links": {"self": f"{host}/files/{name}/content"}}
                for name in self.files]}).encode()
        else:
            body = self.files[self.path.split("/")[2]]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_zenodo(tmp_path, monkeypatch):
    source = tmp_path / "source"
    _write_deepstarr_release(source)
    _FakeZenodo.files = {p.name: p.read_bytes() for p in source.iterdir()}
    _FakeZenodo.checksums = {n: "md5:" + hashlib.md5(b).hexdigest()
                             for n, b in _FakeZenodo.files.items()}
    server = http.server.HTTPServer(("127.0.0.1", 0), _FakeZenodo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr("uqgenomics.datasets._download.ZENODO_API",
                        f"http://127.0.0.1:{server.server_port}/api/records")
    yield source
    server.shutdown()


def test_deepstarr_download_verifies_checksums(tmp_path, fake_zenodo):
    data = fetch_deepstarr(data_home=tmp_path / "home", progress=False)
    assert data.layout == "release" and len(data.X_train) == 6
    assert sorted(p.name for p in (tmp_path / "home" / "deepstarr").iterdir()) == sorted(
        _FakeZenodo.files)


def test_deepstarr_download_rejects_a_corrupt_file(tmp_path, fake_zenodo):
    _FakeZenodo.checksums["Sequences_Val.fa"] = "md5:" + "0" * 32
    with pytest.raises(OSError, match="Sequences_Val.fa: md5 checksum"):
        fetch_deepstarr(data_home=tmp_path / "home", progress=False)
    assert not any(p.name.startswith("Sequences_Val.fa")
                   for p in (tmp_path / "home" / "deepstarr").iterdir())


def _write_lentimpra(folder, cell="HepG2"):
    folder.mkdir(parents=True)
    rows = ["seq\trep1\trep2\trep3"]
    truth = {}
    with h5py.File(folder / f"{cell}_data.h5", "w") as handle:
        for i, (split, n) in enumerate(SPLITS.items()):
            sequences = _random_sequences(n, 230, 10 + i)
            reps = np.random.default_rng(i).normal(size=(n, 3))
            reps[0, 2] = np.nan
            group = handle.create_group(split)
            group["X"] = one_hot_encode(sequences)
            group["y"] = np.c_[np.nanmean(reps, 1), np.nanstd(reps, 1, ddof=1)]
            truth[split] = reps
            # The last element of each split has no replicate row.
            rows += ["\t".join([s] + ["" if np.isnan(v) else f"{v:.6f}" for v in r])
                     for s, r in zip(sequences[:-1], reps[:-1])]
    (folder / f"{cell}_replicates.tsv").write_text("\n".join(rows) + "\n")
    return truth


def test_lentimpra_h5_and_replicate_table(tmp_path):
    truth = _write_lentimpra(tmp_path / "lentimpra")
    data = fetch_lentimpra("HepG2", data_home=tmp_path)
    assert data.X_train.shape == (6, 230, 4) and data.y_valid.shape == (3,)
    assert data.replicate_names == ["rep1", "rep2", "rep3"]
    reps = data.y_replicates_test
    assert reps.shape == (4, 1, 3)
    np.testing.assert_allclose(reps[:-1, 0], truth["Test"][:-1], atol=1e-6)
    assert np.isnan(reps[0, 0, 2]) and np.all(np.isnan(reps[-1]))
    np.testing.assert_allclose(data.y_std_train, np.nanstd(truth["Train"], 1, ddof=1))
    without = fetch_lentimpra("HepG2", data_home=tmp_path, replicates=False)
    assert "y_replicates_train" not in without
    with pytest.raises(MissingDataError, match="K562_data.h5"):
        fetch_lentimpra("K562", data_home=tmp_path)
    with pytest.raises(ValueError, match="cell_type"):
        fetch_lentimpra("HeLa", data_home=tmp_path)


def test_cagi5_windows_on_written_files(tmp_path):
    folder = tmp_path / "cagi5"
    folder.mkdir()
    reference = "ACGTACGTAC"  # element starting at 1-based position 101
    (folder / "base_seqs_v2.csv").write_text(
        f"regulatory_element,ref_sequence,start_pos\nEL,{reference},100\nELMOD,C{reference[1:]},100\n")
    (folder / "cagi5_release.csv").write_text(
        "#Chrom,Pos,Ref,Alt,Value,Confidence,class,regulatory_element\n"
        "1,101,C,T,0.5,0.1,1,release_EL-K562\n"    # first base: matches ELMOD only
        "1,105,A,G,-0.2,0.0,0,release_EL-HepG2\n"
        "1,110,C,A,0.1,0.0,0,release_EL-K562\n")
    data = load_cagi5(window=6, data_home=tmp_path)
    assert data.n_mismatches == 0
    # inside the element: the first and last variants off-centre, no N
    assert list(data.ref) == ["CCGTAC", "CGTACG", "ACGTAC"]
    assert list(data.alt) == ["TCGTAC", "CGTGCG", "ACGTAA"]
    assert list(data.frame["window_index"]) == [0, 3, 5]
    assert list(data.frame["n_padded"]) == [0, 0, 0]
    assert list(data.frame["element"]) == ["EL"] * 3
    assert list(data.frame["element_set"]) == ["EL-K562", "EL-HepG2", "EL-K562"]
    np.testing.assert_allclose(data.y, [0.5, -0.2, 0.1])
    with pytest.warns(UserWarning, match="1 of 3 Ref alleles"):
        original = load_cagi5(window=6, data_home=tmp_path, modified_reference=False)
    assert list(original.frame["ref_matches"]) == [False, True, True]
    assert original.ref[0] == "ACGTAC"
    # an element shorter than the window: N on both sides, counted and warned
    with pytest.warns(UserWarning, match=r"1 elements are shorter than the 13 bp window \(EL 10"):
        wide = load_cagi5(window=13, data_home=tmp_path)
    assert list(wide.ref) == ["NCCGTACGTACNN"] * 3
    assert list(wide.alt) == ["NTCGTACGTACNN", "NCCGTGCGTACNN", "NCCGTACGTAANN"]
    assert list(wide.frame["n_padded"]) == [3, 3, 3]
    assert list(wide.frame["window_index"]) == [1, 5, 10]


def test_sample_reads_positions_strands_and_ambiguity(tmp_path):
    contigs = {"c1 first": "ACGT" * 50, "c2": "N" * 100 + "GGCCTTAA" * 25, "tiny": "ACG"}
    path = tmp_path / "genome.fa.gz"
    with gzip.open(path, "wt") as handle:
        handle.writelines(f">{n}\n{s}\n" for n, s in contigs.items())
    reads = sample_reads(path, read_length=50, n_reads=300, random_state=0)
    assert reads.reads.shape == (300,) and set(reads.contig) <= {"c1", "c2"}
    for read, contig, start, strand in zip(reads.reads, reads.contig, reads.start, reads.strand):
        name = "c1 first" if contig == "c1" else contig
        forward = contigs[name][start: start + 50]
        assert read == (forward if strand == "+" else reverse_complement(forward))
        assert "N" not in read
    assert 0.35 < np.mean(reads.strand == "-") < 0.65
    again = sample_reads(path, read_length=50, n_reads=300, random_state=0)
    np.testing.assert_array_equal(reads.reads, again.reads)
    forward_only = sample_reads(path, read_length=50, n_reads=20, random_state=0,
                                both_strands=False)
    assert set(forward_only.strand) == {"+"}
    with pytest.raises(ValueError, match="no contig"):
        sample_reads(path, read_length=1000, n_reads=1)


@pytest.mark.shared_data
def test_real_cagi5_release_set():
    with pytest.warns(UserWarning, match=r"1 elements are shorter .*HBB 188 bp"):
        data = load_cagi5(data_home=SHARED_DATA)
    assert len(data.frame) == 4650 and data.n_mismatches == 0
    padded = data.frame["n_padded"] > 0
    assert set(data.frame.loc[padded, "element"]) == {"HBB"}
    assert not any("N" in w for w in data.ref[~padded.to_numpy()])  # inside the element
    assert data.frame["element_set"].nunique() == 15
    assert all(len(w) == 230 for w in data.ref[:50])
    differs = [sum(a != b for a, b in zip(r, s)) for r, s in zip(data.ref, data.alt)]
    assert set(differs) == {1}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert load_cagi5(data_home=SHARED_DATA, modified_reference=False).n_mismatches == 7


@pytest.mark.shared_data
def test_real_tables_load():
    wtc11 = load_lentimpra_wtc11(data_home=SHARED_DATA)
    assert len(wtc11.X_valid) == 4617 and len(wtc11.X_test) == 4620
    mpsa = load_mpsa(data_home=SHARED_DATA)
    assert mpsa.y_replicates.shape == (len(mpsa.y), 1, 2)
    assert set(mpsa.X[0]) <= set("ACGT") and set(mpsa.split) == {"training", "validation", "test"}
    both = ~np.isnan(mpsa.y_replicates[:, 0, 1])
    assert both.mean() > 0.9
    assert np.corrcoef(mpsa.y_replicates[both, 0].T)[0, 1] > 0.5
    sortseq = load_sortseq(data_home=SHARED_DATA)
    assert sortseq.counts.shape == (50518, 10) and 0 <= sortseq.y.min() <= sortseq.y.max() <= 9
    chip = load_chip_peaks(data_home=SHARED_DATA)
    assert len(chip.X_train) == 7797 and set(chip.y_test) == {"oct4", "mafk"}
    assert len(chip.X_ood) == 500
    reads = sample_reads(SHARED_DATA / "genomes" / "kutzneria_kk037166.fna.gz", n_reads=50,
                         random_state=0)
    assert all(len(r) == 150 for r in reads.reads)
