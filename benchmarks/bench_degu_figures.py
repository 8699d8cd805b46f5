"""DEGU's figures on WTC11: training-set size (Fig. 2) and ensemble size.

WTC11 lentiMPRA (``../shared/data/lentimpra_wtc11``): one fold trains (a
10 % validation split by reverse-complement group for early stopping), the
other tests, as in ``bench_distill.py``.

* ``--figure size`` (DEGU Fig. 2): 25, 50, 75 and 100 % of the training
  fold (a random subset per seed, whole reverse-complement groups), for
  each network: a teacher ensemble, standard models and distilled
  students (DEGU's loss and defaults), Pearson r on the test fold.
* ``--figure members``: teachers of 2, 5, 10 and 20 members: their
  Pearson r, and a student's Pearson r and the Pearson r of its epistemic
  head with the teacher's std (Fig. 5a). One 20-member ensemble per seed
  gives all four: its first ``m`` members are the ensemble that
  ``n_estimators=m`` trains with the same ``random_state`` (the same
  member seeds); one standard model per seed serves every size.

Each figure is a mean over seeds with a 95 % t interval (which needs 3
seeds or more). Run: ``python benchmarks/bench_degu_figures.py --figure
size --networks deepstarr residualbind --seeds 0 1 2 --members 10``
(10-member teachers per seed and fraction: with DeepSTARR about 55 min per
seed on one CPU core, ResidualBind longer; on one H100, five seeds run
side by side, 3 CPU threads each, did both networks in about 14 minutes;
``--figure members``: about an hour per seed on one core). ``--quick`` runs a few
epochs on a slice, to check the script.
``--from-json A.json B.json`` merges runs of distinct seeds (run apart, in
parallel or on several machines) into one page, without training.
``--resume A.json`` continues an interrupted run (its page holds every
finished row): the rows of ``A.json`` for these seeds are kept, not re-run.
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path

import numpy as np

from _common import SHARED_DATA, mean_ci, paired_cell, write_results
from uqgenomics import DistilledRegressor, EnsembleRegressor, one_hot_encode
from uqgenomics.datasets import load_lentimpra_wtc11
from uqgenomics.encoding import reverse_complement_groups
from uqgenomics.metrics import pearson_r

FRACTIONS = (0.25, 0.5, 0.75, 1.0)
MEMBER_COUNTS = (2, 5, 10, 20)
FIG2_NETWORKS = ("deepstarr", "residualbind")
#: Early stopping of every fit here by default, shorter than DEGU's
#: (DistilledRegressor's defaults) to fit the time; ``--patience`` and
#: ``--lr-patience`` change it (runs stored before those options used these).
BUDGET_DEFAULTS = {"max_epochs": 30, "patience": 5, "lr_patience": 3}


def subset(groups, fraction, seed) -> np.ndarray:
    """Rows of a random ``fraction`` of the groups (a sequence keeps its reverse complement)."""
    unique = np.unique(groups)
    rng = np.random.default_rng(seed)
    kept = rng.choice(unique, size=max(2, round(fraction * len(unique))), replace=False)
    return np.flatnonzero(np.isin(groups, kept))


def first_members(teacher, members):
    """The ensemble of ``teacher``'s first ``members`` members.

    Member ``i`` is seeded by the ``i``-th draw of the ensemble's generator
    (after the validation split), so this is the ensemble a fit with
    ``n_estimators=members`` and the same ``random_state`` trains.
    """
    nested = copy.copy(teacher)
    nested.estimators_ = teacher.estimators_[:members]
    nested.seeds_ = teacher.seeds_[:members]
    nested.n_estimators = members
    return nested


def scores(teacher, standard, X, y, groups, X_test, y_test, network, seed, params) -> dict:
    """Test Pearson r of a teacher, a standard model and a student of the teacher,
    and the epochs each trained (``len(history)``: early stopping or the cap ended it)."""
    student = DistilledRegressor(network, teacher=teacher, random_state=seed, **params).fit(
        X, y, groups=groups)
    reference = teacher.predict_uncertainty(X_test)
    result = student.predict_uncertainty(X_test)
    return {"ensemble": pearson_r(y_test, reference.mean),
            "standard": pearson_r(y_test, standard.predict(X_test)),
            "distilled": pearson_r(y_test, result.mean),
            "epistemic_vs_ensemble": pearson_r(reference.epistemic, result.epistemic),
            "epochs": {"teacher": [len(m.history) for m in teacher.estimators_],
                       "standard": len(standard.estimators_[0].history),
                       "student": len(student.net_.history)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figure", choices=("size", "members"))
    parser.add_argument("--networks", nargs="+", default=["deepstarr"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--max-epochs", type=int, default=BUDGET_DEFAULTS["max_epochs"])
    parser.add_argument("--patience", type=int, default=BUDGET_DEFAULTS["patience"],
                        help="early stopping of every fit (DEGU: 10)")
    parser.add_argument("--lr-patience", type=int, default=BUDGET_DEFAULTS["lr_patience"],
                        help="learning-rate plateau of every fit (DEGU: 5)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--resume", metavar="JSON",
                        help="keep this earlier run's rows (same settings) and train only the "
                             "rows it lacks")
    parser.add_argument("--from-json", nargs="+", metavar="JSON",
                        help="no training: merge the runs of these results files (seeds run "
                             "apart, e.g. in parallel) into one page")
    args = parser.parse_args()
    if args.from_json:
        merge(args.from_json)
        return
    if args.figure is None:
        parser.error("--figure size or --figure members is required (or --from-json)")
    data = load_lentimpra_wtc11(data_home=SHARED_DATA)
    X, y = one_hot_encode(data.X_valid), data.y_valid
    X_test, y_test = one_hot_encode(data.X_test), data.y_test
    if args.quick:
        X, y, X_test, y_test = X[:600], y[:600], X_test[:300], y_test[:300]
        args.max_epochs = 2
    groups = reverse_complement_groups(X)
    params = dict(max_epochs=args.max_epochs, patience=args.patience,
                  lr_patience=args.lr_patience, device="auto")
    counts = (args.members,) if args.figure == "size" else MEMBER_COUNTS
    rows = resumed_rows(args.resume, args, counts) if args.resume else []
    resumed = {row_key(r)[:3] for r in rows}
    for network in args.networks:
        for seed in args.seeds:
            fractions = FRACTIONS if args.figure == "size" else (1.0,)
            for fraction in fractions:
                if (network, fraction, seed) in resumed:
                    continue
                keep = subset(groups, fraction, seed)
                data = (X[keep], y[keep], groups[keep])
                fit = dict(X=data[0], y=data[1], groups=data[2])
                largest = args.members if args.figure == "size" else max(MEMBER_COUNTS)
                teacher = EnsembleRegressor(network, n_estimators=largest,
                                            random_state=1000 + seed, **params).fit(**fit)
                standard = EnsembleRegressor(network, n_estimators=1, random_state=seed,
                                             **params).fit(**fit)
                for members in counts:
                    row = scores(first_members(teacher, members), standard, *data, X_test,
                                 y_test, network, seed, params)
                    rows.append({"network": network, "fraction": fraction, "members": members,
                                 "seed": seed, "n_train": len(keep), **row})
                    print(rows[-1], flush=True)
                    # the page holds every finished row: an interrupted run keeps its figures
                    report(rows, args)


def row_key(row) -> tuple:
    return row["network"], row["fraction"], row["seed"], row["members"]


def resumed_rows(path, args, counts) -> list[dict]:
    """The rows of an earlier run at ``path`` for ``args.seeds``, where every
    teacher size of a (network, fraction, seed) is there (one teacher makes
    them all, so a part is re-run whole)."""
    previous = json.loads(Path(path).read_text())["results"]
    setup = stored_setup(previous["setup"])
    differing = [k for k in MERGED_SETTINGS if setup[k] != getattr(args, k)]
    if differing:
        raise SystemExit(f"cannot resume {path}: its settings differ in {differing}")
    rows = [r for r in previous["runs"] if r["seed"] in args.seeds]
    sizes = {}  # (network, fraction, seed) -> the teacher sizes it has rows of
    for r in rows:
        sizes.setdefault(row_key(r)[:3], set()).add(r["members"])
    return [r for r in rows if sizes[row_key(r)[:3]] >= set(counts)]


#: Settings two runs must share to be merged, or one resumed by the other.
MERGED_SETTINGS = ("figure", "networks", "members", "max_epochs", "patience", "lr_patience",
                   "quick")


def stored_setup(setup) -> dict:
    """A stored run's settings; a run stored before an option existed ran its default."""
    return {**BUDGET_DEFAULTS, **setup}


