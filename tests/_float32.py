"""Comparing results of two float32 computation paths.

Two paths that compute the same network output for a row (the row alone or
inside a larger batch, in another position, on another thread count, CPU
or GPU) sum the same float32 products in a different order: BLAS picks its
kernel and blocking from the batch shape, the machine and the threads. Bit
equality is not guaranteed, so tests compare within what the arithmetic
allows.

A dot product of K float32 terms summed in two orders differs by at most
about K·ε·Σ|terms| and typically √K·ε·Σ|terms| (ε = 2⁻²³ ≈ 1.2e-7). The
test networks have K ≤ 8 · 7 = 56 (convolution) or 64 (dense) per layer and
3 to 4 layers, so outputs differ by about 4 · √64 · ε ≈ 32 ε relative to
the scale of the output. :data:`RTOL` allows 128 ε (four times that), and
the absolute tolerance is RTOL times the scale of the compared values:
a difference or a standard deviation near 0 inherits the rounding of the
means it was computed from, not a relative error of its own.
"""

import numpy as np

EPS32 = float(np.finfo(np.float32).eps)
RTOL = 128 * EPS32  # ≈ 1.5e-5


def assert_float32_close(actual, desired, scale=None, err_msg=""):
    """Assert ``actual ≈ desired`` up to float32 rounding of another path.

    Parameters
    ----------
    actual, desired : array-like
    scale : float, default=None
        Magnitude of the quantities the compared values were computed from
        (e.g. the predictions whose spread is compared); default: the
        largest ``|desired|``.
    """
    desired = np.asarray(desired, dtype=np.float64)
    if scale is None:
        scale = float(np.max(np.abs(desired))) if desired.size else 0.0
    np.testing.assert_allclose(actual, desired, rtol=RTOL, atol=RTOL * max(scale, EPS32),
                               err_msg=err_msg)
