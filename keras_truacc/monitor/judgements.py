"""Which compiled metrics the monitor judges, and how: each accuracy-like metric in
``metrics=`` against the verdict of the output it serves."""

from __future__ import annotations

from keras_truacc.decision.keras_choice import judge
from keras_truacc.reading.inspection import user_metrics_per_output
from keras_truacc.reading.metric_reading import read_metric
from keras_truacc.reading.model_facts import output_count


def judge_compiled_metrics(model, accuracy_slots, outputs):
    """``([(log key, true key, judgement), ...], settled)`` for the compiled
    accuracy-like metrics of ``model``'s ``outputs`` outputs; ``settled`` is false
    while a verdict is still open on what the labels will show (judge again later)."""
    judged, settled = [], True
    per_output = user_metrics_per_output(model, outputs)
    for slot in accuracy_slots:
        verdict = slot.metric.settled_verdict()
        if verdict is None:
            settled = False
            continue
        settled = settled and not verdict.alternatives
        for key, _weighted, metric in per_output[slot.output_index]:
            computation = read_metric(metric, verdict.facts.output_shape, verdict.facts.label_shape)
            if computation is None or computation.kind == "truacc":
                continue
            judged.append((key, slot.log_key, judge(computation, verdict)))
    return judged, settled


def unweighted_accuracy_keys(model):
    """Log keys of the accuracy-like metrics compiled in ``metrics=`` (not weighted)."""
    per_output = user_metrics_per_output(model, output_count(model))
    return [
        key
        for entries in per_output
        for key, weighted, metric in entries
        if not weighted and read_metric(metric, (None, 2), (None, 2)) is not None
    ]
