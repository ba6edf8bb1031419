"""Several processes, one job (issue 14): Keras 3 on JAX with 2 processes, a worker
that dies, tf_keras with 2 ``MultiWorkerMirroredStrategy`` workers, 2
``torch.distributed`` ranks summing ``auto()``'s counts, and Keras 3 under
``MultiWorkerMirroredStrategy``.

Every worker is a subprocess on a free loopback port, in its own process group,
killed with SIGKILL in every outcome (``multiworker/launch.py``). The references
are numpy on the whole (global) data. The worker scripts are in ``multiworker/``.
"""

import json
import os
import sys

import numpy as np
import pytest

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "multiworker")
sys.path.insert(0, HERE)

from launch import free_port, run_job
from shards import CLASSES, job_data

PROCESSES, BATCH, EPOCHS = 2, 32, 3


def _env(backend):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("XLA_FLAGS", None)  # one CPU device per process
    env.pop("TF_CONFIG", None)
    return env


def _jax_job(out, timeout, **extra):
    port = free_port()
    commands = []
    for pid in range(PROCESSES):
        config = {"coordinator": f"127.0.0.1:{port}", "num_processes": PROCESSES,
                  "process_id": pid, "out": str(out), "log_dir": str(out / "logs"),
                  "epochs": EPOCHS, "batch": BATCH, **extra}
        commands.append([sys.executable, os.path.join(HERE, "jax_worker.py"), json.dumps(config)])
    return run_job(commands, env=_env("jax"), cwd=HERE, timeout=timeout, grace=20)


def _assert_gone(job):
    for worker in job.workers:
        with pytest.raises(ProcessLookupError):
            os.killpg(worker.pid, 0)  # no process left in the worker's group


def _numpy_correct(weights, x, y):
    """Correct predictions of the worker's MLP (Dense relu, Dense softmax), in numpy."""
    w1, b1, w2, b2 = (weights[f"arr_{i}"].astype("float64") for i in range(4))
    scores = np.maximum(x.astype("float64") @ w1 + b1, 0.0) @ w2 + b2
    return int((scores.argmax(-1) == y).sum())


def _share(y):
    return np.bincount(y, minlength=CLASSES).max() / len(y)


@pytest.fixture(scope="module")
def jax_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("jax_job")
    job = _jax_job(out, timeout=150)
    _assert_gone(job)
    assert job.ok, job.describe()
    reports = [json.loads((out / f"worker-{p}.json").read_text()) for p in range(PROCESSES)]
    return out, job, reports


def test_jax_data_is_uneven_and_a_shard_lacks_the_majority_class():
    job = job_data(PROCESSES, BATCH)
    for split in ("train", "validation"):
        n = job[split]["n"]
        assert n % (PROCESSES * BATCH) != 0
        shards = job[split]["shards"]
        real = [s["y"][s["w"] > 0] for s in shards]
        assert sum(len(r) for r in real) == n
        assert job["majority"] not in real[1]
    train = job["train"]
    assert [len(r) for r in (s["y"][s["w"] > 0] for s in train["shards"])] == [700, 699]
    assert job["majority"] == np.bincount(train["y"]).argmax()


def test_jax_every_process_logs_the_global_figures(jax_run):
    out, _job, reports = jax_run
    data = job_data(PROCESSES, BATCH)
    weights = np.load(out / "weights.npz")
    train, val = data["train"], data["validation"]
    train_right = _numpy_correct(weights, train["x"], train["y"])
    val_right = _numpy_correct(weights, val["x"], val["y"])
    # What a per-shard figure would be: the test must be able to tell.
    shard_shares = [_share(s["y"][s["w"] > 0]) for s in train["shards"]]
    assert min(abs(s - _share(train["y"])) for s in shard_shares) > 0.005

    for report in reports:
        assert report["devices"] == PROCESSES  # DataParallel over both processes' devices
        h = report["history"]
        # Final weights, whole validation split: the last epoch's validation pass.
        for key in ("val_true_accuracy", "val_accuracy", "val_keras_accuracy"):
            assert h[key][-1] == pytest.approx(val_right / val["n"], abs=1e-6), key
        # evaluate on the whole train split (1,399 rows over two padded shards).
        for key in ("accuracy", "keras_accuracy"):
            assert report["evaluate"][key] == pytest.approx(train_right / train["n"], abs=1e-6)
        # auto() in metrics= gets no sample weights: it counts the 9 padding rows.
        padded = [np.concatenate([s[k] for s in train["shards"]]) for k in ("x", "y")]
        assert report["evaluate"]["unweighted_auto"] == pytest.approx(
            _numpy_correct(weights, *padded) / len(padded[1]), abs=1e-6)
        # The train figure is a running mean over changing weights: Keras's own
        # accuracy on the same batches is the reference.
        assert h["true_accuracy"] == pytest.approx(h["keras_accuracy"], abs=1e-6)
        assert h["accuracy"] == pytest.approx(h["keras_accuracy"], abs=1e-6)
        # The baselines are global (not counting the weight-0 padding, all of the
        # majority class): 150 / 1399 and the validation split's own majority.
        assert h["majority_baseline"] == pytest.approx([_share(train["y"])] * EPOCHS, abs=1e-6)
        assert h["val_majority_baseline"] == pytest.approx([_share(val["y"])] * EPOCHS, abs=1e-6)
    assert reports[0]["history"] == reports[1]["history"]
    assert reports[0]["evaluate"] == reports[1]["evaluate"]


