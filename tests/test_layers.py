"""Imports run down the layers of docs/ARCHITECTURE.md, never back up."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "uqgenomics"

#: Layer of each part of the package; a module may import from its own
#: layer and the ones with a smaller number only.
LAYERS = {
    "_version": 0, "encoding": 0, "datasets": 0, "genome": 0,
    "networks": 1, "losses": 1,
    "_engine": 2,
    "_base": 3, "_density": 3, "_families": 3, "_result": 3, "_validation": 3, "_model_file": 3,
    "regression._base": 3, "classification._base": 3,
    "regression": 4, "classification": 4, "features": 4, "augment": 4,
    "metrics": 5, "plotting": 5, "interpret": 5, "variants": 5, "stream": 5,
    "calibration": 5, "conformal": 5, "pipeline": 5,
    "demo": 6, "cli": 6, "__init__": 6,
}


def _layer(module: str) -> int:
    """Layer of a dotted module path inside the package (without 'uqgenomics.')."""
    parts = module.split(".")
    for depth in (2, 1):
        key = ".".join(parts[:depth])
        if key in LAYERS:
            return LAYERS[key]
    raise KeyError(f"{module} has no layer in tests/test_layers.py")


def _imports(path: Path):
    """Package modules imported by ``path``, as dotted paths."""
    here = path.relative_to(PACKAGE).with_suffix("").parts
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(here[:len(here) - node.level])
            target = base + (node.module.split(".") if node.module else [])
            names = [target + [alias.name] for alias in node.names] if not node.module \
                else [target]
            for name in names:
                yield ".".join(name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) \
                else [node.module]
            for module in modules:
                if module and module.startswith("uqgenomics."):
                    yield module.removeprefix("uqgenomics.")


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")),
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_import_runs_back_up_a_layer(path):
    module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    module = module.removesuffix(".__init__") if module != "__init__" else module
    own = _layer(module)
    upward = [name for name in _imports(path) if name and _layer(name) > own]
    assert not upward, f"{module} (layer {own}) imports {upward} from a layer below"
