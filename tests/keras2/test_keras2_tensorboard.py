"""The monitor's TensorBoard dashboards for a tf_keras model, read back over HTTP.

The server and the readers are the Keras 3 suite's own (``tests/test_tensorboard.py``):
the dashboards must be the same, beside tf_keras's own ``TensorBoard`` callback.
"""

import importlib.util
import os
import warnings

import numpy as np
import pytest
import tf_keras

import keras_truacc as truacc

_spec = importlib.util.spec_from_file_location(
    "tensorboard_checks", os.path.join(os.path.dirname(__file__), "..", "test_tensorboard.py"))
board_checks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(board_checks)

layers = tf_keras.layers


@pytest.mark.parametrize("order", ["monitor_then_keras", "keras_then_monitor"])
def test_dashboard_of_a_tf_keras_fit_through_tensorboard(tmp_path, order, rng):
    logs = tmp_path / "logs"
    server = board_checks.Server(logs, tmp_path / "server.log",
                                 env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
                                 args=("--reload_multifile", "true"))
    try:
        log_dir = logs / order
        monitor = truacc.TruAccMonitor(log_dir=log_dir, summary=False)
        keras_board = tf_keras.callbacks.TensorBoard(str(log_dir))
        callbacks = [monitor, keras_board]
        if order == "keras_then_monitor":
            callbacks.reverse()
        model = tf_keras.Sequential([layers.Input((8,)), layers.Dense(16, activation="relu"),
                                     layers.Dense(5, activation="softmax")])
        model.compile("adam", "binary_crossentropy", metrics=["binary_accuracy"])
        x = rng.normal(size=(200, 8)).astype("float32")
        y = np.eye(5)[rng.integers(0, 5, 200)].astype("float32")
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            history = model.fit(x, y, epochs=board_checks.EPOCHS, batch_size=32,
                                validation_split=0.25, verbose=0, callbacks=callbacks).history
        assert not [w for w in seen if issubclass(w.category, truacc.MonitorDisabledWarning)]
        assert {m.epoch for m in monitor.mismatches} == set(range(board_checks.EPOCHS))

        server.until(lambda: board_checks.check_layout(server), "the truacc layout")
        for split in board_checks.SPLITS:
            server.until(lambda: board_checks.check_scalars(server, f"{order}/", split, history),
                         f"{order}/{split} scalars")
        server.until(lambda: board_checks.check_diagnoses(server, f"{order}/train",
                                                          monitor.mismatches), "diagnoses")
        tags = server.get("/data/plugin/scalars/tags")
        for split in board_checks.SPLITS:
            assert "epoch_loss" in tags[f"{order}/{split}"], tags  # tf_keras's own, beside ours
    finally:
        server.stop()
