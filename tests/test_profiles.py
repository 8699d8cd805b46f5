"""Profile models: targets (n, length[, tasks]) through the contract, losses,
joint augmentations, distillation, conformal intervals, metrics, attribution."""

import numpy as np
import pytest
import torch

from uqgenomics import (
    DistilledRegressor,
    EnsembleRegressor,
    MCDropoutRegressor,
    load,
    save,
)
from uqgenomics.augment import (
    JointAugment,
    ProfileReverseComplement,
    RandomAugment,
    RandomMutation,
    RandomReverseComplement,
    RandomShiftCrop,
    evoaug_ops,
)
from uqgenomics.calibration import ProfileSummary, RecalibratedRegressor
from uqgenomics.conformal import MultiTaskSplitConformalRegressor, ProfileConformalRegressor
from uqgenomics.datasets import make_profiles, read_meme
from uqgenomics.interpret import saliency
from uqgenomics.losses import MultinomialProfileLoss, PoissonLoss
from uqgenomics.metrics import (
    positionwise_coverage,
    profile_pearson,
    whole_chromosome_pearson,
)
from uqgenomics.networks import CNNTaskBase

from ._float32 import assert_float32_close
from .conftest import SHARED_DATA

LENGTH = 64
#: A CNN-task-base small enough for unit tests (pools by 8 in all).
TINY_PROFILE = dict(
    network="cnn_task_base", network__filters=(8, 8, 8), network__kernel_sizes=(5, 3, 3),
    network__pool_sizes=(2, 2, 2), network__dense_units=8, network__bottleneck=2,
    network__profile_filters=8, batch_size=32, max_epochs=2, random_state=0,
)


@pytest.fixture(scope="module")
def profiles():
    """(X, y (n, L, 2), replicates (n, L, 2, 3)): simulated footprints."""
    X, y, replicates, _ = make_profiles(96, LENGTH, n_tasks=2, return_replicates=True,
                                        random_state=0)
    return X, y, replicates


@pytest.fixture(scope="module")
def ensemble(profiles):
    X, y, _ = profiles
    return EnsembleRegressor(n_estimators=3, **TINY_PROFILE).fit(X, y)


def test_cnn_task_base_follows_degu_and_checks_its_shapes():
    trunk = CNNTaskBase((2048, 4), output_length=2048)
    # three conv blocks (192, 256, 512 filters; kernels 19, 7, 7), dense 256, dense up to
    # 2048 x 8, conv 256 (kernel 7): weights + batch-norm scales and shifts
    expected = (4 * 192 * 19 + 2 * 192 + 192 * 256 * 7 + 2 * 256 + 256 * 512 * 7 + 2 * 512
                + 512 * 16 * 256 + 2 * 256 + 256 * 2048 * 8 + 2 * 2048 * 8
                + 8 * 256 * 7 + 2 * 256)
    assert sum(p.numel() for p in trunk.parameters()) == expected
    assert trunk(torch.zeros(2, 2048, 4)).shape == (2, 2048, 256)
    with pytest.raises(ValueError, match="not a multiple of it"):
        CNNTaskBase((200, 4), output_length=200)


def test_profile_targets_go_through_draws_and_predictions(profiles, ensemble):
    X, y, _ = profiles
    assert ensemble.target_shape_ == (LENGTH, 2) and ensemble.n_tasks_ == 2
    assert ensemble.profile_length_ == LENGTH
    draws = ensemble.predict_draws(X[:5])
    assert draws.means.shape == (3, 5, LENGTH, 2)
    result = ensemble.predict_uncertainty(X[:5])
    assert result.mean.shape == result.epistemic.shape == (5, LENGTH, 2)
    np.testing.assert_allclose(result.mean, draws.means.mean(0))
    np.testing.assert_allclose(result.epistemic, draws.means.std(0))
    assert (result.mean >= 0).all()  # softplus output
    mean, std = ensemble.predict(X[:5], return_std=True)
    assert mean.shape == std.shape == (5, LENGTH, 2)
    # one task: (n, L)
    single = EnsembleRegressor(n_estimators=2, **TINY_PROFILE).fit(X, y[..., 0])
    assert single.predict(X[:3]).shape == (3, LENGTH) and single.n_tasks_ == 1
    assert np.shape(single.ood_score(X[:3])) == (3,)


