"""truacc.auto() in real models: fit, evaluate, and compare with numpy on model.predict."""

import os

import keras
import numpy as np
import pytest

import keras_truacc as truacc
from keras_truacc.decision.keras_choice import keras_accuracy_choice
from tests import reference as ref

N, D = 384, 12


def data(rng, n=N):
    x = rng.normal(size=(n, D)).astype("float32")
    w = rng.normal(size=(D, 10))
    return x, x @ w


def build(units, activation, loss, metrics, jit=False, weighted=None, hidden=True):
    layers = [keras.Input((D,))]
    if hidden:
        layers.append(keras.layers.Dense(16, activation="relu"))
    layers.append(keras.layers.Dense(units, activation=activation))
    model = keras.Sequential(layers)
    model.compile(
        "adam", loss, metrics=metrics, weighted_metrics=weighted, jit_compile=jit
    )
    return model


def fit_and_check(model, x, y, reference, key="accuracy", **fit_kw):
    model.fit(x, y, epochs=2, batch_size=64, verbose=0, **fit_kw)
    result = model.evaluate(x, y, verbose=0, return_dict=True)
    expected = reference(model.predict(x, verbose=0))
    assert result[key] == pytest.approx(expected, abs=1e-6)
    return result


def binary_labels(logits, shape=(-1, 1)):
    return (logits[:, 0] > 0.2).astype("float32").reshape(shape)


@pytest.mark.parametrize("label_shape", [(-1, 1), (-1,)])
def test_binary_sigmoid(rng, label_shape):
    x, z = data(rng)
    y = binary_labels(z, label_shape)
    model = build(1, "sigmoid", "binary_crossentropy", [truacc.auto()])
    fit_and_check(model, x, y, lambda p: ref.binary_accuracy(y, p, 0.5))


def test_binary_logits_threshold_at_zero_even_when_logits_sit_in_0_1(rng):
    """Every logit lies in [0, 1] here, so a value-range guess would read them as
    probabilities; the model's loss says logits, so auto() thresholds at 0."""
    x, z = data(rng)
    y = binary_labels(z)
    model = build(1, None, keras.losses.BinaryCrossentropy(from_logits=True),
                  ["accuracy", truacc.auto(name="true")], hidden=False)
    kernel, bias = model.layers[-1].get_weights()
    kernel = np.zeros_like(kernel)
    kernel[0, 0] = 0.05
    model.layers[-1].set_weights([kernel, bias * 0 + 0.5])  # logits 0.5 + 0.05 * x0
    result = model.evaluate(x, y, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    assert p.min() >= 0.0 and p.max() <= 1.0
    assert result["true"] == pytest.approx(ref.binary_accuracy(y, p, 0.0), abs=1e-6)
    assert result["accuracy"] == pytest.approx(ref.binary_accuracy(y, p, 0.5), abs=1e-6)
    assert result["true"] != result["accuracy"]


def test_binary_softmax_over_two_units(rng):
    x, z = data(rng)
    y = binary_labels(z, (-1,)).astype("int32")
    model = build(2, "softmax", "sparse_categorical_crossentropy", [truacc.auto()])
    fit_and_check(model, x, y, lambda p: ref.argmax_accuracy(y, p))


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("label_shape", [(-1,), (-1, 1)])
@pytest.mark.parametrize("logits", [False, True])
def test_multiclass_sparse(rng, jit, label_shape, logits):
    x, z = data(rng)
    y = z.argmax(-1).reshape(label_shape)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=logits)
    model = build(10, None if logits else "softmax", loss, ["accuracy", truacc.auto(name="true")], jit=jit)
    result = fit_and_check(model, x, y, lambda p: ref.argmax_accuracy(y, p), key="true")
    # Keras is right here; both agree.
    assert result["accuracy"] == pytest.approx(result["true"], abs=1e-6)


def test_multiclass_one_hot(rng):
    x, z = data(rng)
    y = keras.utils.to_categorical(z.argmax(-1), 10)
    model = build(10, "softmax", "categorical_crossentropy", [truacc.auto()])
    fit_and_check(model, x, y, lambda p: ref.argmax_accuracy(y, p))


def test_multilabel_per_label_and_exact_match(rng):
    x, z = data(rng)
    y = (z[:, :5] > 0.3).astype("float32")
    model = build(5, "sigmoid", "binary_crossentropy",
                  [truacc.auto(), truacc.auto(name="exact", average="exact_match")])
    fit_and_check(model, x, y, lambda p: ref.per_label_accuracy(y, p, 0.5))
    p = model.predict(x, verbose=0)
    result = model.evaluate(x, y, verbose=0, return_dict=True)
    assert result["exact"] == pytest.approx(ref.exact_match_accuracy(y, p, 0.5), abs=1e-6)


def sequence_data(rng, n=256, t=9, vocab=20, classes=4):
    lengths = rng.integers(2, t + 1, size=n)
    tokens = rng.integers(1, vocab, size=(n, t))
    valid = np.arange(t)[None, :] < lengths[:, None]
    tokens = np.where(valid, tokens, 0)
    tags = np.where(valid, tokens % classes, 0)
    return tokens, tags, valid


def tagger(mask_zero, vocab=20, classes=4, loss="sparse_categorical_crossentropy", metrics=None):
    model = keras.Sequential([
        keras.Input((None,), dtype="int32"),
        keras.layers.Embedding(vocab, 8, mask_zero=mask_zero),
        keras.layers.Dense(classes, activation="softmax"),
    ])
    model.compile("adam", loss, metrics=metrics or [truacc.auto()])
    return model


def test_sequences_with_a_mask_count_real_tokens_only(rng):
    tokens, tags, valid = sequence_data(rng)
    model = tagger(mask_zero=True)
    fit_and_check(model, tokens, tags, lambda p: ref.argmax_accuracy(tags, p, valid=valid))


