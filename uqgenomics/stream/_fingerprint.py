"""What identifies a scoring run, so that an output is only ever resumed by
the same run.

A run is its source's contents, the tiling (window, stride), the model
(class, parameters, fitted weights and attributes) and the output columns.
Writers store the fingerprint with the output and refuse to append to an
output whose fingerprint differs.
"""

from __future__ import annotations

import hashlib
import json
import numbers
import os

import numpy as np

from ._sources import _h5_spec

#: How to start an output afresh, in the API and on the command line.
START_AFRESH = "pass resume=False (--overwrite on the command line)"

#: Parameters that change how a model runs, never what it predicts.
_NOT_PREDICTIVE = ("verbose", "n_jobs")


def _file_digest(path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_identity(source) -> dict | None:
    """A JSON-able identity of a streamed source's contents, or None when
    they cannot be checked (a generator or other one-pass iterator).

    Files (FASTA, HDF5, an open ``h5py.Dataset``'s file) are identified by
    a digest of their bytes, arrays and lists by a digest of their values.
    """
    h5 = _h5_spec(source)
    if h5 is not None:
        return {"kind": "h5", "path": os.path.abspath(h5[0]), "dataset": h5[1],
                "digest": _file_digest(h5[0])}
    if isinstance(source, (str, os.PathLike)):
        return {"kind": "file", "path": os.path.abspath(source),
                "digest": _file_digest(source)}
    if hasattr(source, "file") and hasattr(source, "name") and hasattr(source, "shape"):
        return {"kind": "h5", "path": os.path.abspath(source.file.filename),
                "dataset": source.name, "digest": _file_digest(source.file.filename)}
    if isinstance(source, np.ndarray):
        return {"kind": "array", "shape": list(source.shape), "dtype": str(source.dtype),
                "digest": hashlib.blake2b(_array_bytes(source), digest_size=16).hexdigest()}
    if isinstance(source, (list, tuple)):
        digest = hashlib.blake2b(digest_size=16)
        for item in source:
            for part in (item if isinstance(item, tuple) else (item,)):
                digest.update(np.asarray(part).tobytes() if not isinstance(part, str)
                              else part.encode())
                digest.update(b"\0")
        return {"kind": "list", "length": len(source), "digest": digest.hexdigest()}
    return None


def model_digest(estimator) -> str:
    """A digest of what a fitted estimator predicts with: its class, its
    plain parameters, its fitted arrays, scalars and fitted objects (a
    recalibration's strategies), every network's weights and buffers, and
    the same of the estimators it wraps (a recalibrated model's, a
    student's teacher)."""
    digest = hashlib.blake2b(digest_size=16)
    _digest_estimator(digest, estimator)
    return digest.hexdigest()


def _digest_estimator(digest, estimator) -> None:
    digest.update(type(estimator).__qualname__.encode())
    params = estimator.get_params(deep=False)
    digest.update(json.dumps({k: v for k, v in params.items()
                              if k not in _NOT_PREDICTIVE and _plain(v)},
                             sort_keys=True, default=str).encode())
    for name, value in sorted(params.items()):
        if hasattr(value, "get_params") and not isinstance(value, type):
            digest.update(f"param {name}".encode())
            _digest_estimator(digest, value)
    for name in sorted(vars(estimator)):
        if name.endswith("_") and not name.startswith("_"):
            _digest_value(digest, name, vars(estimator)[name])
    if hasattr(estimator, "_fitted_networks") and hasattr(estimator, "input_shape_"):
        for module in estimator._fitted_networks():
            for key, tensor in sorted(module.state_dict().items()):
                digest.update(key.encode())
                digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())


def _digest_value(digest, name: str, value) -> None:
    """A fitted attribute: arrays by value, plain values by repr, estimators
    and objects (their fitted attributes) recursively; networks are left to
    ``_fitted_networks``."""
    if isinstance(value, np.ndarray):
        digest.update(name.encode() + _array_bytes(value))
    elif _plain(value):
        digest.update(f"{name}={value!r}".encode())
    elif hasattr(value, "get_params") and hasattr(value, "predict"):
        if not hasattr(value, "module_"):  # a skorch net: its weights come through the owner
            digest.update(f"estimator {name}".encode())
            _digest_estimator(digest, value)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _digest_value(digest, f"{name}[{i}]", item)
    elif isinstance(value, dict):
        for key in sorted(value, key=str):
            _digest_value(digest, f"{name}[{key!r}]", value[key])
    elif hasattr(value, "__dict__"):
        digest.update(f"{name}:{type(value).__qualname__}".encode())
        for key in sorted(vars(value)):
            if key.endswith("_") and not key.startswith("_"):
                _digest_value(digest, f"{name}.{key}", vars(value)[key])


def _array_bytes(array: np.ndarray) -> bytes:
    """The values' bytes; object arrays (e.g. string labels) by their text,
    since their buffer holds pointers that differ from process to process."""
    if array.dtype == object:
        return repr(array.tolist()).encode()
    return np.ascontiguousarray(array).tobytes()


def _plain(value) -> bool:
    if value is None or isinstance(value, (str, bool, numbers.Number)):
        return True
    return isinstance(value, (tuple, list)) and all(_plain(v) for v in value)


def run_fingerprint(estimator, source, window, stride, columns, options=None) -> dict:
    """The fingerprint a writer stores: source, tiling, model, columns and
    other options that change the values (JSON-able).

    ``source`` is None in it when the source's contents cannot be checked;
    a dict of sources (e.g. variants and genome) is identified per entry,
    None when one of them cannot be checked.
    """
    if isinstance(source, dict):
        identities = {key: source_identity(value) for key, value in source.items()}
        identity = None if None in identities.values() else identities
    else:
        identity = source_identity(source)
    return {"format": "uqgenomics-run/1", "source": identity, "window": window,
            "stride": stride, "model": model_digest(estimator), "columns": list(columns),
            "options": options}


def check_same_run(out, stored: dict | None, current: dict) -> None:
    """Raise ``ValueError`` unless ``stored`` (the output's fingerprint) is
    ``current``'s run; the message says what differs and how to overwrite."""
    overwrite = f"{START_AFRESH} to overwrite it, or write to another path"
    if stored is None:
        raise ValueError(f"{os.fspath(out)} exists but has no uqgenomics run record, so it "
                         f"cannot be resumed safely; {overwrite}")
    if current["source"] is None:
        raise ValueError(f"{os.fspath(out)} exists, and the source is a one-pass iterator "
                         f"whose contents cannot be checked against it; {START_AFRESH} to "
                         "start afresh, or stream from a file, array or list")
    differ = [key for key in ("source", "window", "stride", "model", "columns", "options")
              if stored.get(key) != current.get(key)]
    if differ:
        what = {"source": "another source", "window": "another window",
                "stride": "another stride", "model": "another model (weights or parameters)",
                "columns": "other columns", "options": f"other options ({stored.get('options')})"}
        raise ValueError(f"{os.fspath(out)} holds a run with "
                         f"{', '.join(what[key] for key in differ)}; appending would mix two "
                         f"runs: {overwrite}")