def merge(paths) -> None:
    """Write one page from several runs of the same figure with different seeds."""
    payloads = [json.loads(Path(p).read_text()) for p in paths]
    setups = [stored_setup(p["results"]["setup"]) for p in payloads]
    for setup in setups[1:]:
        differing = [k for k in MERGED_SETTINGS if setup[k] != setups[0][k]]
        if differing:
            raise SystemExit(f"cannot merge runs whose settings differ in {differing}")
    rows = [row for p in payloads for row in p["results"]["runs"]]
    keys = [(r["network"], r["fraction"], r["members"], r["seed"]) for r in rows]
    shared = sorted({key[-1] for key in keys if keys.count(key) > 1})
    if shared:
        raise SystemExit(f"the runs share seeds {shared}: merge runs of distinct seeds")
    # the seeds the runs were asked for: a merged page of unfinished runs stays partial
    asked = sorted({seed for setup in setups for seed in setup["seeds"]})
    setup = {**setups[0], "seeds": asked, "from_json": list(paths)}
    dates = ", ".join(p["machine"]["date"] for p in payloads)
    report(rows, argparse.Namespace(**setup), machine=payloads[0]["machine"],
           merged=f" Merged from {len(payloads)} runs measured at {dates}.")


# DEGU's claims as differences of two scores of one seed: (name, minuend, subtrahend)
CONTRASTS = (("distilled − standard", "distilled", "standard"),
             ("distilled − ensemble", "distilled", "ensemble"),
             ("ensemble − standard", "ensemble", "standard"))


