"""Choosing a trunk by name or class and building it for an input shape."""

from __future__ import annotations

import inspect

import torch
from torch import nn

from ._base import Trunk
from ._cnn import BasicCNN, DeepSTARR
from ._dream_rnn import DREAMRNN
from ._mlp import MLP
from ._profile import CNNTaskBase, ProfileTrunk
from ._residualbind import ResidualBind

NETWORKS: dict[str, type[nn.Module]] = {
    "cnn": BasicCNN,
    "deepstarr": DeepSTARR,
    "residualbind": ResidualBind,
    "dream_rnn": DREAMRNN,
    "mlp": MLP,
    "cnn_task_base": CNNTaskBase,
}


class ModuleTrunk(Trunk):
    """Adapter giving a user's ``nn.Module`` the :class:`Trunk` contract.

    The module receives the batch as the estimator holds it (channels-last
    one-hot ``(batch, length, 4)`` or features ``(batch, n_features)``) and
    must return ``(batch, out_features)``. ``out_features`` is read from the
    module's attribute of that name or found by a forward pass on zeros. The
    module may set ``variable_length = True`` (and ``min_length``) to accept
    other lengths after fitting.
    """

    def __init__(self, module: nn.Module, input_shape):
        super().__init__(input_shape)
        self.module = module
        self.variable_length = bool(getattr(module, "variable_length", False))
        self.min_length = int(getattr(module, "min_length", 1))
        out_features = getattr(module, "out_features", None)
        if out_features is None:
            out_features = self._infer_out_features()
        self.out_features = int(out_features)

    def _infer_out_features(self) -> int:
        was_training = self.module.training
        self.module.eval()
        try:
            with torch.no_grad():
                out = self.module(torch.zeros((2,) + self.input_shape))
        finally:
            self.module.train(was_training)
        if out.ndim != 2:
            raise ValueError(
                f"{type(self.module).__name__} must return (batch, out_features); "
                f"got output of shape {tuple(out.shape)}"
            )
        return out.shape[1]

    def forward(self, x):
        return self.module(x)


def resolve_network(network) -> type[nn.Module]:
    """Map a network name (``'deepstarr'``...) or ``nn.Module`` class to a class."""
    if isinstance(network, str):
        try:
            return NETWORKS[network.lower()]
        except KeyError:
            raise ValueError(
                f"unknown network {network!r}; choose from {sorted(NETWORKS)} "
                "or pass an nn.Module class"
            ) from None
    if isinstance(network, type) and issubclass(network, nn.Module):
        return network
    raise TypeError(
        f"network must be a name or an nn.Module subclass, got {network!r}"
    )


def is_profile_network(network) -> bool:
    """Whether ``network`` (a name or class) predicts profiles (a :class:`ProfileTrunk`)."""
    cls = resolve_network(network)
    return isinstance(cls, type) and issubclass(cls, ProfileTrunk)


def build_trunk(network, input_shape: tuple[int, ...], params: dict) -> Trunk:
    """Instantiate a trunk for samples of ``input_shape``.

    Parameters
    ----------
    network : str or nn.Module subclass
    input_shape : tuple of int
        ``(length, 4)`` or ``(n_features,)``.
    params : dict
        Keyword arguments of the network (the estimator's ``network__*``).
        ``input_shape`` is passed too when the class accepts it.
    """
    cls = resolve_network(network)
    kwargs = dict(params)
    accepted = inspect.signature(cls).parameters
    if "input_shape" in accepted:
        kwargs["input_shape"] = input_shape
    takes_any = any(p.kind is p.VAR_KEYWORD for p in accepted.values())
    unknown = sorted(set(params) - set(accepted)) if not takes_any else []
    if unknown:
        names = [f"network__{name}" for name in accepted
                 if name not in ("self", "input_shape") and accepted[name].kind not in (
                     inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]
        raise TypeError(f"{cls.__name__} has no argument {', '.join(unknown)} (given as "
                        f"{', '.join('network__' + u for u in unknown)}); it takes "
                        f"{', '.join(names)}")
    module = cls(**kwargs)
    if isinstance(module, Trunk):
        return module
    return ModuleTrunk(module, input_shape)
