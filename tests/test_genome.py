"""Reference genome access, variants from VCF / tables, and variant windows."""

import gzip
import pickle

import numpy as np
import pytest

pysam = pytest.importorskip("pysam", reason="genome files need pysam (uqgenomics[genome])")

from uqgenomics.genome import (  # noqa: E402
    Genome,
    Variant,
    iter_variants,
    read_variant_table,
    read_vcf,
    variant_windows,
)

CONTIGS = {"chr1": 300, "chr2": 120}


def random_genome(seed=0):
    """Contig sequences with a soft-masked (lower-case) stretch and a run of N."""
    rng = np.random.default_rng(seed)
    contigs = {name: "".join(rng.choice(list("ACGT"), size=n)) for name, n in CONTIGS.items()}
    chr1 = contigs["chr1"]
    contigs["chr1"] = chr1[:50] + chr1[50:60].lower() + chr1[60:]
    contigs["chr2"] = contigs["chr2"][:10] + "NNNNN" + contigs["chr2"][15:]
    return contigs


def write_fasta(path, contigs, width=60):
    with open(path, "w") as handle:
        for name, sequence in contigs.items():
            handle.write(f">{name} test contig\n")
            handle.writelines(sequence[i:i + width] + "\n" for i in range(0, len(sequence), width))
    return path


@pytest.fixture
def genome_files(tmp_path):
    contigs = random_genome()
    plain = write_fasta(tmp_path / "genome.fa", contigs)
    pysam.tabix_compress(str(plain), str(tmp_path / "genome.fa.gz"))
    return contigs, plain, tmp_path / "genome.fa.gz"


