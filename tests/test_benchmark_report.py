"""The benchmark report gathers result files into one method × dataset page."""

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def report(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    module = importlib.import_module("report")
    # the project's own library changes concern the real pages, not these
    monkeypatch.setattr(module, "LIBRARY_CHANGES", [])
    yield module
    sys.modules.pop("report", None)


def _write(folder, name, results):
    machine = {"date": "2026-11-21T10:00:00+00:00", "device": "cpu", "cores": 2}
    (folder / f"{name}.json").write_text(json.dumps(
        {"benchmark": name, "machine": machine, "results": results}))


def test_summary_tables_and_other_figures(tmp_path, report):
    _write(tmp_path, "set_a", {"setup": {"seeds": 3}, "summary": {
        "ensemble": {"pearson": [0.8, 0.01]}, "mc_dropout": {"pearson": [0.7, 0.02]}}})
    _write(tmp_path, "set_b", {"summary": {"ensemble": {"pearson": [0.5, 0.0],
                                                          "nll": [1.25, 0.5]}}})
    _write(tmp_path, "speed", {"setup": {"n": 5}, "ratio": 1.5, "nested": {"seq_per_s": 3000}})
    page = report.build(tmp_path)
    assert "| method | set_a | set_b |" in page
    assert "| ensemble | 0.800 ± 0.010 | 0.500 ± 0.000 |" in page
    assert "| mc_dropout | 0.700 ± 0.020 | – |" in page
    assert "| method | set_b |" in page and "| ensemble | 1.250 ± 0.500 |" in page
    assert "| ratio | 1.5 |" in page and "| nested.seq_per_s | 3000 |" in page
    assert "| seeds |" not in page and "| n |" not in page


def _git(folder, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                   cwd=folder, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_results_older_than_their_script_are_listed_out_of_date(tmp_path, report):
    results = tmp_path / "results"
    results.mkdir()
    script = tmp_path / "bench_cal.py"
    script.write_text('write_results(f"calibration_{dataset}", {})\n')
    _write(results, "calibration_mpsa", {"ratio": 1.0})
    _write(results, "speed", {"ratio": 2.0})  # no script writes it: never listed
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "script and its results")
    # committed together (the commit is later than the measurement): up to date
    assert "Out of date" not in report.build(results, tmp_path)

    script.write_text('write_results(f"calibration_{dataset}", {"new": 1})\n')
    page = report.build(results, tmp_path)  # uncommitted, after the measurement
    assert "**calibration_mpsa**" in page and "uncommitted changes" in page
    _git(tmp_path, "commit", "-q", "-am", "change the script")
    page = report.build(results, tmp_path)
    assert "**calibration_mpsa**" in page and "change the script" in page
    assert "**speed**" not in page

    # a re-run after the change (uncommitted result, measured later): up to date
    payload = json.loads((results / "calibration_mpsa.json").read_text())
    payload["machine"]["date"] = "2099-01-01T00:00:00+00:00"
    (results / "calibration_mpsa.json").write_text(json.dumps(payload))
    assert "Out of date" not in report.build(results, tmp_path)


def test_no_git_checkout_lists_nothing(tmp_path, report, monkeypatch):
    _write(tmp_path, "calibration_mpsa", {"ratio": 1.0})
    (tmp_path / "bench_cal.py").write_text('write_results("calibration_mpsa", {})\n')
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert "Out of date" not in report.build(tmp_path, tmp_path)


def test_correlations_come_with_fisher_intervals_and_noise_marks(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    common = importlib.import_module("_common")
    low, high = common.pearson_ci(0.5, 103)  # z = atanh(0.5), standard error 0.1
    assert (low, high) == pytest.approx((0.33931, 0.63234), abs=1e-5)
    assert common.r_with_ci(0.013, 4650).endswith("*noise*")  # CAGI5 zero-shot size
    assert "noise" not in common.r_with_ci(0.21, 300)
    assert all(x != x for x in common.pearson_ci(0.4, 3))  # too few pairs: NaN


def test_a_library_change_after_the_measurement_is_listed(tmp_path, report, monkeypatch):
    monkeypatch.setattr(report, "LIBRARY_CHANGES", [
        (("calibration_mpsa",), "2026-11-22T12:00:00+00:00", "a default changed")])
    _write(tmp_path, "calibration_mpsa", {"ratio": 1.0})
    for date, listed in (("2026-11-22T11:00:00+00:00", True),
                         ("2026-11-22T13:00:00+00:00", False)):
        payload = json.loads((tmp_path / "calibration_mpsa.json").read_text())
        payload["machine"]["date"] = date
        (tmp_path / "calibration_mpsa.json").write_text(json.dumps(payload))
        page = report.build(tmp_path, tmp_path)
        assert ("the library changed since (2026-11-22 12:00: a default changed)" in page) is listed


def test_figures_with_intervals_get_their_own_section_with_paired_marks(tmp_path, report):
    _write(tmp_path, "figure", {
        "setup": {"seeds": [0, 1, 2]},
        "figures": {"net 50% x10": {"ensemble": [0.3, 0.02], "distilled": [0.31, 0.01]}},
        "paired": {"net 50% x10": {"distilled − ensemble": [0.01, 0.005, 3],
                                   "ensemble − standard": [0.02, 0.05, 3]}}})
    page = report.build(tmp_path)
    section = page.split("## Figures over seeds with 95 % intervals")[1]
    assert "| net 50% x10 | 0.300 ± 0.020 | 0.310 ± 0.010 |" in section
    assert "| net 50% x10 | 3 | +0.010 ± 0.005 **apart** | +0.020 ± 0.050 |" in section
    assert "### figure" not in page.split("## Other figures")[1]  # not twice
