"""Speed and scale: ensembles trained together, mixed precision, inference
variants and memory over a million streamed sequences.

(a) training: one DeepSTARR member's epoch in seq/s, and a 10-member
    ensemble's epoch as a ratio to it, trained one by one (loop) and
    together (``vectorize=True``, torch.func vmap);
(b) inference: DeepSTARR predict throughput against bare eager torch
    (fp32): ours in fp32, bf16 autocast and ``compile=True``, a frozen
    TorchScript trace (oneDNN fusion) and a bare ``torch.compile``; every
    bare loop runs under ``torch.inference_mode``, as predict does (it was
    measured faster than ``no_grad`` on a 2-core EPYC);
(c) a distilled DeepSTARR student's ``predict_uncertainty`` seq/s, fp32 and
    bf16 (the seed's goal: >= 300k seq/s on an H100);
(d) resident memory while ``write_predictions`` streams 1M sequences into
    a TSV (run in a fresh process so the numbers are its own).

On a GPU the same script measures on the GPU (``device`` in the JSON), with
16x the training and predicted sequences and 8x the batch, and writes
``scale_cuda`` instead of ``scale``. Run: ``python benchmarks/bench_scale.py``
(about 6 minutes on 2 CPU cores).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time

import numpy as np
import torch
from _common import best_time, interleaved_best_times, interleaved_times, write_results

from uqgenomics import DistilledRegressor, EnsembleRegressor, one_hot_encode
from uqgenomics._validation import check_one_hot

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
# a GPU epoch of 1024 sequences is one launch-bound step: 16 steps there
LENGTH, MEMBERS = 230, 10
N_TRAIN, N_PREDICT, BATCH = (16384, 65536, 1024) if DEVICE == "cuda" else (1024, 4096, 128)


def random_sequences(n: int, length: int, seed: int) -> list[str]:
    rng = np.random.RandomState(seed)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.randint(4, size=(n, length))]
    return [row.tobytes().decode() for row in letters]


def _ensemble(n_members, vectorize, precision="fp32"):
    return EnsembleRegressor("deepstarr", n_estimators=n_members, vectorize=vectorize,
                             max_epochs=1, batch_size=BATCH, validation_fraction=None,
                             random_state=0, device=DEVICE, precision=precision)


def bench_training(X, y) -> dict:
    _ensemble(1, False).fit(X[:256], y[:256])  # warm-up
    one, loop, together = interleaved_best_times(
        lambda: _ensemble(1, False).fit(X, y),
        lambda: _ensemble(MEMBERS, False).fit(X, y),
        lambda: _ensemble(MEMBERS, True).fit(X, y),
        rounds=2,
    )
    return {"member_train_seq_per_s": len(X) / one, "epoch_s_one_member": one,
            "epoch_s_members_loop": loop, "epoch_s_members_vmap": together,
            "ratio_loop": loop / one, "ratio_vmap": together / one, "members": MEMBERS}


def bench_inference(model, X) -> dict:
    module = model.estimators_[0].module_.eval()

    def bare():
        with torch.inference_mode():
            return torch.cat([module(torch.from_numpy(X[i:i + BATCH]).to(DEVICE)).cpu()
                              for i in range(0, len(X), BATCH)])

    frozen = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(
        module, torch.from_numpy(X[:BATCH]).to(DEVICE))))

    def traced():
        with torch.inference_mode():
            return torch.cat([frozen(torch.from_numpy(X[i:i + BATCH]).to(DEVICE)).cpu()
                              for i in range(0, len(X), BATCH)])

    compiled_model = copy.deepcopy(model).set_params(compile=True)
    candidates = {"bare_eager": bare, "ours_fp32": lambda: model.predict(X),
                  "torchscript_frozen": traced}
    try:
        compiled = torch.compile(module)
        with torch.inference_mode():
            compiled(torch.from_numpy(X[:BATCH]).to(DEVICE))

        def compiled_run():
            with torch.inference_mode():
                return torch.cat([compiled(torch.from_numpy(X[i:i + BATCH]).to(DEVICE)).cpu()
                                  for i in range(0, len(X), BATCH)])
        candidates["torch_compile"] = compiled_run
        compiled_model.predict(X[:BATCH])
        candidates["ours_compile"] = lambda: compiled_model.predict(X)
    except Exception as error:  # no C++ compiler / unsupported backend
        print(f"torch.compile unavailable: {type(error).__name__}: {error}"[:300])
    for fn in candidates.values():
        fn()
    times = dict(zip(candidates, interleaved_times(*candidates.values(), rounds=10)))
    # bf16 is an order of magnitude slower on CPUs without bf16 units: timed once.
    bf16 = copy.deepcopy(model).set_params(precision="bf16")
    bf16.predict(X[:BATCH])
    times["ours_bf16"] = [best_time(lambda: bf16.predict(X), repeats=1 if DEVICE == "cpu" else 5)]
    seq_s = {name: len(X) / min(t) for name, t in times.items()}
    median = {name: len(X) / float(np.median(t)) for name, t in times.items()}
    check_s = best_time(lambda: check_one_hot(X), repeats=5)  # on the CPU, before any batch
    return {"seq_per_s": seq_s, "seq_per_s_median": median,
            "input_check_us_per_seq": 1e6 * check_s / len(X),
            "input_check_share_of_predict": check_s * seq_s["ours_fp32"] / len(X),
            "ratio_to_bare": {name: v / seq_s["bare_eager"] for name, v in seq_s.items()},
            "ratio_to_bare_median": {name: v / median["bare_eager"]
                                     for name, v in median.items()},
            "batch_size": BATCH, "rounds": 10}


def bench_distilled(X_train, y_train, X) -> dict:
    student = DistilledRegressor("deepstarr", n_teacher_members=2, max_epochs=1,
                                 batch_size=BATCH, validation_fraction=None, random_state=0,
                                 device=DEVICE).fit(X_train, y_train)
    out, batch_size = {}, BATCH * (8 if DEVICE == "cuda" else 1)
    for precision in ("fp32", "bf16"):
        student.set_params(precision=precision, batch_size=batch_size)
        student.predict_uncertainty(X[:BATCH])
        out[precision] = len(X) / best_time(lambda: student.predict_uncertainty(X), repeats=3)
    return {"predict_uncertainty_seq_per_s": out, "batch_size": batch_size}


RSS_SCRIPT = """
import json, sys, tempfile, time
import numpy as np
from uqgenomics import EnsembleRegressor
from uqgenomics.stream import predict_stream
from uqgenomics.stream._predict import _result_values
from uqgenomics.stream._writers import TSVWriter

