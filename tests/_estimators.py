"""The one registry of public estimators, in small configurations.

Every test that runs "all estimators" takes them from here, so a new
estimator is added once and every contract test covers it.
"""

from uqgenomics import (
    DistilledRegressor,
    EnsembleClassifier,
    EnsembleRegressor,
    EpinetClassifier,
    EvidentialRegressor,
    HeteroscedasticRegressor,
    MCDropoutClassifier,
    MCDropoutRegressor,
)

#: One configuration per public regressor class, with its own extra parameters.
REGRESSORS = {
    "ensemble": (EnsembleRegressor, {"n_estimators": 2}),
    "mc_dropout": (MCDropoutRegressor, {"n_samples": 20}),
    "heteroscedastic": (HeteroscedasticRegressor, {"mc_dropout": True, "n_samples": 20}),
    "evidential": (EvidentialRegressor, {}),
    "distilled": (DistilledRegressor, {"n_teacher_members": 2}),
}

#: One configuration per public classifier class.
CLASSIFIERS = {
    "ensemble": (EnsembleClassifier, {"n_estimators": 2}),
    "mc_dropout": (MCDropoutClassifier, {"n_samples": 20}),
    "epinet": (EpinetClassifier, {"n_samples": 20}),
}

#: Every public estimator class and configuration, named ``side:kind``; with
#: the configurations that take other prediction paths (noise heads without
#: dropout, both strands, a student with an aleatoric head).
ESTIMATORS = {
    **{f"regressor:{kind}": entry for kind, entry in REGRESSORS.items()},
    **{f"classifier:{kind}": entry for kind, entry in CLASSIFIERS.items()},
    "regressor:ensemble_heteroscedastic": (EnsembleRegressor,
                                           {"n_estimators": 2, "heteroscedastic": True}),
    "regressor:heteroscedastic_plain": (HeteroscedasticRegressor, {}),
    "regressor:mc_dropout_strand_average": (MCDropoutRegressor,
                                            {"n_samples": 20, "strand_average": True}),
    "classifier:ensemble_strand_average": (EnsembleClassifier,
                                           {"n_estimators": 2, "strand_average": True}),
    "regressor:distilled_aleatoric": (
        DistilledRegressor, {"aleatoric": "teacher",
                             "teacher": EnsembleRegressor(n_estimators=2, heteroscedastic=True)}),
}

#: The public estimator classes.
CLASSES = sorted({cls for cls, _ in ESTIMATORS.values()}, key=lambda cls: cls.__name__)


def make(name, **params):
    """The estimator registered as ``name`` (``'regressor:ensemble'``...)."""
    cls, extra = ESTIMATORS[name]
    return cls(**{**extra, **params})


def make_regressor(kind, **params):
    return make(f"regressor:{kind}", **params)


def make_classifier(kind, **params):
    return make(f"classifier:{kind}", **params)


def small_mlp(make_estimator, kind):
    """``kind`` on 2-D features with a small MLP, as sklearn's checks feed them."""
    return make_estimator(kind, network="mlp", max_epochs=40, lr=1e-2, batch_size=16,
                          network__hidden=(16,), random_state=0, validation_fraction=None)
