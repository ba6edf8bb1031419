"""The tools people already use, with TruAccMonitor, tested for real: Keras Tuner,
MLflow autologging and Weights & Biases (offline).

Keras Tuner runs in this process (through `truacc demo --case tuner`). MLflow and
W&B each run in a subprocess with a timeout: MLflow's SQLite store and async
logging, W&B's background service (wandb-core), and their slow imports stay out of
the test process. Each test skips, saying so, when its package isn't installed;
the dev extra installs all three.
"""

import importlib.util
import json
import os
import re
import signal
import struct
import subprocess
import sys
import textwrap
import time

import pytest

from keras_truacc.cli.demo import DEFAULT_EPOCHS, TUNER_TRIALS, run_demo

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def needs(module, package):
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{package} is not installed (pip install {package}; "
                    f"pip install -e '.[dev]' installs it)")


# The seed set-up, trained for 3 epochs: the true accuracy moves while
# binary_accuracy sits near 0.90, so the two series are easy to tell apart.
TRAIN = textwrap.dedent("""
    import json, os, sys
    import keras
    import keras_truacc as truacc
    from keras_truacc.cli.demo import digits_flat_split

    (x, y), (x_val, y_val) = digits_flat_split()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((64,)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(keras.optimizers.Adam(3e-3), "binary_crossentropy", metrics=["binary_accuracy"])
    FIT = dict(validation_data=(x_val, y_val), epochs=3, batch_size=64, verbose=0)
""")

KEYS = ("binary_accuracy", "true_accuracy", "majority_baseline",
        "val_binary_accuracy", "val_true_accuracy", "val_majority_baseline")


def run_isolated(code, tmp_path, env, timeout):
    """Run `code` in a fresh interpreter in its own session, in tmp_path; kill what is
    left of that session, whatever happens. Returns (returncode, output)."""
    script = tmp_path / "script.py"
    script.write_text(code)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TMPDIR=str(tmp_path),
               PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""), **env)
    child = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
    try:
        output, _ = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(child.pid)
        output, _ = child.communicate()
        pytest.fail(f"timed out after {timeout} s:\n{output[-3000:]}")
    finally:
        _kill_group(child.pid)
    return child.returncode, output


def _kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def processes_started_by(pid):
    """Live pids of the W&B service processes of process `pid`: wandb-core runs in a
    session of its own with `--pid <parent>`, its helpers with `--parent-pid <core>`."""
    found, parents = [], {str(pid).encode()}
    for _ in range(3):  # core, then its helpers
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) in found:
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    args = f.read().split(b"\0")
            except OSError:
                continue
            for flag in (b"--pid", b"--parent-pid"):
                if flag in args[:-1] and args[args.index(flag) + 1] in parents:
                    found.append(int(entry))
        parents |= {str(p).encode() for p in found}
    return found


# -- Keras Tuner -----------------------------------------------------------------

