"""Does a refactor change what the estimators predict? This checkout vs a git revision.

Every public estimator family (with the configurations that take other
prediction paths: heteroscedastic ensemble members, MC dropout on a noise
head) is fitted with the same seeds on the same simulated data, on the CPU
with one torch thread, in two interpreters: one importing uqgenomics from a
worktree of ``--against`` (default ``HEAD~1``), one from this checkout. The
table gives, per estimator and output, the largest absolute difference and
whether the outputs are bit-identical. Same seeds, threads and shapes on
one machine: a refactor that leaves the arithmetic alone gives 0, or one
float64 rounding step where it sums in another order.

Run: ``python benchmarks/bench_equivalence.py --against <rev>`` (about a
minute on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from _common import write_results

ROOT = Path(__file__).resolve().parents[1]

# Runs inside each interpreter: prints {estimator: {output: list}} as JSON.
PROBE = r"""
import json, sys
import numpy as np
import torch
torch.set_num_threads(1)
import uqgenomics as u
from uqgenomics.datasets import make_regulatory_sequences
from uqgenomics.variants import predict_variant_effects

X, y = make_regulatory_sequences(300, length=40, random_state=0)
labels = (y > np.median(y)).astype(int)
P = dict(network="cnn", network__filters=(8,), network__kernel_sizes=(7,),
         network__dense_units=(8,), network__dropout=0.2, max_epochs=4, random_state=0,
         device="cpu", batch_size=32)
models = {
    "EnsembleRegressor": u.EnsembleRegressor(n_estimators=2, **P),
    "EnsembleRegressor(heteroscedastic)": u.EnsembleRegressor(n_estimators=2,
                                                              heteroscedastic=True, **P),
    "MCDropoutRegressor": u.MCDropoutRegressor(n_samples=20, **P),
    "HeteroscedasticRegressor": u.HeteroscedasticRegressor(**P),
    "HeteroscedasticRegressor(mc_dropout)": u.HeteroscedasticRegressor(
        mc_dropout=True, n_samples=20, **P),
    "EvidentialRegressor": u.EvidentialRegressor(**P),
    "DistilledRegressor": u.DistilledRegressor(n_teacher_members=2, **P),
    "EnsembleClassifier": u.EnsembleClassifier(n_estimators=2, **P),
    "MCDropoutClassifier": u.MCDropoutClassifier(n_samples=20, **P),
    "EpinetClassifier": u.EpinetClassifier(n_samples=20, **P),
}
out = {}
for name, model in models.items():
    classifier = name.endswith("Classifier")
    model.fit(X[:240], labels[:240] if classifier else y[:240])
    result = model.predict_uncertainty(X[240:])
    parts = ("proba", "total", "aleatoric", "epistemic") if classifier else (
        "mean", "epistemic", "aleatoric")
    out[name] = {part: np.asarray(getattr(result, part)).tolist() for part in parts}
    if name in ("EnsembleRegressor", "MCDropoutRegressor"):
        effects = predict_variant_effects(model, X[240:250], X[250:260])
        out[name]["effect"] = effects.mean.tolist()
        out[name]["effect_epistemic"] = effects.epistemic.tolist()
print(json.dumps(out))
"""


def run_probe(source: Path) -> dict:
    environment = dict(os.environ, PYTHONPATH=str(source), OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", PROBE], env=environment, cwd=tempfile.gettempdir(),
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="HEAD~1", help="git revision to compare with")
    args = parser.parse_args()
    revision = subprocess.run(["git", "rev-parse", "--short", args.against], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as folder:
        worktree = Path(folder) / "before"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(worktree), revision],
                       cwd=ROOT, check=True)
        try:
            before = run_probe(worktree)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT,
                           check=True)
    after = run_probe(ROOT)
    rows, results = [], {"against": revision, "estimators": {}}
    for name, parts in before.items():
        for part, values in parts.items():
            old, new = np.asarray(values), np.asarray(after[name][part])
            difference = float(np.max(np.abs(old - new)))
            identical = bool(np.array_equal(old, new))
            results["estimators"].setdefault(name, {})[part] = {
                "max_abs_difference": difference, "scale": float(np.max(np.abs(old))),
                "identical": identical}
            rows.append((name, part, f"{difference:.3g}", f"{np.max(np.abs(old)):.3g}",
                         "yes" if identical else "no"))
    write_results("equivalence", results, rows,
                  header=("estimator", "output", "max |difference|", "max |value|",
                          "bit-identical"),
                  notes=f"This checkout against {revision}: the same fits and predictions "
                        "(seeds, one thread, CPU) in both.")


if __name__ == "__main__":
    main()
