"""Issue 10, case by case: the models people actually write (pitfalls 10-19).

Each test is one case from the issue's "Why" list or its points 7-9, small
enough to run in a second or two, and checked against numpy on model.predict.
The corpus in tests/corpus/ runs the same kinds of model as adapted from
public Keras examples.
"""

import warnings

import keras
import numpy as np
import pytest
from keras import ops

import keras_truacc as truacc
from tests import reference as ref
from tests.corpus.ner_transformers import CustomNonPaddingTokenLoss  # keras-io's NER loss

BACKEND = keras.backend.backend()


def fit(model, x, y, epochs=3, monitor=None, **kw):
    monitor = monitor or truacc.TruAccMonitor(summary=False)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        history = model.fit(x, y, epochs=epochs, batch_size=32, verbose=0, callbacks=[monitor], **kw)
    ours = [w for w in seen if issubclass(w.category, truacc.TruAccWarning)]
    return {k: v[-1] for k, v in history.history.items()}, ours


def messages(warned, category=truacc.TruAccWarning):
    return [str(w.message) for w in warned if issubclass(w.category, category)]


def tagging_data(rng, n=360, t=12, tags=5):
    """Token ids and tags, padded with 0 at the end (tags 1..4 are real)."""
    lengths = rng.integers(4, t + 1, size=n)
    tokens = rng.integers(1, 30, size=(n, t))
    labels = tokens % (tags - 1) + 1
    for row, length in enumerate(lengths):
        tokens[row, length:] = 0
        labels[row, length:] = 0
    return tokens.astype("int32"), labels.astype("int32")


def test_padding_a_custom_loss_ignores_is_ignored_by_every_figure(rng):
    """Why 1: a custom Loss that masks label 0; no mask in the model."""
    tokens, labels = tagging_data(rng)

    class Tagger(keras.Model):
        def __init__(self):
            super().__init__()
            self.embed = keras.layers.Embedding(30, 8)
            self.dense = keras.layers.Dense(5, activation="softmax")

        def call(self, x):
            return self.dense(self.embed(x))

    model = Tagger()
    model.compile("adam", CustomNonPaddingTokenLoss(), metrics=[truacc.auto(name="auto")])
    logs, warned = fit(model, tokens[:280], labels[:280], validation_data=(tokens[280:], labels[280:]))
    p = model.predict(tokens[280:], verbose=0)
    expected = ref.argmax_accuracy(labels[280:], p, valid=labels[280:] != 0)
    assert logs["val_true_accuracy"] == pytest.approx(expected, abs=1e-6)
    assert logs["val_auto"] == pytest.approx(expected, abs=1e-6)
    assert messages(warned, truacc.DataWarning) == []
    report = truacc.inspect(model, y=labels[:8], x=tokens[:8])
    assert report.outputs[0].verdict.spec.ignore_class == 0
    assert any("Probing" in r for r in report.outputs[0].verdict.reasons)


def test_subclassed_model_without_compiled_loss_reads_the_step_and_the_loss_attribute(rng):
    """Why 2: logits from a nested model, no compiled loss, SparseCategoricalAccuracy."""

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.body = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(10)])
            self.loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

        def call(self, x):
            return self.body(x)

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return self.loss_fn(y, y_pred)

    x = rng.normal(size=(320, 6)).astype("float32")
    y = (x @ rng.normal(size=(6, 10))).argmax(-1)
    model = Net()
    model.compile("adam", metrics=[keras.metrics.SparseCategoricalAccuracy(), truacc.auto(name="auto")])
    logs, warned = fit(model, x[:240], y[:240], validation_data=(x[240:], y[240:]))
    expected = ref.argmax_accuracy(y[240:], model.predict(x[240:], verbose=0))
    assert logs["val_true_accuracy"] == pytest.approx(expected, abs=1e-6)
    assert logs["val_auto"] == pytest.approx(expected, abs=1e-6)
    assert messages(warned, truacc.GuessWarning) == []
    report = truacc.inspect(model)
    assert report.wrong == ()
    assert report.outputs[0].verdict.spec.task == "multiclass"
    assert "found as the model's attribute `loss_fn`" in str(report)


