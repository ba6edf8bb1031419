"""TruAccMonitor(log_dir=...) in TensorBoard, read back through a real TensorBoard server.

A softmax trained with binary_crossentropy and ``metrics=["binary_accuracy"]``
on random labels: Keras reports ~0.75 where the true accuracy is ~0.2, so every
epoch has a diagnosis. The figures TensorBoard serves must equal
``history.history`` (the values Keras itself logged, an independent record).

HTTP endpoints read:
- ``/data/plugin/custom_scalars/layout``
- ``/data/plugin/custom_scalars/scalars?run=<run>&tag=<regex>``
- ``/data/plugin/text/text?run=<run>&tag=truacc/diagnosis``
- ``/data/plugin/scalars/tags`` (Keras's own ``epoch_*`` tags survive beside ours)
"""

import html
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings

import keras
import numpy as np
import pytest

pytest.importorskip("tensorboard")

import keras_truacc as truacc  # noqa: E402
from keras_truacc.monitor.checks import Mismatch  # noqa: E402
from keras_truacc.monitor.tensorboard import DashboardWriter, diagnosis_markdown  # noqa: E402

EPOCHS = 3
SPLITS = {"train": "", "validation": "val_"}
SERIES = ("true_accuracy", "majority_baseline", "binary_accuracy")
LAYOUT_TAG = "custom_scalars__config__"
TIMEOUT = 60  # seconds, for the server to start or to show a run's data

NO_TENSORFLOW = """\
import sys


class _NoTensorFlow:
    def find_spec(self, name, path=None, target=None):
        if name == "tensorflow" or name.startswith("tensorflow."):
            raise ImportError(f"No module named {name!r} (blocked by the test)")
        return None


sys.meta_path.insert(0, _NoTensorFlow())
"""


# -- a TensorBoard server in a subprocess ----------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, logdir, log_path, env=None, args=()):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir),
             "--host", "127.0.0.1", "--port", str(self.port), "--reload_interval", "1", *args],
            stdout=self._log, stderr=subprocess.STDOUT, env=env,
        )
        self._ready = False

    def output(self):
        self._log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-3000:]

    def get(self, route, **params):
        if not self._ready:
            self.wait_ready()
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(self.url + route + query, timeout=20) as response:
            return json.loads(response.read())

    def wait_ready(self):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"TensorBoard exited with {self.proc.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url + "/data/runs", timeout=2):
                    self._ready = True
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        pytest.fail(f"TensorBoard did not answer within {TIMEOUT}s:\n{self.output()}")

    def until(self, check, what):
        """Polls ``check()`` (which raises AssertionError until the data is in)."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                return check()
            except AssertionError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"TensorBoard never showed {what}:\n{self.output()}")
                time.sleep(0.5)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    """One server, started before the fits, over a root holding one logdir per case:
    the tests also show that a running TensorBoard picks up each epoch."""
    root = tmp_path_factory.mktemp("tensorboard")
    # --reload_multifile only matters if TensorBoard falls back to its legacy loader,
    # which polls only the newest event file of a run (Keras's or ours) during a fit.
    server = Server(root / "logs", root / "server.log",
                    env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
                    args=("--reload_multifile", "true"))
    try:
        yield root / "logs", server
    finally:
        server.stop()


# -- reading what the server serves -------------------------------------------


def expected_layout():
    return {"title": "truacc", "closed": False, "chart": [
        {"title": f"{split}: reported vs true accuracy",
         "multiline": {"tag": [f"^truacc/{split}/"]}} for split in SPLITS]}


def check_layout(server):
    layout = server.get("/data/plugin/custom_scalars/layout")
    categories = [c for c in layout.get("category", []) if c["title"] == "truacc"]
    assert len(categories) == 1, layout
    category = dict(categories[0])
    category.setdefault("closed", False)
    assert category == expected_layout()


def check_scalars(server, run_prefix, split, history):
    """Every series of the split's chart, read as the Custom Scalars chart reads it."""
    body = server.get("/data/plugin/custom_scalars/scalars",
                      run=f"{run_prefix}{split}", tag=f"^truacc/{split}/")
    assert body["regex_valid"] is True
    served = body["tag_to_events"]
    assert sorted(served) == sorted(f"truacc/{split}/{name}" for name in SERIES), served
    for name in SERIES:
        events = served[f"truacc/{split}/{name}"]  # [wall_time, step, value]
        assert [step for _, step, _ in events] == list(range(EPOCHS)), (name, events)
        np.testing.assert_allclose([value for _, _, value in events],
                                   history[SPLITS[split] + name], rtol=0, atol=1e-6,
                                   err_msg=f"{split} {name}")