def test_tuner_demo_picks_a_different_best_trial_by_objective(tmp_path, capsys):
    needs("keras_tuner", "keras-tuner")
    assert run_demo("tuner", DEFAULT_EPOCHS["tuner"], str(tmp_path / "out"), verbose=0) == 0
    text = capsys.readouterr().out

    rows = re.findall(
        r"^\| (\d) \| trial (\d+): units=(\d+), lr=([\d.e-]+) \| ([\d.]+) \| ([\d.]+) "
        r"\| trial (\d+): units=(\d+), lr=([\d.e-]+) \| ([\d.]+) \| ([\d.]+) \|$",
        text, re.MULTILINE)
    assert len(rows) == TUNER_TRIALS, text[-3000:]
    by_binary = [(r[1], float(r[4]), float(r[5])) for r in rows]  # trial, binary, its true
    by_true = [(r[6], float(r[9]), float(r[10])) for r in rows]    # trial, true, its binary
    # each side is sorted by its own objective, as the tuner ranks
    assert [b for _, b, _ in by_binary] == sorted((b for _, b, _ in by_binary), reverse=True)
    assert [t for _, t, _ in by_true] == sorted((t for _, t, _ in by_true), reverse=True)
    # the wrong objective keeps another trial, with a far lower true accuracy
    assert by_binary[0][0] != by_true[0][0], text[-3000:]
    assert by_binary[0][2] < by_true[0][1] - 0.1
    # and the trial the true objective keeps scores lower on binary_accuracy
    assert by_true[0][2] < by_binary[0][1]
    assert "DIFFERENT best trial" in text and "SAME best trial" not in text

    # The models tuner.get_best_models() hands back, checked in numpy: the true
    # accuracy of each kept model is the one the rankings show for it.
    checks = re.findall(r"objective (val_\w+) keeps trial (\d+) .*\n.*binary accuracy ([\d.]+), "
                        r"argmax accuracy \(the true one\) ([\d.]+)", text)
    assert len(checks) == 2, text[-3000:]
    kept = {objective: (trial, float(binary), float(argmax))
            for objective, trial, binary, argmax in checks}
    assert kept["val_binary_accuracy"][0] == by_binary[0][0]
    assert kept["val_true_accuracy"][0] == by_true[0][0]
    assert kept["val_binary_accuracy"][1] == pytest.approx(by_binary[0][1], abs=1e-4)
    assert kept["val_binary_accuracy"][2] == pytest.approx(by_binary[0][2], abs=1e-4)
    assert kept["val_true_accuracy"][2] == pytest.approx(by_true[0][1], abs=1e-4)
    assert kept["val_true_accuracy"][1] == pytest.approx(by_true[0][2], abs=1e-4)
    assert "AccuracyMismatchWarning" in text
    assert os.listdir(tmp_path / "out" / "tuner")  # the tuner's files, under --out


def test_tuner_needs_an_objective_with_a_direction():
    needs("keras_tuner", "keras-tuner")
    import keras_tuner

    from keras_truacc.cli.demo import build_seed_mlp

    with pytest.raises(ValueError, match="Could not infer optimization direction"):
        keras_tuner.RandomSearch(build_seed_mlp, objective="val_true_accuracy")


# -- MLflow ----------------------------------------------------------------------

MLFLOW = TRAIN + textwrap.dedent("""
    import mlflow

    mlflow.set_tracking_uri("sqlite:///" + os.path.abspath("mlflow.db"))
    mlflow.create_experiment("truacc", artifact_location=os.path.abspath("artifacts"))
    mlflow.set_experiment("truacc")
    mlflow.keras.autolog(log_models=False)
    with mlflow.start_run() as run:
        history = model.fit(x, y, callbacks=[truacc.TruAccMonitor(summary=False)], **FIT)
    client = mlflow.tracking.MlflowClient()
    logged = {key: [(m.step, m.value) for m in client.get_metric_history(run.info.run_id, key)]
              for key in KEYS}
    json.dump({"history": history.history, "logged": logged, "version": mlflow.__version__,
               "keys": sorted(client.get_run(run.info.run_id).data.metrics)},
              open("result.json", "w"))
""").replace("KEYS", repr(KEYS))


def test_mlflow_autolog_records_the_monitor_keys(tmp_path):
    needs("mlflow", "mlflow")
    env = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true",
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)}
    code, output = run_isolated(MLFLOW, tmp_path, env, timeout=180)
    assert code == 0, output[-3000:]
    result = json.loads((tmp_path / "result.json").read_text())
    history, logged = result["history"], result["logged"]
    for key in KEYS:
        steps = [step for step, _ in sorted(logged[key])]
        values = [value for _, value in sorted(logged[key])]
        assert steps == [0, 1, 2], (key, logged[key])
        assert values == pytest.approx(history[key], abs=1e-6), key
    # the figures differ: MLflow holds both Keras's number and the true one
    assert history["val_true_accuracy"][-1] < history["val_binary_accuracy"][-1] - 0.1
    assert set(KEYS) <= set(result["keys"])
    assert not (tmp_path / "mlruns").exists()  # everything went to the SQLite store given


# -- Weights & Biases ----------------------------------------------------------

