"""The documentation runs as written: README and user-guide code, and a complete API page.

Each page's Python blocks run in order, in one namespace, in an empty
folder (the pages write the files they need), as a reader would paste them.
"""

import importlib
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = sorted((ROOT / "docs" / "user_guide").glob("*.rst"))
RST_BLOCK = re.compile(r"^\.\. code-block:: (python|bash)\n((?:\n|   .*\n)+)", re.M)
# README: ```python and ```bash blocks run; ```sh holds the set-up commands
# (make demo / test / docs), which CI runs itself.
MD_BLOCK = re.compile(r"^```(python|bash)\n(.*?)^```", re.M | re.S)


def rst_blocks(path: Path) -> list[tuple[str, str]]:
    """``(language, code)`` of every Python and shell block, in page order."""
    return [(language, textwrap.dedent(block))
            for language, block in RST_BLOCK.findall(path.read_text())]


def run_blocks(blocks, folder, monkeypatch) -> dict:
    """Python blocks share one namespace; shell blocks run with this venv's
    ``uqgenomics`` first on the PATH. Both in ``folder``."""
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(folder)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    namespace = {"__name__": "__docs__"}
    for number, (language, block) in enumerate(blocks, 1):
        if language == "bash":
            done = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=folder,
                                  capture_output=True, text=True)
            assert done.returncode == 0, (f"shell block {number} failed:\n{block}\n"
                                          f"{done.stdout}\n{done.stderr}")
            continue
        try:
            exec(compile(block, f"block {number}", "exec"), namespace)
        except Exception as error:  # name the block that failed, with its code
            raise AssertionError(f"code block {number} failed:\n{block}") from error
    return namespace


def test_the_pages_have_code():
    assert len(GUIDE) >= 13
    assert all(rst_blocks(page) for page in GUIDE if page.name not in ("index.rst",))


@pytest.mark.parametrize("page", [p for p in GUIDE if p.name != "index.rst"],
                         ids=lambda p: p.stem)
def test_user_guide_page_runs(page, tmp_path, monkeypatch):
    run_blocks(rst_blocks(page), tmp_path, monkeypatch)


def test_a_failing_shell_block_fails(tmp_path, monkeypatch):
    with pytest.raises(AssertionError, match="shell block 1 failed"):
        run_blocks([("bash", "uqgenomics no-such-command\n")], tmp_path, monkeypatch)


def test_home_page_runs(tmp_path, monkeypatch):
    run_blocks(rst_blocks(ROOT / "docs" / "index.rst"), tmp_path, monkeypatch)


def test_readme_runs(tmp_path, monkeypatch):
    blocks = MD_BLOCK.findall((ROOT / "README.md").read_text())
    assert blocks, "the README has no Python block"
    run_blocks(blocks, tmp_path, monkeypatch)


def test_the_extraction_finds_a_broken_block(tmp_path, monkeypatch):
    page = tmp_path / "page.rst"
    page.write_text("Text\n\n.. code-block:: python\n\n   x = 1\n\n   y = x + undefined\n\nMore\n")
    blocks = rst_blocks(page)
    assert blocks == [("python", "\nx = 1\n\ny = x + undefined\n\n")]
    with pytest.raises(AssertionError, match="code block 1 failed"):
        run_blocks(blocks, tmp_path, monkeypatch)


PUBLIC = ["uqgenomics", "uqgenomics.augment", "uqgenomics.calibration",
          "uqgenomics.classification", "uqgenomics.cli", "uqgenomics.conformal",
          "uqgenomics.datasets", "uqgenomics.encoding", "uqgenomics.features",
          "uqgenomics.genome", "uqgenomics.interpret", "uqgenomics.losses",
          "uqgenomics.metrics", "uqgenomics.networks", "uqgenomics.pipeline",
          "uqgenomics.plotting", "uqgenomics.regression", "uqgenomics.stream",
          "uqgenomics.variants"]


@pytest.mark.parametrize("module", PUBLIC)
def test_every_public_name_is_in_the_api_reference(module):
    text = (ROOT / "docs" / "api.rst").read_text()
    sections = re.split(r"^``(uqgenomics[\w.]*)``: .*\n-+\n", text, flags=re.M)
    by_module = dict(zip(sections[1::2], sections[2::2]))
    assert module in by_module, f"docs/api.rst has no section for {module}"
    section = by_module[module]
    listed = set(re.findall(r"^   (\w+)$", section, re.M))
    listed |= set(re.findall(r"``(\w+)``", section))
    listed |= set(re.findall(r":(?:class|func):`~[\w.]+\.(\w+)`", section))
    names = set(importlib.import_module(module).__all__) - {"__version__"}
    assert names <= listed, f"missing from docs/api.rst: {sorted(names - listed)}"


def test_public_packages_are_all_listed():
    import pkgutil

    import uqgenomics

    found = {f"uqgenomics.{m.name}" for m in pkgutil.iter_modules(uqgenomics.__path__)
             if not m.name.startswith("_") and m.name != "demo"}
    assert found <= set(PUBLIC), f"add to PUBLIC and docs/api.rst: {sorted(found - set(PUBLIC))}"