def plain(fragment):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def check_diagnoses(server, run, mismatches):
    entries = server.get("/data/plugin/text/text", run=run, tag="truacc/diagnosis")
    assert [e["step"] for e in entries] == list(range(EPOCHS)), entries
    for entry in entries:
        text = entry["text"]
        mine = [m for m in mismatches if m.epoch == entry["step"]]
        assert mine, "the monitor had no diagnosis at this epoch, yet one was written"
        for m in mine:
            assert m.key in plain(text)
            assert " ".join(m.cause.split()) in plain(text), text
            code = re.findall(r"<pre><code[^>]*>(.*?)</code></pre>", text, re.S)
            assert [html.unescape(c).strip() for c in code] == [m.fix], text
    return entries


# -- the fit ---------------------------------------------------------------------


def mismatched_model():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(5, activation="softmax")])
    model.compile("adam", "binary_crossentropy", metrics=["binary_accuracy"])
    return model


def random_data(rng, n=200):
    x = rng.normal(size=(n, 8)).astype("float32")
    return x, keras.utils.to_categorical(rng.integers(0, 5, n), 5)


ORDERS = {
    "monitor_then_keras": ("monitor", "keras"),
    "keras_then_monitor": ("keras", "monitor"),
    "monitor_only": ("monitor",),
}


@pytest.mark.parametrize("order", list(ORDERS))
def test_dashboard_through_tensorboard(board, order, rng):
    logs, server = board
    log_dir = logs / order
    monitor = truacc.TruAccMonitor(log_dir=log_dir, summary=False)
    made = {"monitor": monitor, "keras": keras.callbacks.TensorBoard(str(log_dir))}
    x, y = random_data(rng)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        history = mismatched_model().fit(x, y, epochs=EPOCHS, batch_size=32, validation_split=0.25,
                                         verbose=0, callbacks=[made[n] for n in ORDERS[order]])
    history = history.history
    assert not [w for w in seen if issubclass(w.category, truacc.MonitorDisabledWarning)]
    assert any(issubclass(w.category, truacc.AccuracyMismatchWarning) for w in seen)
    assert {m.epoch for m in monitor.mismatches} == set(range(EPOCHS))

    server.until(lambda: check_layout(server), "the truacc layout")
    for split in SPLITS:
        server.until(lambda: check_scalars(server, f"{order}/", split, history),
                     f"{order}/{split} scalars")
    server.until(lambda: check_diagnoses(server, f"{order}/train", monitor.mismatches),
                 f"{order} diagnoses")

    keras_tags = server.get("/data/plugin/scalars/tags")
    if "keras" in ORDERS[order]:  # Keras's own event file is read beside ours
        for split in SPLITS:
            tags = keras_tags[f"{order}/{split}"]
            assert "epoch_loss" in tags and "truacc/" + split + "/true_accuracy" in tags, tags
    else:
        assert not any(t.startswith("epoch_") for t in keras_tags[f"{order}/train"])


# -- without TensorFlow, on JAX -------------------------------------------------

JAX_FIT = """\
import json, os, sys, warnings
try:
    import tensorflow  # noqa: F401
except ImportError:
    pass
else:
    sys.exit("tensorflow was importable")
import keras
import numpy as np
import keras_truacc as truacc

assert keras.backend.backend() == "jax", keras.backend.backend()
keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.normal(size=(200, 8)).astype("float32")
y = keras.utils.to_categorical(rng.integers(0, 5, 200), 5)
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                          keras.layers.Dense(5, activation="softmax")])
model.compile("adam", "binary_crossentropy", metrics=["binary_accuracy"])
monitor = truacc.TruAccMonitor(log_dir=sys.argv[1], summary=False)
with warnings.catch_warnings(record=True) as seen:
    warnings.simplefilter("always")
    history = model.fit(x, y, epochs=%d, batch_size=32, validation_split=0.25, verbose=0,
                        callbacks=[monitor])
disabled = [str(w.message) for w in seen if issubclass(w.category, truacc.MonitorDisabledWarning)]
assert not disabled, disabled
assert "tensorflow" not in sys.modules
json.dump({"history": history.history,
           "mismatches": [vars(m) for m in monitor.mismatches]}, open(sys.argv[2], "w"))
""" % EPOCHS