def test_jax_warnings_once_per_job_on_process_0(jax_run):
    _out, _job, reports = jax_run
    chief, other = reports
    assert [w["category"] for w in chief["warnings"]] == ["AccuracyMismatchWarning"]
    assert "'binary_accuracy' reports" in chief["warnings"][0]["message"]
    assert other["warnings"] == []


def test_jax_dashboards_written_by_process_0_only(jax_run):
    out, _job, reports = jax_run
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    for run, split, key in (("train", "train", "true_accuracy"),
                            ("validation", "validation", "val_true_accuracy")):
        files = sorted((out / "logs" / run).glob("events.out.tfevents.*.truacc"))
        assert len(files) == 1, files
        assert f".{reports[0]['pid']}." in files[0].name  # the file names carry the writer's pid
        board = EventAccumulator(str(out / "logs" / run), size_guidance={"tensors": 0})
        board.Reload()
        values = [float(np.asarray(t.tensor_proto.float_val or [0])[0])
                  for t in board.Tensors(f"truacc/{split}/true_accuracy")]
        if not values:  # scalars stored as tensors with tensor_content
            from tensorboard.util import tensor_util

            values = [float(tensor_util.make_ndarray(t.tensor_proto))
                      for t in board.Tensors(f"truacc/{split}/true_accuracy")]
        assert values == pytest.approx(reports[0]["history"][key], abs=1e-6)


def test_jax_unpadded_uneven_last_batches_give_each_process_its_own_figures(tmp_path):
    """Not ours to fix, but the README's advice rests on it: shards of 700 and 699
    rows end in batches of 28 and 27. Each process assumes the other's batch has
    its own shape, and a figure that counts rows by shape differs per process."""
    job = _jax_job(tmp_path, timeout=90, pad=False)
    _assert_gone(job)
    assert job.ok, job.describe()
    first, second = (json.loads((tmp_path / f"worker-{p}.json").read_text())["history"]
                     for p in range(PROCESSES))
    # Keras's unweighted accuracy counts each batch by its shape: per process.
    assert first["unweighted_keras_accuracy"] != second["unweighted_keras_accuracy"]
    # Sums over the batch (our counts, Keras's weighted accuracy) still agreed here.
    for key in ("true_accuracy", "unweighted_auto", "accuracy", "keras_accuracy",
                "majority_baseline"):
        assert first[key] == second[key], key
    assert first["true_accuracy"] == pytest.approx(first["keras_accuracy"], abs=1e-6)


def test_jax_worker_dying_mid_epoch_fails_the_job_clearly(tmp_path):
    job = _jax_job(tmp_path, timeout=90, die_at_batch=5)
    _assert_gone(job)
    dead, survivor = job.workers[1], job.workers[0]
    assert not job.ok
    assert "FAILED" in job.describe()
    assert dead.returncode == 3 and not dead.killed
    assert "dies at batch 5" in dead.output
    # The survivor fails too, with the collective's error (or, were it to hang,
    # the launcher kills it): either way the job ends, well before the timeout.
    assert survivor.killed or survivor.returncode != 0, job.describe()
    assert survivor.killed or "Gloo" in survivor.output, survivor.output[-2000:]
    assert job.seconds < 90
    assert not (tmp_path / "worker-0.json").exists()


