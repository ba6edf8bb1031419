"""``truacc inspect --json``: a ``Report`` as plain data (JSON types only).

>>> import keras, keras_truacc as truacc
>>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
>>> model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
>>> data = report_as_dict(truacc.inspect(model))
>>> data["ok"], data["outputs"][0]["task"], data["metrics"][0]["correct"]
(False, 'binary', False)
"""

from __future__ import annotations

import dataclasses


def report_as_dict(report) -> dict:
    """``{"ok", "outputs": [...], "metrics": [...]}`` for one ``truacc.inspect`` report.

    Each output: ``index``, ``name``, ``task``, ``spec`` (the resolver's
    ``AccuracySpec`` fields and ``description``), ``certain``, ``guessed``,
    ``settled_by``, ``reasons``, ``problems`` (``code``, ``severity``,
    ``message``) and ``facts``. Each compiled accuracy metric: ``key``,
    ``output_index``, ``weighted``, ``computation`` (``kind``, ``threshold``,
    ``k``, ``picked_by_keras``, ``description``), ``correct`` (``true``,
    ``false``, or ``null`` when it measures something else or can't be told),
    ``cause`` and ``fix``.
    """
    return {
        "ok": bool(report.ok),
        "outputs": [_output(o) for o in report.outputs],
        "metrics": [_metric(m) for m in report.metrics],
    }


def _output(out) -> dict:
    verdict = out.verdict
    facts = out.facts
    return {
        "index": out.index,
        "name": out.name,
        "task": verdict.task,
        "spec": {**dataclasses.asdict(verdict.spec), "description": verdict.spec.describe()},
        "certain": bool(verdict.certain),
        "guessed": bool(verdict.guessed),
        "settled_by": verdict.settled_by,
        "reasons": list(verdict.reasons),
        "problems": [
            {"code": p.code, "severity": p.severity, "message": p.message}
            for p in verdict.problems
        ],
        "facts": None if facts is None else {
            "loss": None if facts.loss is None else facts.loss.name,
            "from_logits": None if facts.loss is None else bool(facts.loss.from_logits),
            "activation": facts.activation,
            "output_shape": _shape(facts.output_shape),
            "output_dtype": facts.output_dtype,
            "label_shape": _shape(facts.label_shape),
            "label_dtype": facts.label_dtype,
        },
    }


def _metric(m) -> dict:
    c = m.computation
    return {
        "key": m.key,
        "output_index": m.output_index,
        "weighted": bool(m.weighted),
        "computation": {
            "kind": c.kind,
            "threshold": getattr(c, "threshold", None),
            "k": getattr(c, "k", None),
            "picked_by_keras": bool(c.picked_by_keras),
            "description": c.describe(),
        },
        "correct": m.judgement.correct,
        "by_design": m.judgement.by_design,
        "cause": m.judgement.cause or None,
        "fix": m.judgement.fix or None,
    }


def _shape(shape):
    if shape is None:
        return None
    return [None if d is None else int(d) for d in shape]
