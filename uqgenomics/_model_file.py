"""A safe model file: weights as safetensors, everything else as JSON.

``save(estimator, path)`` writes one ``.safetensors`` file: every network's
weights and buffers as tensors, and in the file's metadata a JSON document
with the estimator's class, parameters, fitted attributes and training
histories. ``load(path)`` rebuilds the estimator from it without unpickling
anything: the only code it runs is uqgenomics', torch's, skorch's and
scikit-learn's own, whose classes it names. A class from anywhere else
(a network, a callback or an augmentation of your own) is loaded only when
the caller names it in ``trusted``.

A pickle (``pickle``, ``joblib``, ``torch.load(weights_only=False)``) runs
arbitrary code when it is loaded: never load one from a source you do not
trust. This format exists for sharing models.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.history import History

from ._version import __version__

#: Version 2: noise heads are one GaussianHead (keys ``heads.named.gaussian.*``).
FORMAT = "uqgenomics-model/2"
#: Modules whose classes a model file may name without being trusted; a
#: name is only ever resolved to a class of the kind its place expects.
LIBRARY_MODULES = ("uqgenomics", "torch.optim", "torch.nn", "skorch.callbacks",
                   "sklearn.frozen")


class UnsafeModelFileError(ValueError):
    """The file names code from outside the trusted libraries."""


# -- writing -------------------------------------------------------------------

def save(estimator, path) -> Path:
    """Save a uqgenomics estimator to one safe file.

    Parameters
    ----------
    estimator : uqgenomics estimator, fitted or not
    path : str or path-like
        The file to write (``.safetensors`` by convention). It is written
        under a temporary name and renamed, so it is never half written.

    Returns
    -------
    path : Path

    Raises
    ------
    TypeError
        When a parameter cannot be written (e.g. a lambda as ``augment``):
        the message names it.

    Examples
    --------
    >>> import uqgenomics                                      # doctest: +SKIP
    >>> uqgenomics.save(model, "enhancers.safetensors")        # doctest: +SKIP
    >>> model = uqgenomics.load("enhancers.safetensors")       # doctest: +SKIP
    """
    from safetensors.torch import save_file

    tensors: dict[str, torch.Tensor] = {}
    document = {"format": FORMAT, "version": _version(),
                "estimator": _encode_estimator(estimator, "", tensors)}
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    save_file(tensors, temporary, metadata={"uqgenomics": json.dumps(document)})
    os.replace(temporary, path)
    return path


def _version() -> str:
    return __version__


def _class_ref(cls) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _encode_estimator(estimator, prefix: str, tensors: dict) -> dict:
    params = estimator.get_params(deep=False)
    spec = {"class": _class_ref(type(estimator)),
            "params": {k: _encode(v, f"{prefix}{k}.", tensors, k) for k, v in params.items()},
            "fitted": {}, "networks": {}}
    for name, value in vars(estimator).items():
        if not (name.endswith("_") and not name.startswith("_")):
            continue
        nets = value if isinstance(value, list) and value and \
            all(isinstance(v, NeuralNet) for v in value) else None
        if isinstance(value, NeuralNet) or nets is not None:
            spec["networks"][name] = {
                "list": nets is not None,
                "nets": [_encode_net(net, f"{prefix}{name}.{i}.", tensors)
                         for i, net in enumerate(nets or [value])]}
        else:
            spec["fitted"][name] = _encode(value, f"{prefix}{name}.", tensors, name)
    return spec


def _encode_net(net: NeuralNet, prefix: str, tensors: dict) -> dict:
    state = net.module_.state_dict()
    for key, tensor in state.items():
        tensors[prefix + key] = tensor.detach().cpu().contiguous().clone()
    history = [{k: v for k, v in epoch.items() if k != "batches"} for epoch in net.history]
    return {"prefix": prefix, "keys": list(state), "history": _encode(history, "", {}, "history")}


def _encode(value, prefix: str, tensors: dict, name: str):
    """A JSON-able form of ``value``; nested estimators keep their networks."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, (np.generic,)):
        return value
    if isinstance(value, np.generic):
        return {"__scalar__": value.item(), "dtype": value.dtype.str}
    if isinstance(value, np.ndarray):
        if value.dtype == object and not all(isinstance(v, (str, int, float)) for v in
                                             value.ravel()):
            raise TypeError(f"cannot save {name!r}: an object array of "
                            f"{type(value.ravel()[0]).__name__}")
        return {"__array__": value.tolist(), "dtype": value.dtype.str if value.dtype != object
                else "object", "shape": list(value.shape)}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, f"{prefix}{i}.", tensors, name)
                              for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(v, f"{prefix}{i}.", tensors, name) for i, v in enumerate(value)]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError(f"cannot save {name!r}: a dict with keys other than strings")
        return {"__dict__": {k: _encode(v, f"{prefix}{k}.", tensors, name)
                             for k, v in value.items()}}
    if isinstance(value, torch.dtype):
        return {"__dtype__": str(value).removeprefix("torch.")}
    if inspect.isclass(value):
        return {"__class__": _class_ref(value)}
    if isinstance(value, BaseEstimator) and not isinstance(value, NeuralNet):
        return {"__estimator__": _encode_estimator(value, prefix, tensors)}
    # an object's fitted state (a strategy's scale...) beside its arguments
    fitted = {k: _encode(v, f"{prefix}{k}.", tensors, name) for k, v in vars(value).items()
              if k.endswith("_") and not k.startswith("_")} if hasattr(value, "__dict__") else {}
    return {"__object__": _class_ref(type(value)),
            "params": {k: _encode(v, f"{prefix}{k}.", tensors, name)
                       for k, v in _constructor_arguments(value, name).items()},
            "fitted": fitted}


