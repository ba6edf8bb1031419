"""The pure decision layer: plain facts in, verdict out. No model, no backend."""

import numpy as np
import pytest

from keras_truacc.decision import LossFacts, OutputFacts, resolve
from keras_truacc.decision.label_values import describe_labels
from keras_truacc.decision.resolver import Overrides

BCE = LossFacts("binary_crossentropy")
BCE_LOGITS = LossFacts("binary_crossentropy", from_logits=True)
CCE = LossFacts("categorical_crossentropy")
SCCE = LossFacts("sparse_categorical_crossentropy")
SCCE_LOGITS = LossFacts("sparse_categorical_crossentropy", from_logits=True)
MULTI_HOT = describe_labels(np.array([[1, 1, 0, 0, 1], [0, 0, 0, 0, 0]]))


def facts(out, act, loss, labels, dtype="float32", **kw):
    return OutputFacts(
        output_shape=out, output_dtype=dtype, activation=act, loss=loss,
        label_shape=labels, has_model=True, **kw
    )


# (facts, task, scale, threshold, labels, keras 'accuracy' wrong?)
CASES = {
    "binary sigmoid": (facts((None, 1), "sigmoid", BCE, (None, 1)), "binary", "probabilities", 0.5, "binary", False),
    "binary sigmoid, (N,) labels": (facts((None, 1), "sigmoid", BCE, (None,)), "binary", "probabilities", 0.5, "binary", False),
    "binary logits": (facts((None, 1), "linear", BCE_LOGITS, (None, 1)), "binary", "logits", 0.0, "binary", True),
    "binary focal logits": (facts((None, 1), "linear", LossFacts("binary_focal_crossentropy", from_logits=True), (None, 1)), "binary", "logits", 0.0, "binary", True),
    "binary rank-1 output": (facts((None,), "sigmoid", BCE, (None,)), "binary", "probabilities", 0.5, "binary", True),
    "binary hinge": (facts((None, 1), "tanh", LossFacts("hinge"), (None, 1)), "binary", "scores", 0.0, "binary", True),
    "softmax over 2, sparse": (facts((None, 2), "softmax", SCCE, (None,)), "multiclass", None, None, "sparse", False),
    "multiclass softmax sparse (N,)": (facts((None, 10), "softmax", SCCE, (None,)), "multiclass", None, None, "sparse", False),
    "multiclass softmax sparse (N,1)": (facts((None, 10), "softmax", SCCE, (None, 1)), "multiclass", None, None, "sparse", False),
    "multiclass logits sparse": (facts((None, 10), "linear", SCCE_LOGITS, (None,)), "multiclass", None, None, "sparse", False),
    "multiclass one-hot": (facts((None, 10), "softmax", CCE, (None, 10)), "multiclass", None, None, "one_hot", False),
    "categorical hinge": (facts((None, 10), "linear", LossFacts("categorical_hinge"), (None, 10)), "multiclass", None, None, "one_hot", False),
    "softmax + BCE (classic)": (facts((None, 10), "softmax", BCE, (None, 10)), "multiclass", None, None, "one_hot", False),
    "multi-label sigmoid": (facts((None, 5), "sigmoid", BCE, (None, 5), label_values=MULTI_HOT), "multilabel", "probabilities", 0.5, "multi_hot", True),
    "multi-label logits": (facts((None, 5), "linear", BCE_LOGITS, (None, 5), label_values=MULTI_HOT), "multilabel", "logits", 0.0, "multi_hot", True),
    # Units scored one by one, labels not seen yet: multi-label or exclusive is open,
    # so Keras's argmax can't be called wrong.
    "sigmoid units, labels unseen": (facts((None, 5), "sigmoid", BCE, (None, 5)), "multilabel", "probabilities", 0.5, "multi_hot", False),
    "sequence tagging": (facts((None, 7, 4), "softmax", SCCE, (None, 7)), "multiclass", None, None, "sparse", False),
    "float16 softmax": (facts((None, 5000), "softmax", SCCE, (None,), dtype="float16"), "multiclass", None, None, "sparse", False),
    "bfloat16 logits": (facts((None, 1), "linear", BCE_LOGITS, (None, 1), dtype="bfloat16"), "binary", "logits", 0.0, "binary", True),
    "regression": (facts((None, 1), "linear", LossFacts("mean_squared_error"), (None, 1)), "none", None, None, None, True),
    "Keras crossentropy alias": (facts((None, 3), "softmax", LossFacts("crossentropy"), (None,)), "multiclass", None, None, "sparse", False),
}


