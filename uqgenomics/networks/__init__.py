"""Network zoo: trunks that map an input batch to features, and heads.

Choose a trunk by name in any estimator (``network='deepstarr'``) or pass
an ``nn.Module`` class; its constructor arguments are routed with the
``network__`` prefix (``network__dropout=0.3``).
"""

from ._base import (
    ChannelsFirst,
    SequenceTrunk,
    Trunk,
    conv_block,
    dense_block,
    flatten_sequential,
)
from ._cnn import BasicCNN, DeepSTARR
from ._dream_rnn import DREAMRNN
from ._epinet import EpinetNetwork
from ._heads import ConcatHeads, GaussianHead, HeadedNetwork, NormalInverseGammaHead
from ._mlp import MLP
from ._profile import CNNTaskBase, ProfileHeads, ProfileTrunk
from ._registry import NETWORKS, ModuleTrunk, build_trunk, is_profile_network, resolve_network
from ._residualbind import DilatedResidualBlock, ResidualBind

__all__ = [
    "BasicCNN",
    "CNNTaskBase",
    "ProfileHeads",
    "ProfileTrunk",
    "is_profile_network",
    "ChannelsFirst",
    "ConcatHeads",
    "EpinetNetwork",
    "GaussianHead",
    "NormalInverseGammaHead",
    "flatten_sequential",
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
