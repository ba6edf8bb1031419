"""Knowledge distillation: a subclassed ``keras.Model`` (``Distiller``) compiled
with NO ``loss`` whose own ``compute_loss`` uses a loss stored as an attribute
(``student_loss_fn = SparseCategoricalCrossentropy(from_logits=True)``);
``call`` returns the nested student model's logits;
``metrics=[keras.metrics.SparseCategoricalAccuracy()]`` (right: argmax).

Source: keras-team/keras-io, examples/vision/knowledge_distillation.py
(https://keras.io/examples/vision/knowledge_distillation/), the Keras 3 version
(``compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
allow_empty=False)`` and ``call(self, x): return self.student(x)``).
Kept: ``Distiller`` (its ``compile(optimizer, metrics, student_loss_fn,
distillation_loss_fn, alpha, temperature)`` calling
``super().compile(optimizer=optimizer, metrics=metrics)``, ``compute_loss``
mixing the student loss and the temperature-softened KL divergence,
``call``); teacher and student Sequential convnets (Input, Conv2D,
LeakyReLU(0.2), MaxPooling2D, Conv2D, Flatten, Dense(10) logits); the teacher
trained first with SparseCategoricalCrossentropy(from_logits=True) and
SparseCategoricalAccuracy; the distiller's compile arguments (Adam,
SparseCategoricalAccuracy, SparseCategoricalCrossentropy(from_logits=True),
KLDivergence, alpha=0.1, temperature=10).
Changed: 8x8 images instead of 28x28; teacher 32/64 filters instead of 256/512
(the student keeps its 16/32); 500 synthetic "digits" (a random
template per class plus noise) instead of MNIST; the teacher trained 3 epochs
inside ``build`` (the harness's monitor watches the distiller only); batch 32;
4 epochs; ``validation_data`` added.
"""

import keras
from keras import layers, ops

from tests import reference as ref

EPOCHS = 4
SHAPE, NUM_CLASSES, N, N_VAL = (8, 8, 1), 10, 500, 100


def make_data(rng):
    templates = rng.normal(size=(NUM_CLASSES,) + SHAPE)
    y = rng.integers(0, NUM_CLASSES, N)
    x = (templates[y] + rng.normal(0, 0.8, size=(N,) + SHAPE)).astype("float32")
    y = y.astype("int64")
    return {"x": x[:-N_VAL], "y": y[:-N_VAL], "val": (x[-N_VAL:], y[-N_VAL:]),
            "fit": {"batch_size": 32}}


class Distiller(keras.Model):
    def __init__(self, student, teacher):
        super().__init__()
        self.teacher = teacher
        self.student = student

    def compile(
        self,
        optimizer,
        metrics,
        student_loss_fn,
        distillation_loss_fn,
        alpha=0.1,
        temperature=3,
    ):
        """Configure the distiller.

        Args:
            optimizer: Keras optimizer for the student weights
            metrics: Keras metrics for evaluation
            student_loss_fn: Loss function of difference between student
                predictions and ground-truth
            distillation_loss_fn: Loss function of difference between soft
                student predictions and soft teacher predictions
            alpha: weight to student_loss_fn and 1-alpha to distillation_loss_fn
            temperature: Temperature for softening probability distributions.
                Larger temperature gives softer distributions.
        """
        super().compile(optimizer=optimizer, metrics=metrics)
        self.student_loss_fn = student_loss_fn
        self.distillation_loss_fn = distillation_loss_fn
        self.alpha = alpha
        self.temperature = temperature

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, allow_empty=False):
        teacher_pred = self.teacher(x, training=False)
        student_loss = self.student_loss_fn(y, y_pred)

        distillation_loss = self.distillation_loss_fn(
            ops.softmax(teacher_pred / self.temperature, axis=1),
            ops.softmax(y_pred / self.temperature, axis=1),
        ) * (self.temperature**2)

        loss = self.alpha * student_loss + (1 - self.alpha) * distillation_loss
        return loss

    def call(self, x):
        return self.student(x)


def build(extra, data):
    # Create the teacher
    teacher = keras.Sequential(
        [
            keras.Input(shape=SHAPE),
            layers.Conv2D(32, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="same"),
            layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
            layers.Flatten(),
            layers.Dense(10),
        ],
        name="teacher",
    )

    # Create the student
    student = keras.Sequential(
        [
            keras.Input(shape=SHAPE),
            layers.Conv2D(16, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="same"),
            layers.Conv2D(32, (3, 3), strides=(2, 2), padding="same"),
            layers.Flatten(),
            layers.Dense(10),
        ],
        name="student",
    )

    # Train teacher as usual
    teacher.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    teacher.fit(data["x"], data["y"], epochs=3, batch_size=32, verbose=0)

    # Initialize and compile distiller
    distiller = Distiller(student=student, teacher=teacher)
    distiller.compile(
        optimizer=keras.optimizers.Adam(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()] + extra(),
        student_loss_fn=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        distillation_loss_fn=keras.losses.KLDivergence(),
        alpha=0.1,
        temperature=10,
    )
    return distiller


def reference(model, data):
    x_val, y_val = data["val"]
    logits = model.predict(x_val, verbose=0)
    return {"accuracy": ref.argmax_accuracy(y_val, logits)}


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "keras": {"val_sparse_categorical_accuracy": "accuracy"},
    "warnings": [],
    "wrong": set(),
}