def test_torch_ranks_sum_auto_counts_exactly(tmp_path):
    port = free_port()
    commands = [[sys.executable, os.path.join(HERE, "torch_rank.py"), str(port), str(rank),
                 str(PROCESSES), str(tmp_path)] for rank in range(PROCESSES)]
    job = run_job(commands, env=_env("torch"), cwd=HERE, timeout=120, grace=20)
    _assert_gone(job)
    assert job.ok, job.describe()
    ranks = [json.loads((tmp_path / f"rank-{r}.json").read_text()) for r in range(PROCESSES)]
    y = np.concatenate([r["y"] for r in ranks])
    predicted = np.concatenate([r["predicted"] for r in ranks])
    right = int((predicted == y).sum())
    assert len(y) == job_data(PROCESSES, BATCH)["train"]["n"]
    for r in ranks:
        assert r["local"]["total"] == len(r["y"])  # each rank counted its own shard
        assert r["summed"]["correct"] == right and r["summed"]["total"] == len(y)
        assert r["counts_after"] == r["summed"]  # the metric now holds the global counts
        assert r["result"] == pytest.approx(right / len(y), abs=1e-6)
        exact = 2 * (2**40 + 2**20 + 5)
        assert r["big"] == [exact, exact]  # float64 sums, written back as exact pairs
    assert ranks[0]["local"]["correct"] != right


def test_keras3_multiworker_mirrored_strategy_is_named_once(tmp_path):
    job = run_job([[sys.executable, os.path.join(HERE, "keras3_mwms.py"), str(free_port())]],
                  env=_env("tensorflow"), cwd=HERE, timeout=90)
    _assert_gone(job)
    assert job.ok, job.describe()
    line = [x for x in job.workers[0].output.splitlines() if x.startswith('{"warnings"')][-1]
    report = json.loads(line)
    said = [w for w in report["warnings"] if "MultiWorkerMirroredStrategy" in w]
    assert len(said) == 1
    assert "keras-team/keras/issues/20585" in said[0] and "tf_keras" in said[0]
    assert "\n" not in said[0]


def test_tf_keras_multiworker_mirrored_every_worker_logs_the_global_figures(tmp_path):
    pytest.importorskip("tf_keras")
    ports = [free_port() for _ in range(PROCESSES)]
    commands = []
    for index in range(PROCESSES):
        config = {"ports": ports, "index": index, "out": str(tmp_path),
                  "log_dir": str(tmp_path / "logs"), "epochs": EPOCHS, "batch": BATCH}
        commands.append([sys.executable, os.path.join(HERE, "tf_keras_worker.py"),
                         json.dumps(config)])
    env = dict(_env("tensorflow"), TF_USE_LEGACY_KERAS="1")
    job = run_job(commands, env=env, cwd=HERE, timeout=180, grace=20)
    _assert_gone(job)
    assert job.ok, job.describe()
    reports = [json.loads((tmp_path / f"worker-{i}.json").read_text()) for i in range(PROCESSES)]
    data = job_data(PROCESSES, BATCH)
    weights = np.load(tmp_path / "weights.npz")
    train, val = data["train"], data["validation"]
    train_right = _numpy_correct(weights, train["x"], train["y"])
    val_right = _numpy_correct(weights, val["x"], val["y"])
    for report in reports:
        assert report["replicas"] == PROCESSES
        h = report["history"]
        for key in ("val_true_accuracy", "val_accuracy", "val_keras_accuracy"):
            assert h[key][-1] == pytest.approx(val_right / val["n"], abs=1e-6), key
        for key in ("true_accuracy", "accuracy", "keras_accuracy"):
            assert report["evaluate"][key] == pytest.approx(train_right / train["n"], abs=1e-6)
        assert h["true_accuracy"] == pytest.approx(h["keras_accuracy"], abs=1e-6)
        assert h["majority_baseline"] == pytest.approx([_share(train["y"])] * EPOCHS, abs=1e-6)
        assert h["val_majority_baseline"] == pytest.approx([_share(val["y"])] * EPOCHS, abs=1e-6)
        baseline = report["evaluate"]["majority_baseline"]
        assert baseline == pytest.approx(_share(train["y"]), abs=1e-6)
    assert reports[0]["history"] == reports[1]["history"]
    # Warnings from worker 0 only: fit's and evaluate's (each call says it once).
    chief, other = reports
    assert [w["category"] for w in chief["warnings"]] == ["AccuracyMismatchWarning"] * 2
    assert all("'binary_accuracy' reports" in w["message"] for w in chief["warnings"])
    assert other["warnings"] == []
    for run in ("train", "validation"):
        files = sorted((tmp_path / "logs" / run).glob("events.out.tfevents.*.truacc"))
        assert len(files) == 1 and f".{chief['pid']}." in files[0].name, files
