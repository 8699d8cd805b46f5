"""Embeddings from a frozen genomic language model (Hugging Face transformers)."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm

from .._engine._device import resolve_device
from ..encoding._onehot import as_sequences
from ..encoding._transformer import SequenceTransformerMixin

POOLINGS = ("mean", "cls")


class FrozenLMEmbedder(SequenceTransformerMixin, BaseEstimator):
    """Fixed-length embeddings of DNA sequences from a pretrained language model.

    Loads a Hugging Face model and its tokenizer from a local folder or a
    hub name (Nucleotide Transformer, DNABERT-2, …), runs it frozen in eval
    mode, and pools the chosen layer's token states into one vector per
    sequence. Sequences are embedded in batches (longest first, so batches
    pad little) with a progress bar; every embedding is cached in memory by
    sequence, so repeated ``transform`` calls (cross-validation, several
    estimators on the same reads) run the model once per sequence.

    Parameters
    ----------
    model_name_or_path : str or path-like
        Folder written by ``save_pretrained`` (or a hub name where the
        network is reachable).
    pooling : {'mean', 'cls'}, default='mean'
        Mean over the sequence's tokens (padding and special tokens
        excluded), or the first token's state.
    layer : int, default=-1
        Hidden-state layer to pool (-1: the last).
    batch_size : int, default=32
    max_length : int, default=None
        Truncate tokenised sequences to this many tokens (None: the
        tokenizer's limit).
    device : str, default='auto'
    trust_remote_code : bool, default=False
        Passed to ``from_pretrained`` (DNABERT-2 needs True).
    progress : bool, default=True

    Attributes
    ----------
    model_, tokenizer_ : the loaded model and tokenizer
    n_features_out_ : int
        Embedding size.
    cache_ : dict of str to ndarray
        Embeddings computed so far.

    Notes
    -----
    Needs ``transformers`` (``pip install 'uqgenomics[lm]'``).
    """

    def __init__(self, model_name_or_path, pooling="mean", layer=-1, batch_size=32,
                 max_length=None, device="auto", trust_remote_code=False, progress=True):
        self.model_name_or_path = model_name_or_path
        self.pooling = pooling
        self.layer = layer
        self.batch_size = batch_size
        self.max_length = max_length
        self.device = device
        self.trust_remote_code = trust_remote_code
        self.progress = progress

    def fit(self, X=None, y=None):
        """Load the model and tokenizer; nothing is learned from ``X``."""
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {self.pooling!r}")
        try:
            from transformers import AutoModel, AutoTokenizer
        except ImportError as error:
            raise ImportError("FrozenLMEmbedder needs transformers: "
                              "pip install 'uqgenomics[lm]'") from error
        options = {"trust_remote_code": self.trust_remote_code}
        self.tokenizer_ = AutoTokenizer.from_pretrained(self.model_name_or_path, **options)
        model = AutoModel.from_pretrained(self.model_name_or_path, **options)
        self.model_ = model.to(resolve_device(self.device)).eval().requires_grad_(False)
        self.n_features_out_ = int(self.model_.config.hidden_size)
        self.cache_ = {}
        return self

    def transform(self, X):
        """Embed sequences.

        Parameters
        ----------
        X : sequence of str

        Returns
        -------
        ndarray of shape (n_sequences, ``n_features_out_``), float32
        """
        check_is_fitted(self)
        sequences = as_sequences(X)
        if sequences is None:
            raise ValueError("FrozenLMEmbedder takes DNA strings")
        sequences = [s.upper() for s in sequences]
        missing = sorted({s for s in sequences if s not in self.cache_}, key=len, reverse=True)
        batches = range(0, len(missing), self.batch_size)
        for start in tqdm(batches, desc="embedding", unit="batch",
                          disable=not self.progress or len(batches) < 2):
            batch = missing[start:start + self.batch_size]
            self.cache_.update(zip(batch, self._embed(batch)))
        return np.stack([self.cache_[s] for s in sequences])

    def _embed(self, batch: list[str]) -> np.ndarray:
        device = next(self.model_.parameters()).device
        tokens = self.tokenizer_(batch, return_tensors="pt", padding=True, truncation=True,
                                 max_length=self.max_length, return_special_tokens_mask=True)
        keep = (tokens.pop("attention_mask") * (1 - tokens.pop("special_tokens_mask")))
        with torch.inference_mode():
            outputs = self.model_(input_ids=tokens["input_ids"].to(device),
                                  attention_mask=(tokens["input_ids"] !=
                                                  self.tokenizer_.pad_token_id).to(device).long(),
                                  output_hidden_states=True)
        states = outputs.hidden_states[self.layer].float()
        if self.pooling == "cls":
            return states[:, 0].cpu().numpy()
        weights = keep.to(device, states.dtype)[..., None]
        return ((states * weights).sum(1) / weights.sum(1).clamp(min=1)).cpu().numpy()

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        return np.array([f"embedding{i}" for i in range(self.n_features_out_)], dtype=object)