def test_sequences_without_a_mask_follow_ignore_class(rng):
    tokens, tags, valid = sequence_data(rng)
    loss = keras.losses.SparseCategoricalCrossentropy(ignore_class=0)
    model = tagger(mask_zero=False, loss=loss)
    fit_and_check(model, tokens, tags, lambda p: ref.argmax_accuracy(tags, p, valid=tags != 0))


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_outputs_count_like_float32(rng, policy):
    keras.config.set_dtype_policy(policy)
    x, z = data(rng)
    y = z.argmax(-1)
    model = build(10, "softmax", "sparse_categorical_crossentropy", [truacc.auto()])
    assert "16" in str(model.outputs[0].dtype)
    fit_and_check(model, x, y, lambda p: ref.argmax_accuracy(y, p.astype("float32")))


def test_sample_weights_in_weighted_metrics(rng):
    x, z = data(rng)
    y = z.argmax(-1)
    sw = rng.uniform(0, 2, size=len(y)).astype("float32")
    model = build(10, "softmax", "sparse_categorical_crossentropy", None,
                  weighted=[truacc.auto(name="wacc")])
    model.fit(x, y, sample_weight=sw, epochs=1, verbose=0)
    result = model.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    assert result["wacc"] == pytest.approx(ref.argmax_accuracy(y, p, sample_weight=sw), abs=1e-6)


def two_output_model(metrics):
    inputs = keras.Input((D,))
    h = keras.layers.Dense(16, activation="relu")(inputs)
    kind = keras.layers.Dense(10, activation="softmax", name="kind")(h)
    flag = keras.layers.Dense(1, name="flag")(h)
    model = keras.Model(inputs, {"kind": kind, "flag": flag})
    model.compile(
        "adam",
        loss={"kind": "sparse_categorical_crossentropy",
              "flag": keras.losses.BinaryCrossentropy(from_logits=True)},
        metrics=metrics,
    )
    return model


@pytest.mark.parametrize("form", ["dict", "list"])
def test_two_outputs_each_get_their_own_accuracy(rng, form):
    x, z = data(rng)
    y = {"kind": z.argmax(-1), "flag": binary_labels(z)}
    if form == "dict":
        metrics = {"kind": [truacc.auto()], "flag": [truacc.auto()]}
    else:
        metrics = [[truacc.auto()], [truacc.auto()]]
    model = two_output_model(metrics)
    model.fit(x, y, epochs=1, verbose=0)
    result = model.evaluate(x, y, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    assert result["kind_accuracy"] == pytest.approx(ref.argmax_accuracy(y["kind"], p["kind"]), abs=1e-6)
    assert result["flag_accuracy"] == pytest.approx(ref.binary_accuracy(y["flag"], p["flag"], 0.0), abs=1e-6)


def test_save_and_load_without_custom_objects(rng, tmp_path):
    x, z = data(rng)
    y = binary_labels(z)
    model = build(1, None, keras.losses.BinaryCrossentropy(from_logits=True), [truacc.auto()])
    model.fit(x, y, epochs=1, verbose=0)
    before = model.evaluate(x, y, verbose=0, return_dict=True)
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    after = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert after["accuracy"] == pytest.approx(before["accuracy"], abs=1e-7)
    assert type(loaded.compiled_metrics if False else loaded._compile_metrics._user_metrics[0]).__name__ == "TrueAccuracy"


def test_standalone_use_guesses_once_and_says_so():
    m = truacc.auto()
    y = np.array([[1.0], [0.0], [1.0]])
    logits = np.array([[2.0], [-1.0], [0.3]])
    with pytest.warns(truacc.TruAccWarning, match="guessed"):
        m.update_state(y, logits)
    assert float(m.result()) == pytest.approx(1.0)
    import warnings
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        m.update_state(y, np.array([[0.9], [0.1], [0.2]]))
    assert not [w for w in seen if issubclass(w.category, truacc.TruAccWarning)]


def test_counts_stay_exact_past_float32_integer_limit():
    """2**24 + a few samples: a plain float32 Mean stops counting single samples."""
    m = truacc.auto(task="multiclass")
    big = 2**22
    y_pred = np.zeros((big, 2), dtype="float32")
    y_pred[:, 1] = 1.0
    y_true = np.ones((big,), dtype="int32")
    for _ in range(4):
        m.update_state(y_true, y_pred)
    m.update_state(np.array([0, 1, 1]), np.array([[1, 0], [0, 1], [1, 0]], dtype="float32"))
    counts = m.counts()
    assert counts["total"] == 4 * big + 3
    assert counts["correct"] == 4 * big + 2


def test_verdicts_match_keras_own_choice_in_a_real_compile(rng):
    """Our model of Keras's pick agrees with what Keras actually built."""
    x, z = data(rng)
    for units, act, loss, y in [
        (1, "sigmoid", "binary_crossentropy", binary_labels(z)),
        (10, "softmax", "sparse_categorical_crossentropy", z.argmax(-1)),
        (10, "softmax", "categorical_crossentropy", keras.utils.to_categorical(z.argmax(-1), 10)),
    ]:
        model = build(units, act, loss, ["accuracy"])
        model.evaluate(x, y, verbose=0)
        built = model._compile_metrics._flat_metrics[0].metrics[0]
        expected = {"binary": "BinaryAccuracy", "sparse_categorical": "SparseCategoricalAccuracy",
                    "categorical": "CategoricalAccuracy"}
        ours = keras_accuracy_choice(tuple(model.outputs[0].shape), (None,) + y.shape[1:]).kind
        assert type(built).__name__ == expected[ours]
