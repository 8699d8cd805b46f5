"""Helpers shared by the benchmark scripts: machine record and result files."""

from __future__ import annotations

import datetime
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

RESULTS = Path(__file__).resolve().parent / "results"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def machine_info() -> dict:
    """Where and with what the figures were measured."""
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if "model name" in line)
    except (OSError, StopIteration):
        pass
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu",
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
    }


def best_time(fn, repeats: int = 3) -> float:
    """Smallest wall time of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def interleaved_times(*fns, rounds: int = 3) -> list[list[float]]:
    """Wall times of each function over ``rounds`` alternating calls (the
    order reversed every other round).

    Alternating the calls spreads the noise of a shared machine over all of
    them alike, so their ratios are fair.
    """
    times = [[] for _ in fns]
    for round_ in range(rounds):
        order = list(zip(fns, times))
        for fn, record in (order if round_ % 2 == 0 else order[::-1]):
            record.append(best_time(fn, 1))
    return times


def interleaved_best_times(*fns, rounds: int = 3) -> list[float]:
    """Smallest wall time of each function over ``rounds`` alternating calls."""
    return [min(record) for record in interleaved_times(*fns, rounds=rounds)]


def pearson_ci(r: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Confidence interval of a Pearson r from ``n`` pairs (Fisher's z)."""
    from scipy.stats import norm

    if n <= 3 or not np.isfinite(r):
        return float("nan"), float("nan")
    z, half = np.arctanh(np.clip(r, -0.999999, 0.999999)), norm.ppf(0.5 + level / 2) / np.sqrt(
        n - 3)
    return float(np.tanh(z - half)), float(np.tanh(z + half))


def mean_ci(values, level: float = 0.95) -> list[float]:
    """``[mean, half-width of the t interval]`` over seeds (half-width NaN below 2)."""
    from scipy.stats import t as student_t

    values = np.asarray(values, float)
    if len(values) < 2:
        return [float(values.mean()), float("nan")]
    half = student_t.ppf(0.5 + level / 2, len(values) - 1) * values.std(ddof=1)
    return [float(values.mean()), float(half / np.sqrt(len(values)))]


def paired_cell(mean: float, half: float) -> str:
    """A paired difference ``+m ± h`` (95 % t half-width), marked **apart** where
    the interval excludes 0 (otherwise the seeds cannot tell the two apart)."""
    return f"{mean:+.3f} ± {half:.3f}" + (" **apart**" if abs(mean) > half else "")


def r_with_ci(r: float, n: int) -> str:
    """``r [low, high]`` (95 %), marked *noise* when the interval holds 0."""
    low, high = pearson_ci(r, n)
    return f"{r:.3f} [{low:.3f}, {high:.3f}]" + (" *noise*" if low <= 0 <= high else "")


def write_results(name: str, results: dict, table: list[tuple], header=("metric", "value", "goal"),
                  notes: str = "", machine: dict | None = None) -> None:
    """Write ``results/<name>.json`` and ``results/<name>.md`` (a table under ``header``).

    ``machine``: the stored record of the run, when a page is re-rendered from
    its JSON (the measurement keeps its date and machine); else this one's.
    """
    RESULTS.mkdir(exist_ok=True)
    payload = {"benchmark": name, "machine": machine or machine_info(), "results": results}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2, default=float) + "\n")
    machine = payload["machine"]
    lines = [
        f"# {name}",
        "",
        f"Measured {machine['date']} on {machine['cpu']} ({machine['cores']} cores, "
        f"{machine['torch_threads']} torch threads, device {machine['device']}), "
        f"torch {machine['torch']}.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *["| " + " | ".join(str(cell) for cell in row) + " |" for row in table],
        "",
        *([notes, ""] if notes else []),
    ]
    (RESULTS / f"{name}.md").write_text("\n".join(lines))
    print("\n".join(lines))