def test_dashboard_on_jax_without_tensorflow(tmp_path):
    pytest.importorskip("jax")
    blocker = tmp_path / "no_tensorflow"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(NO_TENSORFLOW)
    (tmp_path / "fit.py").write_text(JAX_FIT)
    env = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="2",
               PYTHONPATH=os.pathsep.join([str(blocker), os.environ.get("PYTHONPATH", "")]))
    logs = tmp_path / "logs"
    # The server too runs without TensorFlow, and on TensorBoard's Python loader.
    server = Server(logs, tmp_path / "server.log", env=env, args=("--load_fast", "false"))
    try:
        done = subprocess.run([sys.executable, str(tmp_path / "fit.py"), str(logs),
                               str(tmp_path / "out.json")],
                              env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
        out = json.loads((tmp_path / "out.json").read_text())
        history = out["history"]
        mismatches = [Mismatch(**m) for m in out["mismatches"]]

        # The event files themselves, read with TensorBoard's EventAccumulator.
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

        for split, prefix in SPLITS.items():
            acc = EventAccumulator(str(logs / split), size_guidance={"tensors": 0}).Reload()
            tags = acc.Tags()["tensors"]
            assert LAYOUT_TAG in tags and (("truacc/diagnosis" in tags) == (split == "train"))
            for name in SERIES:
                events = acc.Tensors(f"truacc/{split}/{name}")
                assert [e.step for e in events] == list(range(EPOCHS))
                np.testing.assert_allclose([e.tensor_proto.float_val[0] for e in events],
                                           history[prefix + name], rtol=0, atol=1e-6)

        server.until(lambda: check_layout(server), "the truacc layout")
        for split in SPLITS:
            server.until(lambda: check_scalars(server, "", split, history), f"{split} scalars")
        server.until(lambda: check_diagnoses(server, "train", mismatches), "diagnoses")
        assert "TensorFlow installation not found" in server.output()
    finally:
        server.stop()


# -- the writer on its own ---------------------------------------------------------


def test_each_epoch_is_on_disk_before_close_and_text_only_when_diagnosed(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    mismatch = Mismatch(1, "validation", "val_accuracy", 0.9, 0.2,
                                       "'accuracy' thresholds at 0.5.", "metrics=[truacc.auto()]")
    writer = DashboardWriter(tmp_path)
    try:
        writer.write_epoch(0, {"train": {"true_accuracy": 0.25}}, [])
        acc = EventAccumulator(str(tmp_path / "train")).Reload()  # not closed yet: flushed
        first = acc.Tensors("truacc/train/true_accuracy")
        assert [e.tensor_proto.float_val[0] for e in first] == [0.25]
        assert not (tmp_path / "validation").exists()
        writer.write_epoch(1, {"train": {"true_accuracy": 0.5},
                               "validation": {"true_accuracy": 0.2, "accuracy": 0.9}}, [mismatch])
        writer.write_epoch(2, {"train": {"true_accuracy": 0.75}}, [])
    finally:
        writer.close()
    train = EventAccumulator(str(tmp_path / "train")).Reload()
    texts = train.Tensors("truacc/diagnosis")
    assert [e.step for e in texts] == [1]
    assert texts[0].tensor_proto.string_val[0].decode() == diagnosis_markdown(1, [mismatch])
    assert [e.step for e in train.Tensors("truacc/train/true_accuracy")] == [0, 1, 2]
    validation = EventAccumulator(str(tmp_path / "validation")).Reload()
    assert sorted(validation.Tags()["tensors"]) == [
        LAYOUT_TAG, "truacc/validation/accuracy", "truacc/validation/true_accuracy"]
    markdown = diagnosis_markdown(1, [mismatch])
    assert "```python\nmetrics=[truacc.auto()]\n```" in markdown
    assert "'accuracy' thresholds at 0.5." in markdown

