"""One metric step, read once: its labels and outputs as tensors, Keras's mask, and
the verdict for their shapes.

The facts come from the model the metric serves (``binding``, ``model_facts``) and
from the step's tensors; ``decision.resolve`` turns them into the verdict. A verdict
is decided once per pair of shapes (once per trace) and kept; a step whose labels
can't make any accuracy (shapes that don't fit, strings) raises here, before Keras
fails deep inside its own code.

>>> import numpy as np
>>> from keras_truacc.decision.verdict import Overrides
>>> reader = StepReader(Overrides(task="multiclass"))
>>> step = reader.read(None, np.array([2, 0]), np.array([[.1, .2, .7], [.8, .1, .1]]))
>>> step.verdict.spec.task, step.verdict.spec.labels, step.new_verdict
('multiclass', 'sparse', True)
>>> reader.read(None, np.array([1, 1]), np.array([[.1, .2, .7], [.8, .1, .1]])).new_verdict
False
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from keras import ops

from keras_truacc.decision.facts import OutputFacts
from keras_truacc.decision.label_values import describe_labels
from keras_truacc.decision.resolver import resolve
from keras_truacc.decision.verdict import AccuracySpec, Overrides, Verdict
from keras_truacc.reading.binding import Binding, find_binding
from keras_truacc.reading.model_facts import model_output_facts
from keras_truacc.reading.tensors import dtype_name, keras_mask_of, values_or_none

# Problems that make any accuracy meaningless for this batch shape: raised when the
# shapes are first decided, before Keras fails deep inside its own code.
FATAL_PROBLEMS = frozenset({"shape_mismatch", "string_labels", "label_form_mismatch"})


@dataclasses.dataclass(frozen=True)
class Step:
    """A step's tensors and the verdict for them.

    ``new_verdict`` is true on the step that decided it: the one whose problems
    and guesses are to be told.
    """

    y_true: Any
    y_pred: Any
    mask: Any
    verdict: Verdict
    new_verdict: bool


class StepReader:
    """Reads a metric's steps: holds the model output it serves and the verdicts
    decided so far, one per pair of shapes."""

    def __init__(self, overrides: Overrides, saved_spec: AccuracySpec | None = None):
        self.overrides = overrides
        self.saved_spec = saved_spec
        self.binding: Binding | None = None
        self._verdicts: dict = {}

    def bind(self, binding: Binding | None) -> None:
        """Serve this model output from now on: every shape is decided again."""
        self.binding = binding
        self._verdicts.clear()

    @property
    def last_verdict(self) -> Verdict | None:
        """The verdict decided last (``None`` before the first step)."""
        return next(reversed(self._verdicts.values()), None)

    def read(self, metric, y_true, y_pred) -> Step:
        """The step's tensors and verdict; ``metric`` is the one reading it, whose
        model is found from the calling frames on its first step.

        Written to go down once: the step's own tensors, then what they carry
        (``tensors``), then the model's facts (``model_facts``), then the verdict.
        """
        _reject_strings(y_true)
        y_true = y_true if _is_tensor(y_true) else ops.convert_to_tensor(y_true)
        y_pred = y_pred if _is_tensor(y_pred) else ops.convert_to_tensor(y_pred)
        output_shape, label_shape = tuple(y_pred.shape), tuple(y_true.shape)
        key = (label_shape[1:], output_shape[1:])
        mask = keras_mask_of(y_pred)
        if key in self._verdicts:
            return Step(y_true, y_pred, mask, self._verdicts[key], False)
        if self.binding is None and metric is not None:
            self.binding = find_binding(metric)
        binding = self.binding
        symbolic = in_symbolic_build()
        step_facts = {"output_shape": output_shape, "output_dtype": dtype_name(y_pred),
                      "masked": mask is not None}
        label_values = values_or_none(y_true) if binding is None else None
        if binding is None and self.saved_spec is None:
            # No model to read the scale from: the outputs' range is a clue.
            outputs = values_or_none(y_pred)
            finite = outputs[np.isfinite(outputs)] if outputs is not None else ()
            if len(finite):
                step_facts["output_range"] = (float(finite.min()), float(finite.max()))
        facts = OutputFacts(output_shape=output_shape)
        if binding is not None:
            # No probing while Keras traces shapes only: there are no values.
            facts = model_output_facts(binding.model, binding.output_index, output_shape,
                                       None if symbolic else label_shape)
        facts = dataclasses.replace(facts, **step_facts).with_labels(
            label_shape if label_values is None else label_values.shape,
            dtype_name(y_true),
            describe_labels(label_values) if label_values is not None else None,
        )
        verdict = resolve(facts, self.overrides)
        if binding is None and self.saved_spec is not None and not verdict.errors:
            verdict = dataclasses.replace(verdict, spec=self.saved_spec, guessed=False)
        if symbolic:
            # Keras building metric state from shapes (no values: a loss can't be
            # probed there). Decide for now; the first real step decides again.
            return Step(y_true, y_pred, mask, verdict, False)
        for problem in verdict.problems:
            if problem.code in FATAL_PROBLEMS:
                raise ValueError(f"truacc: {problem.message}")
        self._verdicts[key] = verdict
        return Step(y_true, y_pred, mask, verdict, True)


def in_symbolic_build() -> bool:
    """Whether Keras is tracing shapes only (``compute_output_spec``), not a step."""
    try:
        from keras.src.backend.common.symbolic_scope import in_symbolic_scope
    except ImportError:  # older Keras 3: no such scope, nothing to tell apart
        return False
    return in_symbolic_scope()


def _reject_strings(y_true) -> None:
    kind = getattr(getattr(y_true, "dtype", None), "kind", None)
    if kind in ("U", "S", "O") or "string" in str(getattr(y_true, "dtype", "")):
        shape = tuple(getattr(y_true, "shape", ()))
        raise ValueError(
            f"truacc: labels (y_true, shape {shape}, dtype {y_true.dtype}) hold strings; "
            "accuracy needs numbers. Fix: map them to class indices, e.g. with "
            "`keras.layers.StringLookup` or `sklearn.preprocessing.LabelEncoder`."
        )


def _is_tensor(x) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, np.ndarray)