def paired_differences(rows, networks) -> dict:
    """``{"network fraction xmembers": {contrast: [mean, CI half-width, n seeds]}}``:
    each contrast paired by seed (the same training subset and test fold), for the
    rows run with 2 seeds or more."""
    return {name: {contrast: [*mean_ci([r[a] - r[b] for r in picked]), len(picked)]
                   for contrast, a, b in CONTRASTS}
            for name, picked in row_groups(rows, networks).items() if len(picked) >= 2}


def row_groups(rows, networks) -> dict:
    """``{"network fraction xmembers": rows}``: the seeds of each row of the page,
    in page order."""
    groups = {}
    for network in networks:
        for fraction, members in sorted({(r["fraction"], r["members"]) for r in rows
                                         if r["network"] == network}):
            groups[f"{network} {fraction:.0%} x{members}"] = [
                r for r in rows
                if (r["network"], r["fraction"], r["members"]) == (network, fraction, members)]
    return groups


def member_trend(rows, networks) -> dict:
    """``{network: (fewest, most members, [mean, CI half-width, n seeds])}`` of the
    student's epistemic vs ensemble std r, most minus fewest members, paired by seed
    (only seeds that ran both sizes)."""
    out = {}
    for network in networks:
        by = {}
        for r in rows:
            if r["network"] == network:
                by.setdefault(r["members"], {})[r["seed"]] = r["epistemic_vs_ensemble"]
        if len(by) < 2:
            continue
        few, many = min(by), max(by)
        seeds = sorted(set(by[few]) & set(by[many]))
        if len(seeds) >= 2:
            out[network] = (few, many, [*mean_ci([by[many][s] - by[few][s] for s in seeds]),
                                        len(seeds)])
    return out


