import numpy as np
import pytest
import torch
from scipy.stats import t as student_t

from uqgenomics.losses import GaussianNLLLoss, NormalInverseGammaLoss
from uqgenomics.networks import GaussianHead, NormalInverseGammaHead


def _gaussian_batch(n=64, tasks=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    mean = torch.randn(n, tasks, generator=g, requires_grad=True)
    log_var = torch.randn(n, tasks, generator=g, requires_grad=True)
    target = torch.randn(n, tasks, generator=g)
    return mean, log_var, target


def test_gaussian_nll_matches_torch():
    mean, log_var, target = _gaussian_batch()
    ours = GaussianNLLLoss()(torch.cat([mean, log_var], 1), target)
    reference = torch.nn.functional.gaussian_nll_loss(mean, target, log_var.exp())
    assert ours.item() == pytest.approx(reference.item(), rel=1e-5)


def test_shape_mismatch_is_an_error_not_a_broadcast():
    output = torch.zeros(8, 2)
    with pytest.raises(ValueError, match="target"):
        GaussianNLLLoss()(output, torch.zeros(8))  # (B,) against (B, 1) heads
    with pytest.raises(ValueError, match="target"):
        GaussianNLLLoss()(torch.zeros(8, 4), torch.zeros(8, 1))


def test_beta_one_gives_mse_gradients_for_the_mean():
    mean, log_var, target = _gaussian_batch()
    GaussianNLLLoss(beta=1.0)(torch.cat([mean, log_var], 1), target).backward()
    grad = mean.grad.clone()
    mean.grad = None
    (0.5 * (target - mean) ** 2).mean().backward()
    torch.testing.assert_close(grad, mean.grad)


def test_the_gaussian_head_clamps_the_log_variance_once():
    head = GaussianHead(3, 2, min_log_var=-1.0, max_log_var=2.0)
    with torch.no_grad():
        head.log_var.bias.fill_(50.0)
    outputs = head(torch.zeros(4, 3)).detach()
    assert outputs.shape == (4, 4)
    np.testing.assert_array_equal(outputs[:, 2:].numpy(), 2.0)
    mean, variance = GaussianHead.moments(outputs)
    np.testing.assert_allclose(variance.numpy(), np.exp(2.0), rtol=1e-6)
    torch.testing.assert_close(mean, outputs[:, :2])
    with pytest.raises(ValueError, match="below max_log_var"):
        GaussianHead(3, 1, min_log_var=1.0, max_log_var=1.0)


def test_nig_nll_is_the_student_t_marginal():
    features = torch.randn(50, 3, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        gamma, nu, alpha, beta = torch.chunk(NormalInverseGammaHead(3, 1)(features), 4, 1)
    assert (nu > 0).all() and (alpha > 1).all() and (beta > 0).all()
    target = torch.randn(50, 1, generator=torch.Generator().manual_seed(1))
    ours = NormalInverseGammaLoss(coefficient=0.0)(torch.cat([gamma, nu, alpha, beta], 1), target)
    g, n, a, b = (p.detach().numpy().ravel() for p in (gamma, nu, alpha, beta))
    scale = np.sqrt(b * (1 + n) / (n * a))
    reference = -student_t.logpdf(target.numpy().ravel(), df=2 * a, loc=g, scale=scale).mean()
    assert ours.item() == pytest.approx(reference, rel=1e-5)
    outputs = torch.cat([gamma, nu, alpha, beta], 1)
    with_reg = NormalInverseGammaLoss(coefficient=0.5)(outputs, target)
    regulariser = (np.abs(target.numpy().ravel() - g) * (2 * n + a)).mean()
    assert with_reg.item() == pytest.approx(reference + 0.5 * regulariser, rel=1e-5)


def test_nig_moments():
    gamma, nu, alpha, beta = (torch.tensor([[v]]) for v in (0.5, 2.0, 3.0, 4.0))
    outputs = torch.cat([gamma, nu, alpha, beta], 1)
    mean, aleatoric, epistemic = NormalInverseGammaHead.moments(outputs)
    assert (mean.item(), aleatoric.item(), epistemic.item()) == pytest.approx((0.5, 2.0, 1.0))
