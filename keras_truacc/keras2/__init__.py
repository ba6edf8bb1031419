"""The Keras 2 (``tf_keras``) glue, beside ``keras3/``: the same decision layer and
counting, on tf_keras's classes.

- ``metrics``: ``TrueAccuracy`` and ``MajorityBaseline`` on tf_keras's ``Metric``;
- ``injection``: the monitor's metrics inside one tf_keras model's metric pass.

What a tf_keras model's compiled metrics hold is read in
``reading/keras2_compiled_metrics.py``; which Keras is in use, in ``which_keras``.
"""
