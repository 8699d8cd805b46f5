"""Genome workflows: variants per second, windows per second, memory of 1M variants.

On the E. coli K-12 genome (bgzipped, indexed), a small CNN ensemble
(2 members, 200 bp):

(a) ``score_vcf`` on a VCF of random SNVs against a hand-written loop:
    the genome in memory as one string, ref / alt windows sliced from it,
    ``predict_uncertainty`` on both and the means subtracted (what a user
    writes without the library; it has no REF check, no output file and
    unpaired epistemic spread);
(b) ``predict_regions`` over the whole genome (stride = window) against a
    loop that slices the in-memory genome and calls ``predict_uncertainty``
    per chunk;
(c) resident memory (VmRSS) while ``score_vcf`` scores 1M variants into a
    TSV: sampled every 0.5 s; flat means the last sample is within a few
    MB of the one at 10 %.

Ratios are measured in one run, interleaved. Run:
``python benchmarks/bench_genome.py [--n-variants 1000000]`` (about 15 min
on 2 cores). Needs ``../shared/data/genomes`` and pysam.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pysam

from _common import SHARED_DATA, interleaved_best_times, write_results
from uqgenomics import EnsembleRegressor, one_hot_encode
from uqgenomics.genome import Genome
from uqgenomics.stream import predict_regions
from uqgenomics.variants import score_vcf

LENGTH, CHUNK = 200, 4096


def prepare(folder: Path):
    """The bgzipped genome, its sequence in memory, and a small fitted model."""
    plain = folder / "ecoli.fa"
    with gzip.open(SHARED_DATA / "genomes" / "ecoli_k12.fasta.gz", "rb") as handle, \
            open(plain, "wb") as out:
        shutil.copyfileobj(handle, out)
    pysam.tabix_compress(str(plain), str(folder / "ecoli.fa.gz"))
    genome = Genome(folder / "ecoli.fa.gz")
    (chrom, size), = genome.contigs.items()
    sequence = genome.fetch(chrom, 0, size)
    rng = np.random.default_rng(0)
    starts = rng.integers(0, size - LENGTH, 2000)
    X = one_hot_encode([sequence[s:s + LENGTH] for s in starts])
    y = rng.normal(size=2000).astype(np.float32)
    model = EnsembleRegressor("cnn", n_estimators=2, max_epochs=1, random_state=0,
                              network__filters=(32, 32), network__kernel_sizes=(11, 5),
                              network__dense_units=(32,), device="cpu").fit(X, y)
    return genome, chrom, sequence, model


def write_snvs(path: Path, chrom: str, sequence: str, n: int, seed: int) -> np.ndarray:
    """A VCF of ``n`` random SNVs (sorted, REF from the genome); their 0-based positions."""
    rng = np.random.default_rng(seed)
    positions = np.sort(rng.integers(LENGTH, len(sequence) - LENGTH, n))
    other = {"A": "C", "C": "G", "G": "T", "T": "A"}
    with open(path, "w") as handle:
        handle.write(f"##fileformat=VCFv4.2\n##contig=<ID={chrom},length={len(sequence)}>\n"
                     "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        for p in positions:
            handle.write(f"{chrom}\t{p + 1}\t.\t{sequence[p]}\t{other[sequence[p]]}\t.\t.\t.\n")
    return positions


def hand_written_variants(model, sequence: str, positions: np.ndarray) -> np.ndarray:
    """Effects the way a user would compute them without the library."""
    other = {"A": "C", "C": "G", "G": "T", "T": "A"}
    before = (LENGTH - 1) // 2
    effects = []
    for i in range(0, len(positions), CHUNK):
        refs, alts = [], []
        for p in positions[i:i + CHUNK]:
            window = sequence[p - before:p - before + LENGTH]
            refs.append(window)
            alts.append(window[:before] + other[window[before]] + window[before + 1:])
        ref = model.predict_uncertainty(one_hot_encode(refs))
        alt = model.predict_uncertainty(one_hot_encode(alts))
        effects.append(alt.mean - ref.mean)
    return np.concatenate(effects)


def hand_written_windows(model, sequence: str) -> int:
    starts = range(0, len(sequence) - LENGTH + 1, LENGTH)
    n = 0
    for i in range(0, len(starts), CHUNK):
        block = [sequence[s:s + LENGTH] for s in starts[i:i + CHUNK]]
        model.predict_uncertainty(one_hot_encode(block))
        n += len(block)
    return n


def resident_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def memory_while(fn) -> list[tuple[float, float]]:
    """``(seconds, resident MB)`` every 0.5 s while ``fn()`` runs."""
    samples, done = [], threading.Event()
    start = time.perf_counter()

    def sample():
        while not done.is_set():
            samples.append((time.perf_counter() - start, resident_mb()))
            done.wait(0.5)

    thread = threading.Thread(target=sample)
    thread.start()
    try:
        fn()
    finally:
        done.set()
        thread.join()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-variants", type=int, default=1_000_000)
    parser.add_argument("--n-timed", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        genome, chrom, sequence, model = prepare(folder)
        timed = folder / "timed.vcf"
        positions = write_snvs(timed, chrom, sequence, args.n_timed, seed=1)
        out = folder / "timed.tsv"

        def ours_variants():
            score_vcf(model, timed, genome, out, resume=False, chunk_size=CHUNK)

        t_ours, t_bare = interleaved_best_times(
            ours_variants, lambda: hand_written_variants(model, sequence, positions), rounds=2)
        n_windows = hand_written_windows(model, sequence)
        w_ours, w_bare = interleaved_best_times(
            lambda: predict_regions(model, genome, out=folder / "windows.h5", resume=False,
                                    chunk_size=CHUNK),
            lambda: hand_written_windows(model, sequence), rounds=2)
        big = folder / "big.vcf"
        write_snvs(big, chrom, sequence, args.n_variants, seed=2)
        start = time.perf_counter()
        samples = memory_while(lambda: score_vcf(model, big, genome, folder / "big.tsv",
                                                 chunk_size=CHUNK))
        seconds = time.perf_counter() - start
    rss = np.array([mb for _, mb in samples])
    at_10 = rss[max(int(0.1 * len(rss)) - 1, 0)]
    results = {
        "variants": {"n": args.n_timed, "per_s_ours": args.n_timed / t_ours,
                     "per_s_hand_written": args.n_timed / t_bare, "ratio": t_bare / t_ours},
        "windows": {"n": n_windows, "per_s_ours": n_windows / w_ours,
                    "per_s_hand_written": n_windows / w_bare, "ratio": w_bare / w_ours},
        "memory": {"n_variants": args.n_variants, "seconds": seconds,
                   "variants_per_s": args.n_variants / seconds,
                   "rss_mb_at_10pct": float(at_10), "rss_mb_end": float(rss[-1]),
                   "rss_mb_max": float(rss.max()), "samples": len(rss)},
        "setup": vars(args) | {"window": LENGTH, "chunk": CHUNK, "model": "2 x CNN 32/32"},
    }
    m = results["memory"]
    write_results("genome", results, [
        ("score_vcf variants/s, ours / hand-written loop",
         f"{results['variants']['ratio']:.2f} ({results['variants']['per_s_ours']:.0f} vs "
         f"{results['variants']['per_s_hand_written']:.0f})", ">= 0.8 (ours also checks REF, "
         "writes a resumable table, pairs draws)"),
        ("predict_regions windows/s, ours / hand-written loop",
         f"{results['windows']['ratio']:.2f} ({results['windows']['per_s_ours']:.0f} vs "
         f"{results['windows']['per_s_hand_written']:.0f})", ">= 0.8"),
        (f"resident memory scoring {args.n_variants:,} variants (MB): at 10 % / end / max",
         f"{m['rss_mb_at_10pct']:.0f} / {m['rss_mb_end']:.0f} / {m['rss_mb_max']:.0f} "
         f"({m['variants_per_s']:.0f} variants/s)", "flat"),
    ], notes=("E. coli K-12 (4.6 Mb), bgzipped and indexed; 200 bp windows; a 2-member CNN "
              "ensemble; chunks of 4,096. Timings: best of 2 interleaved rounds."))


if __name__ == "__main__":
    main()