N, LENGTH, CHUNK = {n}, {length}, 4096
def status_mb(field):
    with open("/proc/self/status") as handle:
        line = next(line for line in handle if line.startswith(field + ":"))
    return int(line.split()[1]) / 1024
def rss_mb():
    return status_mb("VmRSS")
def records():
    rng = np.random.default_rng(0)
    alphabet = np.frombuffer(b"ACGT", dtype=np.uint8)
    for start in range(0, N, 10_000):
        block = alphabet[rng.integers(4, size=(min(10_000, N - start), LENGTH))]
        for i, row in enumerate(block):
            yield f"s{{start + i}}", row.tobytes().decode()
X = np.eye(4, dtype=np.float32)[np.random.default_rng(1).integers(4, size=(256, LENGTH))]
model = EnsembleRegressor("cnn", n_estimators=2, max_epochs=1, random_state=0,
                          device="{device}", validation_fraction=None).fit(X, np.arange(256.0))
trace, done, start = [], 0, time.perf_counter()
with tempfile.TemporaryDirectory() as folder:
    writer = TSVWriter(folder + "/scores.tsv", ["mean", "epistemic", "aleatoric", "total"], False,
                       {{"benchmark": "streaming memory"}})
    for names, result in predict_stream(model, records(), chunk_size=CHUNK):
        writer.write({{"name": names}}, _result_values(result))
        done += len(names)
        trace.append((done, rss_mb()))
seconds = time.perf_counter() - start
json.dump({{"rows": done, "seconds": seconds, "trace": trace[::8] + [trace[-1]],
           "peak_mb": status_mb("VmHWM")}}, sys.stdout)
