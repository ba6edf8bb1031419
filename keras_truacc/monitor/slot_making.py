"""The monitor's metrics for a model, one set per output it can score: the true
accuracy (with the data checks and, for the baseline, the class counts), the
exact-match figure of a multi-label output, the majority baseline, and a true twin
of each compiled metric that is certainly wrong and that one Keras class computes
right with other arguments (``metric_families``): ``true_auc`` beside ``auc``.
A right set-up gets no twin, and pays nothing for them."""

from __future__ import annotations

from keras_truacc.decision.metric_families import judge_family
from keras_truacc.decision.resolver import resolve
from keras_truacc.metrics.slots import Slot
from keras_truacc.monitor.checks import BASELINE_KEY, EXACT_KEY, TRUE_KEY
from keras_truacc.reading.inspection import expected_label_shape, user_metrics_per_output
from keras_truacc.reading.metric_reading import read_family_metric
from keras_truacc.reading.model_facts import model_output_facts, output_name
from keras_truacc.which_keras import is_keras2_object

TWIN_PREFIX = "true_"


def make_slots(model, output_shapes, metric_classes, baseline, weighted, names=None):
    """The slots for ``model``'s outputs of ``output_shapes``; ``metric_classes`` is
    the model's Keras's ``(TrueAccuracy, MajorityBaseline)``, ``names`` the outputs'
    names where the step gives them (a dict of outputs)."""
    TrueAccuracy, MajorityBaseline = metric_classes
    slots = []
    count = len(output_shapes)
    compiled = _compiled_metrics(model, count)
    for index, shape in enumerate(output_shapes):
        name = None
        if count > 1:
            name = (names[index] if names else None) or output_name(model, index)
            name = name or f"output_{index + 1}"
        prefix = f"{name}_" if name else ""
        facts = model_output_facts(model, index, output_shape=shape)
        verdict = resolve(facts.with_labels(expected_label_shape(facts), None))
        task = verdict.task
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
        entries = compiled[index] if index < len(compiled) else ()
        slots.extend(twin_slots(model, entries, verdict, index, name, prefix))
    return slots


def _compiled_metrics(model, count):
    """``(log key, weighted, metric)`` per output; none where they can't be read (the
    twins are extra: reading them must never cost the true accuracy)."""
    try:
        return user_metrics_per_output(model, count)
    except Exception:
        return [[] for _ in range(count)]


def twin_slots(model, entries, verdict, index, name, prefix):
    """A true twin for each compiled metric in ``entries`` (``(log key, weighted,
    metric)``) that ``verdict`` makes certainly wrong and that one Keras class computes
    right: that class, with the corrected arguments, logged as ``true_<key>``."""
    module = _metrics_module(model)
    twins = []
    for key, weighted, metric in entries:
        family = read_family_metric(metric)
        if family is None:
            continue
        judgement = judge_family(family, verdict)
        if judgement.correct is not False or judgement.corrected is None:
            continue
        class_name, config = judgement.corrected
        base = key[len(prefix):] if prefix and key.startswith(prefix) else key
        twin = getattr(module, class_name).from_config(dict(config, name=TWIN_PREFIX + base))
        twins.append(Slot(twin, index, name, prefix + TWIN_PREFIX + base, weighted,
                          twin_of=(key, judgement)))
    return twins


def _metrics_module(model):
    if is_keras2_object(model):
        from keras_truacc.which_keras import require_tf_keras

        return require_tf_keras().metrics
    import keras

    return keras.metrics
