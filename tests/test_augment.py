"""Augmentations keep shapes and one-hot validity, do what they say, and are seedable."""

import numpy as np
import pytest
import torch

from uqgenomics.augment import (
    DinucleotideShuffle,
    MononucleotideShuffle,
    RandomAugment,
    RandomDeletion,
    RandomInsertion,
    RandomInversion,
    RandomMutation,
    RandomNoise,
    RandomReverseComplement,
    RandomTranslocation,
    dinucleotide_shuffle,
    evoaug_ops,
    make_shifted,
)
from uqgenomics.encoding import one_hot_decode, one_hot_encode, reverse_complement

ONE_HOT_OPS = [RandomMutation(), RandomDeletion(), RandomInsertion(), RandomTranslocation(),
               RandomInversion(), RandomReverseComplement(), MononucleotideShuffle(),
               DinucleotideShuffle()]


def _batch(n=16, length=80, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.nn.functional.one_hot(torch.randint(0, 4, (n, length), generator=g), 4).float()


def _generator(seed=1):
    return torch.Generator().manual_seed(seed)


def _dinucleotides(sequence):
    return sorted(sequence[i:i + 2] for i in range(len(sequence) - 1))


@pytest.mark.parametrize("op", ONE_HOT_OPS, ids=lambda op: type(op).__name__)
def test_shape_one_hot_and_seeding(op):
    x = _batch()
    out = op(x, _generator())
    assert out.shape == x.shape and out.dtype == x.dtype
    assert torch.all(out.sum(-1) == 1) and set(out.unique().tolist()) <= {0.0, 1.0}
    torch.testing.assert_close(out, op(x, _generator()))
    assert torch.equal(x, _batch())  # input untouched


def test_mutation_rate():
    x = _batch(n=64, length=200)
    changed = (RandomMutation(0.1)(x, _generator()) != x).any(-1).float().sum(1)
    # 20 positions redrawn, each keeps its base with probability 1/4.
    assert torch.all(changed <= 20) and 13 < changed.mean() < 17


def test_shuffles_keep_composition():
    x = _batch(n=8, length=120)
    for op in (MononucleotideShuffle(), DinucleotideShuffle()):
        out = op(x, _generator())
        torch.testing.assert_close(out.sum(1), x.sum(1))
        assert not torch.equal(out, x)
    for before, after in zip(one_hot_decode(x.numpy()),
                             one_hot_decode(DinucleotideShuffle()(x, _generator()).numpy())):
        assert _dinucleotides(before) == _dinucleotides(after)
        assert before[0] == after[0] and before[-1] == after[-1]


def test_dinucleotide_shuffle_numpy_and_short():
    X = one_hot_encode(["ACGTTGCAAC", "TTGCAACAGG"])
    out = dinucleotide_shuffle(X, random_state=0)
    assert out.shape == X.shape and out.dtype == X.dtype
    assert [_dinucleotides(s) for s in one_hot_decode(out)] == [
        _dinucleotides(s) for s in one_hot_decode(X)]
    assert one_hot_decode(dinucleotide_shuffle(one_hot_encode(["AC"])))[0] == "AC"


def test_translocation_is_a_roll_and_reverse_complement_is_exact():
    x = _batch(n=32, length=50)
    rolled = RandomTranslocation(3, 3)(x, _generator())
    for a, b in zip(x, rolled):
        assert torch.equal(b, a.roll(3, 0)) or torch.equal(b, a.roll(-3, 0))
    flipped = RandomReverseComplement(p=1.0)(x, _generator())
    assert one_hot_decode(flipped.numpy()) == [reverse_complement(s)
                                               for s in one_hot_decode(x.numpy())]


def test_inversion_reverse_complements_one_segment():
    x = _batch(n=32, length=60)
    out = RandomInversion(10, 10)(x, _generator())
    for before, after in zip(one_hot_decode(x.numpy()), one_hot_decode(out.numpy())):
        diff = [i for i in range(60) if before[i] != after[i]]
        if diff:
            start = next(s for s in range(51) if after[s:s + 10] == reverse_complement(
                before[s:s + 10]) and before[:s] == after[:s] and before[s + 10:] == after[s + 10:])
            assert start <= diff[0]


def test_deletion_and_insertion_keep_flanks():
    x = _batch(n=32, length=100)
    for op in (RandomDeletion(20, 20), RandomInsertion(20, 20)):
        for before, after in zip(one_hot_decode(x.numpy()), one_hot_decode(op(x, _generator()).numpy())):
            # A 20 bp edit with 10 bp taken from each end leaves a shared 30 bp stretch.
            assert any(before[i:i + 30] in after for i in range(0, 71))


def test_noise_and_validation():
    x = _batch()
    noisy = RandomNoise(0.2)(x, _generator())
    assert 0.15 < float((noisy - x).std()) < 0.25
    with pytest.raises(ValueError, match="one-hot batches"):
        RandomMutation()(x[0])
    with pytest.raises(ValueError, match="rate"):
        RandomMutation(1.5)
    with pytest.raises(ValueError, match="min <= max"):
        RandomDeletion(5, 2)


def test_random_augment_draws_between_bounds():
    calls = []

    def tagged(name):
        def op(x, generator=None):
            calls[-1].append(name)
            return x
        return op

    augment = RandomAugment([tagged("a"), tagged("b"), tagged("c")], n_ops=(1, 2))
    g = _generator()
    for _ in range(200):
        calls.append([])
        augment(_batch(n=2), g)
    counts = [len(c) for c in calls]
    assert set(counts) == {1, 2}
    assert all(c == sorted(c) for c in calls)  # listed order kept
    assert {name for c in calls for name in c} == {"a", "b", "c"}
    assert RandomAugment([tagged("a")]).n_ops == (0, 1)
    with pytest.raises(ValueError, match="n_ops"):
        RandomAugment([tagged("a")], n_ops=(2, 3))
    assert len(evoaug_ops()) == 6


def test_make_shifted_strengths():
    X = ["".join(np.random.default_rng(i).choice(list("ACGT"), 100)) for i in range(50)]
    onehot = one_hot_encode(X)
    identity = {}
    for kind in ("mutagenesis", "evoaug", "shuffle", "dinucleotide_shuffle"):
        shifted = make_shifted(X, kind, random_state=0)
        assert shifted.shape == onehot.shape and shifted.dtype == np.float32
        np.testing.assert_array_equal(shifted, make_shifted(onehot, kind, random_state=0))
        identity[kind] = float((shifted.argmax(-1) == onehot.argmax(-1)).mean())
    # Small, intermediate, large: fewer and fewer positions keep their base.
    assert identity["mutagenesis"] > identity["evoaug"] > identity["shuffle"]
    assert 0.95 <= identity["mutagenesis"] < 1
    # the random shuffle keeps each sequence's base counts
    shuffled = make_shifted(X, "shuffle", random_state=0)
    np.testing.assert_array_equal(shuffled.sum(1), onehot.sum(1))
    assert identity["dinucleotide_shuffle"] < identity["evoaug"]
    with pytest.raises(ValueError, match="kind"):
        make_shifted(X, "scramble")
