"""``TruAccMonitor``: log the true accuracy beside what Keras reports, and say why they differ.

Logged keys (``val_`` for the validation split; ``<output>_`` first for
multi-output models, as Keras names per-output metrics):

- ``true_accuracy``: the accuracy the resolver says is right (per-label for
  multi-label outputs), computed in-graph on the batches Keras already runs.
  The train figure is like Keras's own: a running mean over the epoch, in
  training mode, from predictions made before each optimizer step. The
  ``val_`` figure is in inference mode, over the whole validation set.
- ``true_exact_match``: outputs that can be multi-label when ``fit`` starts (sigmoid
  units scored one by one): rows with every label right. Where the labels turn out
  to hold one positive per row, it equals ``true_accuracy``.
- ``majority_baseline``: the accuracy of always answering the most common class.

The keys are produced inside Keras's own metric pass (see ``injection``), so
every callback sees them from epoch 0 whatever its place in the list.
"""

from __future__ import annotations

import keras

from keras_truacc.distributed import is_chief, unsupported_strategy_message
from keras_truacc.keras3 import injection
from keras_truacc.messages import (
    MonitorDisabledWarning,
    TruAccWarning,
    said_for,
    warn,
)
from keras_truacc.monitor.attachment import Attachment, rerecord_jax_sharding, variable_scope
from keras_truacc.monitor.checks import Mismatch
from keras_truacc.monitor.diagnosis import Diagnosis
from keras_truacc.monitor.slot_making import make_slots
from keras_truacc.which_keras import is_keras2_object, legacy_keras_requested


