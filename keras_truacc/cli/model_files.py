"""Saved models for ``truacc inspect``: load one, or say in one line why it can't be.

``unusable_reason(path)`` looks at the file itself before Keras does (Keras says
"File not found" for a folder, a PNG or a text file alike); ``load(path)``
then loads it and turns Keras's errors into one line, naming the custom class
or function a model needs.

>>> unusable_reason("no/such/model.keras")
'no such file'
"""

from __future__ import annotations

import json
import os
import re
import warnings
import zipfile
import zlib

HDF5 = b"\x89HDF\r\n\x1a\n"
ZIP = (b"PK\x03\x04", b"PK\x05\x06")
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x93NUMPY", "a NumPy .npy array"),
)


class UnusableModel(Exception):
    """The path is no model truacc can read; the message is one line."""


def unusable_reason(path: str) -> str | None:
    """Why ``path`` is no Keras model file, from the file system and its first
    bytes alone; ``None`` when it may be one."""
    if not os.path.lexists(path):
        return "no such file"
    if not os.path.exists(path):
        return "a broken symbolic link"
    if os.path.isdir(path):
        if os.path.exists(os.path.join(path, "saved_model.pb")):
            return ("a folder holding a TensorFlow SavedModel, not a .keras file: Keras 3 "
                    "loads it only for inference (keras.layers.TFSMLayer), without the "
                    "compile config truacc reads")
        return "a folder, not a .keras file"
    if not os.path.isfile(path):
        return "not a regular file"
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError as error:
        return f"can't be read: {error.strerror or error}"
    if not head:
        return "an empty file (0 bytes), not a Keras archive"
    if head.startswith(HDF5):
        if path.lower().endswith((".h5", ".hdf5")):
            return None  # a legacy HDF5 model: Keras loads it by its name
        return ("an HDF5 file, not a Keras archive: a model saved in the legacy HDF5 "
                "format loads under a .h5 name")
    if head.startswith(ZIP):
        return _zip_reason(path)
    return f"not a Keras archive: it is {_what_it_is(head)}, and a .keras file is a zip archive written by model.save()"


def _zip_reason(path):
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        return f"a corrupt or truncated zip archive ({error}), not a loadable Keras archive"
    if "config.json" not in names:
        return "a zip archive but not a Keras archive: it holds no config.json"
    return None


def _what_it_is(head: bytes) -> str:
    for signature, what in SIGNATURES:
        if head.startswith(signature):
            return what
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "binary data"
    return "a text file" if b"\x00" not in head else "binary data"


def load(path: str, safe_mode: bool = True, quiet: bool = True):
    """``keras.models.load_model(path)``, or ``UnusableModel`` with one line."""
    reason = unusable_reason(path)
    if reason is not None:
        raise UnusableModel(reason)
    load_model = _loader_for(saved_keras_version(path))
    try:
        with warnings.catch_warnings():
            if quiet:  # optimizer-state and build notes from loading: not about accuracy
                warnings.simplefilter("ignore")
            return load_model(path, safe_mode=safe_mode)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise UnusableModel(f"a corrupt Keras archive: {_first_line(error)}") from error
    except Exception as error:
        raise UnusableModel(load_error_reason(error)) from error


def saved_keras_version(path: str) -> str | None:
    """The Keras version that wrote the file (``metadata.json`` of a ``.keras``
    archive, the ``keras_version`` attribute of an HDF5 file), if it says."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return json.loads(archive.read("metadata.json")).get("keras_version")
        import h5py

        with h5py.File(path, "r") as f:
            version = f.attrs.get("keras_version")
        return version.decode() if isinstance(version, bytes) else version
    except Exception:
        return None


def _loader_for(version: str | None):
    """``load_model`` of the Keras that wrote the file: tf_keras for Keras 2 files
    where it can run here, else Keras 3's (which reads Keras 2's ``.h5`` files)."""
    import keras

    if version and version.startswith("2."):
        from keras_truacc.which_keras import require_tf_keras

        try:
            tf_keras = require_tf_keras()
            import keras_truacc.keras2.metrics  # noqa: F401  registers truacc's tf_keras metrics
        except (ImportError, RuntimeError):
            return keras.models.load_model
        return tf_keras.models.load_model
    return keras.models.load_model


def load_error_reason(error: BaseException) -> str:
    """One line for a ``load_model`` failure, naming a missing custom object."""
    chain, seen = [], error
    while seen is not None and len(chain) < 10:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    for e in chain:
        found = re.search(r"Could not locate (class|function) '([^']+)'", str(e))
        if found:
            kind, name = found.groups()
            registered = re.search(r"'registered_name': '([^']+>[^']+)'", str(e))
            also = f" (registered as '{registered.group(1)}')" if (
                registered and registered.group(1) != name) else ""
            return (f"needs the custom {kind} '{name}'{also}, which is not registered in this "
                    "process: name the module that defines it with --import MODULE (it must "
                    "be decorated with @keras.saving.register_keras_serializable())")
    for e in chain:
        if "safe_mode" in str(e):
            return ("holds Python code (a Lambda layer or a lambda) that Keras loads only "
                    "with safe_mode=False: pass --unsafe if you trust the file")
    return f"Keras could not load it: {type(error).__name__}: {_first_line(error)}"


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
