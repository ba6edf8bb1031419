"""Attention-based deep multiple instance learning (MIL): a bag of 3 instances comes in as
3 separate inputs, a shared Dense tower embeds each, a custom ``MILAttentionLayer``
returns a *list* of attention weights, and ``Dense(2, activation="softmax")`` classifies
the bag (positive if any instance is of the positive class). Labels are class indices of
shape (N, 1), the loss is the string ``"sparse_categorical_crossentropy"``, the metric
``"accuracy"`` (Keras picks ``SparseCategoricalAccuracy``: right), and ``fit`` gets the
example's ``class_weight`` (about 27% of the bags are positive) and its two callbacks,
``EarlyStopping`` and ``ModelCheckpoint`` (best weights only), both on ``val_loss``.

``class_weight`` weights the loss only: Keras's ``metrics=["accuracy"]`` is unweighted,
and so is the true accuracy unless asked (the plain share of right bags is what the
example prints), so the two agree. The validation data has no weights at all.

Source: keras-team/keras-io, examples/vision/attention_mil_classification.py
(https://keras.io/examples/vision/attention_mil_classification/), "Classification using
Attention-based Deep Multiple Instance Learning (MIL)" (Mohamad Jaber).
Kept: ``POSITIVE_CLASS = 1``, ``BAG_SIZE = 3``, ``create_bags`` (random instances per
bag, label 1 when the positive class is among them, data divided by 255, inputs as a
list of ``BAG_SIZE`` arrays, labels ``np.array([bag_label])`` per bag: shape (N, 1)),
``MILAttentionLayer`` (gated, ``weight_params_dim=256``, ``L2(0.01)``, softmax over the
instances, a list of (batch, 1) tensors back), ``create_model`` (Flatten, shared
Dense(128, relu) and Dense(64, relu), ``layers.multiply`` per instance, concatenate,
Dense(2, softmax)), ``compute_class_weights`` (``(1 / count) * (total / 2)``), the
callbacks (``ModelCheckpoint(file_path, monitor="val_loss", verbose=0, mode="min",
save_best_only=True, save_weights_only=True)``, ``EarlyStopping(monitor="val_loss",
patience=10, mode="min")``, in the example's order), ``compile(optimizer="adam",
loss="sparse_categorical_crossentropy", metrics=["accuracy"])``.
Changed: synthetic 8x8 "digits" (10 smooth random prototypes plus noise) instead of
28x28 MNIST; 600 training and 320 validation bags instead of 1,000 and 300; batch 16
instead of 1; 4 epochs instead of 20 (EarlyStopping never stops here); the checkpoint
goes to a fresh temporary folder instead of /tmp/best_model.weights.h5; the
``model.load_weights(file_path)`` after ``fit``, the ensemble loop, the plots and tqdm
are left out (the corpus compares the last epoch's logs with the model ``fit`` returns).
"""

import os
import tempfile

import keras
import numpy as np
from keras import layers, ops

from tests import reference as ref

EPOCHS = 4
POSITIVE_CLASS = 1
BAG_COUNT = 600
VAL_BAG_COUNT = 320
BAG_SIZE = 3
SIDE = 8


def _digits(rng, prototypes, n):
    y = rng.integers(0, 10, size=n)
    x = prototypes[y] * 200.0 + rng.normal(scale=200.0, size=(n, SIDE, SIDE))
    return np.clip(x, 0, 255).astype("float32"), y


def create_bags(input_data, input_labels, positive_class, bag_count, instance_count, rng):
    # Set up bags.
    bags = []
    bag_labels = []

    # Normalize input data.
    input_data = np.divide(input_data, 255.0)

    for _ in range(bag_count):
        # Pick a fixed size random subset of samples.
        index = rng.choice(input_data.shape[0], instance_count, replace=False)
        instances_data = input_data[index]
        instances_labels = input_labels[index]

        # By default, all bags are labeled as 0.
        bag_label = 0

        # Check if there is at least a positive class in the bag.
        if positive_class in instances_labels:
            # Positive bag will be labeled as 1.
            bag_label = 1

        bags.append(instances_data)
        bag_labels.append(np.array([bag_label]))

    return (list(np.swapaxes(bags, 0, 1)), np.array(bag_labels))


def compute_class_weights(labels):
    # Count number of positive and negative bags.
    negative_count = len(np.where(labels == 0)[0])
    positive_count = len(np.where(labels == 1)[0])
    total_count = negative_count + positive_count

    # Build class weight dictionary.
    return {
        0: (1 / negative_count) * (total_count / 2),
        1: (1 / positive_count) * (total_count / 2),
    }


