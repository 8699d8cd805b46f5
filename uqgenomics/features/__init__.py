"""Fixed-length features of DNA sequences: k-mer spectra, frozen LM embeddings.

Both are scikit-learn transformers: put them in front of any estimator
with ``network='mlp'`` (e.g. ``make_pipeline(KmerFeaturizer(4),
EpinetClassifier('mlp'))``).
"""

from ._kmer import KmerFeaturizer
from ._language_model import FrozenLMEmbedder

__all__ = ["FrozenLMEmbedder", "KmerFeaturizer"]
