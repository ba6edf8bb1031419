"""``truacc.inspect(model)``: what each output's accuracy should be, and what
the compiled metrics compute instead.

>>> import keras, keras_truacc as truacc
>>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
>>> model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
>>> report = truacc.inspect(model)
>>> report.wrong[0].key, report.wrong[0].judgement.correct
('accuracy', False)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from keras_truacc.decision.facts import format_shape
from keras_truacc.decision.keras_choice import Judgement, MetricComputation, judge
from keras_truacc.decision.label_values import describe_labels
from keras_truacc.decision.losses import meaning_of
from keras_truacc.decision.metric_families import judge_family
from keras_truacc.decision.resolver import Verdict, resolve
from keras_truacc.reading.binding import compiled_metrics_of, metric_slots
from keras_truacc.reading.metric_reading import read_family_metric, read_metric
from keras_truacc.reading.model_facts import model_output_facts, output_count, output_name
from keras_truacc.which_keras import is_keras2_object


@dataclass(frozen=True)
class MetricReport:
    """One compiled accuracy-like metric: its log key, what it computes, the judgement."""

    key: str
    output_index: int
    weighted: bool
    computation: MetricComputation
    judgement: Judgement

    @property
    def wrong(self) -> bool:
        return self.judgement.correct is False


@dataclass(frozen=True)
class OutputReport:
    index: int
    name: str | None
    verdict: Verdict
    metrics: tuple[MetricReport, ...] = ()

    @property
    def facts(self):
        return self.verdict.facts


@dataclass(frozen=True)
class Report:
    """The whole model. ``str(report)`` reads well in a terminal."""

    outputs: tuple[OutputReport, ...] = field(default=())

    @property
    def metrics(self) -> tuple[MetricReport, ...]:
        return tuple(m for o in self.outputs for m in o.metrics)

    @property
    def wrong(self) -> tuple[MetricReport, ...]:
        return tuple(m for m in self.metrics if m.wrong)

    @property
    def ok(self) -> bool:
        return not self.wrong and not any(o.verdict.errors for o in self.outputs)

    def __str__(self) -> str:
        return render(self)

    def _repr_markdown_(self) -> str:
        """Jupyter shows the report as a table per output."""
        return render_markdown(self)


def expected_label_shape(facts):
    """Label shape to assume when no labels are given: what the loss expects."""
    meaning = meaning_of(facts.loss.name) if facts.loss else None
    shape = tuple(facts.output_shape)
    if meaning is not None and meaning.family == "sparse_categorical":
        return shape[:-1]
    return shape


def inspect(model, y=None, x=None, sample_weight=None) -> Report:
    """Report on every output of a compiled ``model``.

    ``y`` (optional): labels, as given to ``fit`` (an array, or a list/dict for
    several outputs). With them the report also checks label shapes and values,
    and settles what only labels can (one positive per row: exclusive classes).

    ``x`` (optional): a few input rows, as given to ``fit``. A subclassed model
    says nothing about its outputs until it is called; with ``x`` the model is
    called once on up to 32 rows (``training=False``) and the outputs' real shapes
    are used. Without either, the report says what it could not see.

    ``sample_weight`` (optional): as given to ``fit``. Per-position weights with
    zeros leave those positions out (padding weighted 0 needs no mask).
    """
    outputs = []
    shapes = _output_shapes_from_inputs(model, x)
    count = len(shapes) if shapes else output_count(model)
    user_metrics = user_metrics_per_output(model, count)
    # Keras's built metrics know every output, even where the model's structure
    # doesn't say (a subclassed model whose call takes several inputs).
    count = max(count, len(user_metrics))
    labels = _labels_per_output(model, y, count)
    for index in range(count):
        shape = shapes[index] if shapes else None
        facts = _facts_for_output(model, index, shape, labels[index])
        if _has_zero_weighted_positions(sample_weight, index):
            facts = dataclasses.replace(facts, zero_weighted_positions=True)
        if count > 1:
            facts = dataclasses.replace(
                facts, output_name=output_name(model, index) or f"output_{index + 1}"
            )
        verdict = resolve(facts)
        reports = []
        for key, weighted, metric in user_metrics[index]:
            computation = read_family_metric(metric)  # AUC, Precision, IoU, top-k, ...
            if computation is not None:
                judgement = judge_family(computation, verdict)
            else:
                computation = read_metric(metric, facts.output_shape, facts.label_shape)
                if computation is None:
                    continue
                if _built_from_the_word(model, metric):
                    computation = dataclasses.replace(computation, picked_by_keras=True)
                judgement = judge(computation, verdict)
            reports.append(MetricReport(key, index, weighted, computation, judgement))
        outputs.append(OutputReport(index, facts.output_name, verdict, tuple(reports)))
    return Report(tuple(outputs))


def _built_from_the_word(model, metric) -> bool:
    """Whether ``metric`` is the object Keras built for the word ``'accuracy'``/``'acc'``
    the user compiled (after ``fit``, the built object stands where the word was)."""
    name = getattr(metric, "name", None)
    if isinstance(metric, str) or name not in ("accuracy", "acc"):
        return False
    cm = compiled_metrics_of(model)
    given = [getattr(cm, "_user_metrics", None), getattr(cm, "_user_weighted_metrics", None)]
    return any(name == word for g in given for items in _spread_any(g) for word in items)


def _spread_any(given):
    """Every list of metrics in ``given`` (a list, a list per output, or a dict)."""
    if not given:
        return []
    values = given.values() if isinstance(given, dict) else [given]
    lists = []
    for value in values:
        items = _as_list(value)
        lists.append(items)
        lists.extend(_as_list(item) for item in items if isinstance(item, (list, tuple)))
    return lists


def _has_zero_weighted_positions(sample_weight, index) -> bool:
    """Whether the sample weights for output ``index`` weigh some position 0, per
    position (``(N, T)`` or more axes): padding left out by its weights."""
    import numpy as np

    if sample_weight is None:
        return False
    if isinstance(sample_weight, dict):
        sample_weight = list(sample_weight.values())
    if isinstance(sample_weight, (list, tuple)):
        if not sample_weight:
            return False
        sample_weight = sample_weight[index if index < len(sample_weight) else 0]
    weights = np.asarray(sample_weight)
    return weights.ndim >= 2 and bool((weights == 0).any())


def _facts_for_output(model, index, output_shape, labels):
    """The output's facts with its labels, or with the labels its loss expects.

    A loss Keras doesn't ship is probed with the labels' shape; with no labels,
    with class indices first, then with labels shaped like the output.
    """
    if labels is not None:
        facts = model_output_facts(model, index, output_shape, labels.shape)
        return facts.with_labels(labels.shape, str(labels.dtype), describe_labels(labels))
    facts = model_output_facts(model, index, output_shape)
    no_labels = "unknown (no labels given)"
    if facts.loss is None or not facts.loss.name.startswith("custom:"):
        return facts.with_labels(expected_label_shape(facts), no_labels)
    shape = tuple(facts.output_shape)
    for label_shape in (shape[:-1], shape):
        probed = model_output_facts(model, index, output_shape, label_shape)
        if probed.loss.probe is not None and not probed.loss.probe.failed:
            return probed.with_labels(label_shape, no_labels)
    return probed.with_labels(shape, no_labels)


def _output_shapes_from_inputs(model, x):
    """Output shapes (batch axis ``None``) from calling ``model`` on a few rows of ``x``."""
    if x is None:
        return None
    import keras

    rows = keras.tree.map_structure(lambda a: a[:32], x)
    outputs = model(rows, training=False)
    flat = keras.tree.flatten(outputs) if keras.tree.is_nested(outputs) else [outputs]
    return [(None,) + tuple(o.shape)[1:] for o in flat]


def _labels_per_output(model, y, count):
    import numpy as np

    if y is None:
        return [None] * count
    if isinstance(y, dict):
        return [
            None if y.get(output_name(model, i)) is None else np.asarray(y[output_name(model, i)])
            for i in range(count)
        ]
    if isinstance(y, (list, tuple)) and count > 1:
        return [np.asarray(v) for v in y]
    return [np.asarray(y)] + [None] * (count - 1)


def user_metrics_per_output(model, count):
    """``(log key, weighted, metric)`` per output, from the built compiled metrics
    when Keras has built them, else from what was passed to ``compile``."""
    per_output = [[] for _ in range(count)]
    slots = list(metric_slots(model))
    if slots:
        keys_are_names = is_keras2_object(model)  # tf_keras names each metric by its key
        for index, name, weighted, metric in slots:
            key = f"{name}_{metric.name}" if name and not keys_are_names else metric.name
            while len(per_output) <= index:  # more outputs than the model's structure said
                per_output.append([])
            per_output[index].append((key, weighted, metric))
        return _dedupe_keys(per_output)
    cm = compiled_metrics_of(model)
    if cm is None:
        return per_output
    for weighted, given in ((False, cm._user_metrics), (True, cm._user_weighted_metrics)):
        for index, metric in _spread(model, given, count):
            name = metric if isinstance(metric, str) else getattr(metric, "name", None) or getattr(
                metric, "__name__", "metric"
            )
            out_name = output_name(model, index) if count > 1 else None
            key = f"{out_name}_{name}" if out_name else name
            per_output[index].append((key, weighted, metric))
    return _dedupe_keys(per_output)


def _spread(model, given, count):
    if not given:
        return
    if isinstance(given, dict):
        for index in range(count):
            items = given.get(output_name(model, index))
            for m in _as_list(items):
                yield index, m
        return
    if count > 1 and isinstance(given, (list, tuple)) and len(given) == count:
        for index, items in enumerate(given):
            for m in _as_list(items):
                yield index, m
        return
    for m in _as_list(given):
        for index in range(count):
            yield index, m


def _as_list(items):
    if items is None:
        return []
    return list(items) if isinstance(items, (list, tuple)) else [items]


def _dedupe_keys(per_output):
    """Keras suffixes repeated names with _1, _2 in result order."""
    seen: dict = {}
    result = []
    for entries in per_output:
        fixed = []
        for key, weighted, metric in entries:
            if key in seen:
                seen[key] += 1
                key = f"{key}_{seen[key] - 1}"
            else:
                seen[key] = 1
            fixed.append((key, weighted, metric))
        result.append(fixed)
    return result


def render(report: Report) -> str:
    lines = []
    for out in report.outputs:
        f = out.facts
        title = f"Output {out.index}" + (f" '{out.name}'" if out.name else "")
        lines.append(title)
        lines.append("  facts:")
        loss = f.loss
        loss_text = "none" if loss is None else loss.name + (
            f" (from_logits={loss.from_logits})" if loss.from_logits else ""
        )
        if loss is not None and loss.found_as:
            loss_text += f", not compiled: found as the model's {loss.found_as}"
        lines.append(f"    loss        {loss_text}")
        lines.append(f"    activation  {f.activation or 'unknown'}")
        shape_text = format_shape(f.output_shape)
        if f.output_rank >= 2 and f.class_axis_size is None:
            shape_text += " (its class axis is unknown until the model is called: pass x=)"
        lines.append(f"    output      shape {shape_text}, {f.output_dtype}")
        lines.append(f"    labels      shape {format_shape(f.label_shape)}, {f.label_dtype}")
        v = out.verdict
        lines.append(f"  correct accuracy: {v.spec.describe()}" + (" (guessed)" if v.guessed else ""))
        if v.settled_by:
            lines.append(f"    open until known: {v.settled_by}")
        for reason in v.reasons:
            lines.append(f"    - {reason}")
        if not out.metrics:
            lines.append("  compiled accuracy metrics: none")
        for m in out.metrics:
            mark = {True: "ok   ", False: "WRONG", None: "other"}[m.judgement.correct]
            lines.append(f"  [{mark}] '{m.key}': {m.computation.describe()}")
            if m.judgement.cause and m.judgement.correct is not True:
                lines.append(f"          why: {m.judgement.cause}")
            if m.judgement.fix and m.wrong:
                lines.append(f"          fix: {m.judgement.fix}")
        for p in v.problems:
            lines.append(f"  {p.severity}: {p.message}")
        lines.append("")
    lines.append(_summary(report))
    return "\n".join(lines)


def render_markdown(report: Report) -> str:
    """The report as Markdown tables, for notebooks.

    >>> from keras_truacc.decision import LossFacts, OutputFacts, resolve
    >>> v = resolve(OutputFacts((None, 1), activation="linear", has_model=True,
    ...     loss=LossFacts("binary_crossentropy", from_logits=True), label_shape=(None, 1)))
    >>> print(render_markdown(Report((OutputReport(0, None, v),))).splitlines()[0])
    **Output 0**: binary accuracy: logits > 0
    """
    marks = {True: "ok", False: "**WRONG**", None: "can't tell"}
    lines = []
    for out in report.outputs:
        v = out.verdict
        title = f"**Output {out.index}" + (f" '{out.name}'" if out.name else "") + "**"
        lines.append(f"{title}: {v.spec.describe()}" + (" (guessed)" if v.guessed else ""))
        lines.append("")
        if out.metrics:
            lines.append("| metric | computes | verdict | why | fix |")
            lines.append("|---|---|---|---|---|")
            for m in out.metrics:
                cause = m.judgement.cause if m.judgement.correct is not True else ""
                fix = f"`{m.judgement.fix}`" if m.wrong and m.judgement.fix else ""
                lines.append(
                    f"| `{m.key}` | {m.computation.describe()} | {marks[m.judgement.correct]} "
                    f"| {_cell(cause)} | {_cell(fix)} |"
                )
            lines.append("")
        for reason in v.reasons:
            lines.append(f"- {_cell(reason)}")
        for p in v.problems:
            lines.append(f"- *{p.severity}*: {_cell(p.message)}")
        lines.append("")
    lines.append(_summary(report, bold=True))
    return "\n".join(lines)


def _summary(report: Report, bold: bool = False) -> str:
    """The last line: how many compiled accuracies are wrong, and how many can't be
    told yet (a verdict that rests on a guess judges nothing)."""
    wrong = len(report.wrong)
    open_ = sum(m.judgement.correct is None and not m.judgement.by_design
                for out in report.outputs for m in out.metrics)
    if wrong == 0 and open_ == 0:
        families = any(m.computation.kind == "family" for m in report.metrics)
        return f"All compiled {'metrics' if families else 'accuracies'} are right."
    said = [f"{wrong} compiled {_metric_word(report)}metric(s) are wrong."] if wrong else []
    if open_:
        said.append(f"{open_} can't be told yet (see 'open until known' and 'why').")
    text = " ".join(said)
    return f"**{text}**" if bold and wrong else text


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _metric_word(report: Report) -> str:
    """``accuracy`` while only accuracies are judged (the summary's words since 0.1)."""
    families = any(m.computation.kind == "family" for m in report.metrics)
    return "" if families else "accuracy "