def test_profile_targets_are_checked_before_training(profiles):
    X, y, _ = profiles
    with pytest.raises(ValueError, match="predicts profiles: y must have shape"):
        EnsembleRegressor(n_estimators=1, **TINY_PROFILE).fit(X, y[:, 0, 0])
    with pytest.raises(ValueError, match="negative values"):
        EnsembleRegressor(n_estimators=1, **TINY_PROFILE).fit(X, y - 1)
    with pytest.raises(ValueError, match="network__output_length=32"):
        EnsembleRegressor(n_estimators=1, **TINY_PROFILE, network__output_length=32).fit(X, y)
    with pytest.raises(ValueError, match="loss='poisson' needs non-negative rates"):
        EnsembleRegressor(n_estimators=1, loss="poisson").fit(X, y[:, 0, 0])
    with pytest.raises(ValueError, match="loss must be one of"):
        EnsembleRegressor(n_estimators=1, loss="nb", **TINY_PROFILE).fit(X, y)
    with pytest.raises(ValueError, match="looks like profiles.*network='cnn_task_base'"):
        EnsembleRegressor(n_estimators=1, max_epochs=1).fit(X, y)
    from uqgenomics import EnsembleClassifier

    with pytest.raises(ValueError, match="classifiers do not take"):
        EnsembleClassifier(n_estimators=1, **TINY_PROFILE).fit(X, y[:, 0, 0] > 0)


def test_poisson_and_multinomial_losses_match_their_formulas():
    torch.manual_seed(0)
    rates = torch.rand(4, 6) + 0.1
    counts = torch.poisson(torch.full((4, 6), 2.0))
    expected = (rates - counts * torch.log(rates + PoissonLoss.EPS)).mean()
    assert torch.allclose(PoissonLoss()(rates, counts), expected)
    loss = MultinomialProfileLoss(n_tasks=2, count_weight=0.5)
    r, c = rates.reshape(4, 3, 2), counts.reshape(4, 3, 2)
    shape = -(c * torch.log(r / r.sum(1, keepdim=True))).sum(1) / 3
    count = (torch.log1p(c.sum(1)) - torch.log1p(r.sum(1))) ** 2
    assert torch.allclose(loss(rates, counts), (shape + 0.5 * count).mean(), atol=1e-6)
    # the shape term does not change when every rate of a profile is scaled
    no_count = MultinomialProfileLoss(n_tasks=2, count_weight=0.0)
    assert torch.allclose(no_count(rates, counts), no_count(3 * rates, counts), atol=1e-5)
    with pytest.raises(ValueError, match="same shape"):
        PoissonLoss()(rates, counts[:, :3])


@pytest.mark.parametrize("loss", ["poisson", "multinomial"])
def test_count_losses_train_profile_models(profiles, loss):
    X, y, _ = profiles
    model = EnsembleRegressor(n_estimators=2, loss=loss, **TINY_PROFILE).fit(X, y)
    history = model.estimators_[0].history
    assert np.isfinite(history[-1, "train_loss"])
    assert (model.predict(X[:4]) >= 0).all()