def trend_line(network, few, many, cell) -> str:
    """Markdown: what the member trend of Fig. 5a shows."""
    m, h, n = cell
    verdict = ("apart: the larger teacher's student follows its spread more closely"
               if m - h > 0 else "apart, below 0: the larger teacher's student follows it "
               "less closely" if m + h < 0 else "the interval holds 0: no trend shown")
    return (f"Fig. 5a against teacher size ({network}): the student's epistemic vs ensemble "
            f"std r, {many} − {few} members, paired by seed: {m:+.3f} ± {h:.3f} ({n} seeds; "
            f"{verdict}).")


def paired_section(paired, figure) -> str:
    """Markdown: the paired table (marked where an interval excludes 0) and what it
    says of DEGU's claims, counted from the table."""
    lines = ["Differences of Pearson r paired by seed (mean ± 95 % t half-width; "
             "**apart** where the interval excludes 0):", "",
             "| network / data / members | seeds | " + " | ".join(c[0] for c in CONTRASTS)
             + " |", "|---|---|" + "---|" * len(CONTRASTS)]
    for name, cells in paired.items():
        marks = [paired_cell(m, h) for m, h, _ in cells.values()]
        lines.append(f"| {name} | {next(iter(cells.values()))[2]} | " + " | ".join(marks)
                     + " |")

    def count(contrast, test):
        return sum(test(*cells[contrast][:2]) for cells in paired.values())

    n = len(paired)
    claim = ("Fig. 2 (students beat standard models and approach the ensemble at every "
             "training-set size)" if figure == "size" else
             "Students beat standard models and approach the ensemble at every teacher size")
    lines += ["", f"**Against DEGU's claims.** {claim}: distilled − standard is apart above "
              f"0 in {count('distilled − standard', lambda m, h: m - h > 0)} of {n} rows "
              f"and apart below 0 in {count('distilled − standard', lambda m, h: m + h < 0)}; "
              f"distilled − ensemble is apart below 0 in "
              f"{count('distilled − ensemble', lambda m, h: m + h < 0)} of {n} (the student "
              "falls short of its teacher there) and apart above 0 in "
              f"{count('distilled − ensemble', lambda m, h: m - h > 0)}. Rows whose interval "
              "holds 0 cannot tell the two apart with these seeds."]
    return "\n".join(lines)


def shortfalls(paired, rows, args) -> str:
    """Markdown: per network, the rows where the student is apart below its
    teacher, and the most likely reason, from the epochs the fits trained
    where the run recorded them."""
    lines, degu = [], DistilledRegressor().get_params()
    budget = f"{args.max_epochs} epochs with patience {args.patience}"
    longer = (f"`--max-epochs {degu['max_epochs']} --patience {degu['patience']} "
              f"--lr-patience {degu['lr_patience']}`")
    for network in dict.fromkeys(name.split()[0] for name in paired):
        short = {name.split(" ", 1)[1]: cells["distilled − ensemble"][0]
                 for name, cells in paired.items() if name.split()[0] == network
                 and sum(cells["distilled − ensemble"][:2]) < 0}
        if not short:
            continue
        line = (f"**Not reproduced ({network}):** the student falls short of its teacher at "
                f"{', '.join(short)} (by {min(-m for m in short.values()):.3f} to "
                f"{max(-m for m in short.values()):.3f}). ")
        fits = [row for name, picked in row_groups(rows, [network]).items()
                if name.split(" ", 1)[1] in short for row in picked]
        capped = capped_fits(fits, args.max_epochs)
        if capped is None:
            line += (f"Most likely reason, not tested here: every fit stops at {budget} "
                     f"(DEGU, and DistilledRegressor's defaults: {degu['max_epochs']} epochs, "
                     f"patience {degu['patience']}), and a student learning from DEGU's "
                     "augmented batches converges more slowly than its teacher's members; "
                     f"this run did not record the epochs its fits trained. A run with "
                     f"{longer} would tell.")
        elif capped["student"][0]:
            line += (f"Training ran into the cap of {budget} for {fit_counts(capped)}: "
                     "those fits were still improving (early stopping had not ended them), "
                     "so the budget is the likely reason; a run with "
                     f"{longer} would tell whether DEGU's budget closes the gap.")
        else:
            line += (f"Early stopping ended every student before the cap of {budget} "
                     f"({fit_counts(capped)} reached it), so the epoch budget is not the "
                     "reason; it is not known.")
        lines.append(line)
    return "".join("\n\n" + line for line in lines)


