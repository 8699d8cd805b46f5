"""The DEGU figures page pairs its scores by seed and counts DEGU's claims from the table."""

import argparse
import importlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def figures(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    module = importlib.import_module("bench_degu_figures")
    monkeypatch.setattr(importlib.import_module("_common"), "RESULTS", tmp_path)
    yield module
    sys.modules.pop("bench_degu_figures", None)


def _rows(members=(10,), fractions=(0.5, 1.0), seeds=(0, 1, 2)):
    rng = np.random.default_rng(0)
    rows = []
    for fraction in fractions:
        for count in members:
            for seed in seeds:
                standard = 0.2 + 0.01 * seed
                rows.append({"network": "deepstarr", "fraction": fraction, "members": count,
                             "seed": seed, "n_train": 100, "standard": standard,
                             # the student beats standard models by 0.1 on every seed
                             "distilled": standard + 0.1,
                             # the ensemble is the student's, up to seed noise
                             "ensemble": standard + 0.1 + rng.normal(0, 0.05),
                             "epistemic_vs_ensemble": 0.3 + 0.01 * count + 0.001 * seed})
    return rows


def test_differences_are_paired_by_seed(figures):
    rows = _rows()
    paired = figures.paired_differences(rows, ["deepstarr"])
    assert list(paired) == ["deepstarr 50% x10", "deepstarr 100% x10"]
    mean, half, n = paired["deepstarr 50% x10"]["distilled − standard"]
    assert (mean, n) == (pytest.approx(0.1), 3)
    assert half == pytest.approx(0, abs=1e-12)  # the same gap on every seed
    picked = [r for r in rows if r["fraction"] == 0.5]
    expected = figures.mean_ci([r["ensemble"] - r["standard"] for r in picked])
    assert paired["deepstarr 50% x10"]["ensemble − standard"][:2] == pytest.approx(expected)


def test_claims_are_counted_from_the_table(figures):
    section = figures.paired_section(figures.paired_differences(_rows(), ["deepstarr"]), "size")
    assert "distilled − standard is apart above 0 in 2 of 2 rows" in section
    assert "and apart below 0 in 0;" in section
    assert section.count("**apart**") >= 2


def test_one_seed_gives_no_paired_rows(figures):
    assert figures.paired_differences(_rows(seeds=(0,)), ["deepstarr"]) == {}


def test_member_trend_pairs_the_largest_and_smallest_teacher(figures):
    trend = figures.member_trend(_rows(members=(2, 20), fractions=(1.0,)), ["deepstarr"])
    few, many, (mean, half, n) = trend["deepstarr"]
    assert (few, many, n) == (2, 20, 3)
    assert mean == pytest.approx(0.18)
    assert "apart: the larger teacher" in figures.trend_line("deepstarr", few, many,
                                                               [mean, half, n])
    assert "holds 0" in figures.trend_line("deepstarr", 2, 20, [0.01, 0.05, 3])


def test_page_of_a_partial_run_keeps_its_paired_table(figures, tmp_path):
    rows = _rows(members=(2, 5, 10, 20), fractions=(1.0,), seeds=(0, 1))
    figures.report(rows, _args("members", [0, 1, 2]))
    page = (tmp_path / "degu_ensemble_size.md").read_text()
    assert "**Partial run**: 2 of the seeds [0, 1, 2] finished every row" in page
    assert "| deepstarr 100% x20 | 2 |" in page
    assert "20 − 2 members, paired by seed" in page
    stored = json.loads((tmp_path / "degu_ensemble_size.json").read_text())["results"]
    assert stored["member_trend"]["deepstarr"][:2] == [2, 20]


def _args(figure, seeds):
    return argparse.Namespace(figure=figure, networks=["deepstarr"], seeds=seeds, members=10,
                              max_epochs=30, patience=5, lr_patience=3, quick=False)


def test_a_seed_is_finished_only_with_every_row_of_its_figure(figures):
    rows = _rows(fractions=(0.25, 0.5, 0.75, 1.0), seeds=(0, 1))
    rows = [r for r in rows if (r["seed"], r["fraction"]) != (1, 1.0)]  # seed 1 interrupted
    assert figures.finished_seeds(rows, _args("size", [0, 1])) == [0]
    members = _rows(members=(2, 5, 10, 20), fractions=(1.0,), seeds=(0,))
    assert figures.finished_seeds(members, _args("members", [0])) == [0]
    assert figures.finished_seeds(members[:3], _args("members", [0])) == []


def _run_file(figures, tmp_path, name, rows, seeds):
    figures.report(rows, _args("size", seeds))
    path = tmp_path / name
    (tmp_path / "degu_training_size.json").rename(path)
    return str(path)


def test_merge_joins_runs_of_distinct_seeds_and_refuses_shared_ones(figures, tmp_path):
    rows = _rows(fractions=(0.25, 0.5, 0.75, 1.0))
    first = _run_file(figures, tmp_path, "a.json", [r for r in rows if r["seed"] < 2], [0, 1])
    second = _run_file(figures, tmp_path, "b.json", [r for r in rows if r["seed"] == 2], [2])
    figures.merge([first, second])
    merged = json.loads((tmp_path / "degu_training_size.json").read_text())["results"]
    assert len(merged["runs"]) == len(rows)
    assert merged["setup"]["seeds"] == [0, 1, 2]
    assert "Partial run" not in (tmp_path / "degu_training_size.md").read_text()
    with pytest.raises(SystemExit, match=r"share seeds \[2\]"):
        figures.merge([second, second])


def test_resume_keeps_whole_rows_of_the_asked_seeds_and_refuses_other_settings(
        figures, tmp_path):
    rows = _rows(fractions=(0.25, 0.5), seeds=(0, 1))
    path = _run_file(figures, tmp_path, "a.json", rows, [0, 1])
    kept = figures.resumed_rows(path, _args("size", [1]), counts=(10,))
    assert {(r["seed"], r["fraction"]) for r in kept} == {(1, 0.25), (1, 0.5)}
    # a teacher of the members figure makes every size: a part of them is re-run whole
    members = _rows(members=(2, 5, 10, 20), fractions=(1.0,), seeds=(0,))
    figures.report(members[:3], _args("members", [0]))
    partial = str(tmp_path / "degu_ensemble_size.json")
    assert figures.resumed_rows(partial, _args("members", [0]), figures.MEMBER_COUNTS) == []
    other = argparse.Namespace(**{**vars(_args("size", [1])), "max_epochs": 5})
    with pytest.raises(SystemExit, match=r"differ in \['max_epochs'\]"):
        figures.resumed_rows(path, other, counts=(10,))


def _short_at_full_data(epochs=None):
    """Rows where the student is 0.04 below its teacher on every seed at 100 %,
    with the epochs each fit trained (``{"student": n, ...}``) if given."""
    rows = _rows(fractions=(0.5, 1.0))
    for row in rows:
        if row["fraction"] == 1.0:
            row["ensemble"] = row["distilled"] + 0.04 + 0.001 * row["seed"]
        if epochs is not None:
            row["epochs"] = epochs
    return rows


def test_page_names_where_the_student_falls_short_of_its_teacher(figures):
    rows = _short_at_full_data()
    paired = figures.paired_differences(rows, ["deepstarr"])
    text = figures.shortfalls(paired, rows, _args("size", [0, 1, 2]))
    assert "Not reproduced (deepstarr)" in text and "at 100% x10 (by 0.041 to 0.041)" in text
    assert "50%" not in text and "30 epochs with patience 5" in text
    assert "did not record the epochs" in text  # a run stored before they were recorded
    assert "`--max-epochs 100 --patience 10 --lr-patience 5`" in text
    fine = {k: v for k, v in paired.items() if "50%" in k}
    assert figures.shortfalls(fine, rows, _args("size", [0, 1, 2])) == ""


def test_the_shortfall_reason_comes_from_the_epochs_the_fits_trained(figures):
    args = _args("size", [0, 1, 2])
    capped = _short_at_full_data({"student": 30, "teacher": [12, 30], "standard": 9})
    text = figures.shortfalls(figures.paired_differences(capped, ["deepstarr"]), capped, args)
    # only the short rows count: the three seeds at 100 %
    assert ("cap of 30 epochs with patience 5 for 3 of 3 students, 3 of 6 teacher members, "
            "0 of 3 standard models") in text
    assert "the budget is the likely reason" in text
    early = _short_at_full_data({"student": 17, "teacher": [12, 30], "standard": 9})
    text = figures.shortfalls(figures.paired_differences(early, ["deepstarr"]), early, args)
    assert "Early stopping ended every student before the cap" in text
    assert "the epoch budget is not the reason" in text


def test_runs_stored_before_the_budget_options_read_as_their_defaults(figures, tmp_path):
    rows = _rows(fractions=(0.25, 0.5), seeds=(0, 1))
    path = Path(_run_file(figures, tmp_path, "a.json", rows, [0, 1]))
    stored = json.loads(path.read_text())
    for key in ("patience", "lr_patience"):
        del stored["results"]["setup"][key]
    path.write_text(json.dumps(stored))
    assert len(figures.resumed_rows(str(path), _args("size", [0]), counts=(10,))) == 2
    longer = argparse.Namespace(**{**vars(_args("size", [0])), "patience": 10})
    with pytest.raises(SystemExit, match=r"differ in \['patience'\]"):
        figures.resumed_rows(str(path), longer, counts=(10,))