def write_vcf(path, records, contigs=CONTIGS):
    """A VCF 4.2 text file of ``(chrom, pos, id, ref, alt)`` records."""
    header = ["##fileformat=VCFv4.2",
              *(f"##contig=<ID={name},length={n}>" for name, n in contigs.items()),
              "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    lines = [f"{c}\t{p}\t{i}\t{r}\t{a}\t.\tPASS\t." for c, p, i, r, a in records]
    path.write_text("\n".join(header + lines) + "\n")
    return path


def test_genome_fetches_regions_upper_case_from_plain_and_bgzip(genome_files):
    contigs, plain, bgzipped = genome_files
    for path in (plain, bgzipped):
        with Genome(path) as genome:
            assert genome.contigs == CONTIGS
            assert genome.fetch("chr1", 45, 65) == contigs["chr1"][45:65].upper()
            assert genome.fetch("chr2", 8, 17) == contigs["chr2"][8:17]  # Ns kept
            assert genome.fetch("chr2", 120, 120) == ""
            with pytest.raises(ValueError, match=r"outside chr2 \(0-120\)"):
                genome.fetch("chr2", 100, 121)  # pysam alone would return 20 bases
            with pytest.raises(ValueError, match="outside"):
                genome.fetch("chr1", -1, 5)
            with pytest.raises(KeyError, match=r"'1' is not in .*has 'chr1'.*rename"):
                genome.fetch("1", 0, 5)
    clone = pickle.loads(pickle.dumps(Genome(bgzipped)))  # reopened in a worker
    assert clone.fetch("chr1", 0, 10) == contigs["chr1"][:10]


def test_genome_refuses_plain_gzip_and_missing_files(tmp_path, genome_files):
    _, plain, _ = genome_files
    gzipped = tmp_path / "plain_gzip.fa.gz"
    gzipped.write_bytes(gzip.compress(plain.read_bytes()))
    with pytest.raises(ValueError, match="not with bgzip.*uncompressed FASTA"):
        Genome(gzipped)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        Genome(tmp_path / "absent.fa")


def test_vcf_records_split_per_alt_allele_in_every_container(tmp_path):
    records = [("chr1", 100, "rs1", "A", "G"), ("chr1", 120, ".", "C", "T,CA"),
               ("chr2", 30, "del", "ACG", "A"), ("chr2", 40, ".", "G", ".")]
    vcf = write_vcf(tmp_path / "calls.vcf", records)
    expected = [Variant("chr1", 100, "rs1", "A", "G"), Variant("chr1", 120, ".", "C", "T"),
                Variant("chr1", 120, ".", "C", "CA"), Variant("chr2", 30, "del", "ACG", "A"),
                Variant("chr2", 40, ".", "G", ".")]
    assert list(read_vcf(vcf)) == expected
    pysam.tabix_compress(str(vcf), str(tmp_path / "calls.vcf.gz"))
    assert list(iter_variants(tmp_path / "calls.vcf.gz")) == expected
    with pysam.VariantFile(str(vcf)) as source, \
            pysam.VariantFile(str(tmp_path / "calls.bcf"), "wb", header=source.header) as bcf:
        for record in source:
            bcf.write(record)
    assert list(iter_variants(tmp_path / "calls.bcf")) == expected
    with pytest.raises(ValueError, match="VCF / BCF"):
        list(read_vcf(write_fasta(tmp_path / "not.vcf", {"chr1": "ACGT"})))


def test_variant_tables_are_read_in_chunks_with_any_column_case(tmp_path):
    table = tmp_path / "variants.csv"
    table.write_text("CHROM,Pos,REF,ALT,extra\nchr1,100,A,\"G,T\",x\nchr2,7,C,CTT,y\n")
    assert list(read_variant_table(table, chunksize=1)) == [
        Variant("chr1", 100, ".", "A", "G"), Variant("chr1", 100, ".", "A", "T"),
        Variant("chr2", 7, ".", "C", "CTT")]
    (tmp_path / "bad.tsv").write_text("chrom\tposition\tref\talt\nchr1\t5\tA\tG\n")
    with pytest.raises(ValueError, match=r"no column \['pos'\]"):
        list(iter_variants(tmp_path / "bad.tsv"))
    (tmp_path / "bad_pos.tsv").write_text("chrom\tpos\tref\talt\nchr1\t5.5\tA\tG\n")
    with pytest.raises(ValueError, match="not an integer"):
        list(iter_variants(tmp_path / "bad_pos.tsv"))
    with pytest.raises(ValueError, match="cannot tell the format"):
        iter_variants(tmp_path / "variants.json")
    assert list(iter_variants([("chr1", 5, ".", "A", "G")])) == [Variant("chr1", 5, ".", "A", "G")]


def test_windows_are_centred_on_each_allele_with_genome_flanks(genome_files):
    contigs, plain, _ = genome_files
    chr1 = contigs["chr1"].upper()
    genome, length = Genome(plain), 21
    p = 150  # 0-based position of the variant's first base
    snv = Variant("chr1", p + 1, ".", chr1[p], "T" if chr1[p] != "T" else "A")
    insertion = Variant("chr1", p + 1, ".", chr1[p], chr1[p] + "GGGG")
    deletion = Variant("chr1", p + 1, ".", chr1[p:p + 5], chr1[p])
    mnv = Variant("chr1", p + 1, ".", chr1[p:p + 2].lower(), "GC")
    windows = variant_windows(genome, [snv, insertion, deletion, mnv], length)
    assert windows.status == ["ok"] * 4
    ref_snv, ref_ins, ref_del, ref_mnv = windows.ref
    alt_snv, alt_ins, alt_del, alt_mnv = windows.alt
    assert ref_snv == chr1[p - 10:p + 11] and ref_snv == ref_ins  # REF at index 10
    assert alt_snv == chr1[p - 10:p] + snv.alt + chr1[p + 1:p + 11]
    # insertion: 5-base ALT centred, (21 - 5) // 2 = 8 bases before it
    assert alt_ins == chr1[p - 8:p] + insertion.alt + chr1[p + 1:p + 9]
    # deletion: the 5-base REF centred; the 1-base ALT gets 10 + 10 genome bases
    assert ref_del == chr1[p - 8:p + 13]
    assert alt_del == chr1[p - 10:p] + chr1[p] + chr1[p + 5:p + 15]
    assert ref_mnv == chr1[p - 9:p + 12]  # lower-case REF accepted, same window
    assert alt_mnv == chr1[p - 9:p] + "GC" + chr1[p + 2:p + 12]
    assert all(len(w) == length for w in windows.ref + windows.alt)
    np.testing.assert_array_equal(windows.n_ambiguous, 0)


def test_variants_that_cannot_be_scored_are_flagged_not_guessed(genome_files):
    contigs, plain, _ = genome_files
    chr1, chr2 = contigs["chr1"].upper(), contigs["chr2"]
    wrong = "A" if chr1[150] != "A" else "C"
    variants = [
        Variant("chr1", 151, ".", wrong, "G"),                  # REF is not the genome's
        Variant("chrX", 151, ".", "A", "G"),                    # contig absent
        Variant("chr1", 5, ".", chr1[4], "G"),                  # window before the start
        Variant("chr1", 299, ".", chr1[298], "G"),              # window past the end
        Variant("chr1", 151, ".", chr1[150], "<DEL>"),          # symbolic
        Variant("chr1", 151, ".", chr1[150], "*"),
        Variant("chr1", 151, ".", chr1[150], "."),
        Variant("chr1", 151, ".", chr1[150], chr1[150] + "A" * 30),  # longer than the window
        Variant("chr2", 20, ".", chr2[19], "A" if chr2[19] != "A" else "C"),  # Ns in window
    ]
    windows = variant_windows(Genome(plain), variants, 21)
    assert windows.status == ["ref_mismatch", "unknown_contig", "outside_contig",
                              "outside_contig", "unsupported_allele", "unsupported_allele",
                              "unsupported_allele", "allele_longer_than_window", "ok"]
    assert len(windows.ref) == len(windows.alt) == 1
    np.testing.assert_array_equal(windows.n_ambiguous, [-1] * 8 + [10])  # 5 N in each window
    np.testing.assert_array_equal(windows.scored, [False] * 8 + [True])
