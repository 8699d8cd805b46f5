"""Gather every ``results/*.json`` into one page: ``results/SUMMARY.md``.

Benchmarks that score methods on a dataset store
``results.summary[method][metric] = [mean, std]`` (over seeds); they become
one table per metric, methods as rows and datasets as columns. Every other
number (timings, ratios, throughput) is listed per benchmark under its key
path, without the ``setup`` block. A result file whose script has changed
since it was measured (a later commit, or uncommitted changes, to the
``bench_*.py`` that writes it) is listed as out of date at the top: its
figures may no longer be what the script measures. Changes to the library
itself are not tracked.

Run: ``python benchmarks/report.py [--results DIR] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import subprocess
from pathlib import Path

from _common import RESULTS, paired_cell

METRIC_NAMES = {
    "pearson": "Pearson r (higher is better)",
    "spearman": "Spearman r (higher is better)",
    "nll": "Gaussian NLL, nats (lower is better)",
    "coverage_raw": "95 % coverage of mean ± 1.96 std (goal 0.95)",
    "width_raw": "mean width of mean ± 1.96 std",
    "coverage_conformal": "95 % coverage after MAPIE conformal (goal 0.95)",
    "width_conformal": "mean width after MAPIE conformal",
}


def producing_scripts(scripts: Path) -> dict[re.Pattern, Path]:
    """The ``bench_*.py`` in ``scripts`` by the result names they write (a
    pattern: ``f"calibration_{dataset}"`` matches every dataset)."""
    found = {}
    for script in sorted(scripts.glob("bench_*.py")):
        for template in re.findall(r'write_results\(\s*f?"([^"]+)"', script.read_text()):
            parts = re.split(r"\{[^}]*\}", template)
            found[re.compile(".+".join(map(re.escape, parts)) + "$")] = script
    return found


def _git(folder: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True,
                          check=False)


def last_change(path: Path) -> tuple[datetime.datetime, str, str | None] | None:
    """When ``path`` last changed: ``(time, description, commit)``, the commit
    None for uncommitted changes (time: the file's mtime); None outside a git
    checkout or for a file git has never seen."""
    status = _git(path.parent, "status", "--porcelain", "--", path.name)
    if status.returncode != 0:
        return None
    if status.stdout.strip():
        return (datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.timezone.utc),
                "uncommitted changes", None)
    log = _git(path.parent, "log", "-1", "--format=%H%x00%cI%x00%h %s", "--", path.name)
    if not log.stdout.strip():
        return None
    commit, date, subject = log.stdout.strip().split("\0", 2)
    return datetime.datetime.fromisoformat(date), f"commit {subject}", commit


def script_changed_since(script: Path, result: Path, measured: datetime.datetime):
    """The script's last change if it came after the result was measured, else
    None. Committed both: the script's last commit must be in the result's
    history (a script committed with its results is not newer than them);
    otherwise the change time is compared with the measurement time."""
    change = last_change(script)
    if change is None:
        return None
    recorded = last_change(result)
    if change[2] is not None and recorded is not None and recorded[2] is not None:
        merged = _git(script.parent, "merge-base", "--is-ancestor", change[2], recorded[2])
        return None if merged.returncode == 0 else change
    return change if change[0] > measured else None


# Library changes that alter a page's figures without touching its script:
# (pages, when the change landed, what it changed).
LIBRARY_CHANGES = [
    (("calibration_wtc11", "calibration_mpsa"), "2026-11-22T12:28:20+00:00",
     "DistilledRegressor's default loss weighting became DEGU's (target_scaling='shared'); "
     "the distilled rows used the former per-column 'std' scaling"),
    (("calibration_wtc11", "calibration_mpsa"), "2026-11-22T15:39:21+00:00",
     "DistilledRegressor trains with DEGU's augmentations by default on sequences "
     "(augment='auto'); the distilled rows trained without"),
    (("classification",), "2026-11-22T11:29:06+00:00",
     "calibration_mse is weighted by bin counts since; the page's calibration MSE is the "
     "former unweighted mean over bins"),
]


def out_of_date(payloads: list[dict], folder: Path, scripts: Path) -> list[str]:
    """Markdown lines: the results measured before their script, or a library change
    that alters them (``LIBRARY_CHANGES``), last changed."""
    producers = producing_scripts(scripts)
    lines = []
    for payload in payloads:
        name = payload["benchmark"]
        measured = datetime.datetime.fromisoformat(payload["machine"]["date"])
        for pages, when, what in LIBRARY_CHANGES:
            changed = datetime.datetime.fromisoformat(when)
            if name in pages and measured < changed:
                lines.append(f"- **{name}** (measured {measured:%Y-%m-%d %H:%M}): the library "
                             f"changed since ({changed:%Y-%m-%d %H:%M}: {what}); re-run it to "
                             "refresh these figures.")
        script = next((s for pattern, s in producers.items() if pattern.match(name)), None)
        if script is None:
            continue
        change = script_changed_since(script, folder / f"{name}.json", measured)
        if change:
            lines.append(f"- **{name}** (measured {measured:%Y-%m-%d %H:%M}): "
                         f"`{script.name}` changed since ({change[0]:%Y-%m-%d %H:%M}, "
                         f"{change[1][:100]}); re-run it to refresh these figures.")
    if not lines:
        return []
    return ["## Out of date", "", "These pages were measured by an earlier version of "
            "their script or of the library; their figures are kept below but may not be "
            "what the script measures now.", "", *lines, ""]


def load(folder: Path) -> list[dict]:
    """Every benchmark payload in ``folder``, by name."""
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def metric_tables(payloads: list[dict]) -> list[str]:
    """Markdown lines: one method × dataset table per metric."""
    scored = {p["benchmark"]: p["results"]["summary"] for p in payloads
              if isinstance(p["results"].get("summary"), dict)}
    metrics = list(dict.fromkeys(m for summary in scored.values()
                                 for row in summary.values() for m in row))
    lines = []
    for metric in metrics:
        datasets = [d for d, summary in scored.items()
                    if any(metric in row for row in summary.values())]
        methods = list(dict.fromkeys(m for d in datasets for m in scored[d]))
        lines += [f"### {METRIC_NAMES.get(metric, metric)}", "",
                  "| method | " + " | ".join(datasets) + " |",
                  "|---|" + "---|" * len(datasets)]
        for method in methods:
            cells = []
            for dataset in datasets:
                value = scored[dataset].get(method, {}).get(metric)
                cells.append("–" if value is None else _format(value))
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


# Per-item detail (per element, per percentile) stays on each benchmark's page, and
# so do correlations shown there with their confidence intervals ("overall": the
# CAGI5 zero-shot r, which is noise at r ~ 0.01).
DETAIL_KEYS = {"setup", "summary", "per_seed", "per_element", "stratified", "models",
               "students", "overall", "epinet_minus_mc_dropout"}


def other_figures(payloads: list[dict]) -> list[str]:
    """Markdown lines: the remaining numbers of each benchmark, by key path."""
    lines = []
    for payload in payloads:
        figures = [(path, value) for path, value in _numbers(payload["results"])
                   if not DETAIL_KEYS & set(path.split("."))]
        if not figures:
            continue
        lines += [f"### {payload['benchmark']}", "", _measured_on(payload["machine"]), "",
                  "| figure | value |", "|---|---|"]
        lines += [f"| {path} | {_format(value)} |" for path, value in figures]
        lines.append("")
    return lines


def interval_tables(payloads: list[dict]) -> list[str]:
    """Markdown lines: the pages whose figures are means over seeds with a 95 %
    t interval (``results.figures``: row -> figure -> [mean, half-width]), and
    their differences paired by seed (``results.paired``), marked **apart**
    where the interval excludes 0."""
    lines = []
    for payload in payloads:
        figures = payload["results"].get("figures")
        if not isinstance(figures, dict) or not figures:
            continue
        name = payload["benchmark"]
        columns = list(dict.fromkeys(k for row in figures.values() for k in row))
        lines += [f"### {name}", "", f"{_measured_on(payload['machine'])}; setup, seeds and "
                  f"verdicts on `{name}.md`.", "",
                  "| row | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
        lines += [f"| {row} | " + " | ".join(_format(cells.get(c, "–")) for c in columns)
                  + " |" for row, cells in figures.items()]
        paired = payload["results"].get("paired") or {}
        contrasts = list(dict.fromkeys(k for row in paired.values() for k in row))
        if paired:
            lines += ["", "Paired by seed:", "",
                      "| row | seeds | " + " | ".join(contrasts) + " |",
                      "|---|---|" + "---|" * len(contrasts)]
            lines += [f"| {row} | {next(iter(cells.values()))[2]} | "
                      + " | ".join(paired_cell(*cells[c][:2]) for c in contrasts) + " |"
                      for row, cells in paired.items()]
        lines.append("")
    return lines


def _measured_on(machine: dict) -> str:
    return f"{machine['date'][:10]}, device {machine['device']}, {machine['cores']} cores"


def _numbers(tree, prefix=""):
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _numbers(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(tree, (int, float)) and not isinstance(tree, bool):
        yield prefix, tree


def _format(value) -> str:
    if isinstance(value, list) and len(value) == 2:
        return f"{value[0]:.3f} ± {value[1]:.3f}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def build(folder: Path, scripts: Path | None = None) -> str:
    """The whole summary page (``scripts``: where the ``bench_*.py`` live, by
    default the parent of ``folder``)."""
    payloads = load(folder)
    dates = sorted(p["machine"]["date"][:10] for p in payloads)
    lines = ["# Benchmark summary", "",
             f"Generated by `python benchmarks/report.py` from {len(payloads)} result files "
             f"({dates[0] if dates else '–'} to {dates[-1] if dates else '–'}). Mean ± std "
             "over seeds; each benchmark's own page has its setup and notes.", "",
             *out_of_date(payloads, folder, scripts or folder.parent),
             "## Accuracy and calibration (method × dataset)", "", *metric_tables(payloads),
             "## Figures over seeds with 95 % intervals (mean ± t half-width, not ± std)", "",
             *interval_tables(payloads),
             "## Other figures (speed, cost, consistency)", "", *other_figures(payloads)]
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or args.results / "SUMMARY.md"
    out.write_text(build(args.results))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
