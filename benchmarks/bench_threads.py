"""``make demo`` on an idle and on a busy machine, with torch's default
threads and with one thread.

A busy machine is simulated by one pure-Python busy loop per core, started
before the run and stopped after it. Each configuration runs the demo
(``python -m uqgenomics.demo``) once as a subprocess; the wall time
includes start-up. Writes ``results/threads.json`` and ``threads.md``.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time

from _common import write_results

TIMEOUT_S = 1800


def _busy():
    while True:
        pass


def run_demo(threads: int | None) -> dict:
    command = [sys.executable, "-m", "uqgenomics.demo"]
    if threads is not None:
        command += ["--threads", str(threads)]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)
        seconds, ok = time.perf_counter() - start, done.returncode == 0
    except subprocess.TimeoutExpired:
        seconds, ok = float(TIMEOUT_S), False
    return {"seconds": round(seconds, 1), "completed": ok}


def main() -> None:
    results = {}
    for load in ("idle", "busy"):
        workers = []
        if load == "busy":
            workers = [multiprocessing.Process(target=_busy, daemon=True)
                       for _ in range(os.cpu_count())]
            for worker in workers:
                worker.start()
        try:
            for threads in (None, 1):
                name = f"{load}_{'default' if threads is None else 'threads_1'}"
                results[name] = run_demo(threads)
                print(name, results[name], flush=True)
        finally:
            for worker in workers:
                worker.terminate()
    base = results["idle_default"]["seconds"]

    def cell(name):
        r = results[name]
        return (f"{r['seconds']:.0f} s" + ("" if r["completed"] else " (not completed)"),
                f"{r['seconds'] / base:.2f}x")
    table = [(load, threads, *cell(f"{load}_{key}"))
             for load in ("idle", "busy")
             for threads, key in ((f"default ({os.cpu_count()} cores)", "default"),
                                  ("1 (--threads 1)", "threads_1"))]
    write_results("threads", results, table,
                  header=("machine", "torch threads", "demo wall time", "vs idle default"),
                  notes=f"Busy: {os.cpu_count()} busy-looping processes, one per core, for the "
                        "whole run. Reproduce: `python benchmarks/bench_threads.py` (runs the "
                        "demo four times).")


if __name__ == "__main__":
    main()