"""


def bench_streaming_memory(n: int = 1_000_000) -> dict:
    code = RSS_SCRIPT.format(n=n, length=LENGTH, device=DEVICE)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    result = json.loads(run.stdout.strip().splitlines()[-1])
    trace = np.array(result["trace"])
    after_first = trace[trace[:, 0] >= 50_000][0, 1]
    result.update({"rss_mb_after_50k": float(after_first), "rss_mb_final": float(trace[-1, 1]),
                   "growth_mb_50k_to_end": float(trace[-1, 1] - after_first),
                   "seq_per_s": result["rows"] / result["seconds"]})
    return result


def main() -> None:
    X = one_hot_encode(random_sequences(N_TRAIN, LENGTH, 1))
    y = np.random.RandomState(2).normal(size=N_TRAIN).astype(np.float32)
    X_predict = one_hot_encode(random_sequences(N_PREDICT, LENGTH, 3))
    started = time.perf_counter()
    training = bench_training(X, y)
    model = _ensemble(1, False).fit(X, y)
    inference = bench_inference(model, X_predict)
    distilled = bench_distilled(X, y, X_predict)
    memory = bench_streaming_memory()
    results = {"training": training, "inference": inference, "distilled": distilled,
               "streaming_memory": memory, "wall_s": time.perf_counter() - started,
               "setup": {"network": "deepstarr", "length": LENGTH, "n_train": N_TRAIN,
                         "n_predict": N_PREDICT, "batch_size": BATCH, "device": DEVICE}}
    write_page(results)


def write_page(results, machine=None) -> None:
    """Write ``scale`` (CPU) or ``scale_cuda`` from the measured ``results``
    (``machine``: the stored record, when re-rendering a page from its JSON)."""
    training, inference = results["training"], results["inference"]
    distilled, memory, setup = results["distilled"], results["streaming_memory"], results["setup"]
    on_cpu = setup["device"] == "cpu"
    seq_s, ratio = inference["seq_per_s"], inference["ratio_to_bare"]
    ratio_median = inference["ratio_to_bare_median"]
    student = distilled["predict_uncertainty_seq_per_s"]
    table = [
        ("one DeepSTARR member, training seq/s", f"{training['member_train_seq_per_s']:.0f}", ""),
        (f"{MEMBERS} members / one member epoch, loop",
         f"{training['ratio_loop']:.2f}", ""),
        (f"{MEMBERS} members / one member epoch, vmap",
         f"{training['ratio_vmap']:.2f}", "<= 3 on a GPU"),
        *[(f"DeepSTARR predict, {name} (best seq/s; ratio to bare eager: best, median)",
           f"{seq_s[name]:.0f} ({ratio[name]:.2f}x, {ratio_median[name]:.2f}x)",
           (">= 1.0x; stretch 3,200 seq/s on 2 cores" if on_cpu else ">= 1.0x")
           if name in ("ours_fp32", "ours_compile") else "")
          for name in seq_s],
        *[(f"distilled DeepSTARR predict_uncertainty, {p} (seq/s)", f"{v:.0f}",
           ">= 300k on an H100" if p == "bf16" else "")
          for p, v in student.items()],
        ("streamed 1M sequences to TSV: RSS after 50k -> end (MB)",
         f"{memory['rss_mb_after_50k']:.0f} -> {memory['rss_mb_final']:.0f} "
         f"(peak {memory['peak_mb']:.0f}, {memory['seq_per_s']:.0f} seq/s)", "flat"),
    ]
    notes = ("Timings are interleaved in one run (inference: 10 rounds, best and median)"
             + ("; on a shared 2-core machine runs differ by about 5 %." if on_cpu else
                f". On the GPU: {setup['n_train']} training and {setup['n_predict']} predicted "
                f"sequences, batch {setup['batch_size']}; the streamed sequences are one-hot "
                "encoded on the CPU."))
    if on_cpu:
        notes += (" No GPU was visible: the GPU goals (10 members <= 3x one member's epoch, "
                  "bf16 student >= 300k seq/s) are not measured here. The bf16 student runs at "
                  f"{student['bf16'] / student['fp32']:.2f}x its fp32 speed on this CPU (one "
                  "without bf16 instructions emulates bf16, an order of magnitude slower).")
    else:
        missed = [f"vmap {training['ratio_vmap']:.1f}x one member's epoch (goal <= 3; the loop "
                  f"takes {training['ratio_loop']:.1f}x)"] * (training["ratio_vmap"] > 3)
        missed += [f"ours_fp32 {ratio['ours_fp32']:.2f}x bare eager (goal >= 1.0)"] * (
            ratio["ours_fp32"] < 1)
        missed += [f"bf16 student {student['bf16']:.0f} seq/s (goal 300k)"] * (
            student["bf16"] < 300_000)
        if missed:
            check = inference.get("input_check_us_per_seq")
            cost = (f"{check:.2f} microseconds per sequence, "
                    f"{inference['input_check_share_of_predict']:.0%} of ours_fp32's time"
                    if check is not None else "its cost was not measured in this run")
            notes += (" **Short of the goals**: " + "; ".join(missed) + ". Predict checks "
                      "every input (finite, one-hot) on the CPU before the first batch goes to "
                      f"the GPU ({cost}), which the bare loop skips; the check is not "
                      "overlapped with the GPU's work. Why lockstep training gains so little "
                      "over the loop here was not profiled.")
    page = dict(results=results, table=table, notes=notes, machine=machine)
    if on_cpu:
        write_results("scale", **page)
    else:  # beside the CPU page, not over it
        write_results("scale_cuda", **page)

if __name__ == "__main__":
    main()
