"""The benchmark report gathers result files into one method × dataset page."""

import importlib
import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def report(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    module = importlib.import_module("report")
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
