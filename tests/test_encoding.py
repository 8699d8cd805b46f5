import gzip

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from uqgenomics.encoding import (
    DNAEncoder,
    iter_fasta,
    one_hot_decode,
    one_hot_encode,
    read_fasta,
    read_table,
    reverse_complement,
)


def test_one_hot_layout_and_dtype():
    x = one_hot_encode(["ACGT", "acgt"])
    assert x.shape == (2, 4, 4) and x.dtype == np.float32
    np.testing.assert_array_equal(x[0], np.eye(4, dtype=np.float32))
    np.testing.assert_array_equal(x[0], x[1])  # case-insensitive


def test_n_and_iupac_codes():
    x = one_hot_encode(["NRYB"])[0]
    np.testing.assert_allclose(x[0], [0.25] * 4)
    np.testing.assert_allclose(x[1], [0.5, 0, 0.5, 0])  # R = A/G
    np.testing.assert_allclose(x[2], [0, 0.5, 0, 0.5])  # Y = C/T
    np.testing.assert_allclose(x[3], [0, 1 / 3, 1 / 3, 1 / 3])  # B = C/G/T
    np.testing.assert_array_equal(one_hot_encode(["N"], unknown="zeros")[0, 0], np.zeros(4))
    # unknown='zeros' only changes N, not the other ambiguity codes
    np.testing.assert_allclose(one_hot_encode(["R"], unknown="zeros")[0, 0], [0.5, 0, 0.5, 0])


def test_rna_option():
    with pytest.raises(ValueError, match="rna=True"):
        one_hot_encode(["ACGU"])
    np.testing.assert_array_equal(one_hot_encode(["ACGU"], rna=True), one_hot_encode(["ACGT"]))


@pytest.mark.parametrize("seqs, index, position, char", [
    (["ACGT", "ACXT"], 1, 2, "X"),
    (["AC-T"], 0, 2, "-"),
    (["ACGT", "AAAé"], 1, 3, "é"),
    (["ACGTAC", "ACGTAXGGG"], 1, 5, "X"),  # reported in the original sequence
])
def test_invalid_character_names_sequence_position_and_character(seqs, index, position, char):
    with pytest.raises(ValueError) as err:
        one_hot_encode(seqs, resize="pad_or_crop")
    message = str(err.value)
    assert f"sequence {index}" in message and f"position {position}" in message
    assert repr(char) in message


def test_unequal_lengths_raise_unless_resized():
    with pytest.raises(ValueError, match="sequence 1 has length 2, expected 4"):
        one_hot_encode(["ACGT", "AC"])
    padded = one_hot_encode(["ACGT", "AC"], resize="pad")
    assert one_hot_decode(padded) == ["ACGT", "NACN"]
    cropped = one_hot_encode(["ACGTAC", "GG"], length=2, resize="crop")
    assert one_hot_decode(cropped) == ["GT", "GG"]
    both = one_hot_encode(["ACGTAC", "GG"], length=4, resize="pad_or_crop")
    assert one_hot_decode(both) == ["CGTA", "NGGN"]
    with pytest.raises(ValueError, match="resize="):
        one_hot_encode(["ACGTAC"], length=4)


def test_empty_and_single_string_inputs():
    with pytest.raises(ValueError, match="empty"):
        one_hot_encode([])
    with pytest.raises(TypeError, match="single string"):
        one_hot_encode("ACGT")
    with pytest.raises(TypeError, match="sequence 1"):
        one_hot_encode(["ACGT", 5])


def test_reverse_complement_string_list_and_array():
    assert reverse_complement("AACGTn") == "nACGTT"
    assert reverse_complement(["AC", "RY"]) == ["GT", "RY"]
    seqs = ["AACGTTGCA", "GGGATCNAT"]
    np.testing.assert_array_equal(
        reverse_complement(one_hot_encode(seqs)), one_hot_encode(reverse_complement(seqs))
    )


def test_vectorised_encoding_matches_a_per_base_reference():
    rng = np.random.RandomState(0)
    seqs = ["".join(rng.choice(list("ACGTN"), 50)) for _ in range(30)]
    ref = {"A": [1, 0, 0, 0], "C": [0, 1, 0, 0], "G": [0, 0, 1, 0], "T": [0, 0, 0, 1],
           "N": [0.25] * 4}
    expected = np.array([[ref[c] for c in s] for s in seqs], dtype=np.float32)
    np.testing.assert_array_equal(one_hot_encode(seqs), expected)


