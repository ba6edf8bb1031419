"""Keras metrics that count in-graph: the resolved accuracy, the majority-class
baseline, the maths they share (``functional``), their exact counters, and the
monitor's metrics as slots of one metric pass (``slots``)."""

from keras_truacc.metrics.true_accuracy import TrueAccuracy

__all__ = ["TrueAccuracy"]
