"""Run the CLI tests' subprocesses two at a time (each loads a Keras backend), and
stop every one of them before returning, whatever happens."""

from __future__ import annotations

import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor


def truacc(*args) -> list[str]:
    return [sys.executable, "-m", "keras_truacc.cli", *map(str, args)]


def run_all(commands: dict, cwd, env, parallel: int = 2, timeout: float = 300) -> dict:
    """``{name: CompletedProcess}`` for ``{name: command}``."""
    started, lock, stop = [], threading.Lock(), threading.Event()

    def run(command):
        with lock:
            if stop.is_set():
                raise RuntimeError("stopped")
            proc = subprocess.Popen(command, cwd=cwd, env=env, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            started.append(proc)
        out, err = proc.communicate(timeout=timeout)
        return subprocess.CompletedProcess(command, proc.returncode, out, err)

    pool = ThreadPoolExecutor(parallel)
    try:
        futures = {name: pool.submit(run, command) for name, command in commands.items()}
        return {name: future.result() for name, future in futures.items()}
    finally:
        with lock:
            stop.set()
            for proc in started:
                if proc.poll() is None:
                    proc.kill()
        pool.shutdown(wait=True, cancel_futures=True)
        for proc in started:
            proc.wait()