def test_activation_inside_a_custom_layer_is_unknown_not_absent(rng):
    """Why 3: the sigmoid sits in a custom Layer; the loss says probabilities."""

    class SigmoidHead(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return ops.sigmoid(self.dense(x))

    inputs = keras.Input((6,))
    model = keras.Model(inputs, SigmoidHead()(keras.layers.Dense(8, activation="relu")(inputs)))
    model.compile("adam", "binary_crossentropy", metrics=["accuracy", truacc.auto(name="auto")])
    x = rng.normal(size=(300, 6)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    logs, warned = fit(model, x, y, validation_split=0.2, epochs=6)
    assert not [m for m in messages(warned) if "activation" in m]
    assert logs["val_auto"] == pytest.approx(
        ref.binary_accuracy(y[240:], model.predict(x[240:], verbose=0), 0.5), abs=1e-6)


def test_sequential_without_input_logs_every_key(rng):
    """Why 4: built on the first batch; multi-label keys must not depend on it."""
    x = rng.normal(size=(300, 8)).astype("float32")
    y = (x[:, :4] > 0).astype("float32")
    model = keras.Sequential([keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(4, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["binary_accuracy"])
    logs, warned = fit(model, x, y, validation_split=0.2)
    for key in ("true_accuracy", "true_exact_match", "majority_baseline"):
        assert key in logs and "val_" + key in logs
    p = model.predict(x[240:], verbose=0)
    assert logs["val_true_accuracy"] == pytest.approx(ref.per_label_accuracy(y[240:], p, 0.5), abs=1e-6)
    assert logs["val_true_exact_match"] == pytest.approx(ref.exact_match_accuracy(y[240:], p, 0.5), abs=1e-6)
    assert messages(warned, truacc.AccuracyMismatchWarning) == []


@pytest.mark.skipif(BACKEND != "tensorflow", reason="the step uses tf.GradientTape, as keras-io's does")
def test_custom_train_step_is_said_once_and_not_called_empty_data(rng):
    """Why 5: own train_step/test_step with its own metric list."""
    import tensorflow as tf

    class CustomModel(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.acc = truacc.auto(name="acc").bind(self)

        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = keras.losses.binary_crossentropy(y, y_pred)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(grads, self.trainable_variables)
            self.loss_tracker.update_state(loss)
            self.acc.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            self.loss_tracker.update_state(keras.losses.binary_crossentropy(y, y_pred))
            self.acc.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

        @property
        def metrics(self):
            return [self.loss_tracker, self.acc]

    inputs = keras.Input((8,))
    model = CustomModel(inputs, keras.layers.Dense(1)(inputs))
    model.compile("adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))
    x = rng.normal(size=(400, 8)).astype("float32")
    y = (x[:, :1] > 0.3).astype("float32")
    logs, warned = fit(model, x[:320], y[:320], validation_data=(x[320:], y[320:]))
    said = messages(warned)
    assert len([m for m in said if "does not update the compiled metrics" in m]) == 1
    assert not [m for m in said if "no samples" in m]
    # The step's own auto(), bound to the model, reads its loss: logits decided at 0.
    assert logs["val_acc"] == pytest.approx(
        ref.binary_accuracy(y[320:], model.predict(x[320:], verbose=0), 0.0), abs=1e-6)


def test_a_mask_the_train_step_loses_is_said_never_advised_again(rng):
    """Found by a new user: Keras 3's JAX train step hands the metrics its outputs
    without the model's mask. A wrong training figure is never left unexplained, and
    the padding warning never tells a user with ``mask_zero=True`` to add it."""
    x, y = tagging_data(rng)
    model = keras.Sequential([keras.Input((x.shape[1],)),
                              keras.layers.Embedding(30, 8, mask_zero=True),
                              keras.layers.LSTM(8, return_sequences=True),
                              keras.layers.Dense(5, activation="softmax")])
    # Learning rate 0: the weights the figures are taken with are the ones numpy reads.
    model.compile(keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy")
    logs, warned = fit(model, x[:280], y[:280], epochs=1, validation_data=(x[280:], y[280:]))
    said = messages(warned)
    assert not [m for m in said if "mask_zero=True" in m and "Fix" in m], said
    real = lambda rows: rows != 0  # noqa: E731 (positions the mask keeps)
    val_truth = ref.argmax_accuracy(y[280:], model.predict(x[280:], verbose=0), valid=real(x[280:]))
    assert logs["val_true_accuracy"] == pytest.approx(val_truth, abs=1e-6)
    train_truth = ref.argmax_accuracy(y[:280], model.predict(x[:280], verbose=0), valid=real(x[:280]))
    if logs["true_accuracy"] != pytest.approx(train_truth, abs=1e-6):
        assert [m for m in said if "without the mask" in m and "ignore_class=P" in m], said


class _PositiveWeightedLogitLoss(keras.losses.Loss):
    """A user's weighted cross-entropy on logits: positives cost twice as much."""

    def __init__(self, pos_weight=2.0, from_logits=True, **kwargs):
        super().__init__(**kwargs)
        self.pos_weight, self.from_logits = pos_weight, from_logits

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        return -ops.mean(self.pos_weight * y_true * ops.log_sigmoid(y_pred)
                         + (1.0 - y_true) * ops.log_sigmoid(-y_pred), axis=-1)

    def get_config(self):
        return {**super().get_config(), "pos_weight": self.pos_weight,
                "from_logits": self.from_logits}


def test_a_custom_loss_saying_from_logits_decides_at_0_when_probing_cannot(rng):
    """Found by a new user: the loss weighs the classes unequally, so probing finds no
    single decision point; its own config says from_logits=True. The true accuracy
    reads logits at 0 (numpy), and 'accuracy' is left as can't tell, never wrong."""
    x = rng.normal(size=(256, 6)).astype("float32")
    y = (x[:, :1] - x[:, 2:3] > 0.8).astype("float32")
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile("adam", _PositiveWeightedLogitLoss(),
                  metrics=["accuracy", truacc.auto(name="true")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(x, y, epochs=2, verbose=0)
        logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert logs["true"] == pytest.approx(
        ref.binary_accuracy(y, model.predict(x, verbose=0), 0.0), abs=1e-6)
    report = truacc.inspect(model, x=x[:32], y=y[:32])
    (accuracy,) = [m for m in report.outputs[0].metrics if m.key == "accuracy"]
    assert accuracy.judgement.correct is None
    assert str(report).splitlines()[-1].startswith("1 can't be told yet")


@pytest.mark.skipif(BACKEND != "tensorflow", reason="AutoGraph is TensorFlow's")
def test_autograph_converts_every_metric_method_a_custom_step_calls():
    """A custom train step in a tf.function converts what it calls: a method AutoGraph
    can't convert runs as-is, with a warning telling the user to report it."""
    import tensorflow as tf

    from keras_truacc.metrics.baseline import MajorityBaseline

    for metric in (truacc.TrueAccuracy, MajorityBaseline):
        for method in ("update_state", "result", "reset_state"):
            tf.autograph.to_graph(getattr(metric, method))  # raises where it can't


def test_segmentation_maps_get_no_sequence_note():
    """Why 6: an (N, H, W, C) softmax map is an image, not a padded sequence."""
    inputs = keras.Input((8, 8, 3))
    outputs = keras.layers.Conv2D(4, 1, activation="softmax")(inputs)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    codes = [p.code for p in truacc.inspect(model).outputs[0].verdict.problems]
    assert "unmasked_sequence" not in codes
    sequence = keras.Sequential([keras.Input((7, 3)), keras.layers.Dense(4, activation="softmax")])
    sequence.compile("adam", "sparse_categorical_crossentropy")
    assert "unmasked_sequence" in [p.code for p in truacc.inspect(sequence).outputs[0].verdict.problems]


def test_one_hot_hinge_labels_make_classes_exclusive(rng):
    """Why 7: squared_hinge on 10 units, ±1 labels with one +1 per row (BinaryNet)."""
    x = rng.normal(size=(500, 8)).astype("float32")
    classes = (x @ rng.normal(size=(8, 10))).argmax(-1)
    y = np.eye(10, dtype="float32")[classes] * 2 - 1
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(32, activation="tanh"),
                              keras.layers.Dense(10)])
    model.compile("adam", "squared_hinge", metrics=["acc", truacc.auto(name="auto")])
    logs, warned = fit(model, x[:400], y[:400], validation_data=(x[400:], y[400:]), epochs=8)
    p = model.predict(x[400:], verbose=0)
    expected = ref.argmax_accuracy(classes[400:], p)
    assert logs["val_true_accuracy"] == pytest.approx(expected, abs=1e-6)
    assert logs["val_auto"] == pytest.approx(expected, abs=1e-6)
    assert logs["val_acc"] == pytest.approx(expected, abs=1e-6)  # Keras's argmax is right here
    share = np.bincount(classes[400:], minlength=10) / 100
    assert logs["val_majority_baseline"] == pytest.approx(share.max(), abs=1e-6)
    assert messages(warned, truacc.AccuracyMismatchWarning) == []
    assert messages(warned, truacc.BaselineWarning) == []


def test_zero_sample_weights_are_a_mask_even_for_the_unweighted_figure(rng):
    """Why 8: padding left out only by sample_weight = (labels != 0)."""
    tokens, labels = tagging_data(rng)
    weights = (labels != 0).astype("float32")
    model = keras.Sequential([keras.Input((12,)), keras.layers.Embedding(30, 8),
                              keras.layers.Dense(5, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
    logs, warned = fit(model, tokens[:280], labels[:280], sample_weight=weights[:280],
                       validation_data=(tokens[280:], labels[280:], weights[280:]), epochs=4)
    p = model.predict(tokens[280:], verbose=0)
    expected = ref.argmax_accuracy(labels[280:], p, valid=weights[280:])
    assert logs["val_true_accuracy"] == pytest.approx(expected, abs=1e-6)
    assert logs["val_accuracy"] == pytest.approx(expected, abs=1e-6)
    real = labels[280:][weights[280:] > 0]
    assert logs["val_majority_baseline"] == pytest.approx(np.bincount(real).max() / real.size, abs=1e-6)
    assert messages(warned, truacc.AccuracyMismatchWarning) == []
    assert messages(warned, truacc.DataWarning) == []


def test_tuple_outputs_of_a_subclassed_model(rng):
    """Why 9: `call` returns a tuple; model.outputs is empty."""

    class TwoHeads(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(16, activation="relu")
            self.classes = keras.layers.Dense(10)
            self.flag = keras.layers.Dense(1, activation="sigmoid")

        def call(self, x):
            h = self.hidden(x)
            return self.classes(h), self.flag(h)

    x = rng.normal(size=(320, 6)).astype("float32")
    y1 = (x @ rng.normal(size=(6, 10))).argmax(-1)
    y2 = (x[:, :1] > 0).astype("float32")
    model = TwoHeads()
    model.compile("adam", [keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                           "binary_crossentropy"], metrics=[["accuracy"], ["accuracy"]])
    logs, warned = fit(model, x[:240], (y1[:240], y2[:240]), validation_data=(x[240:], (y1[240:], y2[240:])))
    logits, flag = model.predict(x[240:], verbose=0)
    assert logs["val_output_1_true_accuracy"] == pytest.approx(ref.argmax_accuracy(y1[240:], logits), abs=1e-6)
    assert logs["val_output_2_true_accuracy"] == pytest.approx(ref.binary_accuracy(y2[240:], flag, 0.5), abs=1e-6)
    assert messages(warned, truacc.MonitorDisabledWarning) == []
    report = truacc.inspect(model)
    assert len(report.outputs) == 2 and report.wrong == ()


def test_explicit_ignore_class_holds_for_one_hot_labels_and_padding_is_warned(rng):
    """Why 10 and pitfall 19: one-hot labels padded as class 0, plain CCE, no mask."""
    tokens, labels = tagging_data(rng)
    one_hot = np.eye(5, dtype="float32")[labels]
    model = keras.Sequential([keras.Input((12,)), keras.layers.Embedding(30, 8),
                              keras.layers.Dense(5, activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=[truacc.auto(name="auto", ignore_class=0)])
    logs, warned = fit(model, tokens[:280], one_hot[:280], validation_data=(tokens[280:], one_hot[280:]))
    p = model.predict(tokens[280:], verbose=0)
    assert logs["val_auto"] == pytest.approx(
        ref.argmax_accuracy(one_hot[280:], p, valid=labels[280:] != 0), abs=1e-6)
    # The monitor can't know 0 is padding: it counts every position, and says why once.
    assert logs["val_true_accuracy"] == pytest.approx(ref.argmax_accuracy(one_hot[280:], p), abs=1e-6)
    padding = messages(warned, truacc.DataWarning)
    assert len(padding) == 1 and "ignore_class=0" in padding[0] and "label 0" in padding[0]


def test_class_weight_with_agreeing_accuracies_is_no_mismatch(rng):
    """Why 11: class_weight on imbalanced binary data; Keras's accuracy is right."""
    x = rng.normal(size=(600, 6)).astype("float32")
    y = (x[:, 0] + 0.3 * x[:, 1] > 1.2).astype("float32")[:, None]
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=[keras.metrics.BinaryAccuracy(name="accuracy")])
    logs, warned = fit(model, x, y, validation_split=0.25, class_weight={0: 1.0, 1: 5.0}, epochs=4)
    assert messages(warned, truacc.AccuracyMismatchWarning) == []
    assert logs["val_true_accuracy"] == pytest.approx(logs["val_accuracy"], abs=1e-6)


def test_a_wrong_metric_that_agrees_by_coincidence_is_still_said(rng):
    """Point 7: logits thresholded at 0.5 on a balanced target; the figures agree."""
    x = rng.normal(size=(200, 4)).astype("float32")
    y = np.tile([0.0, 1.0], 100)[:, None].astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile("adam", keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
    kernel, bias = model.layers[-1].get_weights()
    model.layers[-1].set_weights([kernel * 0, bias * 0 + 0.25])  # every logit 0.25
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = model.evaluate(x, y, verbose=0, return_dict=True,
                                callbacks=[truacc.TruAccMonitor(summary=False)])
    assert result["accuracy"] == pytest.approx(result["true_accuracy"]) == pytest.approx(0.5)
    said = messages([w for w in seen if issubclass(w.category, truacc.TruAccWarning)],
                    truacc.AccuracyMismatchWarning)
    assert len(said) == 1 and "coincidence" in said[0] and "'accuracy'" in said[0]


def test_regression_output_logs_no_score(rng):
    """Point 9: auto() on a regression output logs NaN, not a 0.0 that reads as a score."""
    x = rng.normal(size=(200, 4)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile("adam", "mse", metrics=[truacc.auto()])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        history = model.fit(x, x.sum(-1, keepdims=True), epochs=1, verbose=0)
    assert np.isnan(history.history["accuracy"][-1])
    assert any("regression" in str(w.message) for w in seen)


def test_one_hot_rows_with_no_class_are_left_out_as_the_loss_leaves_them_out(rng):
    """Issue 20, case 2: categorical cross-entropy gives an all-zero one-hot row no
    weight (Keras 2-era seq2seq pads its one-hot targets so; tf.one_hot of a void
    label makes them). The true accuracy, the baseline and the padding check leave
    them out; Keras's 'accuracy' counts each as class 0, which is said once."""
    n, t, classes = 320, 10, 6
    lengths = rng.integers(3, t + 1, size=n)
    x = rng.normal(size=(n, t, 4)).astype("float32")
    labels = (x[..., 0] > 0).astype("int64") + 2 * (x[..., 1] > 0.5) + (x[..., 2] > 1.0)
    y = np.eye(classes, dtype="float32")[labels]
    real = np.arange(t)[None, :] < lengths[:, None]
    x[~real] = 0.0
    y[~real] = 0.0  # padded targets: all-zero rows
    model = keras.Sequential([keras.Input((t, 4)), keras.layers.LSTM(16, return_sequences=True),
                              keras.layers.Dense(classes, activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    monitor = truacc.TruAccMonitor(summary=False)
    logs, warned = fit(model, x[:240], y[:240], monitor=monitor,
                       validation_data=(x[240:], y[240:]))
    p = model.predict(x[240:], verbose=0)
    truth = ref.argmax_accuracy(y[240:], p, valid=real[240:])
    assert logs["val_true_accuracy"] == pytest.approx(truth, abs=1e-6)
    counted_as_class_0 = ref.argmax_accuracy(y[240:], p)  # what Keras's CategoricalAccuracy does
    assert logs["val_accuracy"] == pytest.approx(counted_as_class_0, abs=1e-6)
    majority = np.bincount(labels[240:][real[240:]], minlength=classes).max() / real[240:].sum()
    assert logs["val_majority_baseline"] == pytest.approx(majority, abs=1e-6)
    said = messages(warned, truacc.DataWarning)
    assert len([m for m in said if "no class set" in m and "'accuracy'" in m]) == 1, said
    assert not [m for m in said if "as padding does" in m], said
    report = truacc.inspect(model)
    assert "no class set" in " ".join(report.outputs[0].verdict.reasons)
    summary = monitor.summary_text({"val_accuracy": logs["val_accuracy"],
                                    "val_true_accuracy": logs["val_true_accuracy"]})
    assert "WRONG: counts label rows with no class set" in summary, summary


def test_a_loss_with_label_smoothing_counts_rows_with_no_class(rng):
    """Label smoothing gives an all-zero row mass on every class: the loss weighs it,
    so nothing is left out (the rule holds only where the loss provably ignores)."""
    x, _ = rng.normal(size=(64, 5)).astype("float32"), None
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, size=64)]
    y[:8] = 0.0
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", keras.losses.CategoricalCrossentropy(label_smoothing=0.1))
    model.fit(x, y, epochs=1, verbose=0)
    verdict = truacc.inspect(model).outputs[0].verdict
    assert not verdict.spec.skip_empty_rows


def test_class_weight_that_trades_accuracy_for_recall_is_no_learned_nothing(rng):
    """Issue 20, case 3: class weights inversely proportional to the class counts
    trade accuracy for minority recall on purpose. The model learned (minority
    recall well above 0, against sklearn), so no BaselineWarning says it learned
    nothing, and nothing advises stronger weights; the summary notes the trade."""
    from sklearn.metrics import balanced_accuracy_score, recall_score

    n = 1200
    y = (rng.uniform(size=n) < 0.05).astype("float32")
    x = rng.normal(size=(n, 6)).astype("float32")
    x[:, :2] += y[:, None] * 1.5
    neg, pos = np.bincount(y[:900].astype(int))
    class_weight = {0: n / (2.0 * neg), 1: n / (2.0 * pos)}
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.Adam(0.01), "binary_crossentropy", metrics=["accuracy"])
    monitor = truacc.TruAccMonitor(summary=False)
    logs, warned = fit(model, x[:900], y[:900], epochs=6, monitor=monitor,
                       validation_data=(x[900:], y[900:]), class_weight=class_weight)
    predicted = (model.predict(x[900:], verbose=0)[:, 0] > 0.5).astype(int)
    assert recall_score(y[900:], predicted) > 0.3  # it learned the minority class
    assert balanced_accuracy_score(y[900:], predicted) > 0.6
    assert logs["val_true_accuracy"] == pytest.approx(np.mean(predicted == y[900:]), abs=1e-6)
    assert logs["val_true_accuracy"] < logs["val_majority_baseline"]  # the trade, as designed
    said = messages(warned)
    assert messages(warned, truacc.BaselineWarning) == [], said
    assert not [m for m in said if "learned nothing a constant" in m or "stronger weights" in m]
    assert [n for n in monitor.notes if "class weights" in n and "balanced accuracy" in n]


def test_inspect_on_a_subclassed_model_with_more_outputs_than_its_structure_says(rng):
    """Issue 20, case 5 (a crash on JAX): a subclassed model whose call takes a dict of
    inputs and returns a regression head and a 4-class head. Its structure doesn't
    say how many outputs it has; Keras's built metrics do. inspect reads each."""

    class TwoHeads(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(16, activation="relu")
            self.regression = keras.layers.Dense(1)
            self.classes = keras.layers.Dense(4, activation="softmax")

        def call(self, inputs):
            h = self.hidden(ops.concatenate([inputs["a"], inputs["b"]], axis=-1))
            return self.regression(h), self.classes(h)

    a, b = rng.normal(size=(128, 3)).astype("float32"), rng.normal(size=(128, 3)).astype("float32")
    labels = (a[:, 1] > 0).astype("int32") + 2 * (b[:, 2] > 0)
    model = TwoHeads()
    model.compile("adam", loss=["mse", "sparse_categorical_crossentropy"],
                  metrics=[["mae"], ["accuracy"]])
    logs, warned = fit(model, {"a": a, "b": b}, (a[:, :1], labels), epochs=1)
    report = truacc.inspect(model)
    assert report.wrong == ()
    keys = [m.key for output in report.outputs for m in output.metrics]
    assert any(key.endswith("accuracy") for key in keys), keys
    p = model.predict({"a": a, "b": b}, verbose=0)[1]
    assert ops.convert_to_numpy(p).shape == (128, 4)
    assert not messages(warned, truacc.MonitorDisabledWarning)


def test_warnings_as_errors_never_make_the_monitor_step_aside(rng):
    """Issue 20, case 6: under -W error for DeprecationWarning (as many CI set-ups run
    pytest), the monitor still counts and still says what is wrong."""
    x = rng.normal(size=(200, 8)).astype("float32")
    y = (x[:, 0] > 0.3).astype("float32")[:, None]
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
    model.compile("adam", keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warnings.simplefilter("error", DeprecationWarning)
        history = model.fit(x, y, epochs=2, validation_split=0.25, verbose=0,
                            callbacks=[truacc.TruAccMonitor(summary=False)])
    categories = [w.category for w in seen]
    assert truacc.MonitorDisabledWarning not in categories
    assert truacc.AccuracyMismatchWarning in categories
    truth = ref.binary_accuracy(y[150:], model.predict(x[150:], verbose=0), 0.0)
    assert history.history["val_true_accuracy"][-1] == pytest.approx(truth, abs=1e-6)


def test_the_sequence_note_says_what_covers_padding_and_what_its_fix_drops():
    """Issue 20, case 4: a causal LM whose padding shares id 0 with a real token and is
    left out by zero sample weights in weighted_metrics. inspect (which sees no
    weights) must not offer ignore_class=0 as a sure fix: the note says zero sample
    weights need nothing, and that ignore_class=0 drops every position labelled 0."""
    model = keras.Sequential([keras.Input((12,)), keras.layers.Embedding(30, 8),
                              keras.layers.Dense(30, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy",
                  weighted_metrics=["sparse_categorical_accuracy"])
    notes = [p.message for p in truacc.inspect(model).outputs[0].verdict.problems
             if p.code == "unmasked_sequence"]
    assert len(notes) == 1
    assert "zero sample weights" in notes[0] and "nothing needs fixing" in notes[0]
    assert "drop every position labelled 0" in notes[0]
    # `truacc check` sees the first batch's weights: zeros on the padding settle it.
    tokens = np.tile(np.arange(12), (4, 1)) % 7  # id 0 is padding and a real token
    weights = np.ones((4, 12), "float32")
    weights[:, 9:] = 0.0
    verdict = truacc.inspect(model, y=tokens, sample_weight=weights).outputs[0].verdict
    assert "unmasked_sequence" not in [p.code for p in verdict.problems]
    assert any("sample weight 0" in r for r in verdict.reasons)


def test_the_lost_mask_is_said_once_per_fit_between_all_metrics(rng):
    """Issue 20, case 7: the warning that a step lost the model's mask came once per
    metric (the compiled auto() and the monitor's own): at most once per fit now."""
    x, y = tagging_data(rng)
    model = keras.Sequential([keras.Input((x.shape[1],)),
                              keras.layers.Embedding(30, 8, mask_zero=True),
                              keras.layers.LSTM(8, return_sequences=True),
                              keras.layers.Dense(5, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=[truacc.auto()])
    for again in (False, True):
        _, warned = fit(model, x, y, epochs=2)
        lost = [m for m in messages(warned) if "without the mask" in m]
        if BACKEND == "jax" and not again:  # the backend whose train step drops the mask
            assert len(lost) == 1, lost
        else:  # a second fit reuses the traced step, whose verdict was said
            assert len(lost) <= (1 if BACKEND == "jax" else 0), lost
