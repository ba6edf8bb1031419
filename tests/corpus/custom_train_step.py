"""Customizing what happens in ``fit()``, "going lower-level": a ``keras.Model``
subclass with its own ``train_step``/``test_step`` that update the model's own
metric list (the ``metrics`` property) and never call the compiled metrics;
``compile()`` only configures the optimizer (no loss, no metrics).

Source: keras-team/keras-io, guides/custom_train_step_in_tensorflow.py
(https://keras.io/guides/custom_train_step_in_tensorflow/), sections "Going
lower-level" and "Providing your own evaluation step"; on JAX the stateless
form of the same sections in guides/custom_train_step_in_jax.py, on PyTorch
guides/custom_train_step_in_torch.py.
Kept: ``CustomModel(inputs, outputs)`` with ``loss_tracker = Mean(name="loss")``,
a metric object and ``loss_fn`` made in ``__init__``; ``compile(optimizer="adam")``
with no loss or metrics; the ``metrics`` property listing them so Keras resets
them each epoch; the update loop over ``self.metrics`` ("loss" gets the loss,
the others ``(y, y_pred)``) returning ``{m.name: m.result()}``; a ``test_step``
doing the same without the gradient step.
Changed: classification instead of regression: ``loss_fn`` is
SparseCategoricalCrossentropy and the metric SparseCategoricalAccuracy
(name "accuracy") instead of MeanSquaredError / MeanAbsoluteError; Dense(256,
relu) then Dense(5, softmax) instead of Dense(1); the harness's
``truacc.auto()`` is bound to the model and added to its metric list; 400
synthetic samples (5 classes from a linear rule) instead of random regression
data; batch 32; 5 epochs.
"""

import keras

from tests import reference as ref
from tests.corpus.harness import Warn

EPOCHS = 5
D, NUM_CLASSES, N, N_VAL = 16, 5, 400, 100


def make_data(rng):
    x = rng.normal(size=(N, D)).astype("float32")
    y = (x @ rng.normal(size=(D, NUM_CLASSES))).argmax(-1).astype("int64")
    return {"x": x[:-N_VAL], "y": y[:-N_VAL], "val": (x[-N_VAL:], y[-N_VAL:]),
            "fit": {"batch_size": 32}}


class _Base(keras.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.accuracy_metric = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
        self.loss_fn = keras.losses.SparseCategoricalCrossentropy()
        self.extra_metrics = []

    @property
    def metrics(self):
        # We list our `Metric` objects here so that `reset_states()` can be
        # called automatically at the start of each epoch
        # or at the start of `evaluate()`.
        return [self.loss_tracker, self.accuracy_metric] + list(self.extra_metrics)


if keras.backend.backend() == "tensorflow":
    import tensorflow as tf

    class CustomModel(_Base):
        def train_step(self, data):
            x, y = data

            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)  # Forward pass
                # Compute our own loss
                loss = self.loss_fn(y, y_pred)

            # Compute gradients
            trainable_vars = self.trainable_variables
            gradients = tape.gradient(loss, trainable_vars)

            # Update weights
            self.optimizer.apply(gradients, trainable_vars)

            # Compute our own metrics
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

        def test_step(self, data):
            # Unpack the data
            x, y = data
            # Compute predictions
            y_pred = self(x, training=False)
            # Updates the metrics tracking the loss
            loss = self.loss_fn(y, y_pred)
            # Update the metrics.
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            # Return a dict mapping metric names to current value.
            return {m.name: m.result() for m in self.metrics}

elif keras.backend.backend() == "jax":
    import jax

    class CustomModel(_Base):
        def compute_loss_and_updates(
            self, trainable_variables, non_trainable_variables, x, y, training=False
        ):
            y_pred, non_trainable_variables = self.stateless_call(
                trainable_variables, non_trainable_variables, x, training=training
            )
            loss = self.loss_fn(y, y_pred)
            return loss, (y_pred, non_trainable_variables)

        def _update_metrics(self, metrics_variables, loss, y, y_pred):
            new_metrics_vars, logs = [], {}
            for metric in self.metrics:
                this_metric_vars = metrics_variables[
                    len(new_metrics_vars) : len(new_metrics_vars) + len(metric.variables)
                ]
                if metric.name == "loss":
                    this_metric_vars = metric.stateless_update_state(this_metric_vars, loss)
                else:
                    this_metric_vars = metric.stateless_update_state(this_metric_vars, y, y_pred)
                logs[metric.name] = metric.stateless_result(this_metric_vars)
                new_metrics_vars += this_metric_vars
            return logs, new_metrics_vars

        def train_step(self, state, data):
            (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                metrics_variables,
            ) = state
            x, y = data

            # Get the gradient function.
            grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)

            # Compute the gradients.
            (loss, (y_pred, non_trainable_variables)), grads = grad_fn(
                trainable_variables, non_trainable_variables, x, y, training=True
            )

            # Update trainable variables and optimizer variables.
            trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable_variables
            )

            # Update metrics.
            logs, new_metrics_vars = self._update_metrics(metrics_variables, loss, y, y_pred)

            # Return metric logs and updated state variables.
            state = (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                new_metrics_vars,
            )
            return logs, state

        def test_step(self, state, data):
            # Unpack the data.
            x, y = data
            (trainable_variables, non_trainable_variables, metrics_variables) = state

            # Compute predictions and loss.
            y_pred, non_trainable_variables = self.stateless_call(
                trainable_variables, non_trainable_variables, x, training=False
            )
            loss = self.loss_fn(y, y_pred)

            # Update metrics.
            logs, new_metrics_vars = self._update_metrics(metrics_variables, loss, y, y_pred)

            # Return metric logs and updated state variables.
            state = (trainable_variables, non_trainable_variables, new_metrics_vars)
            return logs, state

else:  # torch

    class CustomModel(_Base):
        def train_step(self, data):
            x, y = data

            # Call torch.nn.Module.zero_grad() to clear the leftover gradients
            # for the weights from the previous train step.
            self.zero_grad()

            # Compute loss
            y_pred = self(x, training=True)  # Forward pass
            loss = self.loss_fn(y, y_pred)

            # Call torch.Tensor.backward() on the loss to compute gradients
            # for the weights.
            loss.backward()

            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]

            # Update weights
            import torch

            with torch.no_grad():
                self.optimizer.apply(gradients, trainable_weights)

            # Update metrics (includes the metric that tracks the loss)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            loss = self.loss_fn(y, y_pred)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}


def build(extra, data):
    # Construct an instance of CustomModel
    inputs = keras.Input(shape=(D,))
    hidden = keras.layers.Dense(256, activation="relu")(inputs)
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax")(hidden)
    model = CustomModel(inputs, outputs)
    model.extra_metrics = [m.bind(model) for m in extra()]

    # We don't pass a loss or metrics here.
    model.compile(optimizer="adam")
    return model


def reference(model, data):
    x_val, y_val = data["val"]
    probs = model.predict(x_val, verbose=0)
    return {"accuracy": ref.argmax_accuracy(y_val, probs)}


EXPECT = {
    # The monitor can't add keys to a step that never calls the compiled
    # metrics; the bound truacc.auto() in the model's own list still counts.
    "keys": {"val_truacc_auto": "accuracy"},
    "keras": {"val_accuracy": "accuracy"},
    # Exactly this one warning: no "held no samples", nothing else.
    "warnings": [Warn("TruAccWarning", "does not update the compiled metrics", count=1)],
    "wrong": set(),
}
