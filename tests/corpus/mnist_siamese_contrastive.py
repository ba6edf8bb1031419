"""Siamese MLP on pairs of digits: a shared base network, a ``Lambda`` Euclidean
distance as the single output (N, 1), the contrastive loss (a custom function:
label 1 = same digit = SMALL distance) and a custom metric function named
``accuracy`` that thresholds the distance at 0.5 the other way round
(``y_pred < 0.5`` means "same"). The accuracy the user means is the script's
own ``compute_accuracy``: ``mean((distance < 0.5) == label)``. A higher output
means the NEGATIVE class here; the loss says so (label 1 costs more as the
distance grows) and puts the decision point where both labels cost the same:
d**2 == (1 - d)**2, d = 0.5.

The labels are kept as the script builds them, shape (N,), while the output is
(N, 1). Keras 2 reshaped the targets to the output's rank; Keras 3 squeezes for
the *loss* (LossFunctionWrapper) but not for a metric *function*
(MeanMetricWrapper calls it as is), so the script's ``accuracy`` compares every
label with every prediction of the batch, (batch, 1) against (batch,):
``val_accuracy`` is about 0.5 whatever the model does. It is a compiled
accuracy that is really wrong for this model, on Keras 3.

Source: keras-team/keras, examples/mnist_siamese.py (Keras 2.x,
https://github.com/keras-team/keras/blob/2.2.4/examples/mnist_siamese.py).
Kept: ``euclidean_distance`` (sqrt of max(sum of squares, epsilon)),
``eucl_dist_output_shape``, ``contrastive_loss`` (margin 1), ``create_pairs``
(alternating positive and negative pairs, n = min class count - 1, labels
[1, 0]), ``create_base_network`` (Flatten, Dense(128, relu), Dropout(0.1),
Dense(128, relu), Dropout(0.1), Dense(128, relu); a ``Model``),
``compute_accuracy``, ``accuracy``, the shared base on two Inputs,
``Lambda(euclidean_distance, output_shape=eucl_dist_output_shape)``,
``RMSprop()``, ``compile(loss=contrastive_loss, optimizer=rms,
metrics=[accuracy])``, fit on ``[tr_pairs[:, 0], tr_pairs[:, 1]], tr_y``,
batch_size=128, validation_data on the test pairs.
Changed: ported to Keras 3 (``keras.ops`` for ``K.*``,
``keras.config.epsilon()``); 8x8 images instead of 28x28, Dense(32) instead of
128; 300 + 100 synthetic "digits" (a template per class plus noise) instead of
MNIST, so 580 training and 180 test pairs; ``random.randrange`` drawn from the
case's seeded generator; 4 epochs instead of 20.
"""

import keras
import numpy as np
from keras import layers, ops

from tests.corpus.harness import Warn

EPOCHS = 4
num_classes = 10
input_shape = (8, 8)
N_TRAIN, N_TEST = 300, 100


def euclidean_distance(vects):
    x, y = vects
    return ops.sqrt(ops.maximum(ops.sum(ops.square(x - y), axis=1, keepdims=True), keras.config.epsilon()))


def eucl_dist_output_shape(shapes):
    shape1, shape2 = shapes
    return (shape1[0], 1)


def contrastive_loss(y_true, y_pred):
    """Contrastive loss from Hadsell-et-al.'06
    http://yann.lecun.com/exdb/publis/pdf/hadsell-chopra-lecun-06.pdf
    """
    margin = 1
    sqaure_pred = ops.square(y_pred)
    margin_square = ops.square(ops.maximum(margin - y_pred, 0))
    return ops.mean(y_true * sqaure_pred + (1 - y_true) * margin_square)


def create_pairs(x, digit_indices, rng):
    """Positive and negative pair creation.
    Alternates between positive and negative pairs.
    """
    pairs = []
    labels = []
    n = min([len(digit_indices[d]) for d in range(num_classes)]) - 1
    for d in range(num_classes):
        for i in range(n):
            z1, z2 = digit_indices[d][i], digit_indices[d][i + 1]
            pairs += [[x[z1], x[z2]]]
            inc = int(rng.integers(1, num_classes))  # random.randrange(1, num_classes)
            dn = (d + inc) % num_classes
            z1, z2 = digit_indices[d][i], digit_indices[dn][i]
            pairs += [[x[z1], x[z2]]]
            labels += [1, 0]
    return np.array(pairs), np.array(labels)


