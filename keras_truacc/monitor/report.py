"""What the monitor shows a person: the end-of-fit summary and each epoch's
dashboard series (written to TensorBoard by ``tensorboard``).

``judged`` is ``[(log key, true key, judgement), ...]`` for the compiled
accuracies; ``slot_keys`` are the monitor's own log keys.

>>> print(summary_text(["true_accuracy"], [], {"val_true_accuracy": 0.9}, [], []))
TruAccMonitor summary (last epoch):
  val_true_accuracy            0.9000
"""

from __future__ import annotations

from keras_truacc.monitor.checks import BASELINE_KEY, EXACT_KEY, TRUE_KEY

_MARKS = {False: "WRONG", True: "ok", None: "can't tell"}


def summary_text(accuracy_keys, judged, logs, mismatches, notes, counting_empty_rows=(),
                 twins=(), untwinned=()) -> str:
    """The end-of-fit table: each accuracy-like key, its final value, the true one;
    each other compiled metric that is set up wrong (``twins``: ``[(twin key,
    compiled key, judgement), ...]``) under its true twin, and those with no twin
    (``untwinned``: ``[(compiled key, judgement), ...]``); then why and how to fix
    what was wrong, and the notes.

    >>> from keras_truacc.decision.keras_choice import Judgement
    >>> wrong = Judgement(False, "AUC thresholds logits.", "keras.metrics.AUC(from_logits=True)")
    >>> print(summary_text([], [], {"auc": 0.78, "true_auc": 0.83}, [], [],
    ...                    twins=[("true_auc", "auc", wrong)]))
    TruAccMonitor summary (last epoch):
      true_auc                     0.8300
        auc                        0.7800   WRONG
      'auc' why: AUC thresholds logits.
      'auc' fix: keras.metrics.AUC(from_logits=True)
    """
    lines = ["TruAccMonitor summary (last epoch):"]
    for true_key in accuracy_keys:
        prefix = true_key[: -len(TRUE_KEY)]
        for split in ("", "val_"):
            true = logs.get(split + true_key)
            if true is None:
                continue
            base = logs.get(split + prefix + BASELINE_KEY)
            row = f"  {split + true_key:<28} {float(true):.4f}"
            if base is not None:
                row += f"   (majority baseline {float(base):.4f})"
            lines.append(row)
            exact = logs.get(split + prefix + EXACT_KEY)
            if exact is not None:
                lines.append(f"  {split + prefix + EXACT_KEY:<28} {float(exact):.4f}")
            for key, judged_true_key, judgement in judged:
                if judged_true_key != true_key or logs.get(split + key) is None:
                    continue
                mark = "other: a different figure by design" if judgement.by_design \
                    else _MARKS[judgement.correct]
                if key in counting_empty_rows:
                    mark = "WRONG: counts label rows with no class set as class 0"
                lines.append(f"    {split + key:<26} {float(logs[split + key]):.4f}   {mark}")
    for twin_key, key, _judgement in twins:
        for split in ("", "val_"):
            if logs.get(split + twin_key) is None or logs.get(split + key) is None:
                continue
            lines.append(f"  {split + twin_key:<28} {float(logs[split + twin_key]):.4f}")
            lines.append(f"    {split + key:<26} {float(logs[split + key]):.4f}   WRONG")
    for key, _judgement in untwinned:
        for split in ("", "val_"):
            if logs.get(split + key) is not None:
                lines.append(f"  {split + key:<28} {float(logs[split + key]):.4f}   WRONG (no twin)")
    said = [(key, judgement) for _twin_key, key, judgement in twins] + list(untwinned)
    for key, judgement in said:
        if logs.get(key) is not None or logs.get("val_" + key) is not None:
            lines.append(f"  '{key}' why: {judgement.cause}")
            lines.append(f"  '{key}' fix: {judgement.fix}")
    for cause, fix in {m.cause: m.fix for m in mismatches}.items():
        lines.append(f"  why: {cause}")
        lines.append(f"  fix: {fix}")
    for note in notes:
        lines.append(f"  note: {note}")
    if len(lines) == 1:
        lines.append("  nothing to report")
    return "\n".join(lines)


def dashboard_series(slot_keys, judged, logs) -> dict:
    """``{split: {series name: value}}`` for one epoch: every reported accuracy-like
    key, the true accuracy, exact match and the baseline.

    >>> dashboard_series(["true_accuracy"], [], {"true_accuracy": 0.5, "val_true_accuracy": 0.4})
    {'train': {'true_accuracy': 0.5}, 'validation': {'true_accuracy': 0.4}}
    """
    series = {}
    for prefix, split in (("", "train"), ("val_", "validation")):
        values = {}
        for key in slot_keys:
            if prefix + key in logs:
                values[key] = float(logs[prefix + key])
        for key, _true_key, _judgement in judged:
            if prefix + key in logs:
                values[key] = float(logs[prefix + key])
        if values:
            series[split] = values
    return series