def test_fasta_reader(tmp_path):
    text = ">seq1 description\nACGT\nAC\n;comment\n\n>seq2\nGGTT\n"
    path = tmp_path / "x.fa"
    path.write_text(text)
    assert read_fasta(path) == (["seq1", "seq2"], ["ACGTAC", "GGTT"])
    gz = tmp_path / "x.fa.gz"
    with gzip.open(gz, "wt") as handle:
        handle.write(text)
    assert list(iter_fasta(gz)) == [("seq1", "ACGTAC"), ("seq2", "GGTT")]
    bad = tmp_path / "bad.fa"
    bad.write_text("ACGT\n>x\nAC\n")
    with pytest.raises(ValueError, match="line 1"):
        read_fasta(bad)


def test_table_reader(tmp_path):
    path = tmp_path / "data.tsv"
    path.write_text("seq\tdev\thk\nACGT\t1.5\t2\nGGCC\t-0.5\t0\n")
    seqs, y = read_table(path, target_columns="dev")
    assert seqs.tolist() == ["ACGT", "GGCC"]
    np.testing.assert_array_equal(y, [1.5, -0.5])
    _, y2 = read_table(path, target_columns=["dev", "hk"])
    assert y2.shape == (2, 2)
    assert read_table(path)[1] is None
    csv = tmp_path / "data.csv"
    csv.write_text("sequence,activity\nAC,1\n")
    sequences = read_table(csv, sequence_column="sequence", target_columns="activity")[0]
    assert sequences.dtype == object and sequences.tolist() == ["AC"]
    with pytest.raises(ValueError, match="no column"):
        read_table(path, target_columns="missing")
    # cells read as written: pandas' missing-value words stay sequences
    path.write_text("seq\tdev\nNA\t1\nnan\t2\n")
    assert read_table(path, target_columns="dev")[0].tolist() == ["NA", "nan"]
    # an empty sequence or a target that is not a number: the rows are named,
    # nothing dropped (with pandas 2 a missing sequence became the sequence 'nan')
    path.write_text("seq\tdev\nACGT\t1\n\t2\nGGCC\t3\n")
    with pytest.raises(ValueError, match=r"column 'seq' has no sequence on 1 of 3 rows "
                                         r"\(data rows \[2\]"):
        read_table(path, target_columns="dev")
    path.write_text("seq\tdev\nACGT\tn/a\nGGCC\t\nAAAA\tinf\nCCCC\t 0.5\n")
    with pytest.raises(ValueError, match=r"'dev' has no finite number on 3 of 4 rows \(data "
                                         r"rows \[1, 2, 3\].*the first reads 'n/a'"):
        read_table(path, target_columns="dev")
    path.write_text("seq\tdev\nACGT\t 0.5\n")
    np.testing.assert_array_equal(read_table(path, target_columns="dev")[1], [0.5])


def test_dna_encoder_transformer_learns_length():
    enc = DNAEncoder(resize="pad_or_crop").fit(["ACGTAC", "ACG"])
    assert enc.length_ == 6
    out = enc.transform(["ACGTACGT"])  # cropped to the fitted length
    assert out.shape == (1, 6, 4)
    assert list(enc.inverse_transform(out)) == ["CGTACG"]
    assert clone(enc).get_params() == enc.get_params()
    assert make_pipeline(DNAEncoder()).fit_transform(["AC", "GT"]).shape == (2, 2, 4)


def test_reverse_complement_groups():
    from uqgenomics.encoding import reverse_complement_groups
    sequences = ["AACG", "CGTT", "ACGT", "aacg", "GGGA", "TCCC", "TTTT"]
    np.testing.assert_array_equal(reverse_complement_groups(sequences), [0, 0, 1, 0, 2, 2, 3])
    onehot = one_hot_encode(sequences)
    np.testing.assert_array_equal(reverse_complement_groups(onehot), [0, 0, 1, 0, 2, 2, 3])
    with pytest.raises(ValueError, match=r"\(n, length, 4\)"):
        reverse_complement_groups(np.zeros((3, 4)))


def test_reverse_complement_groups_leave_out_constant_adapters():
    from uqgenomics.encoding import reverse_complement, reverse_complement_groups
    inserts = ["ACGGTTAC", "GGGATCCA", "TTAGCAAT"]
    # each insert cloned in both orientations between the same adapters (WTC11-like)
    library = [f"GATC{s}TTGA" for s in inserts] + [f"GATC{reverse_complement(s)}TTGA"
                                                   for s in inserts]
    np.testing.assert_array_equal(reverse_complement_groups(library), [0, 1, 2, 0, 1, 2])
    np.testing.assert_array_equal(reverse_complement_groups(one_hot_encode(library)),
                                  [0, 1, 2, 0, 1, 2])
    assert len(set(reverse_complement_groups(library, flank=0))) == 6
    np.testing.assert_array_equal(reverse_complement_groups(library, flank=(4, 4)),
                                  [0, 1, 2, 0, 1, 2])
    with pytest.raises(ValueError, match="flank"):
        reverse_complement_groups(library, flank=-1)