def _constructor_arguments(value, name: str) -> dict:
    """The arguments that rebuild ``value``: ``get_params()``, or its
    constructor's parameters read from the attributes of the same name."""
    if inspect.isfunction(value) or inspect.ismethod(value) or inspect.isbuiltin(value):
        raise TypeError(f"cannot save {name!r}: a function ({value!r}) has no safe form; "
                        "use a class whose constructor arguments are its attributes")
    if hasattr(value, "get_params"):
        return value.get_params(deep=False)
    arguments = {}
    for parameter in list(inspect.signature(type(value)).parameters.values()):
        stars = {parameter.VAR_POSITIONAL: "*", parameter.VAR_KEYWORD: "**"}.get(
            parameter.kind, "")
        if stars and hasattr(value, parameter.name):  # e.g. JointAugment(*operations)
            arguments[stars + parameter.name] = getattr(value, parameter.name)
            continue
        if stars:
            raise TypeError(f"cannot save {name!r}: {type(value).__name__} does not keep its "
                            f"{stars}{parameter.name} arguments as an attribute of that name")
        if not hasattr(value, parameter.name):
            raise TypeError(f"cannot save {name!r}: {type(value).__name__} does not keep its "
                            f"constructor argument {parameter.name!r} as an attribute")
        arguments[parameter.name] = getattr(value, parameter.name)
    return arguments


# -- reading -------------------------------------------------------------------

def load(path, *, trusted=(), device=None):
    """Load an estimator saved by :func:`save`, without unpickling anything.

    Parameters
    ----------
    path : str or path-like
    trusted : sequence of classes, default=()
        Classes from outside uqgenomics, torch, skorch and scikit-learn that
        the file may name (your own network, callback or augmentation).
        Any other such class is refused.
    device : {'cpu', 'cuda', 'auto'}, default=None
        Where the networks run; None keeps the saved ``device``, except that
        a model saved for a GPU loads onto the CPU (with a warning) where no
        GPU is visible.

    Returns
    -------
    estimator
        Predicts exactly as the saved one did (same weights, parameters and
        fitted attributes). The optimizer state is not saved: further
        training starts a new optimizer.

    Raises
    ------
    UnsafeModelFileError
        When the file names a class that is neither from the libraries nor
        in ``trusted``.
    ValueError
        When the file is not a uqgenomics model file, or of another format
        version.
    """
    from safetensors import safe_open

    with safe_open(path, framework="pt") as handle:
        metadata = handle.metadata() or {}
        if "uqgenomics" not in metadata:
            raise ValueError(f"{os.fspath(path)} is a safetensors file but not a uqgenomics "
                             "model (no 'uqgenomics' metadata)")
        document = json.loads(metadata["uqgenomics"])
        if document.get("format") != FORMAT:
            raise ValueError(f"{os.fspath(path)} is in format {document.get('format')!r}; this "
                             f"uqgenomics ({_version()}) reads {FORMAT!r}")
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    reader = _Reader(tensors, {_class_ref(cls): cls for cls in trusted}, device)
    return reader.estimator(document["estimator"])


