"""Network zoo: trunks that map an input batch to features, and heads.

Choose a trunk by name in any estimator (``network='deepstarr'``) or pass
an ``nn.Module`` class; its constructor arguments are routed with the
``network__`` prefix (``network__dropout=0.3``).
"""

from ._base import HeadedNetwork, SequenceTrunk, Trunk, conv_block, dense_block
from ._cnn import BasicCNN, DeepSTARR
from ._dream_rnn import DREAMRNN
from ._mlp import MLP
from ._registry import NETWORKS, ModuleTrunk, build_trunk, resolve_network
from ._residualbind import DilatedResidualBlock, ResidualBind

__all__ = [
    "BasicCNN",
    "DREAMRNN",
    "DeepSTARR",
    "DilatedResidualBlock",
    "HeadedNetwork",
    "MLP",
    "ModuleTrunk",
    "NETWORKS",
    "ResidualBind",
    "SequenceTrunk",
    "Trunk",
    "build_trunk",
    "conv_block",
    "dense_block",
    "resolve_network",
]
