"""The dev install (the README's set-up command): one TensorFlow, and no CUDA log lines on a
CPU machine."""

import importlib.metadata as metadata
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(platform.machine() != "x86_64",
                                reason="tensorflow-cpu, and so the alias, is x86_64 only")


def _files_of(distribution: str) -> list[str]:
    try:
        return [str(f) for f in metadata.files(distribution) or []]
    except metadata.PackageNotFoundError:
        return []


def test_one_tensorflow_writes_the_tensorflow_folder():
    """tensorflow-cpu owns tensorflow/; the `tensorflow` that tf-keras and tensorflow-text
    ask for is tools/tensorflow-cpu-alias, which holds no module (not the CUDA build)."""
    cpu = [f for f in _files_of("tensorflow-cpu") if f.startswith("tensorflow/")]
    full = [f for f in _files_of("tensorflow") if f.startswith("tensorflow/")]
    assert cpu, "tensorflow-cpu is not installed"
    assert not full, "the full `tensorflow` build is installed beside tensorflow-cpu"


def test_no_cuda_log_lines_when_tensorflow_starts():
    done = subprocess.run([sys.executable, "-c", "import tensorflow as tf; tf.constant(1) + 1"],
                          capture_output=True, text=True, timeout=300, check=True)
    assert "cuda" not in done.stderr.lower(), done.stderr
