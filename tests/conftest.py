import os
from pathlib import Path

import pytest
import torch

from uqgenomics.datasets import make_regulatory_sequences

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# Tiny CNN: keeps every fit in the unit tests to a fraction of a second.
# UQGENOMICS_TEST_BATCH_SIZE runs the suite with another batch size (with
# OMP_NUM_THREADS, the check that no test depends on one computation path).
TINY_CNN = dict(
    network="cnn",
    network__filters=(8,),
    network__kernel_sizes=(7,),
    network__dense_units=(8,),
    batch_size=int(os.environ.get("UQGENOMICS_TEST_BATCH_SIZE", 32)),
    max_epochs=4,
    random_state=0,
)


def pytest_runtest_setup(item):
    if "gpu" in item.keywords and not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    if "shared_data" in item.keywords and not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (it sits beside the project)")


@pytest.fixture(scope="session")
def sequences():
    """(X_train, y_train, X_test, y_test): 240 / 120 simulated 40 bp sequences."""
    X, y = make_regulatory_sequences(360, length=40, random_state=0)
    return X[:240], y[:240], X[240:], y[240:]


#: Input length of ``window_model``.
WINDOW_LENGTH = 40


@pytest.fixture(scope="session")
def window_model():
    """A 2-member tiny CNN ensemble on 40 bp sequences, for the genome, VCF
    and track tests (whose windows come from a genome)."""
    from uqgenomics import EnsembleRegressor

    X, y = make_regulatory_sequences(300, length=WINDOW_LENGTH, random_state=0)
    return EnsembleRegressor(n_estimators=2, **TINY_CNN).fit(X, y)
