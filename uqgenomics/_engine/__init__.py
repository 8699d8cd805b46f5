"""The torch / skorch engine under the estimators (private).

Files by role:

* ``_device.py``: device names, precision and autocast, batch tensors;
* ``_batches.py``: training batch iterators (augmented, relabelled);
* ``_fitting.py``: building and fitting one skorch net (mixed precision,
  callbacks, divergence checks, fine-tuning);
* ``_lockstep.py``: training ensemble members together with ``vmap``;
* ``_inference.py``: batched, checked forward passes;
* ``_mc_dropout.py``: dropout masks shared by all inputs, MC sampling;
* ``_parallel.py``: joblib tasks with a thread budget.

Nothing here imports from the estimator layer above it.
"""