class _Reader:
    def __init__(self, tensors, trusted, device):
        self.tensors = tensors
        self.trusted = trusted
        self.device = device

    def resolve(self, reference: str, kinds: tuple, any_uqgenomics: bool = False) -> type:
        """The class named ``reference``: a trusted one, or one from
        :data:`LIBRARY_MODULES` that subclasses one of ``kinds`` (or, with
        ``any_uqgenomics``, any class of uqgenomics)."""
        if reference in self.trusted:
            return self.trusted[reference]
        module, _, qualname = reference.partition(":")
        refused = UnsafeModelFileError(
            f"the model file names {reference}, which is not a class uqgenomics loads by "
            f"itself; if you trust it, pass it: load(path, trusted=[{qualname}])")
        if "__main__" in module or not any(module == m or module.startswith(m + ".")
                                           for m in LIBRARY_MODULES):
            raise refused
        target = importlib.import_module(module)
        for part in qualname.split("."):
            target = getattr(target, part, None)
        if not inspect.isclass(target):
            raise refused
        if not (issubclass(target, kinds)
                or (any_uqgenomics and target.__module__.split(".")[0] == "uqgenomics")):
            raise refused
        return target

    def value(self, encoded):
        if isinstance(encoded, list):
            return [self.value(v) for v in encoded]
        if not isinstance(encoded, dict):
            return encoded
        if "__scalar__" in encoded:
            return np.dtype(encoded["dtype"]).type(encoded["__scalar__"])
        if "__array__" in encoded:
            dtype = object if encoded["dtype"] == "object" else np.dtype(encoded["dtype"])
            return np.array(encoded["__array__"], dtype=dtype).reshape(encoded["shape"])
        if "__tuple__" in encoded:
            return tuple(self.value(v) for v in encoded["__tuple__"])
        if "__dict__" in encoded:
            return {k: self.value(v) for k, v in encoded["__dict__"].items()}
        if "__dtype__" in encoded:
            return getattr(torch, encoded["__dtype__"])
        if "__class__" in encoded:
            return self.resolve(encoded["__class__"], (torch.optim.Optimizer, torch.nn.Module,
                                                       Callback))
        if "__estimator__" in encoded:
            return self.estimator(encoded["__estimator__"])
        if "__object__" in encoded:
            cls = self.resolve(encoded["__object__"], (Callback,), any_uqgenomics=True)
            args, kwargs = (), {}  # "*name" / "**name": the arguments taken by star
            for key, encoded_value in encoded["params"].items():
                argument = self.value(encoded_value)
                if key.startswith("**"):
                    kwargs.update(argument)
                elif key.startswith("*"):
                    args = argument
                else:
                    kwargs[key] = argument
            value = cls(*args, **kwargs)
            for name, fitted in encoded.get("fitted", {}).items():
                setattr(value, name, self.value(fitted))
            return value
        raise ValueError(f"unreadable value in the model file: {sorted(encoded)}")

    def estimator(self, spec):
        cls = self.resolve(spec["class"], (BaseEstimator,))
        estimator = cls(**{k: self.value(v) for k, v in spec["params"].items()})
        for name, encoded in spec["fitted"].items():
            setattr(estimator, name, self.value(encoded))
        if spec["networks"] and self.device is not None:
            estimator.set_params(device=self.device)
        elif spec["networks"] and str(estimator.device).startswith("cuda") \
                and not torch.cuda.is_available():
            warnings.warn(f"the model was saved with device={estimator.device!r} and no GPU "
                          "is visible: it runs on the CPU (device='cpu')", UserWarning,
                          stacklevel=3)
            estimator.set_params(device="cpu")
        for name, entry in spec["networks"].items():
            rebuilt = [self.net(estimator, name, net) for net in entry["nets"]]
            setattr(estimator, name, rebuilt if entry["list"] else rebuilt[0])
        return estimator

    def net(self, estimator, attribute: str, spec) -> NeuralNet:
        net = estimator._rebuild_net(attribute)
        state = {key: self.tensors[spec["prefix"] + key] for key in spec["keys"]}
        net.module_.load_state_dict(state, strict=True)
        net.history = History(self.value(spec["history"]))
        return net
