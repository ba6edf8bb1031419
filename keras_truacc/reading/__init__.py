"""Keras glue that reads: a model's output facts, its loss (the probe), its compiled
metrics, the model a metric serves, saved model files, and ``truacc.inspect``'s report.
It hands facts to ``decision`` and never counts."""
