"""A three-headed face model (age, race, gender) in the style of the UTKFace multi-output
tutorial: one image input, three convolutional branches, outputs named by their last
``Activation`` layer (``Activation("linear", name="age_output")``, ``Activation(
"softmax", name="race_output")``, ``Activation("sigmoid", name="gender_output")``),
compiled with dicts of losses, loss weights and metrics keyed by those names, and fed
``y`` as a *list* in output order, as the tutorial's generator yields it.

The gender head is the interesting one: ``Dense(num_genders=2)`` then a *sigmoid*, with
``binary_crossentropy`` and ``to_categorical`` (one-hot) labels. A loss that scores the
two units one by one over two independent sigmoids reads like multi-label, but every
label row holds exactly one 1: the two classes are exclusive, and the tutorial itself
scores gender with an argmax (``gender_pred.argmax(axis=-1)``). Keras's ``'accuracy'``
on (N, 2) one-hot labels is ``CategoricalAccuracy``, the argmax: right. The race head
(softmax over 5, one-hot labels, ``categorical_crossentropy``, ``'accuracy'``) is the
plain case. The age head is a regression (``mse`` loss, ``'mae'`` metric).

Source: rodrigobressan/keras-multi-output-model-utk-face, notebook.py / notebook.ipynb
("Building a multi-output model with Keras", UTKFace; also the blog post "Building a
multi-output Convolutional Neural Network with Keras"), sections "Building our model"
and "Training our model".
Kept: ``UtkMultiOutputModel`` (``make_default_hidden_layers``: three blocks of Conv2D
(16, 32, 32; 3x3, same) -> Activation("relu") -> BatchNormalization -> MaxPooling2D
(3, 2, 2) -> Dropout(0.25); each branch: Flatten, Dense(128), relu, BatchNormalization,
Dropout(0.5), then its Dense and named Activation), ``assemble_full_model`` (outputs
``[age_branch, race_branch, gender_branch]``, name ``"face_net"``), the compile (Adam,
``loss={'age_output': 'mse', 'race_output': 'categorical_crossentropy',
'gender_output': 'binary_crossentropy'}``, ``loss_weights={'age_output': 4.,
'race_output': 1.5, 'gender_output': 0.1}``, ``metrics={'age_output': 'mae',
'race_output': 'accuracy', 'gender_output': 'accuracy'}``), the labels (age divided by
the maximum age, race and gender through ``to_categorical``), the ``ModelCheckpoint``
callback on ``val_loss``, batch size 32.
Changed: 1,600 synthetic 16x16 RGB "faces" (race as a colour cast, gender as a left-right
brightness ramp, age as overall brightness, plus noise; 1,280 to train, 320 to validate)
instead of the 198x198 UTKFace photos; 4 epochs instead of 100;
``Adam(learning_rate=1e-3)`` instead of ``Adam(lr=1e-4, decay=1e-4 / 100)`` (Keras 3 has
no ``decay``; 1e-4 learns nothing in 4 epochs here); ``BatchNormalization(...,
momentum=0.9)`` instead of the default 0.99 (after 160 steps instead of the tutorial's
thousands, the default moving statistics are still mostly their initial values and the
validation predictions are noise: race fell below its majority rate); arrays instead of
the generator (``fit_generator`` is gone); the checkpoint path ends in ``.keras``
(Keras 3 requires it) inside a fresh temporary folder; the gender branch's
``Lambda(tf.image.rgb_to_grayscale)`` is left out (the tutorial overwrites its result on
the next line, so it is not part of the model); ``metrics`` per output as lists so that
``extra()`` can be appended.
"""

import os
import tempfile

import keras
import numpy as np
from keras.layers import (
    Activation,
    BatchNormalization,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    Input,
    MaxPooling2D,
)
from keras.models import Model
from keras.utils import to_categorical

from tests import reference as ref

EPOCHS = 4
IM_WIDTH = IM_HEIGHT = 16
NUM_RACES = 5
N, N_VAL = 1280, 320
MAX_AGE = 116


def make_data(rng):
    n = N + N_VAL
    race = rng.choice(NUM_RACES, size=n, p=[0.42, 0.19, 0.15, 0.17, 0.07])
    gender = rng.integers(0, 2, size=n)
    age = rng.integers(1, MAX_AGE + 1, size=n)
    casts = rng.uniform(0.2, 0.8, size=(NUM_RACES, 3))
    ramp = np.linspace(-1.0, 1.0, IM_WIDTH)[None, None, :, None]
    ramp = np.broadcast_to(ramp, (1, IM_HEIGHT, IM_WIDTH, 1))
    images = casts[race][:, None, None, :] + 0.12 * (2 * gender - 1)[:, None, None, None] * ramp
    images = images * (0.6 + 0.4 * age / MAX_AGE)[:, None, None, None]
    images = images + rng.normal(scale=0.4, size=(n, IM_HEIGHT, IM_WIDTH, 3))
    images = np.clip(images, 0.0, 1.0).astype("float32")

    ages = (age / MAX_AGE).astype("float32")  # ages.append(age / self.max_age)
    races = to_categorical(race, NUM_RACES)
    genders = to_categorical(gender, 2)

    callbacks = [
        keras.callbacks.ModelCheckpoint(
            os.path.join(tempfile.mkdtemp(prefix="utk_"), "model_checkpoint.keras"),
            monitor="val_loss",
        )
    ]
    return {
        "x": images[:N],
        "y": [ages[:N], races[:N], genders[:N]],
        "val": (images[N:], [ages[N:], races[N:], genders[N:]]),
        "fit": {"batch_size": 32, "callbacks": callbacks},
    }