WANDB = TRAIN + textwrap.dedent("""
    import wandb
    from wandb.integration.keras import WandbMetricsLogger

    run = wandb.init(mode="offline", dir=os.getcwd(), project="keras-truacc-test")
    try:
        # the monitor last: WandbMetricsLogger still sees its keys
        history = model.fit(x, y, callbacks=[WandbMetricsLogger(),
                                             truacc.TruAccMonitor(summary=False)], **FIT)
        summary = {key: run.summary["epoch/" + key] for key in KEYS}
        run_dir = os.path.dirname(run.dir)
    finally:
        wandb.finish()
    json.dump({"history": history.history, "summary": summary, "run_dir": run_dir,
               "pid": os.getpid(), "version": wandb.__version__}, open("result.json", "w"))
""").replace("KEYS", repr(KEYS))


def wandb_records(path):
    """The records of an offline W&B run file (`run-<id>.wandb`), parsed with W&B's own
    protobuf classes. The framing is LevelDB's log format: a 7-byte file header
    (":W&B", magic, version), then records of (crc32, length, type) + data in 32 KiB
    blocks, a record split across blocks as FIRST/MIDDLE/LAST pieces."""
    from wandb.proto import wandb_internal_pb2

    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b":W&B", data[:7]
    pos, block, pending = 7, 32768, b""
    while pos + 7 <= len(data):
        if block - pos % block < 7:  # a block's tail too short for a header is padding
            pos += block - pos % block
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos:pos + 7])
        piece, pos = data[pos + 7:pos + 7 + length], pos + 7 + length
        if kind == 1:  # FULL
            yield wandb_internal_pb2.Record.FromString(piece)
        elif kind == 2:  # FIRST
            pending = piece
        elif kind == 3:  # MIDDLE
            pending += piece
        elif kind == 4:  # LAST
            yield wandb_internal_pb2.Record.FromString(pending + piece)


def test_wandb_offline_run_records_the_monitor_keys(tmp_path):
    needs("wandb", "wandb")
    env = {"WANDB_MODE": "offline", "WANDB_SILENT": "true", "WANDB_DISABLE_GIT": "true",
           "WANDB_DISABLE_CODE": "true", "WANDB_CONSOLE": "off", "WANDB_ANONYMOUS": "never",
           "WANDB_DIR": str(tmp_path), "WANDB_CACHE_DIR": str(tmp_path / "cache"),
           "WANDB_CONFIG_DIR": str(tmp_path / "config"), "WANDB_DATA_DIR": str(tmp_path / "data"),
           "HOME": str(tmp_path)}
    code, output = run_isolated(WANDB, tmp_path, env, timeout=180)
    result = json.loads((tmp_path / "result.json").read_text()) if code == 0 else None
    if result is not None:
        # wandb.finish() and the interpreter's exit stopped W&B's service; if it
        # hasn't gone within 10 s, stop it (by pid) and fail.
        deadline = time.time() + 10
        while processes_started_by(result["pid"]) and time.time() < deadline:
            time.sleep(0.2)
        left = processes_started_by(result["pid"])
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert not left, f"W&B left processes running: {left}"
    assert code == 0, output[-3000:]

    history = result["history"]
    for key in KEYS:  # the run's summary: the last epoch
        assert result["summary"][key] == pytest.approx(history[key][-1], abs=1e-6), key

    run_files = [name for name in os.listdir(result["run_dir"]) if name.endswith(".wandb")]
    assert len(run_files) == 1, os.listdir(result["run_dir"])
    rows = {}
    for record in wandb_records(os.path.join(result["run_dir"], run_files[0])):
        if record.WhichOneof("record_type") == "history":
            row = {item.key or "/".join(item.nested_key): json.loads(item.value_json)
                   for item in record.history.item}
            rows[row["epoch/epoch"]] = row
    assert sorted(rows) == [0, 1, 2], rows
    for key in KEYS:
        recorded = [rows[epoch]["epoch/" + key] for epoch in sorted(rows)]
        assert recorded == pytest.approx(history[key], abs=1e-6), key
    assert history["val_true_accuracy"][-1] < history["val_binary_accuracy"][-1] - 0.1
    # offline: nothing was written outside tmp_path, no network sync happened
    assert "offline-run-" in result["run_dir"]
