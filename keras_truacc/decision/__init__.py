"""The pure decision layer: facts about one model output in, a verdict out.

Nothing in this package imports Keras or a backend. It can be tested with plain
values, and every explanation a user reads is written here, next to the case it
explains.

- ``facts``: what we know about an output (loss, activation, shapes, label values).
- ``losses``: what each Keras loss says about the task and the output's scale.
- ``resolver``: facts -> ``Verdict`` (task, the correct accuracy, problems, reasons).
- ``keras_choice``: what Keras's own accuracy metrics compute, and whether that is right.
- ``label_values``: facts about a batch of labels, from numpy values.
"""

from keras_truacc.decision.facts import LabelValues, LossFacts, OutputFacts
from keras_truacc.decision.keras_choice import (
    Judgement,
    MetricComputation,
    judge,
    keras_accuracy_choice,
)
from keras_truacc.decision.resolver import AccuracySpec, Problem, Verdict, resolve

__all__ = [
    "AccuracySpec",
    "Judgement",
    "LabelValues",
    "LossFacts",
    "MetricComputation",
    "OutputFacts",
    "Problem",
    "Verdict",
    "judge",
    "keras_accuracy_choice",
    "resolve",
]
