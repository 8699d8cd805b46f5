"""Run every benchmark script in turn (``make bench``).

Scripts that need ``../shared/data`` are skipped with a message when it is
absent. Each script writes ``benchmarks/results/<name>.json`` and ``.md``;
``report.py`` then gathers them into ``results/SUMMARY.md``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from _common import SHARED_DATA

HERE = Path(__file__).resolve().parent
NEEDS_SHARED_DATA = {"bench_wtc11.py", "bench_mpsa.py", "bench_distill.py",
                     "bench_classification.py", "bench_attribution_cagi5.py"}
#: Scripts left to a person: they take hours (or a GPU) and need their arguments.
BY_HAND = {"bench_degu_figures.py": "10-member teachers per seed and setting: hours; run it "
                                    "by hand with --figure size / members (its docstring)"}


def main() -> int:
    failures = 0
    for script in sorted(HERE.glob("bench_*.py")):
        if script.name in BY_HAND:
            print(f"skipping {script.name}: {BY_HAND[script.name]}")
            continue
        if script.name in NEEDS_SHARED_DATA and not SHARED_DATA.is_dir():
            print(f"skipping {script.name}: {SHARED_DATA} is absent")
            continue
        print(f"== {script.name}", flush=True)
        failures += subprocess.call([sys.executable, str(script)], cwd=HERE) != 0
    subprocess.call([sys.executable, str(HERE / "report.py")], cwd=HERE)
    return failures


if __name__ == "__main__":
    sys.exit(main())