@pytest.mark.parametrize("name", list(CASES))
def test_verdict_matrix(name):
    f, task, scale, threshold, labels, keras_wrong = CASES[name]
    v = resolve(f)
    assert v.spec.task == task
    assert v.spec.scale == scale
    assert v.spec.decision_threshold == threshold
    assert v.spec.labels == labels
    assert v.keras_is_wrong is keras_wrong, v.keras_judgement
    assert v.reasons, "every verdict explains itself"


def test_overrides_win_over_facts():
    f = facts((None, 1), "sigmoid", BCE, (None, 1))
    v = resolve(f, Overrides(from_logits=True, threshold=0.8))
    assert v.spec.scale == "logits"
    assert v.spec.decision_threshold == pytest.approx(np.log(0.8 / 0.2))
    assert resolve(facts((None, 5), "sigmoid", BCE, (None, 5)), Overrides(task="multiclass")).task == "multiclass"


def test_bad_overrides_are_rejected_with_the_argument_named():
    with pytest.raises(ValueError, match="`threshold`.*got 1.5"):
        Overrides(threshold=1.5)
    with pytest.raises(ValueError, match="`task`"):
        Overrides(task="regression")


def test_no_model_guesses_from_values_and_says_so():
    f = OutputFacts(output_shape=(None, 1), label_shape=(None, 1), output_range=(-2.0, 3.0))
    v = resolve(f)
    assert v.guessed and v.spec.scale == "logits"
    f = OutputFacts(output_shape=(None, 1), label_shape=(None, 1), output_range=(0.1, 0.9))
    assert resolve(f).spec.scale == "probabilities" and resolve(f).guessed


def test_multi_hot_labels_without_a_model_mean_multilabel():
    y = np.array([[1, 1, 0], [0, 1, 1]])
    f = OutputFacts(output_shape=(None, 3), label_shape=(None, 3), label_values=describe_labels(y))
    assert resolve(f).task == "multilabel"


def problem_codes(v):
    return {p.code: p for p in v.problems}


def test_softmax_over_one_unit_is_an_error_naming_the_fix():
    v = resolve(facts((None, 1), "softmax", BCE, (None, 1)))
    p = problem_codes(v)["softmax_unit_axis"]
    assert p.severity == "error" and "(None, 1)" in p.message and "sigmoid" in p.message


def test_sparse_labels_out_of_range_name_tensor_shape_dtype_and_fix():
    labels = np.array([0, 3, 12])
    f = facts((None, 10), "softmax", SCCE, (3,)).with_labels((3,), "int64", describe_labels(labels))
    p = problem_codes(resolve(f))["labels_out_of_range"]
    assert "labels (shape (3,), dtype int64)" in p.message
    assert "[0, 10)" in p.message and "Dense(13)" in p.message


def test_one_hot_rows_that_are_not_one_hot():
    labels = np.array([[1, 1, 0], [0, 0, 1]])
    f = facts((None, 3), "softmax", CCE, (2, 3)).with_labels((2, 3), "int64", describe_labels(labels))
    assert problem_codes(resolve(f))["labels_not_one_hot"].severity == "error"


def test_shape_mismatch_is_an_error():
    f = facts((None, 10), "softmax", CCE, (None, 7))
    p = problem_codes(resolve(f))["shape_mismatch"]
    assert "(None, 7)" in p.message and "(None, 10)" in p.message


def test_regression_asked_for_accuracy_warns_with_fix():
    p = problem_codes(resolve(facts((None, 1), "linear", LossFacts("mse"), (None, 1))))
    assert "mae" in p["regression_accuracy"].message


def test_fractional_and_string_labels():
    f = facts((None, 4), "softmax", SCCE, (2,)).with_labels((2,), "float32", describe_labels(np.array([0.5, 2.0])))
    assert "fractional_labels" in problem_codes(resolve(f))
    f = facts((None, 4), "softmax", SCCE, (2,)).with_labels((2,), "<U3", describe_labels(np.array(["cat", "dog"])))
    assert "string_labels" in problem_codes(resolve(f))


@pytest.mark.parametrize(
    "loss",
    ["binary_crossentropy", "BinaryFocalCrossentropy", "categorical_crossentropy", "CategoricalFocalCrossentropy",
     "sparse_categorical_crossentropy", "hinge", "squared_hinge", "categorical_hinge", "kld", "dice", "tversky",
     "CategoricalGeneralizedCrossEntropy", "poisson", "mse", "huber", "ctc", "circle"],
)
def test_every_keras_loss_has_a_meaning(loss):
    from keras_truacc.decision.losses import meaning_of

    assert meaning_of(loss) is not None


