"""The monitor's metrics for a model, one set per output it can score: the true
accuracy (with the data checks and, for the baseline, the class counts), the
exact-match figure of a multi-label output, and the majority baseline."""

from __future__ import annotations

from keras_truacc.decision.resolver import resolve
from keras_truacc.metrics.slots import Slot
from keras_truacc.monitor.checks import BASELINE_KEY, EXACT_KEY, TRUE_KEY
from keras_truacc.reading.inspection import expected_label_shape
from keras_truacc.reading.model_facts import model_output_facts, output_name


def make_slots(model, output_shapes, metric_classes, baseline, weighted, names=None):
    """The slots for ``model``'s outputs of ``output_shapes``; ``metric_classes`` is
    the model's Keras's ``(TrueAccuracy, MajorityBaseline)``, ``names`` the outputs'
    names where the step gives them (a dict of outputs)."""
    TrueAccuracy, MajorityBaseline = metric_classes
    slots = []
    count = len(output_shapes)
    for index, shape in enumerate(output_shapes):
        name = None
        if count > 1:
            name = (names[index] if names else None) or output_name(model, index)
            name = name or f"output_{index + 1}"
        prefix = f"{name}_" if name else ""
        facts = model_output_facts(model, index, output_shape=shape)
        task = resolve(facts.with_labels(expected_label_shape(facts), None)).task
        if task == "none":
            continue
        units = facts.class_axis_size or (1 if facts.output_rank == 1 else None)
        counted = units if baseline else None
        # Unweighted, the slot's weights are 0/1 ("weight 0: not a sample").
        acc = TrueAccuracy(name=prefix + TRUE_KEY, data_checks=True, class_counts=counted,
                           weights_are_masks=not weighted)
        slots.append(Slot(acc.bind(model, index, name), index, name, prefix + TRUE_KEY, weighted))
        if task == "multilabel":
            exact = TrueAccuracy(name=prefix + EXACT_KEY, average="exact_match")
            slots.append(Slot(exact.bind(model, index, name), index, name, prefix + EXACT_KEY,
                              weighted))
        if baseline and units:
            base = MajorityBaseline(units, companion=acc, name=prefix + BASELINE_KEY)
            slots.append(Slot(base, index, name, prefix + BASELINE_KEY, weighted))
    return slots