class UtkMultiOutputModel:
    """
    Used to generate our multi-output model. This CNN contains three branches, one for age, other for
    sex and another for race. Each branch contains a sequence of Convolutional Layers that is defined
    on the make_default_hidden_layers method.
    """

    def make_default_hidden_layers(self, inputs):
        """
        Used to generate a default set of hidden layers. The structure used in this network is defined as:

        Conv2D -> BatchNormalization -> Pooling -> Dropout
        """
        x = Conv2D(16, (3, 3), padding="same")(inputs)
        x = Activation("relu")(x)
        x = BatchNormalization(axis=-1, momentum=0.9)(x)
        x = MaxPooling2D(pool_size=(3, 3))(x)
        x = Dropout(0.25)(x)

        x = Conv2D(32, (3, 3), padding="same")(x)
        x = Activation("relu")(x)
        x = BatchNormalization(axis=-1, momentum=0.9)(x)
        x = MaxPooling2D(pool_size=(2, 2))(x)
        x = Dropout(0.25)(x)

        x = Conv2D(32, (3, 3), padding="same")(x)
        x = Activation("relu")(x)
        x = BatchNormalization(axis=-1, momentum=0.9)(x)
        x = MaxPooling2D(pool_size=(2, 2))(x)
        x = Dropout(0.25)(x)

        return x

    def build_race_branch(self, inputs, num_races):
        x = self.make_default_hidden_layers(inputs)
        x = Flatten()(x)
        x = Dense(128)(x)
        x = Activation("relu")(x)
        x = BatchNormalization(momentum=0.9)(x)
        x = Dropout(0.5)(x)
        x = Dense(num_races)(x)
        x = Activation("softmax", name="race_output")(x)
        return x

    def build_gender_branch(self, inputs, num_genders=2):
        x = self.make_default_hidden_layers(inputs)
        x = Flatten()(x)
        x = Dense(128)(x)
        x = Activation("relu")(x)
        x = BatchNormalization(momentum=0.9)(x)
        x = Dropout(0.5)(x)
        x = Dense(num_genders)(x)
        x = Activation("sigmoid", name="gender_output")(x)
        return x

    def build_age_branch(self, inputs):
        x = self.make_default_hidden_layers(inputs)
        x = Flatten()(x)
        x = Dense(128)(x)
        x = Activation("relu")(x)
        x = BatchNormalization(momentum=0.9)(x)
        x = Dropout(0.5)(x)
        x = Dense(1)(x)
        x = Activation("linear", name="age_output")(x)
        return x

    def assemble_full_model(self, width, height, num_races):
        input_shape = (height, width, 3)
        inputs = Input(shape=input_shape)
        age_branch = self.build_age_branch(inputs)
        race_branch = self.build_race_branch(inputs, num_races)
        gender_branch = self.build_gender_branch(inputs)
        model = Model(
            inputs=inputs, outputs=[age_branch, race_branch, gender_branch], name="face_net"
        )
        return model


def build(extra, data):
    model = UtkMultiOutputModel().assemble_full_model(IM_WIDTH, IM_HEIGHT, num_races=NUM_RACES)
    opt = keras.optimizers.Adam(learning_rate=1e-3)
    model.compile(
        optimizer=opt,
        loss={
            "age_output": "mse",
            "race_output": "categorical_crossentropy",
            "gender_output": "binary_crossentropy",
        },
        loss_weights={"age_output": 4.0, "race_output": 1.5, "gender_output": 0.1},
        metrics={
            "age_output": ["mae"],
            "race_output": ["accuracy"] + extra(),
            "gender_output": ["accuracy"] + extra(),
        },
    )
    return model


def reference(model, data):
    x_val, (_age_val, race_val, gender_val) = data["val"]
    _age_pred, race_pred, gender_pred = model.predict(x_val, verbose=0)
    return {
        "age": float("nan"),  # a regression output has no accuracy
        "race": ref.argmax_accuracy(race_val, race_pred),
        # One 1 per label row: exclusive classes, the argmax of the two sigmoids (what
        # the tutorial's classification_report uses), not a per-unit 0.5 threshold.
        "gender": ref.argmax_accuracy(gender_val, gender_pred),
        # For the record (not expected anywhere): the per-unit reading of the same output.
        "gender_per_unit_0.5": ref.per_label_accuracy(gender_val, gender_pred, 0.5),
    }


EXPECT = {
    # Keras names per-output metrics '<output>_<name>', so the same extra() name on two
    # outputs gives two keys.
    "keys": {
        "val_race_output_true_accuracy": "race",
        "val_gender_output_true_accuracy": "gender",
        "val_race_output_truacc_auto": "race",
        "val_gender_output_truacc_auto": "gender",
    },
    # Both of Keras's 'accuracy' metrics are CategoricalAccuracy on one-hot labels: right.
    "keras": {"val_race_output_accuracy": "race", "val_gender_output_accuracy": "gender"},
    # The age head is a regression ('mse', 'mae'): it has no accuracy to log.
    "absent": ["val_age_output_true_accuracy", "age_output_true_accuracy"],
    # No warning: the gender labels settle the sigmoid-over-2 question (every row
    # one-hot, so exclusive classes), nothing is padded or weighted, and both heads
    # learn well above their majority rates (42% race, ~50% gender). The age head has
    # only 'mae', no accuracy of any kind, so there is nothing to say about it either.
    "warnings": [],
    # Neither compiled accuracy is wrong. (inspect sees no labels: at most "can't tell"
    # for the gender head, never WRONG, since CategoricalAccuracy is the exclusive
    # reading's right metric.)
    "wrong": set(),
}
