"""Start the processes of one multi-process job, wait for them with a deadline, and
stop them in every outcome: each in its own process group, killed with SIGKILL
(a JAX process stuck in a collective ignores SIGTERM), so nothing outlives the test.

>>> import sys
>>> job = run_job([[sys.executable, "-c", "print('hi')"]] * 2, timeout=30)
>>> job.ok, [w.output.strip() for w in job.workers]
(True, ['hi', 'hi'])
>>> job = run_job([[sys.executable, "-c", "import time; time.sleep(60)"],
...                [sys.executable, "-c", "raise SystemExit(3)"]], timeout=30, grace=1)
>>> job.ok, [(w.returncode, w.killed) for w in job.workers]
(False, [(-9, True), (3, False)])
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import tempfile
import time


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclasses.dataclass
class Worker:
    index: int
    pid: int  # also the id of its process group
    returncode: int | None
    killed: bool  # stopped by us: the deadline passed, or another worker had failed
    output: str  # stdout and stderr together


@dataclasses.dataclass
class Job:
    workers: list[Worker]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(w.returncode == 0 for w in self.workers)

    def describe(self) -> str:
        """One line per worker: how it ended, then the tail of what it printed."""
        lines = [f"job {'succeeded' if self.ok else 'FAILED'} after {self.seconds:.1f}s"]
        for w in self.workers:
            how = "killed by the test" if w.killed else f"exit code {w.returncode}"
            tail = "\n    ".join(w.output.strip().splitlines()[-8:])
            lines.append(f"  worker {w.index}: {how}\n    {tail}")
        return "\n".join(lines)


def run_job(commands, env=None, timeout=120.0, grace=15.0, cwd=None) -> Job:
    """Run every command at once and wait. A worker that fails gives the others
    ``grace`` seconds to fail too (or finish); then, or at ``timeout``, the rest
    are killed. Their process groups are killed in every case, exceptions too."""
    start = time.monotonic()
    logs, procs, killed = [], [], set()
    try:
        for command in commands:
            log = tempfile.TemporaryFile(mode="w+")
            logs.append(log)
            procs.append(subprocess.Popen(command, env=env, cwd=cwd, stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True))
        deadline = start + timeout
        while any(p.poll() is None for p in procs) and time.monotonic() < deadline:
            if any(p.poll() not in (None, 0) for p in procs):
                deadline = min(deadline, time.monotonic() + grace)
            time.sleep(0.2)
        killed = {i for i, p in enumerate(procs) if p.poll() is None}
    finally:
        for p in procs:
            _kill_group(p)
    outputs = []
    for log in logs:
        log.seek(0)
        outputs.append(log.read())
        log.close()
    workers = [Worker(i, p.pid, p.returncode, i in killed, outputs[i]) for i, p in enumerate(procs)]
    return Job(workers, time.monotonic() - start)


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the group's id is the leader's pid
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
