"""Which compiled metrics the monitor judges, and how: each accuracy-like metric in
``metrics=`` against the verdict of the output it serves."""

from __future__ import annotations

from keras_truacc.decision.keras_choice import judge
from keras_truacc.decision.metric_families import judge_family
from keras_truacc.reading.inspection import user_metrics_per_output
from keras_truacc.reading.metric_reading import read_family_metric, read_metric
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


def wrong_family_metrics(model, accuracy_slots, outputs, twinned):
    """``[(log key, judgement), ...]``: the compiled metrics of ``metric_families``
    that the settled verdicts make certainly wrong, leaving out those in ``twinned``
    (their twin already says it). These are the ones no Keras class computes right
    (``KLDivergence`` on logits), and those that only the label rows of the fit could
    settle (five sigmoid units: one class per row, or several?), after the twins
    were made."""
    wrong = []
    per_output = user_metrics_per_output(model, outputs)
    for slot in accuracy_slots:
        verdict = slot.metric.settled_verdict()
        if verdict is None or verdict.alternatives or slot.output_index >= len(per_output):
            continue
        for key, _weighted, metric in per_output[slot.output_index]:
            family = read_family_metric(metric) if key not in twinned else None
            if family is None:
                continue
            judgement = judge_family(family, verdict)
            if judgement.correct is False:
                wrong.append((key, judgement))
    return wrong


def unweighted_accuracy_keys(model):
    """Log keys of the accuracy-like metrics compiled in ``metrics=`` (not weighted)."""
    per_output = user_metrics_per_output(model, output_count(model))
    return [
        key
        for entries in per_output
        for key, weighted, metric in entries
        if not weighted and read_metric(metric, (None, 2), (None, 2)) is not None
    ]
