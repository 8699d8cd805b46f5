"""Estimator configuration files (TOML) for the command line."""

from __future__ import annotations

import os
import sys

from .. import classification, regression
from .._base import ROUTED_PREFIXES, BaseUncertaintyEstimator

#: The estimators a configuration may name.
ESTIMATORS = {name: getattr(module, name) for module in (regression, classification)
              for name in module.__all__
              if isinstance(getattr(module, name), type)
              and issubclass(getattr(module, name), BaseUncertaintyEstimator)}

EXAMPLE = """\
# model.toml: the estimator and its parameters, as in Python
estimator = "EnsembleRegressor"

[params]
network = "cnn"
n_estimators = 5
max_epochs = 20
network__filters = [32, 32]
network__kernel_sizes = [11, 5]
random_state = 0
"""


def _read_toml(path) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise FileNotFoundError(f"config file {os.fspath(path)!r} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{os.fspath(path)} is not valid TOML: {error}") from None


def estimator_from_config(path, defaults=None):
    """The unfitted estimator a TOML file describes.

    The file names ``estimator`` (a class of ``uqgenomics.regression`` or
    ``uqgenomics.classification``) and gives its parameters in a
    ``[params]`` table, spelled as the constructor's (``network__*`` for
    the network's); arrays become tuples. Unknown keys are errors.

    Parameters
    ----------
    path : str or path-like
    defaults : dict, default=None
        Parameters used where the file does not set them (the command
        line's progress bar).

    Returns
    -------
    estimator
    """
    config = _read_toml(path)
    unknown = set(config) - {"estimator", "params"}
    if unknown:
        raise ValueError(f"{os.fspath(path)}: unknown keys {sorted(unknown)}; a config has "
                         "'estimator' and a [params] table")
    name = config.get("estimator")
    if name not in ESTIMATORS:
        raise ValueError(f"{os.fspath(path)}: estimator must be one of {sorted(ESTIMATORS)}, "
                         f"got {name!r}")
    params = {k: tuple(v) if isinstance(v, list) else v
              for k, v in config.get("params", {}).items()}
    cls = ESTIMATORS[name]
    estimator = cls()
    valid = estimator.get_params(deep=False)
    wrong = [k for k in params if k not in valid and not k.startswith(ROUTED_PREFIXES)]
    if wrong:
        raise ValueError(f"{os.fspath(path)}: {name} has no parameter {wrong}; its parameters "
                         f"are {sorted(valid)} and network__* for the network")
    return cls(**{**(defaults or {}), **params})
