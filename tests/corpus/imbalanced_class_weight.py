"""Classification on imbalanced data with ``class_weight``: sigmoid output, an
initial output bias of log(pos/neg), the tutorial's list of metrics including
``keras.metrics.BinaryAccuracy(name='accuracy')`` (right: probabilities at
0.5; in ``metrics=`` Keras does not weight it, and neither does the true
accuracy: the two agree, so nothing to warn about).

Source: tensorflow/docs, site/en/tutorials/structured_data/imbalanced_data.ipynb
(https://www.tensorflow.org/tutorials/structured_data/imbalanced_data),
"Class weights".
Kept: ``METRICS`` (BinaryCrossentropy 'cross entropy', MeanSquaredError 'Brier
score', TruePositives, FalsePositives, TrueNegatives, FalseNegatives,
BinaryAccuracy 'accuracy', Precision, Recall, AUC 'auc', AUC 'prc' curve='PR'),
``make_model(metrics=METRICS, output_bias=None)`` (Dense(16, relu),
Dropout(0.5), Dense(1, sigmoid, bias_initializer=Constant(output_bias))),
compile (Adam(learning_rate=1e-3), BinaryCrossentropy()), the initial bias
``np.log([pos / neg])``, ``weight_for_0 = (1 / neg) * (total / 2.0)``,
``weight_for_1 = (1 / pos) * (total / 2.0)``, standardized features clipped to
[-5, 5].
Changed: 10 features instead of 29 (the credit-card fraud CSV); 1000 synthetic
transactions with 10% positives (positives shifted by 3.5 along 4 features) instead
of 0.17% of 284,807; ``keras.Input`` instead of ``input_shape=``; batch 32
instead of 2048; 8 epochs; validation_data as arrays; labels of shape (N, 1)
instead of (N,) (Keras 3's BinaryCrossentropy *metric* rejects (N,) labels
against the (N, 1) output).
"""

import keras
import numpy as np

from tests import reference as ref

EPOCHS = 8
FEATURES, N, N_VAL = 10, 1000, 200

METRICS = [
    keras.metrics.BinaryCrossentropy(name="cross entropy"),  # same as model's loss
    keras.metrics.MeanSquaredError(name="Brier score"),
    keras.metrics.TruePositives(name="tp"),
    keras.metrics.FalsePositives(name="fp"),
    keras.metrics.TrueNegatives(name="tn"),
    keras.metrics.FalseNegatives(name="fn"),
    keras.metrics.BinaryAccuracy(name="accuracy"),
    keras.metrics.Precision(name="precision"),
    keras.metrics.Recall(name="recall"),
    keras.metrics.AUC(name="auc"),
    keras.metrics.AUC(name="prc", curve="PR"),  # precision-recall curve
]


def _fresh_metrics():
    return [type(m).from_config(m.get_config()) for m in METRICS]


def make_data(rng):
    labels = (rng.uniform(size=(N, 1)) < 0.10).astype("int64")
    features = rng.normal(size=(N, FEATURES))
    features[:, :4] += labels * 3.5
    mean, std = features[:-N_VAL].mean(0), features[:-N_VAL].std(0)
    features = np.clip((features - mean) / std, -5, 5).astype("float32")
    train_labels = labels[:-N_VAL]
    neg, pos = np.bincount(train_labels[:, 0])
    total = neg + pos
    # Scaling by total/2 helps keep the loss to a similar magnitude.
    # The sum of the weights of all examples stays the same.
    weight_for_0 = (1 / neg) * (total / 2.0)
    weight_for_1 = (1 / pos) * (total / 2.0)
    class_weight = {0: weight_for_0, 1: weight_for_1}
    return {
        "x": features[:-N_VAL], "y": train_labels,
        "val": (features[-N_VAL:], labels[-N_VAL:]),
        "fit": {"batch_size": 32, "class_weight": class_weight},
        "initial_bias": np.log([pos / neg]),
    }


def make_model(metrics=METRICS, output_bias=None):
    if output_bias is not None:
        output_bias = keras.initializers.Constant(output_bias)
    model = keras.Sequential(
        [
            keras.Input(shape=(FEATURES,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(1, activation="sigmoid", bias_initializer=output_bias),
        ]
    )

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss=keras.losses.BinaryCrossentropy(),
        metrics=metrics,
    )

    return model


def build(extra, data):
    return make_model(metrics=_fresh_metrics() + extra(), output_bias=data["initial_bias"])


def reference(model, data):
    x_val, y_val = data["val"]
    probs = model.predict(x_val, verbose=0)
    return {"accuracy": ref.binary_accuracy(y_val, probs, 0.5)}


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "keras": {"val_accuracy": "accuracy"},
    "warnings": [],  # no AccuracyMismatchWarning: 'accuracy' and the true accuracy agree
    "wrong": set(),
}
