"""uqgenomics: uncertainty-aware deep learning on DNA sequences.

scikit-learn estimators wrapping torch networks trained through skorch.
Every estimator has ``fit``, ``predict(X, return_std=False)`` and
``predict_uncertainty(X)``, and works with Pipeline, GridSearchCV and
MAPIE's conformal wrappers.
"""

from ._engine._fitting import TrainingDivergedError
from ._model_file import UnsafeModelFileError, load, save
from ._result import ClassificationUncertainty, Draws, UncertaintyResult
from ._version import __version__
from .classification import EnsembleClassifier, EpinetClassifier, MCDropoutClassifier
from .encoding import DNAEncoder, one_hot_encode, read_fasta, read_table, reverse_complement
from .regression import (
    DistilledRegressor,
    EnsembleRegressor,
    EvidentialRegressor,
    HeteroscedasticRegressor,
    MCDropoutRegressor,
)

__all__ = [
    "__version__",
    "ClassificationUncertainty",
    "EnsembleClassifier",
    "EpinetClassifier",
    "MCDropoutClassifier",
    "DNAEncoder",
    "Draws",
    "DistilledRegressor",
    "EnsembleRegressor",
    "EvidentialRegressor",
    "HeteroscedasticRegressor",
    "MCDropoutRegressor",
    "TrainingDivergedError",
    "UncertaintyResult",
    "UnsafeModelFileError",
    "load",
    "one_hot_encode",
    "read_fasta",
    "read_table",
    "reverse_complement",
    "save",
]
