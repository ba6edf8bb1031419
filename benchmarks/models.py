"""The models and the synthetic data every study uses.

Builders take the ``keras`` module (imported inside the worker subprocess, once
``KERAS_BACKEND`` is set) and return an uncompiled model.

- ``cnn-digits``: a small CNN on 8x8x1 images (sklearn's load_digits' shape), 10 classes.
- ``mlp-1000``: an MLP with 1,000 output classes.
- ``resnet-cifar``: a small ResNet on 32x32x3 images (CIFAR-10's shape), 10
  classes: the realistic model, with steps of tens of milliseconds on 2 CPU cores.
- ``dense-val``: ``Dense(10, softmax)`` on 16 features, for the validation pass.
- ``ops``: ``Dense(32)``–``Dense(10, softmax)`` on 16 features, for the op counts.
"""

from __future__ import annotations

BATCH = 32

# The models a worker has already trained (one-time backend and kernel set-up
# costs paid): a later study in the same process needs no throw-away fit for them.
WARMED_UP: set[str] = set()


def quiet():
    """Silence TensorFlow's and absl's logging and Python warnings in a worker."""
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    try:
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:
        pass


def load_keras():
    quiet()
    import keras

    return keras


def build_cnn(keras):
    """A small CNN for sklearn-digits-like 8x8x1 images, 10 classes."""
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def build_mlp1000(keras):
    """An MLP with 1,000 output classes."""
    return keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(1000, activation="softmax"),
        ]
    )


RESNET_FILTERS = (16, 32, 64)


def build_resnet(keras, filters=RESNET_FILTERS):
    """A small ResNet for 32x32x3 images, 10 classes (78,714 parameters).

    Stem: Conv2D(16, 3) + BatchNorm + ReLU. Then one residual block per stage,
    16, 32 and 64 filters, the last two with stride 2: Conv2D(3x3) + BatchNorm +
    ReLU + Conv2D(3x3) + BatchNorm, added to the shortcut (a 1x1 Conv2D +
    BatchNorm where the shape changes), then ReLU. GlobalAveragePooling2D,
    Dense(10, softmax).
    """
    layers = keras.layers
    inputs = keras.Input((32, 32, 3))
    x = layers.Conv2D(filters[0], 3, padding="same", use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    for stage, width in enumerate(filters):
        stride = 1 if stage == 0 else 2
        shortcut = x
        y = layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False)(x)
        y = layers.BatchNormalization()(y)
        y = layers.ReLU()(y)
        y = layers.Conv2D(width, 3, padding="same", use_bias=False)(y)
        y = layers.BatchNormalization()(y)
        if stride != 1 or shortcut.shape[-1] != width:
            shortcut = layers.Conv2D(width, 1, strides=stride, use_bias=False)(shortcut)
            shortcut = layers.BatchNormalization()(shortcut)
        x = layers.ReLU()(layers.Add()([y, shortcut]))
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="resnet_cifar")


def build_dense_val(keras):
    """``Dense(10, softmax)`` on 16 features (the validation-pass model)."""
    return keras.Sequential([keras.Input((16,)), keras.layers.Dense(10, activation="softmax")])


def build_ops_model(keras):
    """``Dense(32, relu)``–``Dense(10, softmax)`` on 16 features (the op-count model)."""
    return keras.Sequential(
        [
            keras.Input((16,)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


# name: (builder, input shape, classes, one-line description for the tables)
MODELS = {
    "cnn-digits": (build_cnn, (8, 8, 1), 10,
                   "8x8x1 inputs, 10 classes: Conv 16, pool, Conv 32, Dense 64, Dense 10"),
    "mlp-1000": (build_mlp1000, (64,), 1000,
                 "64 features, 1,000 classes: Dense 256, Dense 1000"),
    "resnet-cifar": (build_resnet, (32, 32, 3), 10,
                     ("32x32x3 inputs, 10 classes: a ResNet with a Conv-BN-ReLU stem, one "
                     "residual block (two Conv 3x3 + BatchNorm, ReLU) per stage at 16, 32 and "
                     "64 filters, GlobalAveragePooling, Dense 10; 78,714 parameters")),
}
TINY_MODELS = ("cnn-digits", "mlp-1000")


def data(shape, classes, rows, seed):
    """Random float32 inputs and int32 class indices (sparse labels)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.standard_normal(size=(rows, *shape), dtype=np.float32)  # no float64 copy
    y = rng.integers(0, classes, size=(rows,)).astype("int32")
    return x, y


def compile_model(model, metric, jit_compile="auto"):
    """Adam, sparse categorical cross-entropy, ``metrics=[metric]`` (none for ``None``)."""
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=[] if metric is None else [metric],
        jit_compile=jit_compile,
    )
    return model


def twin_models(keras, builder, metric_factories, jit_compile):
    """One compiled model per metric factory, all with the same initial weights."""
    import keras_truacc  # noqa: F401

    models = []
    weights = None
    for make_metric in metric_factories:
        keras.utils.set_random_seed(0)
        model = builder(keras)
        if weights is None:
            weights = model.get_weights()
        else:
            model.set_weights(weights)
        models.append(compile_model(model, make_metric(), jit_compile))
    return models