def make_data(rng):
    coarse = rng.uniform(size=(10, SIDE // 2, SIDE // 2)) > 0.5
    prototypes = np.kron(coarse, np.ones((2, 2))).astype("float64")
    x_train, y_train = _digits(rng, prototypes, 3000)
    x_val, y_val = _digits(rng, prototypes, 1000)
    train_data, train_labels = create_bags(
        x_train, y_train, POSITIVE_CLASS, BAG_COUNT, BAG_SIZE, rng
    )
    val_data, val_labels = create_bags(x_val, y_val, POSITIVE_CLASS, VAL_BAG_COUNT, BAG_SIZE, rng)

    # Path where to save best weights.
    file_path = os.path.join(tempfile.mkdtemp(prefix="mil_"), "best_model.weights.h5")

    # Initialize model checkpoint callback.
    model_checkpoint = keras.callbacks.ModelCheckpoint(
        file_path,
        monitor="val_loss",
        verbose=0,
        mode="min",
        save_best_only=True,
        save_weights_only=True,
    )

    # Initialize early stopping callback.
    # The model performance is monitored across the validation data and stops training
    # when the generalization error cease to decrease.
    early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=10, mode="min")
    return {
        "x": train_data,
        "y": train_labels,
        "val": (val_data, val_labels),
        "fit": {
            "class_weight": compute_class_weights(train_labels),
            "batch_size": 16,
            "callbacks": [early_stopping, model_checkpoint],
        },
    }


class MILAttentionLayer(layers.Layer):
    """Implementation of the attention-based Deep MIL layer."""

    def __init__(
        self,
        weight_params_dim,
        kernel_initializer="glorot_uniform",
        kernel_regularizer=None,
        use_gated=False,
        **kwargs,
    ):
        super().__init__(**kwargs)

        self.weight_params_dim = weight_params_dim
        self.use_gated = use_gated

        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)

        self.v_init = self.kernel_initializer
        self.w_init = self.kernel_initializer
        self.u_init = self.kernel_initializer

        self.v_regularizer = self.kernel_regularizer
        self.w_regularizer = self.kernel_regularizer
        self.u_regularizer = self.kernel_regularizer

    def build(self, input_shape):
        # Input shape.
        # List of 2D tensors with shape: (batch_size, input_dim).
        input_dim = input_shape[0][1]

        self.v_weight_params = self.add_weight(
            shape=(input_dim, self.weight_params_dim),
            initializer=self.v_init,
            name="v",
            regularizer=self.v_regularizer,
            trainable=True,
        )

        self.w_weight_params = self.add_weight(
            shape=(self.weight_params_dim, 1),
            initializer=self.w_init,
            name="w",
            regularizer=self.w_regularizer,
            trainable=True,
        )

        if self.use_gated:
            self.u_weight_params = self.add_weight(
                shape=(input_dim, self.weight_params_dim),
                initializer=self.u_init,
                name="u",
                regularizer=self.u_regularizer,
                trainable=True,
            )
        else:
            self.u_weight_params = None

        self.input_built = True

    def call(self, inputs):
        # Assigning variables from the number of inputs.
        instances = [self.compute_attention_scores(instance) for instance in inputs]

        # Stack instances into a single tensor.
        instances = ops.stack(instances)

        # Apply softmax over instances such that the output summation is equal to 1.
        alpha = ops.softmax(instances, axis=0)

        # Split to recreate the same array of tensors we had as inputs.
        return [alpha[i] for i in range(alpha.shape[0])]

    def compute_attention_scores(self, instance):
        # Reserve in-case "gated mechanism" used.
        original_instance = instance

        # tanh(v*h_k^T)
        instance = ops.tanh(ops.tensordot(instance, self.v_weight_params, axes=1))

        # for learning non-linear relations efficiently.
        if self.use_gated:
            instance = instance * ops.sigmoid(
                ops.tensordot(original_instance, self.u_weight_params, axes=1)
            )

        # w^T*(tanh(v*h_k^T)) / w^T*(tanh(v*h_k^T)*sigmoid(u*h_k^T))
        return ops.tensordot(instance, self.w_weight_params, axes=1)


def create_model(instance_shape):
    # Extract features from inputs.
    inputs, embeddings = [], []
    shared_dense_layer_1 = layers.Dense(128, activation="relu")
    shared_dense_layer_2 = layers.Dense(64, activation="relu")
    for _ in range(BAG_SIZE):
        inp = layers.Input(instance_shape)
        flatten = layers.Flatten()(inp)
        dense_1 = shared_dense_layer_1(flatten)
        dense_2 = shared_dense_layer_2(dense_1)
        inputs.append(inp)
        embeddings.append(dense_2)

    # Invoke the attention layer.
    alpha = MILAttentionLayer(
        weight_params_dim=256,
        kernel_regularizer=keras.regularizers.L2(0.01),
        use_gated=True,
        name="alpha",
    )(embeddings)

    # Multiply attention weights with the input layers.
    multiply_layers = [layers.multiply([alpha[i], embeddings[i]]) for i in range(len(alpha))]

    # Concatenate layers.
    concat = layers.concatenate(multiply_layers, axis=1)

    # Classification output node.
    output = layers.Dense(2, activation="softmax")(concat)

    return keras.Model(inputs, output)


def build(extra, data):
    instance_shape = data["x"][0][0].shape
    model = create_model(instance_shape)
    # Compile model.
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"] + extra(),
    )
    return model


def reference(model, data):
    val_data, val_labels = data["val"]
    probs = model.predict(val_data, verbose=0)
    # Unweighted argmax accuracy over the validation bags (class_weight touches only the
    # training loss; the validation data carries no weights).
    return {"accuracy": ref.argmax_accuracy(val_labels, probs)}


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    # 'accuracy' on (N, 1) class indices against 2 softmax units is
    # SparseCategoricalAccuracy: the argmax, right.
    "keras": {"val_accuracy": "accuracy"},
    # No warning: the compiled accuracy is right; class_weight in fit with an unweighted
    # accuracy earns at most the end-of-fit note, which is not a warning; the model
    # learns the bags well above the ~71% majority (negative) rate.
    "warnings": [],
    "wrong": set(),
}
