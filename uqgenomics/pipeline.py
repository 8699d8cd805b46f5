"""A scikit-learn Pipeline that passes the uncertainty methods to its last step.

scikit-learn's :class:`~sklearn.pipeline.Pipeline` forwards ``predict``
(and ``predict(X, return_std=True)``), but not the methods it does not know:
a featurizer followed by an uncertainty estimator loses
``predict_uncertainty``. :class:`UncertaintyPipeline` forwards them too.
"""

from __future__ import annotations

from sklearn.pipeline import Pipeline
from sklearn.pipeline import make_pipeline as _sklearn_make_pipeline
from sklearn.utils.validation import check_is_fitted

__all__ = ["UncertaintyPipeline", "make_pipeline"]


class UncertaintyPipeline(Pipeline):
    """:class:`~sklearn.pipeline.Pipeline` whose last step is an uncertainty estimator.

    Everything a Pipeline does, plus ``predict_uncertainty``,
    ``predict_draws`` and ``ood_score``: ``X`` goes through every
    transformer, then to the last step's method of the same name.

    Examples
    --------
    >>> from uqgenomics import EpinetClassifier
    >>> from uqgenomics.features import KmerFeaturizer
    >>> from uqgenomics.pipeline import make_pipeline
    >>> model = make_pipeline(KmerFeaturizer(k=4), EpinetClassifier("mlp"))
    """

    def _final_method(self, name: str):
        check_is_fitted(self)
        method = getattr(self._final_estimator, name, None)
        if method is None:
            raise AttributeError(f"the pipeline's last step, "
                                 f"{type(self._final_estimator).__name__}, has no {name}: "
                                 "end the pipeline with a uqgenomics estimator")
        return method

    def _transform_steps(self, X):
        for _, _, transformer in self._iter(with_final=False):
            X = transformer.transform(X)
        return X

    def predict_uncertainty(self, X, **params):
        """The last step's ``predict_uncertainty`` of the transformed ``X``."""
        method = self._final_method("predict_uncertainty")
        return method(self._transform_steps(X), **params)

    def predict_draws(self, X, **params):
        """The last step's ``predict_draws`` of the transformed ``X``."""
        method = self._final_method("predict_draws")
        return method(self._transform_steps(X), **params)

    def ood_score(self, X, **params):
        """The last step's ``ood_score`` of the transformed ``X``."""
        method = self._final_method("ood_score")
        return method(self._transform_steps(X), **params)


def make_pipeline(*steps, memory=None, verbose: bool = False) -> UncertaintyPipeline:
    """:func:`sklearn.pipeline.make_pipeline`, giving an :class:`UncertaintyPipeline`.

    Parameters
    ----------
    *steps : estimators
        Transformers, then an uncertainty estimator.
    memory, verbose
        As in scikit-learn.

    Returns
    -------
    UncertaintyPipeline
    """
    plain = _sklearn_make_pipeline(*steps, memory=memory, verbose=verbose)
    return UncertaintyPipeline(plain.steps, memory=memory, verbose=verbose)