def create_base_network(input_shape):
    """Base network to be shared (eq. to feature extraction)."""
    input = keras.Input(shape=input_shape)
    x = layers.Flatten()(input)
    x = layers.Dense(32, activation="relu")(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(32, activation="relu")(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(32, activation="relu")(x)
    return keras.Model(input, x)


def compute_accuracy(y_true, y_pred):
    """Compute classification accuracy with a fixed threshold on distances."""
    pred = y_pred.ravel() < 0.5
    return np.mean(pred == y_true)


def accuracy(y_true, y_pred):
    """Compute classification accuracy with a fixed threshold on distances."""
    return ops.mean(ops.equal(y_true, ops.cast(y_pred < 0.5, y_true.dtype)))


def _digits(rng, templates, n):
    # the same number of each digit, like MNIST's roughly even classes
    y = np.repeat(np.arange(num_classes), n // num_classes)
    rng.shuffle(y)
    x = np.clip(templates[y] + rng.normal(0, 0.45, size=(n,) + input_shape), 0, 1).astype("float32")
    return x, y


def make_data(rng):
    templates = (rng.uniform(size=(num_classes,) + input_shape) > 0.5).astype("float32")
    x_train, y_train = _digits(rng, templates, N_TRAIN)
    x_test, y_test = _digits(rng, templates, N_TEST)

    # create training+test positive and negative pairs
    digit_indices = [np.where(y_train == i)[0] for i in range(num_classes)]
    tr_pairs, tr_y = create_pairs(x_train, digit_indices, rng)

    digit_indices = [np.where(y_test == i)[0] for i in range(num_classes)]
    te_pairs, te_y = create_pairs(x_test, digit_indices, rng)
    return {
        "x": [tr_pairs[:, 0], tr_pairs[:, 1]], "y": tr_y,
        "val": ([te_pairs[:, 0], te_pairs[:, 1]], te_y),
        "fit": {"batch_size": 128},
    }


def build(extra, data):
    # network definition
    base_network = create_base_network(input_shape)

    input_a = keras.Input(shape=input_shape)
    input_b = keras.Input(shape=input_shape)

    # because we re-use the same instance `base_network`,
    # the weights of the network
    # will be shared across the two branches
    processed_a = base_network(input_a)
    processed_b = base_network(input_b)

    distance = layers.Lambda(euclidean_distance, output_shape=eucl_dist_output_shape)(
        [processed_a, processed_b]
    )

    model = keras.Model([input_a, input_b], distance)

    # train
    rms = keras.optimizers.RMSprop()
    model.compile(loss=contrastive_loss, optimizer=rms, metrics=[accuracy] + extra())
    return model


def reference(model, data):
    x_val, y_val = data["val"]
    y_pred = model.predict(x_val, verbose=0)
    batch = data["fit"]["batch_size"]
    # What the script's `accuracy` computes on Keras 3, batch by batch: (batch, 1)
    # predictions against (batch,) labels broadcast to (batch, batch), averaged
    # over the batches, one count per batch (the function returns a scalar, and
    # Keras's Mean counts a scalar as one value).
    sums, count = 0.0, 0
    for start in range(0, len(y_val), batch):
        p, t = y_pred[start:start + batch], y_val[start:start + batch]
        sums += np.mean(t[None, :] == (p < 0.5).astype(t.dtype))
        count += 1
    return {
        "accuracy": float(compute_accuracy(y_val, y_pred)),
        "keras_broadcast": sums / count,
    }


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    # A check that the reference reproduces what Keras 3 logs for the script's metric.
    "keras": {"val_accuracy": "keras_broadcast"},
    "warnings": [
        # The custom `accuracy` is wrong on Keras 3 (see above): a tool that finds
        # out may say so; one that settles the direction by probing the loss may
        # say it did.
        Warn("AccuracyMismatchWarning", "'accuracy'", required=False),
        Warn("GuessWarning", required=False),
    ],
    # The script's `accuracy` is a plain function: nothing tells what it computes
    # without calling it on the data, so inspect(model) can't call it wrong ("can't
    # tell" is the precise answer), even though it is wrong on Keras 3.
    "wrong": set(),
}