def test_unit_axis_activation_shape_combinations_never_crash():
    for out in [(None,), (None, 1), (None, 2), (None, 7), (None, 5, 1), (None, 5, 3)]:
        for act in [None, "linear", "sigmoid", "softmax", "tanh", "relu"]:
            for loss in [None, BCE, BCE_LOGITS, CCE, SCCE, LossFacts("hinge"), LossFacts("custom:x")]:
                for labels in [None, out, out[:-1] if len(out) > 1 else out]:
                    v = resolve(OutputFacts(out, activation=act, loss=loss, label_shape=labels, has_model=True))
                    assert v.spec.task in ("binary", "multiclass", "multilabel", "none")


# -- issue 10: certain, open or guessed -------------------------------------------

from keras_truacc.decision.facts import LossProbe  # noqa: E402
from keras_truacc.decision.keras_choice import MetricComputation, judge  # noqa: E402

ARGMAX = MetricComputation("sparse_categorical", "accuracy")
BINARY_05 = MetricComputation("binary", "binary_accuracy", threshold=0.5)


def custom(probe):
    return LossFacts("custom:MaskedLoss", probe=probe)


def test_a_probed_custom_loss_decides_task_scale_and_ignored_label():
    masked = custom(LossProbe(exclusive=True, ignored_label=0, notes=("Probing showed 0 is ignored.",)))
    v = resolve(facts((None, 20, 5), None, masked, (None, 20)))
    assert (v.task, v.spec.labels, v.spec.ignore_class, v.certain) == ("multiclass", "sparse", 0, True)
    assert "Probing showed 0 is ignored." in v.reasons
    assert "unmasked_sequence" not in problem_codes(v)
    logits = custom(LossProbe(exclusive=False, decision_point=0.0))
    v = resolve(facts((None, 1), None, logits, (None, 1)))
    assert (v.task, v.spec.decision_threshold, v.certain) == ("binary", 0.0, True)
    assert judge(BINARY_05, v).correct is False


def test_a_failed_probe_says_so_and_falls_back():
    failed = custom(LossProbe(failed=True, notes=("Probing the loss failed (TypeError: x).",)))
    v = resolve(facts((None, 1), None, failed, (None, 1)))
    assert "Probing the loss failed (TypeError: x)." in v.reasons
    assert v.guessed and judge(BINARY_05, v).correct is None


def test_class_index_labels_mean_argmax_whatever_the_activation():
    v = resolve(facts((None, 10), None, None, (None,)))
    assert (v.task, v.spec.labels, v.certain) == ("multiclass", "sparse", True)
    assert judge(ARGMAX, v).correct is True


def test_an_unknown_class_axis_is_not_a_single_unit():
    v = resolve(facts((None, None), None, None, (None, None)))
    assert v.guessed and "shape" in v.settled_by
    judgement = judge(BINARY_05, v)
    assert judgement.correct is None and "Can't tell" in judgement.cause


def test_an_unknown_activation_is_not_a_missing_one():
    unknown = resolve(facts((None, 1), None, BCE, (None, 1)))
    linear = resolve(facts((None, 1), "linear", BCE, (None, 1)))
    assert "probability_loss_on_raw_output" not in problem_codes(unknown)
    assert "probability_loss_on_raw_output" in problem_codes(linear)


@pytest.mark.parametrize("negative", [0, -1])
def test_one_positive_per_label_row_makes_units_scored_one_by_one_exclusive(negative):
    rows = np.full((6, 10), negative)
    rows[np.arange(6), [0, 3, 9, 2, 2, 5]] = 1
    loss = LossFacts("squared_hinge") if negative else BCE
    v = resolve(facts((None, 10), "linear" if negative else "sigmoid", loss, (None, 10),
                      label_values=describe_labels(rows)))
    assert (v.task, v.spec.labels, v.certain) == ("multiclass", "one_hot", True)
    assert v.keras_is_wrong is False  # Keras's argmax 'acc' is right here


def test_an_open_verdict_settles_by_label_rows():
    v = resolve(facts((None, 10), "linear", LossFacts("squared_hinge"), (None, 10)))
    assert not v.certain and v.settles_by_label_rows
    assert judge(MetricComputation("categorical", "acc"), v).correct is None
    exclusive = v.settle_by_label_rows(True, 100)
    assert exclusive.task == "multiclass" and exclusive.certain
    assert judge(MetricComputation("categorical", "acc"), exclusive).correct is True
    independent = v.settle_by_label_rows(False, 100)
    assert independent.task == "multilabel" and independent.keras_is_wrong
