"""TensorBoard output for the monitor: scalars, a Custom Scalars layout and diagnoses.

``TruAccMonitor(log_dir=...)`` writes, into the same runs as
``keras.callbacks.TensorBoard`` (``<log_dir>/train`` and ``<log_dir>/validation``):

- a scalar per split and series, tag ``truacc/<split>/<name>`` (for instance
  ``truacc/validation/true_accuracy``, ``truacc/validation/binary_accuracy``),
  step = epoch. The ``truacc/`` prefix keeps them apart from Keras's ``epoch_*``.
- a Custom Scalars layout: category ``truacc``, one multiline chart per split
  whose tag regex ``^truacc/<split>/`` puts every reported accuracy, the true
  accuracy and the majority baseline on the same axes. Each run carries the
  chart of its own split; TensorBoard merges the runs' layouts into one.
- each epoch's diagnoses (cause, and the fix in a code block) as one Markdown
  text summary, tag ``truacc/diagnosis``, in the ``train`` run.

Only the ``tensorboard`` package is needed, not TensorFlow: the events are built
with TensorBoard's own protos and summary helpers and written with its record
writer. A local directory is written with plain file I/O, so a JAX or PyTorch
run never imports TensorFlow for it; a URL (``gs://``, ``s3://``...) goes through
TensorBoard's ``EventFileWriter`` and its ``gfile`` layer. Every epoch is flushed,
so a TensorBoard that is already running sees it at its next reload.

With Keras's ``TensorBoard`` callback on the same ``log_dir``, each run directory
holds two event files, Keras's and this one. TensorBoard's default loader reads
both live. Its legacy loader (``--load_fast=false``, or where the data server is
missing) only polls the newest file of a run while training goes on, so one of
the two stays still until TensorBoard restarts; ``--reload_multifile=true`` makes
it poll both.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time

CHART_CATEGORY = "truacc"
DIAGNOSIS_TAG = "truacc/diagnosis"

_file_ids = itertools.count()
_file_ids_lock = threading.Lock()


def scalar_tag(split: str, name: str) -> str:
    """The tag of one series: ``truacc/<split>/<name>``."""
    return f"truacc/{split}/{name}"


def chart_title(split: str) -> str:
    return f"{split}: reported vs true accuracy"


def chart_regex(split: str) -> str:
    return f"^truacc/{split}/"


def layout_proto(splits):
    """The Custom Scalars layout: category ``truacc``, one multiline chart per split."""
    from tensorboard.plugins.custom_scalar import layout_pb2

    charts = [
        layout_pb2.Chart(
            title=chart_title(split),
            multiline=layout_pb2.MultilineChartContent(tag=[chart_regex(split)]),
        )
        for split in splits
    ]
    return layout_pb2.Layout(
        category=[layout_pb2.Category(title=CHART_CATEGORY, chart=charts, closed=False)]
    )


def diagnosis_markdown(epoch: int, diagnoses) -> str:
    """One epoch's diagnoses as Markdown: what differs, then each cause with its fix."""
    lines = [f"**Epoch {epoch + 1}**: a reported accuracy is not the true accuracy.", ""]
    for m in diagnoses:
        lines.append(
            f"- {m.split}: `{m.key}` reports {m.reported:.4f}, the true accuracy is {m.true:.4f}"
        )
    by_cause = {}
    for m in diagnoses:
        by_cause.setdefault(m.cause, m.fix)
    for cause, fix in by_cause.items():
        lines += ["", f"**Cause:** {cause}"]
        if fix:
            lines += ["", "**Fix:**", "", "```python", fix, "```"]
    return "\n".join(lines) + "\n"


