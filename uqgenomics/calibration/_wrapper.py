"""What a calibration wrapper reports of the model it wraps."""

from __future__ import annotations


class WrappedModelMixin:
    """The wrapped model's input contract, read through ``estimator``: what
    inputs it takes (``input_shape_``, ``variable_length``), so streaming,
    genome tracks and variant scoring take a wrapper as they take a model.
    """

    @property
    def input_shape_(self) -> tuple:
        """Shape of one input sample the wrapped model was fitted on."""
        return self.estimator.input_shape_

    @property
    def variable_length(self) -> bool:
        """Whether the wrapped model takes sequences of other lengths."""
        return getattr(self.estimator, "variable_length", False)