def test_shift_crop_moves_a_sequence_and_its_binned_profile_together():
    x = torch.arange(12, dtype=torch.float32)[None, :, None].expand(5, 12, 4).contiguous()
    y = torch.arange(6, dtype=torch.float32)[None, :, None].expand(5, 6, 2).contiguous()
    crop = RandomShiftCrop(8)
    x_new, y_new = crop(x, y, generator=torch.Generator().manual_seed(0))
    assert x_new.shape == (5, 8, 4) and y_new.shape == (5, 4, 2)
    # bin i of the profile covers bases 2i, 2i + 1: the slices stay aligned
    np.testing.assert_array_equal(x_new[:, ::2, 0].numpy() // 2, y_new[..., 0].numpy())
    assert len({int(row[0, 0]) for row in x_new}) > 1  # each row its own offset
    x_c, y_c = crop.centre(x, y)
    np.testing.assert_array_equal(x_c[0, :, 0].numpy(), np.arange(2, 10))
    np.testing.assert_array_equal(y_c[0, :, 0].numpy(), np.arange(1, 5))
    with pytest.raises(ValueError, match="not a multiple of the profile's bin size"):
        RandomShiftCrop(7)(x, y)
    with pytest.raises(ValueError, match="at least 20 bp"):
        RandomShiftCrop(20)(x, y)


def test_profile_reverse_complement_reverses_targets_and_swaps_strands():
    x = torch.eye(4)[torch.tensor([[0, 1, 2, 2]])]  # ACGG
    y = torch.tensor([[[1.0, 10.0, 5.0], [2.0, 20.0, 6.0], [3.0, 30.0, 7.0],
                       [4.0, 40.0, 8.0]]])
    x_new, y_new = ProfileReverseComplement(p=1.0, strand_pairs=[(0, 1)])(x, y)
    assert x_new.argmax(-1).tolist() == [[1, 1, 2, 3]]  # CCGT
    np.testing.assert_array_equal(y_new[0, :, 0], [40.0, 30.0, 20.0, 10.0])  # minus -> plus
    np.testing.assert_array_equal(y_new[0, :, 1], [4.0, 3.0, 2.0, 1.0])
    np.testing.assert_array_equal(y_new[0, :, 2], [8.0, 7.0, 6.0, 5.0])  # unstranded
    same, same_y = ProfileReverseComplement(p=0.0)(x, y)
    assert torch.equal(same, x) and torch.equal(same_y, y)


def test_random_shift_training_builds_the_model_for_the_window(profiles):
    X, y, _ = profiles
    augment = JointAugment(RandomShiftCrop(48), ProfileReverseComplement(strand_pairs=[(0, 1)]))
    model = EnsembleRegressor(n_estimators=2, iterator_train__augment=augment,
                              iterator_train__mode="replace", strand_pairs=[(1, 0)],
                              **TINY_PROFILE).fit(X, y)
    assert model.input_shape_ == (48, 4) and model.target_shape_ == (48, 2)
    assert model.predict(X[:3].astype("U48")).shape == (3, 48, 2)
    with pytest.raises(ValueError, match="fitted on sequences of 48 bp"):
        model.predict(X[:3])
    with pytest.raises(ValueError, match="iterator_train__mode='replace'"):
        EnsembleRegressor(n_estimators=1, iterator_train__augment=RandomShiftCrop(48),
                          **TINY_PROFILE).fit(X, y)
    with pytest.raises(ValueError, match="use uqgenomics.augment.ProfileReverseComplement"):
        EnsembleRegressor(n_estimators=1, iterator_train__augment=RandomReverseComplement(),
                          **TINY_PROFILE).fit(X, y)
    with pytest.raises(ValueError, match="RandomAugment moves bases along the sequence"):
        EnsembleRegressor(n_estimators=1, iterator_train__augment=RandomAugment(evoaug_ops()),
                          **TINY_PROFILE).fit(X, y)
    kept = EnsembleRegressor(n_estimators=1, iterator_train__augment=RandomMutation(0.02),
                             **TINY_PROFILE).fit(X, y)  # positions kept: allowed
    assert kept.predict(X[:2]).shape == (2, LENGTH, 2)
    with pytest.raises(ValueError, match="does not predict profiles"):
        EnsembleRegressor(n_estimators=1, max_epochs=1,
                          iterator_train__augment=ProfileReverseComplement()).fit(X, y[:, 0, 0])


@pytest.mark.parametrize("strand_pairs", [(), [(0, 1)]])
def test_strand_average_reverses_the_profile_of_the_reverse_complement(profiles,
                                                                       strand_pairs):
    X, y, _ = profiles
    model = EnsembleRegressor(n_estimators=2, strand_pairs=strand_pairs,
                              **TINY_PROFILE).fit(X, y)
    onehot = model.predict_draws(X[:4]).means.mean(0)
    from uqgenomics import one_hot_encode, reverse_complement
    encoded = one_hot_encode(X[:4])
    reverse = model.predict(reverse_complement(encoded))[:, ::-1]  # positions forward again
    if strand_pairs:  # the reverse complement's plus track is the minus track here
        reverse = reverse[:, :, [1, 0]]
    model.set_params(strand_average=True)
    averaged = model.predict(encoded)
    assert_float32_close(averaged, (onehot + reverse) / 2, scale=np.abs(onehot).max())
    # either orientation of a sequence gets the same prediction, turned to its strand
    turned = model.predict(reverse_complement(encoded))[:, ::-1]
    if strand_pairs:
        turned = turned[:, :, [1, 0]]
    assert_float32_close(turned, averaged, scale=np.abs(onehot).max())


def test_strand_pairs_swap_per_sequence_tasks_on_both_prediction_paths(profiles):
    """Two stranded values per sequence (a profile's plus and minus totals): the
    reverse complement's are swapped before averaging, in ``predict`` and in
    the torch function ``draws_module`` alike."""
    from uqgenomics import HeteroscedasticRegressor, one_hot_encode, reverse_complement

    from .conftest import TINY_CNN

    X, y, _ = profiles
    totals = y.sum(1)  # (n, 2)
    model = HeteroscedasticRegressor(strand_pairs=[(0, 1)], **TINY_CNN).fit(X, totals)
    encoded = one_hot_encode(X[:5])
    forward = model.predict_draws(encoded)
    reverse = model.predict_draws(reverse_complement(encoded))
    model.set_params(strand_average=True)
    averaged = model.predict_draws(encoded)
    scale = np.abs(forward.means).max()
    for part in ("means", "variances"):
        expected = (getattr(forward, part) + getattr(reverse, part)[..., [1, 0]]) / 2
        assert_float32_close(getattr(averaged, part), expected, scale=scale)
    with torch.no_grad():
        module = model.draws_module()(torch.as_tensor(encoded))
    assert_float32_close(module.means.numpy(), averaged.means, scale=scale)
    # a reverse complement that keeps the targets would train each strand on the other's
    for augment in (RandomReverseComplement(), RandomAugment(evoaug_ops())):
        with pytest.raises(ValueError, match="keeps their targets, so the plus and minus"):
            HeteroscedasticRegressor(strand_pairs=[(0, 1)], iterator_train__augment=augment,
                                     **TINY_CNN).fit(X, totals)


def test_strand_pairs_are_checked_before_training(profiles):
    X, y, _ = profiles
    with pytest.raises(ValueError, match=r"names a task beyond the 2 task\(s\)"):
        EnsembleRegressor(n_estimators=1, strand_pairs=[(0, 2)], **TINY_PROFILE).fit(X, y)
    with pytest.raises(ValueError, match="names a task twice"):
        EnsembleRegressor(n_estimators=1, strand_pairs=[(0, 1), (1, 2)],
                          **TINY_PROFILE).fit(X, y)
    with pytest.raises(ValueError, match=r"\(plus, minus\) pairs of task indices"):
        EnsembleRegressor(n_estimators=1, strand_pairs=[0, 1], **TINY_PROFILE).fit(X, y)
    stranded = ProfileReverseComplement(strand_pairs=[(0, 1)])
    with pytest.raises(ValueError, match=r"swaps the strand pairs \[\(0, 1\)\] but "
                                         r"strand_pairs=\[\]"):
        EnsembleRegressor(n_estimators=1, iterator_train__augment=stranded,
                          **TINY_PROFILE).fit(X, y)
    with pytest.raises(ValueError, match="swap different strand pairs"):
        JointAugment(stranded, ProfileReverseComplement())
    # pairs set after fit are checked at prediction
    model = EnsembleRegressor(n_estimators=1, strand_average=True, **TINY_PROFILE).fit(X, y)
    with pytest.raises(ValueError, match="names a task beyond"):
        model.set_params(strand_pairs=[(0, 3)]).predict(X[:2])


def test_mc_dropout_samples_profiles(profiles):
    X, y, _ = profiles
    model = MCDropoutRegressor(n_samples=4, **TINY_PROFILE).fit(X, y)
    draws = model.predict_draws(X[:3])
    assert draws.means.shape == (4, 3, LENGTH, 2)
    assert np.ptp(draws.means, axis=0).max() > 0


def test_distilled_profiles_with_each_aleatoric_source(profiles, ensemble):
    X, y, replicates = profiles
    student = DistilledRegressor(teacher=ensemble, prefit_teacher=True,
                                 **TINY_PROFILE).fit(X, y)
    result = student.predict_uncertainty(X[:4])
    assert result.mean.shape == result.epistemic.shape == (4, LENGTH, 2)
    assert (result.epistemic >= 0).all() and not result.aleatoric.any()
    assert student.y_scale_.shape == (4,)  # per part and task, pooled over positions
    assert student.augment_ is None  # 'auto': DEGU's recipe would move bases, not profiles

    with_replicates = DistilledRegressor(teacher=ensemble, aleatoric="replicates",
                                         **TINY_PROFILE).fit(X, y, y_replicates=replicates)
    assert with_replicates.predict_uncertainty(X[:2]).aleatoric.shape == (2, LENGTH, 2)
    with pytest.raises(ValueError, match=r"y_replicates must have shape \(96, 64, 2, "):
        DistilledRegressor(teacher=ensemble, aleatoric="replicates",
                           **TINY_PROFILE).fit(X, y, y_replicates=replicates[..., 0])

    recipe = DistilledRegressor(
        teacher=EnsembleRegressor(n_estimators=2, **TINY_PROFILE),
        aleatoric="teacher_replicates", **TINY_PROFILE).fit(X, y, y_replicates=replicates)
    assert recipe.teacher_.target_shape_ == (LENGTH, 4)  # [measured, replicate std]
    aleatoric = recipe.predict_uncertainty(X[:2]).aleatoric
    assert aleatoric.shape == (2, LENGTH, 2) and (aleatoric >= 0).all()
    with pytest.raises(ValueError, match="crops windows, which the student"):
        DistilledRegressor(teacher=ensemble, augment=RandomShiftCrop(48),
                           **TINY_PROFILE).fit(X, y)
    relabelled = DistilledRegressor(teacher=ensemble, augment=ProfileReverseComplement(),
                                    **TINY_PROFILE).fit(X, y)
    assert relabelled.predict(X[:2]).shape == (2, LENGTH, 2)
    with pytest.raises(ValueError, match="teacher fitted on the measurement and its replicate"):
        DistilledRegressor(teacher=ensemble, aleatoric="teacher_replicates",
                           **TINY_PROFILE).fit(X, y, y_replicates=replicates)


def test_the_replicate_recipe_works_for_one_value_per_sequence():
    from uqgenomics.datasets import make_regulatory_sequences

    X, y, replicates, _ = make_regulatory_sequences(160, length=40, n_replicates=3,
                                                    return_replicates=True, random_state=0)
    tiny = dict(network__filters=(8,), network__kernel_sizes=(7,), network__dense_units=(8,),
                max_epochs=2, random_state=0)
    student = DistilledRegressor(teacher=EnsembleRegressor(n_estimators=2, **tiny),
                                 aleatoric="teacher_replicates", **tiny).fit(
        X, y, y_replicates=replicates)
    assert student.teacher_.n_tasks_ == 2
    assert student.predict_uncertainty(X[:5]).aleatoric.shape == (5,)


def test_profile_models_round_trip_through_model_files(profiles, ensemble, tmp_path):
    X, _, _ = profiles
    save(ensemble, tmp_path / "ensemble.safetensors")
    loaded = load(tmp_path / "ensemble.safetensors")
    assert loaded.target_shape_ == (LENGTH, 2)
    np.testing.assert_allclose(loaded.predict(X[:4]), ensemble.predict(X[:4]), rtol=1e-6)


def test_profile_summary_takes_draws_totals_and_works_with_mapie(profiles, ensemble):
    X, y, _ = profiles
    summary = ProfileSummary(ensemble, summary="sum", task=1)
    draws = ensemble.predict_draws(X[:6]).means[..., 1].sum(-1)  # (K, n)
    mean, std = summary.predict(X[:6], return_std=True)
    np.testing.assert_allclose(mean, draws.mean(0))
    np.testing.assert_allclose(std, draws.std(0))  # correlations between positions kept
    np.testing.assert_allclose(ProfileSummary(ensemble, "mean", 1).predict(X[:6]),
                               mean / LENGTH)
    from mapie.regression import SplitConformalRegressor

    mapie = SplitConformalRegressor(summary, prefit=True, confidence_level=0.9,
                                    conformity_score="absolute")
    mapie.conformalize(X[48:], y[48:, :, 1].sum(1))
    _, intervals = mapie.predict_interval(X[:5])
    assert intervals.shape == (5, 2, 1)
    student = DistilledRegressor(teacher=ensemble, **TINY_PROFILE).fit(X, y)
    with pytest.raises(ValueError, match="independent_positions=True"):
        ProfileSummary(student).predict(X[:2])
    assert ProfileSummary(student, independent_positions=True).predict(X[:2]).shape == (2,)


def test_single_value_tools_refuse_profile_models_and_name_the_summary(profiles, ensemble):
    X, y, _ = profiles
    with pytest.raises(ValueError, match="ProfileSummary"):
        RecalibratedRegressor(ensemble).fit(X[:10], y[:10])
    with pytest.raises(ValueError, match="ProfileConformalRegressor"):
        MultiTaskSplitConformalRegressor(ensemble).conformalize(X[:10], y[:10, 0])


def test_profile_conformal_intervals_use_the_pooled_quantile(profiles, ensemble,
                                                             window_model):
    X, y, _ = profiles
    conformal = ProfileConformalRegressor(ensemble, confidence_level=0.8).conformalize(
        X[:48], y[:48])
    mean, std = ensemble.predict(X[:48], return_std=True)
    floors = 0.01 * np.median(std.reshape(-1, 2), axis=0)
    scores = np.sort((np.abs(y[:48] - mean) / (std + floors)).reshape(-1, 2), axis=0)
    rank = int(np.ceil((len(scores) + 1) * 0.8))
    np.testing.assert_allclose(conformal.quantiles_, scores[rank - 1])
    centre, lower, upper = conformal.predict_interval(X[:48])
    covered = np.mean((y[:48] >= lower) & (y[:48] <= upper), axis=(0, 1))
    assert (covered >= 0.8).all()  # on the calibration data itself, by construction
    per_position = ProfileConformalRegressor(ensemble, confidence_level=0.8,
                                             per_position=True).conformalize(X[:48], y[:48])
    assert per_position.quantiles_.shape == (LENGTH, 2)
    by_position = np.sort(np.abs(y[:48] - mean) / (std + floors), axis=0)[
        int(np.ceil(49 * 0.8)) - 1]
    np.testing.assert_allclose(per_position.quantiles_, by_position)
    _, lower, upper = per_position.predict_interval(X[:48])
    assert (np.mean((y[:48] >= lower) & (y[:48] <= upper), axis=0) >= 0.8).all()
    single = EnsembleRegressor(n_estimators=2, **TINY_PROFILE).fit(X, y[..., 0])
    _, lower, upper = ProfileConformalRegressor(single, per_position=True).conformalize(
        X[:48], y[:48, :, 0]).predict_interval(X[:3])
    assert lower.shape == upper.shape == (3, LENGTH)
    with pytest.raises(ValueError, match="5 calibration sequences are too few"):
        ProfileConformalRegressor(ensemble, 0.9, per_position=True).conformalize(X[:5], y[:5])
    with pytest.raises(ValueError, match="does not predict profiles"):
        ProfileConformalRegressor(window_model).conformalize(X[:4], y[:4])


def test_profile_metrics_match_their_definitions():
    rng = np.random.default_rng(0)
    y = rng.random((6, 10))
    p = y + rng.normal(0, 0.1, (6, 10))
    p[2] = 1.0  # a flat prediction: left out of the mean per-profile r
    expected = np.mean([np.corrcoef(a, b)[0, 1] for i, (a, b) in enumerate(zip(y, p))
                        if i != 2])
    assert profile_pearson(y, p) == pytest.approx(expected)
    chroms = np.array(["chr1", "chr2"] * 3)
    by_chrom = whole_chromosome_pearson(y, p, chroms)
    assert by_chrom["chr2"] == pytest.approx(np.corrcoef(y[1::2].ravel(),
                                                         p[1::2].ravel())[0, 1])
    coverage = positionwise_coverage(y, p, np.full_like(p, 0.1), level=0.9)
    z = 1.6448536269514722
    np.testing.assert_allclose(coverage, np.mean(np.abs(y - p) <= z * 0.1, axis=0))
    with pytest.raises(ValueError, match="one task"):
        profile_pearson(y[..., None], p[..., None])


def test_uncertainty_report_pools_the_positions_of_each_task(profiles, ensemble):
    from uqgenomics.metrics import pearson_r, uncertainty_report

    X, y, _ = profiles
    result = ensemble.predict_uncertainty(X[:20])
    report = uncertainty_report(y[:20], result)
    assert list(report.index) == ["task_0", "task_1"]
    assert report.loc["task_1", "pearson"] == pytest.approx(
        pearson_r(y[:20, :, 1].ravel(), result.mean[..., 1].ravel()))


def test_attribution_explains_the_profile_through_its_global_average(profiles, ensemble):
    X, _, _ = profiles
    maps = saliency(ensemble, X[:3], task=1, correct=False)
    assert maps.shape == (3, LENGTH, 4)
    from uqgenomics import one_hot_encode

    x = torch.as_tensor(one_hot_encode(X[:3])).requires_grad_(True)
    draws = ensemble.draws_module()(x)
    draws.summarize().mean.reshape(3, LENGTH, 2)[..., 1].mean(1).sum().backward()
    assert_float32_close(maps, x.grad.numpy(), scale=np.abs(x.grad.numpy()).max())


def test_profile_simulator_plants_real_motifs_with_count_noise(tmp_path):
    X, y, replicates, rate = make_profiles(40, 128, n_tasks=2, n_replicates=4, resolution=2,
                                           return_replicates=True, random_state=1)
    assert X.shape == (40,) and len(X[0]) == 128
    assert y.shape == rate.shape == (40, 64, 2) and replicates.shape == (40, 64, 2, 4)
    np.testing.assert_allclose(y, replicates.mean(-1), rtol=1e-6)
    assert (replicates >= 0).all() and replicates.std(-1).mean() > 0  # replicate noise
    assert np.corrcoef(y.ravel(), rate.ravel())[0, 1] > 0.5  # signal beside the noise
    again = make_profiles(40, 128, n_tasks=2, n_replicates=4, resolution=2, random_state=1)
    np.testing.assert_array_equal(again[1], y)
    meme = tmp_path / "two.meme"
    meme.write_text("MEME version 4\n\nALPHABET= ACGT\n\nMOTIF M1 ALPHA\n"
                    "letter-probability matrix: alength= 4 w= 3 nsites= 1 E= 0\n"
                    " 1 0 0 0\n 0 1 0 0\n 0 0 0.5 0.5\n\n"
                    "MOTIF M2\nletter-probability matrix: alength= 4 w= 2\n 0 0 0 1\n"
                    " 0.25 0.25 0.25 0.25\n")
    motifs = read_meme(meme)
    assert list(motifs) == ["M1", "M2"] and motifs["M1"].shape == (3, 4)
    assert list(read_meme(meme, names=["ALPHA"])) == ["ALPHA"]
    with pytest.raises(ValueError, match="has no motif"):
        read_meme(meme, names=["M3"])
    assert make_profiles(5, 64, motifs=meme, random_state=0)[1].shape == (5, 64, 1)
    bad = tmp_path / "bad.meme"
    bad.write_text("MOTIF X\nletter-probability matrix: alength= 4 w= 2\n 0.5 0.5 0.5 0.5\n"
                   " 0 0 0 1\n")
    with pytest.raises(ValueError, match="not probabilities"):
        read_meme(bad)


@pytest.mark.shared_data
def test_real_jaspar_and_hocomoco_files_are_read():
    jaspar = read_meme(SHARED_DATA / "motifs" / "jaspar_2024_consensus.meme")
    hocomoco = read_meme(SHARED_DATA / "motifs" / "hocomoco_v12_core.meme")
    assert len(jaspar) == 182 and len(hocomoco) == 1443
    assert all(np.allclose(m.sum(1), 1) for m in jaspar.values())


@pytest.mark.parametrize("family", ["heteroscedastic", "evidential"])
def test_noise_and_evidential_heads_work_at_every_position(profiles, family):
    from uqgenomics import EvidentialRegressor, HeteroscedasticRegressor

    X, y, _ = profiles
    cls = HeteroscedasticRegressor if family == "heteroscedastic" else EvidentialRegressor
    model = cls(**TINY_PROFILE).fit(X, y[..., 0])
    result = model.predict_uncertainty(X[:3])
    assert result.mean.shape == result.aleatoric.shape == (3, LENGTH)
    assert (result.aleatoric > 0).all() and (result.mean >= 0).all()


def test_variant_effects_on_a_profile_total(profiles, ensemble):
    from uqgenomics import one_hot_encode
    from uqgenomics.variants import predict_variant_effects

    X, _, _ = profiles
    ref = one_hot_encode(X[:4])
    alt = ref.copy()
    alt[:, LENGTH // 2] = np.roll(alt[:, LENGTH // 2], 1, axis=-1)  # one substitution each
    effects = predict_variant_effects(ProfileSummary(ensemble), ref, alt)
    totals = ensemble.predict_draws(np.concatenate([ref, alt])).means[..., 0].sum(-1)
    np.testing.assert_allclose(effects.mean, (totals[:, 4:] - totals[:, :4]).mean(0),
                               rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(effects.epistemic, (totals[:, 4:] - totals[:, :4]).std(0),
                               rtol=1e-6, atol=1e-9)  # paired draws of the totals
    with pytest.raises(ValueError, match="ProfileSummary"):
        from uqgenomics.stream import write_predictions
        write_predictions(ensemble, X[:3], "unused.tsv")


def test_profile_totals_stream_to_a_table(profiles, ensemble, tmp_path):
    from uqgenomics.stream import write_predictions

    X, _, _ = profiles
    out = tmp_path / "totals.tsv"
    assert write_predictions(ProfileSummary(ensemble, "mean", task=1), X[:10], out) == 10
    import pandas as pd

    table = pd.read_csv(out, sep="\t")
    np.testing.assert_allclose(table["mean"], ensemble.predict(X[:10])[..., 1].mean(1),
                               rtol=1e-5)