class DashboardWriter:
    """Writes the monitor's figures to a TensorBoard log directory.

    Contract used by ``TruAccMonitor``:
    - ``DashboardWriter(log_dir)``
    - ``write_epoch(epoch, series, diagnoses)``: ``series`` is
      ``{"train"|"validation": {name: value}}`` where names are log keys without
      the ``val_`` prefix (``"true_accuracy"``, ``"majority_baseline"``,
      ``"binary_accuracy"``, ``"flag_true_accuracy"``...); ``diagnoses`` is a list
      of ``monitor.Mismatch`` (epoch, split, key, reported, true, cause, fix)
      first seen at this epoch.
    - ``close()``

    Event files are opened lazily, one per run, when the run first has data.
    """

    def __init__(self, log_dir):
        if log_dir is None or str(log_dir) == "":
            raise ValueError(f"Expected argument `log_dir` to be a directory, but got {log_dir!r}.")
        # Fail now, not at the first epoch, if the tensorboard package is missing.
        from tensorboard.compat.proto import event_pb2  # noqa: F401

        self.log_dir = os.fspath(log_dir)
        self._files: dict[str, _EventFile] = {}
        self._charted: set[str] = set()
        self._closed = False

    def write_epoch(self, epoch, series, diagnoses=()):
        if self._closed:
            raise RuntimeError("DashboardWriter is closed")
        step = int(epoch)
        touched = []
        for split, values in series.items():
            if not values:
                continue
            events = self._file(split)
            if split not in self._charted:
                # The layout rides in the split's own run; TensorBoard merges the
                # runs' layouts, so each chart is written once, by its run.
                events.write(_layout_summary([split]), step=0)
                self._charted.add(split)
            for name, value in values.items():
                events.write(_scalar_summary(scalar_tag(split, name), value), step=step)
            touched.append(events)
        if diagnoses:
            events = self._file("train")
            text = diagnosis_markdown(step, diagnoses)
            events.write(_text_summary(DIAGNOSIS_TAG, text), step=step)
            touched.append(events)
        for events in set(touched):
            events.flush()

    def flush(self):
        for events in self._files.values():
            events.flush()

    def close(self):
        if self._closed:
            return
        self._closed = True
        errors = []
        for events in self._files.values():
            try:
                events.close()
            except Exception as error:  # close the others all the same
                errors.append(error)
        self._files.clear()
        if errors:
            raise errors[0]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _file(self, split):
        if split not in self._files:
            self._files[split] = _EventFile(_join(self.log_dir, split))
        return self._files[split]


# -- summaries, built with TensorBoard's own helpers (no TensorFlow) --------------


def _scalar_summary(tag, value):
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.plugins.scalar.summary_v2 import scalar_pb

    summary = scalar_pb(tag, float(value))
    summary.value[0].metadata.data_class = summary_pb2.DATA_CLASS_SCALAR
    return summary


def _text_summary(tag, markdown):
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.plugins.text.summary_v2 import text_pb

    summary = text_pb(tag, markdown)
    summary.value[0].metadata.data_class = summary_pb2.DATA_CLASS_TENSOR
    return summary


def _layout_summary(splits):
    """What ``tensorboard.plugins.custom_scalar.summary.pb`` builds, without its
    TensorFlow import."""
    import numpy as np
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.plugins.custom_scalar import metadata
    from tensorboard.util import tensor_util

    summary_metadata = metadata.create_summary_metadata()
    summary_metadata.data_class = summary_pb2.DATA_CLASS_TENSOR
    tensor = tensor_util.make_tensor_proto(
        layout_proto(splits).SerializeToString(), dtype=np.object_
    )
    summary = summary_pb2.Summary()
    summary.value.add(tag=metadata.CONFIG_SUMMARY_TAG, metadata=summary_metadata, tensor=tensor)
    return summary


# -- event files ---------------------------------------------------------------


def _is_url(path):
    return "://" in path


def _join(base, name):
    if _is_url(base):
        return base.rstrip("/") + "/" + name
    return os.path.join(base, name)


class _EventFile:
    """One event file in one run directory (the format of ``EventFileWriter``).

    A local directory is written synchronously with TensorBoard's
    ``RecordWriter`` over a plain file; ``EventFileWriter`` would resolve
    ``tensorboard.compat.tf`` for its ``gfile``, which imports TensorFlow whenever
    it is installed (seconds of start-up in a JAX run). URLs need that ``gfile``
    layer, so they go through ``EventFileWriter``.
    """

    def __init__(self, run_dir):
        from tensorboard.compat.proto import event_pb2

        self._event_pb2 = event_pb2
        self._writer = None
        self._file = None
        if _is_url(run_dir):
            from tensorboard.summary.writer.event_file_writer import EventFileWriter

            self._writer = EventFileWriter(run_dir, filename_suffix=".truacc")
            return
        from tensorboard.summary.writer.record_writer import RecordWriter

        os.makedirs(run_dir, exist_ok=True)
        with _file_ids_lock:
            uid = next(_file_ids)
        name = "events.out.tfevents.%010d.%s.%s.%s.truacc" % (
            time.time(), socket.gethostname(), os.getpid(), uid
        )
        self._file = open(os.path.join(run_dir, name), "wb")
        self._records = RecordWriter(self._file)
        self._add(
            event_pb2.Event(
                wall_time=time.time(),
                file_version="brain.Event:2",
                source_metadata=event_pb2.SourceMetadata(writer="keras_truacc"),
            )
        )
        self.flush()

    def write(self, summary, step):
        self._add(self._event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary))

    def _add(self, event):
        if self._writer is not None:
            self._writer.add_event(event)
        else:
            self._records.write(event.SerializeToString())

    def flush(self):
        if self._writer is not None:
            self._writer.flush()
        else:
            self._file.flush()

    def close(self):
        if self._writer is not None:
            self._writer.close()
        elif not self._file.closed:
            self._file.close()
