"""k-mer spectra and frozen language-model embeddings."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from uqgenomics import EpinetClassifier
from uqgenomics.encoding import one_hot_encode, reverse_complement
from uqgenomics.features import FrozenLMEmbedder, KmerFeaturizer


def _count_by_hand(sequence, k):
    counts = {}
    for i in range(len(sequence) - k + 1):
        word = sequence[i:i + k]
        if set(word) <= set("ACGT"):
            counts[word] = counts.get(word, 0) + 1
    return counts


def test_kmer_counts_match_a_direct_count():
    sequences = ["ACGTACGTTN", "GGGCCCAAAT", "acgtnnacgt"]
    featurizer = KmerFeaturizer(k=2, both_strands=False, normalize=False).fit(sequences)
    names = list(featurizer.get_feature_names_out())
    assert len(names) == 16 and names[:3] == ["AA", "AC", "AG"]
    spectra = featurizer.transform(sequences)
    for sequence, row in zip(sequences, spectra):
        expected = _count_by_hand(sequence.upper(), 2)
        assert {n: c for n, c in zip(names, row) if c} == expected


def test_both_strands_and_normalisation():
    sequences = ["ACGGTTACAGGATTACA", "TTTTTTTTGC"]
    featurizer = KmerFeaturizer(k=3).fit(sequences)
    spectra = featurizer.transform(sequences)
    np.testing.assert_allclose(spectra.sum(1), 1)
    np.testing.assert_allclose(spectra, featurizer.transform(
        [reverse_complement(s) for s in sequences]))
    onehot = KmerFeaturizer(k=3).fit_transform(one_hot_encode(["ACGTNACGTA"]))
    np.testing.assert_allclose(onehot, KmerFeaturizer(k=3).fit_transform(["ACGTNACGTA"]))
    with pytest.raises(ValueError, match="k must be"):
        KmerFeaturizer(k=0).fit(sequences)
    # refused, as one_hot_encode refuses them: a character outside the alphabet
    # (it was skipped like an N), and a sequence whose spectrum would be all zeros
    with pytest.raises(ValueError, match="invalid character '-' in sequence 1 at position 2"):
        featurizer.transform(["ACGT", "AC-GT"])
    for no_kmer in (["ACGT", "AC"], ["ACGT", "NNNNNN"], ["ACGT", "ANANANAN"]):
        with pytest.raises(ValueError, match=r"1 of 2 sequences have no 3-mer .*sequence 1\)"):
            featurizer.transform(no_kmer)
    with pytest.raises(ValueError, match=r"got \(0,\)"):
        featurizer.transform([])


def test_kmer_pipeline_into_a_classifier():
    rng = np.random.default_rng(0)
    gc_rich = ["".join(rng.choice(list("ACGT"), 60, p=[0.1, 0.4, 0.4, 0.1])) for _ in range(150)]
    at_rich = ["".join(rng.choice(list("ACGT"), 60, p=[0.4, 0.1, 0.1, 0.4])) for _ in range(150)]
    X = np.array(gc_rich + at_rich)
    y = np.array(["gc"] * 150 + ["at"] * 150)
    model = make_pipeline(KmerFeaturizer(k=2), EpinetClassifier(
        "mlp", network__hidden=(16,), max_epochs=30, lr=1e-2, random_state=0, n_samples=20))
    model.fit(X[::2], y[::2])
    assert model.score(X[1::2], y[1::2]) > 0.9


def test_uncertainty_pipeline_forwards_the_uncertainty_methods():
    from uqgenomics.pipeline import UncertaintyPipeline
    from uqgenomics.pipeline import make_pipeline as uq_make_pipeline

    rng = np.random.default_rng(1)
    X = np.array(["".join(rng.choice(list("ACGT"), 40)) for _ in range(120)])
    y = np.array(["a", "b"] * 60)
    classifier = EpinetClassifier("mlp", network__hidden=(8,), max_epochs=2, random_state=0,
                                  n_samples=10)
    pipe = uq_make_pipeline(KmerFeaturizer(k=2), classifier)
    assert isinstance(pipe, UncertaintyPipeline)
    with pytest.raises(NotFittedError):
        pipe.predict_uncertainty(X)
    pipe.fit(X, y)
    features = pipe[0].transform(X)
    direct = pipe[-1].predict_uncertainty(features)
    through = pipe.predict_uncertainty(X)
    np.testing.assert_array_equal(through.proba, direct.proba)  # the same call on the same input
    assert pipe.predict_draws(X).shape[1:] == (len(X), 2)
    assert pipe.ood_score(X).shape == (len(X),)
    plain = UncertaintyPipeline([("k", KmerFeaturizer(k=2)), ("m", LogisticRegression())])
    plain.fit(X, y)
    with pytest.raises(AttributeError, match="LogisticRegression, has no predict_uncertainty"):
        plain.predict_uncertainty(X)


@pytest.fixture(scope="module")
def tiny_language_model(tmp_path_factory):
    """A randomly initialised BERT with a single-base WordPiece vocabulary."""
    transformers = pytest.importorskip("transformers")
    folder = tmp_path_factory.mktemp("tiny_dna_bert")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "A", "C", "G", "T", "N",
             "##A", "##C", "##G", "##T", "##N"]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tokenizer = transformers.BertTokenizer(str(folder / "vocab.txt"), do_lower_case=False)
    config = transformers.BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=32,
                                     max_position_embeddings=128)
    transformers.BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_frozen_lm_embeddings_are_pooled_cached_and_batch_independent(tiny_language_model):
    sequences = ["ACGTACGT", "GGGCCCAAATTT", "ACGTACGT", "TTAGGC"]
    embedder = FrozenLMEmbedder(tiny_language_model, batch_size=2, progress=False).fit()
    embeddings = embedder.transform(sequences)
    assert embeddings.shape == (4, 16) and embeddings.dtype == np.float32
    np.testing.assert_array_equal(embeddings[0], embeddings[2])
    assert len(embedder.cache_) == 3  # duplicates embedded once
    # Padding in a batch does not change an embedding.
    alone = FrozenLMEmbedder(tiny_language_model, batch_size=1, progress=False).fit()
    np.testing.assert_allclose(alone.transform(["TTAGGC"])[0], embeddings[3], atol=1e-5)
    cls = FrozenLMEmbedder(tiny_language_model, pooling="cls", progress=False).fit()
    assert not np.allclose(cls.transform(sequences[:1]), embeddings[:1])
    with pytest.raises(ValueError, match="pooling"):
        FrozenLMEmbedder(tiny_language_model, pooling="max").fit()


def test_frozen_lm_in_a_pipeline_with_an_epinet(tiny_language_model):
    rng = np.random.default_rng(1)
    X = np.array(["".join(rng.choice(list("ACGT"), 20)) for _ in range(60)])
    y = np.array(["a", "b"] * 30)
    model = make_pipeline(FrozenLMEmbedder(tiny_language_model, progress=False),
                          EpinetClassifier("mlp", network__hidden=(8,), max_epochs=2,
                                           random_state=0, n_samples=10))
    model.fit(X, y)
    proba = model.predict_proba(X[:5])
    np.testing.assert_allclose(proba.sum(1), 1)