class TruAccMonitor(keras.callbacks.Callback):
    """Adds ``true_accuracy`` (and ``val_true_accuracy``) to the logs every epoch,
    and warns once per cause when a reported accuracy differs from it.

    ```python
    model.fit(x, y, validation_split=0.2, callbacks=[truacc.TruAccMonitor()])
    ```

    Args:
        tolerance: the gap (absolute) above which a reported accuracy is called
            different. The default, 0.005, is above float32 noise and far below
            any gap the known causes produce.
        baseline: also log ``majority_baseline`` and warn when the true accuracy
            is no better.
        weighted: weight the true accuracy by ``sample_weight``/``class_weight``
            (default: unweighted, the plain share of correct predictions).
        summary: print a short table at the end of ``fit``: ``None`` (default)
            follows ``fit``'s ``verbose`` (printed unless ``verbose=0``);
            ``True``/``False`` say so explicitly.
        log_dir: a TensorBoard log directory (the one given to
            ``keras.callbacks.TensorBoard``, if used). The monitor writes its
            figures into the ``train``/``validation`` runs as ``truacc/<split>/*``
            tags, a Custom Scalars layout with one chart per split (reported,
            true, baseline), and each epoch's diagnosis as Markdown text. It
            works with or without Keras's ``TensorBoard`` callback, in any order.
    """

    def __init__(self, tolerance: float = 0.005, baseline: bool = True, weighted: bool = False,
                 summary: bool | None = None, log_dir: str | None = None) -> None:
        super().__init__()
        if not 0.0 <= float(tolerance) < 1.0:
            raise ValueError(
                f"Expected argument `tolerance` to be a float in [0, 1), but got {tolerance!r}."
            )
        if legacy_keras_requested():  # tf_keras: a too-old one says so here, in one line
            from keras_truacc.which_keras import require_tf_keras

            require_tf_keras()
        self.tolerance = float(tolerance)
        self.baseline = baseline
        self.weighted = weighted
        self.summary = summary
        self.log_dir = None if log_dir is None else str(log_dir)
        self._board = None
        self._hold = Attachment()  # the model this monitor is attached to, and how
        self._diagnosis = Diagnosis(self._hold, self.tolerance, self.weighted)
        self._disabled = False
        self._for_keras2 = False  # the model is tf_keras's (set_model says)

    # The attachment's state, under the names the hooks read.
    @property
    def _wrapper(self):
        return self._hold.wrapper

    @property
    def _attached_by(self):
        return self._hold.mode

    @_attached_by.setter
    def _attached_by(self, mode):
        self._hold.mode = mode

    @property
    def _slots(self):
        return self._hold.slots

    # What this fit found (``diagnosis``).
    @property
    def mismatches(self) -> list[Mismatch]:
        """Each compiled metric that differed from the true figure, per epoch."""
        return self._diagnosis.mismatches

    @property
    def history(self) -> list[dict]:
        """The logs of each epoch (numbers only), as the monitor saw them."""
        return self._diagnosis.history

    @property
    def notes(self) -> list[str]:
        """What the summary says besides the table."""
        return self._diagnosis.notes

    @property
    def _said(self):
        return self._diagnosis.said

    # -- which Keras runs the model ------------------------------------------
    def set_model(self, model):
        if self._attached_by is not None:
            # Still attached: the last fit/evaluate raised before its end hook.
            # Put that model back as Keras made it before anything else.
            self._guard(self._release)
        super().set_model(model)
        self._for_keras2 = is_keras2_object(model)
        if self._for_keras2:
            # tf_keras makes its step functions before on_train_begin/on_test_begin
            # (evaluate hands its test function to a runner there): attach now.
            if self._attached_by is None:
                self._disabled = False
                self._forget_what_was_said()
                self._guard(self._attach, "pending")

    @property
    def _glue(self):
        """The glue of the model's Keras: ``injection`` (Keras 3) or ``keras2.injection``.
        (A property, not a module kept on the monitor: Keras Tuner deep-copies callbacks.)"""
        if self._for_keras2:
            from keras_truacc.keras2 import injection as keras2_injection

            return keras2_injection
        return injection

    # tf_keras's CallbackList asks every callback these; the monitor runs per epoch.
    def _implements_train_batch_hooks(self):
        return False

    def _implements_test_batch_hooks(self):
        return False

    def _implements_predict_batch_hooks(self):
        return False

    def on_predict_begin(self, logs=None):
        if self._attached_by == "pending":  # predict: nothing to count
            self._release()

    # -- Keras hooks, each guarded: the monitor never breaks training --------
    def on_train_begin(self, logs=None):
        self._diagnosis.start()
        if self._attached_by == "pending":
            self._attached_by = "fit"
            return
        if self._for_keras2:
            return  # tf_keras: attached at set_model, or stepped aside there (said once)
        self._disabled = False
        self._forget_what_was_said()
        self._guard(self._warn_unsupported_strategy)
        self._guard(self._attach, "fit")

    def on_test_begin(self, logs=None):
        if self._attached_by == "pending":
            self._attached_by = "evaluate"
        elif self._attached_by is None and not self._for_keras2:
            self._forget_what_was_said()
            self._guard(self._attach, "evaluate")

    def on_epoch_end(self, epoch, logs=None):
        self._guard(self._check, epoch, logs or {})
        if self.log_dir is not None and not self._disabled:
            self._write_dashboard(epoch, logs or {})

    def on_test_end(self, logs=None):
        if self._attached_by is not None:
            self._guard(self._diagnosis.check_empty_pass, logs or {})
        if self._attached_by == "fit":
            self._guard(self._diagnosis.check_data, self.model)
        if self._attached_by == "evaluate":
            self._guard(self._check, None, logs or {})
            self._release()

    def on_train_end(self, logs=None):
        if self._attached_by == "fit":
            self._guard(self._finish, logs or {})
            self._release()
        if self._board is not None:
            self._board.close()
            self._board = None

    def _forget_what_was_said(self):
        """A new fit or evaluate: each warning may be said once again, by the monitor
        and by the metrics serving the model (one registry for them all)."""
        self._said.clear()
        if self.model is not None:
            said_for(self.model).clear()

    def _warn_unsupported_strategy(self):
        message = unsupported_strategy_message(self.model)
        if message and self._said.first("unsupported strategy"):
            warn(message, TruAccWarning)

    # -- TensorBoard -----------------------------------------------------------
    def dashboard_series(self, logs) -> dict:
        """``{split: {series name: value}}`` for this epoch (see ``report``)."""
        return self._diagnosis.dashboard_series(self.model, logs)

    def _write_dashboard(self, epoch, logs):
        try:
            # Every process works the series out (reading counts synced across
            # workers is a collective under tf.distribute); process 0 writes them.
            series = self.dashboard_series(logs)
            if not is_chief():
                return
            if self._board is None:
                from keras_truacc.monitor.tensorboard import DashboardWriter

                self._board = DashboardWriter(self.log_dir)
            diagnoses = [m for m in self.mismatches if m.epoch == epoch]
            self._board.write_epoch(epoch, series, diagnoses)
        except Exception as error:  # the dashboard must not take the monitor down
            self.log_dir = None
            warn(
                f"TruAccMonitor could not write to TensorBoard and stopped trying: "
                f"{type(error).__name__}: {error}",
                MonitorDisabledWarning,
            )

    # -- attach / release (``attachment``) -----------------------------------
    def _attach(self, mode):
        self._hold.attach(self.model, self._glue, mode, self._slot_options(), self._make_slots,
                          self._make_slots_in_step, self._internal_failure)
        self._diagnosis.forget_judgements()

    def _slot_options(self) -> tuple:
        """What makes this monitor's slots differ from another's on the same model."""
        return (self._for_keras2, bool(self.baseline), bool(self.weighted))

    def _release(self):
        self._hold.release(self.model)

    def _make_slots(self, output_shapes, names=None):
        return make_slots(self.model, output_shapes, self._glue.metric_classes(),
                          self.baseline, self.weighted, names)

    def _make_slots_in_step(self, y_true, y_pred):
        """Slots made inside the first step, from its own tensors (see ``injection``)."""
        flat = keras.tree.flatten(y_pred) if keras.tree.is_nested(y_pred) else [y_pred]
        names = list(y_pred) if isinstance(y_pred, dict) else None
        with variable_scope(self.model):
            self._hold.slots = self._make_slots([tuple(p.shape) for p in flat], names)
        return self._hold.slots

    # -- failures ------------------------------------------------------------
    def _guard(self, fn, *args):
        if self._disabled:
            return
        try:
            fn(*args)
        except Exception as error:  # never break training
            self._internal_failure(error)

    def _internal_failure(self, error):
        if self._disabled:
            return
        self._disabled = True
        warn(
            "TruAccMonitor stepped aside after an internal error and training goes on "
            f"without it: {type(error).__name__}: {error}",
            MonitorDisabledWarning,
        )
        if self._wrapper is not None and self._attached_by is not None:
            self._hold.forget_steps()  # never reuse steps that failed
            self._release()  # Keras's own step functions, without our metrics, are back
            try:
                rerecord_jax_sharding(self.model)
                if self.model.train_function is None:
                    self.model.make_train_function(force=True)
                if self.model.test_function is None:
                    self.model.make_test_function(force=True)
            except Exception:
                pass

    # -- per epoch, and at the end (``diagnosis``) --------------------------------
    def _check(self, epoch, logs):
        self._diagnosis.check_epoch(self.model, epoch, logs)

    def _finish(self, logs):
        if self._diagnosis.finish(logs) and self._prints_summary():
            print(self.summary_text(logs))

    def _prints_summary(self) -> bool:
        if self.summary is not None:
            return bool(self.summary)
        return (self.params or {}).get("verbose", 1) != 0

    def summary_text(self, logs) -> str:
        """The end-of-fit table: each accuracy-like key, its final value, the true one."""
        return self._diagnosis.summary_text(self.model, logs)
