"""Keras metrics: the resolved accuracy and the majority-class baseline."""

from keras_truacc.metrics.auto import auto
from keras_truacc.metrics.true_accuracy import TrueAccuracy

__all__ = ["TrueAccuracy", "auto"]