def capped_fits(rows, max_epochs) -> dict | None:
    """``{fit: (reached the cap, fits)}`` for students, teacher members and standard
    models of ``rows`` (None where a row did not record its epochs)."""
    if not rows or any("epochs" not in r for r in rows):
        return None
    out = {}
    for fit in ("student", "teacher", "standard"):
        epochs = [e for r in rows for e in np.atleast_1d(r["epochs"][fit])]
        out[fit] = (sum(e >= max_epochs for e in epochs), len(epochs))
    return out


def fit_counts(capped) -> str:
    names = {"student": "students", "teacher": "teacher members", "standard": "standard models"}
    return ", ".join(f"{capped[f][0]} of {capped[f][1]} {names[f]}" for f in names)


def finished_seeds(rows, args) -> list[int]:
    """The seeds with every row of the figure: each network's training fractions
    (``size``) or teacher sizes (``members``)."""
    grid = ([(f, args.members) for f in FRACTIONS] if args.figure == "size" else
            [(1.0, m) for m in MEMBER_COUNTS])
    expected = {(n, f, m) for n in args.networks for f, m in grid}
    return sorted(seed for seed in {r["seed"] for r in rows} if expected <= {
        (r["network"], r["fraction"], r["members"]) for r in rows if r["seed"] == seed})


def report(rows, args, machine=None, merged="") -> None:
    """Write the page: per network, training fraction and teacher size, each score's
    mean over the seeds run so far with its 95 % t interval."""
    keys = ("ensemble", "standard", "distilled", "epistemic_vs_ensemble")
    table, summary = [], {}
    for name, picked in row_groups(rows, args.networks).items():
        first = picked[0]
        cells = summary[name] = {k: mean_ci([r[k] for r in picked]) for k in keys}
        table.append((first["network"], f"{first['fraction']:.0%}", first["members"],
                      len(picked), *(f"{m:.3f} ± {h:.3f}" for m, h in cells.values())))
    done = finished_seeds(rows, args)
    notes = (f"Mean over the seeds run (column 'seeds'; finished: {done}) ± half-width of "
             "the 95 % t interval.")
    if len(done) < len(args.seeds):
        notes += (f" **Partial run**: {len(done)} of the seeds {args.seeds} finished every "
                  "row; rows with fewer seeds have wider intervals, and one seed none (nan).")
    notes += merged
    notes += (" Reproduce: `python benchmarks/bench_degu_figures.py --figure "
              f"{args.figure} --networks {' '.join(args.networks)} --seeds "
              f"{' '.join(map(str, args.seeds))} --members {args.members} --max-epochs "
              f"{args.max_epochs} --patience {args.patience} --lr-patience {args.lr_patience}"
              + (" --quick" if args.quick else "") + "`"
              + " (seeds may run apart and be merged with `--from-json`).")
    missing = [n for n in FIG2_NETWORKS if n not in args.networks]
    if args.figure == "size" and missing:
        notes += f" DEGU's Fig. 2 also has {', '.join(missing)}: not run here."
    if args.quick:
        notes += " QUICK RUN (a slice, 2 epochs): checks the script, not DEGU."
    paired = paired_differences(rows, args.networks)
    if paired:
        notes += "\n\n" + paired_section(paired, args.figure)
        notes += shortfalls(paired, rows, args)
    trend = member_trend(rows, args.networks) if args.figure == "members" else {}
    for network, (few, many, cell) in trend.items():
        notes += "\n\n" + trend_line(network, few, many, cell)
    name = "degu_training_size" if args.figure == "size" else "degu_ensemble_size"
    write_results(name, {"setup": vars(args), "runs": rows, "figures": summary,
                         "paired": paired, "member_trend": trend}, table,
                  header=("network", "training data", "members", "seeds", "ensemble r",
                          "standard r", "distilled r", "student epistemic vs ensemble std r"),
                  notes=notes, machine=machine)


if __name__ == "__main__":
    main()
