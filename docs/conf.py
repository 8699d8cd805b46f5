"""Sphinx configuration of the uqgenomics documentation (``make docs``).

Sphinx, because the docstrings are numpydoc (``numpydoc`` renders them as
scikit-learn's and MAPIE's sites do), ``autosummary`` writes a page per
public name from them, and ``sphinx-gallery`` runs the examples at every
build, so a figure on the site is what the code gives today.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import uqgenomics

HERE = Path(__file__).resolve().parent
# The gallery reads the real data from ../shared/data when the checkout has it.
SHARED = HERE.parents[1] / "shared" / "data"
if "UQGENOMICS_DATA" not in os.environ and SHARED.is_dir():
    os.environ["UQGENOMICS_DATA"] = str(SHARED)
os.environ.setdefault("OMP_NUM_THREADS", "2")
_GALLERY_DATA = Path(os.environ.get("UQGENOMICS_DATA", "~/uqgenomics_data")).expanduser()
if not (_GALLERY_DATA / "lentimpra_wtc11").is_dir() and "plot_gallery=0" not in " ".join(sys.argv):
    raise RuntimeError(
        f"the gallery runs on real data, and {_GALLERY_DATA} has no lentimpra_wtc11/: set "
        "UQGENOMICS_DATA to the folder of the data sets, or build without running the "
        'examples: make docs SPHINXOPTS="-D plot_gallery=0"')

project = "uqgenomics"
author = "the uqgenomics developers"
copyright = "2026, the uqgenomics developers"
release = version = uqgenomics.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "ARCHITECTURE.md", "examples/README.rst",
                    "auto_examples/*.ipynb", "auto_examples/*.py", "auto_examples/*.zip",
                    "auto_examples/*.md5", "auto_examples/*.codeobj.json"]
templates_path = ["_templates"]

# Every reference inside uqgenomics must resolve (a missing one fails the
# build); names of other libraries are written as references in the
# docstrings but this offline build has no inventories for them.
nitpicky = True
nitpick_ignore_regex = [
    ("py:.*", r"(numpy|np|torch|sklearn|skorch|pandas|pd|mapie|shap|scipy|pathlib|joblib|"
              r"os|h5py|pyarrow|pysam|pybigtools|collections|typing|matplotlib|dask|"
              r"transformers|datetime|io)(\..*)?"),
    # numpydoc type words
    ("py:class", r"(array-like|ndarray|callable|optional|default.*|str|int|float|bool|dict|"
                 r"list|tuple|sequence|iterable|iterator|path-like|file-like|object|bytes|"
                 r"None|of|or|shape|n_samples|n_classes|n_tasks|length|estimator|"
                 r"generator|Mapping|Sequence|Path|DataFrame|Series|Axes|Bunch|module|"
                 r"nn\.Module|Tensor|.*\}|\{.*|.*\)|\(.*|'.*|.*'|\d+|.*\.\.\..*)"),
]

autosummary_generate = True
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

html_theme = "pydata_sphinx_theme"
html_title = f"uqgenomics {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "navbar_end": ["search-button", "theme-switcher"],
    "show_toc_level": 2,
    "navigation_with_keys": False,
}

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
}
