"""Keras glue: read the facts the resolver needs from a compiled model.

Nothing here decides anything; it only looks.
"""

from __future__ import annotations

import dataclasses

import keras

from keras_truacc.decision.facts import LossFacts, LossProbe, OutputFacts
from keras_truacc.decision.losses import canonical_loss_name
from keras_truacc.reading.tensors import keras_mask_of
from keras_truacc.which_keras import is_keras2_object

# Layers that change only the shape of what passes through: the activation that
# matters sits behind them.
_SHAPE_ONLY_LAYERS = ("Reshape", "Flatten", "Dropout", "Identity", "Cropping1D", "Lambda")


def output_count(model, specs=None) -> int:
    """How many outputs ``model`` has; ``specs`` (from ``output_specs``) saves a
    second symbolic call when the caller has them already."""
    outputs = getattr(model, "outputs", None)
    if outputs:
        return len(outputs)
    names = getattr(model, "output_names", None)
    if names:
        return len(names)
    specs = specs if specs is not None else output_specs(model)
    return len(specs) if specs else 1


def output_specs(model):
    """``[(shape, dtype), ...]`` per output, or ``None`` when they can't be known yet.

    A functional model says it in ``model.outputs``. A subclassed model, or a
    ``Sequential`` without an ``Input``, says nothing until it is built; once
    built (Keras records the input shape), a symbolic call gives the outputs.
    Nothing is computed: ``compute_output_spec`` traces shapes only.
    """
    outputs = getattr(model, "outputs", None)
    if outputs:
        return [(tuple(t.shape), _dtype_name(getattr(t, "dtype", "float32"))) for t in outputs]
    shapes = getattr(model, "_build_shapes_dict", None) or {}
    if not getattr(model, "built", False) or len(shapes) != 1:
        return None
    (input_shape,) = shapes.values()
    try:
        spec_in = keras.tree.map_shape_structure(
            lambda shape: keras.KerasTensor((None,) + tuple(shape)[1:]), input_shape
        )
        spec_out = model.compute_output_spec(spec_in)
    except Exception:  # a model that can't be called symbolically: say "unknown"
        return None
    return [(tuple(t.shape), str(t.dtype)) for t in keras.tree.flatten(spec_out)]


def _dtype_name(dtype) -> str:
    """``'float32'`` for Keras 3's dtype strings and for ``tf.float32`` (tf_keras)."""
    return getattr(dtype, "name", None) or str(dtype)


def output_name(model, index: int) -> str | None:
    names = getattr(model, "output_names", None) or []
    return names[index] if index < len(names) else None


def loss_attribute(model):
    """``(name, loss)`` for the one ``keras.losses.Loss`` a model keeps as an
    attribute, when it was compiled with no loss (its own ``compute_loss`` uses
    it); ``None`` when there is none, or several to choose from."""
    found = [
        (name, value)
        for name, value in vars(model).items()
        if _is_loss_object(value)
    ]
    return found[0] if len(found) == 1 else None


def loss_facts(loss) -> LossFacts | None:
    """Facts about one loss given as a string, a function or a ``keras.losses.Loss``."""
    if loss is None:
        return None
    if isinstance(loss, str):
        return LossFacts(canonical_loss_name(loss))
    if _is_loss_object(loss):
        config = {}
        try:
            config = loss.get_config() or {}
        except Exception:  # a custom loss with a broken get_config
            config = {}
        kwargs = getattr(loss, "_fn_kwargs", {}) or {}
        cls_name = type(loss).__name__
        if cls_name == "LossFunctionWrapper":
            fn = getattr(loss, "fn", None)
            cls_name = getattr(fn, "__name__", loss.name)
        name = canonical_loss_name(cls_name)

        def pick(key, default):
            if key in config:
                return config[key]
            return kwargs.get(key, default)

        return LossFacts(
            name,
            from_logits=bool(pick("from_logits", False)),
            label_smoothing=float(pick("label_smoothing", 0.0) or 0.0),
            ignore_class=pick("ignore_class", None),
        )
    if callable(loss):
        return LossFacts(canonical_loss_name(getattr(loss, "__name__", type(loss).__name__)))
    return LossFacts(f"custom:{loss!r}")


def loss_for_output(model, index: int):
    """The loss the user compiled for output ``index`` (as given to ``compile``)."""
    loss = getattr(model, "loss", None)
    if isinstance(loss, dict):
        return loss.get(output_name(model, index))
    if isinstance(loss, (list, tuple)):
        return loss[index] if index < len(loss) else None
    return loss


def activation_name(fn) -> str | None:
    if fn is None:
        return None
    try:
        name = keras.activations.serialize(fn)
    except Exception:
        name = getattr(fn, "__name__", None)
    if isinstance(name, dict):
        name = name.get("config") or name.get("class_name")
    return name if isinstance(name, str) else None


def layer_activation(layer) -> str | None:
    """The activation a layer applies last, or ``None`` if it can't be told."""
    cls = type(layer).__name__
    if cls == "Softmax":
        return "softmax"
    if cls in ("ReLU", "LeakyReLU", "ELU", "PReLU"):
        return "relu"
    if cls == "TimeDistributed" or cls == "Bidirectional":
        inner = getattr(layer, "layer", None) or getattr(layer, "forward_layer", None)
        return layer_activation(inner) if inner is not None else None
    if hasattr(layer, "activation"):
        return activation_name(layer.activation)
    return None


def output_layer_activation(model, index: int) -> str | None:
    """Walk back from output ``index`` through shape-only layers to the activation."""
    outputs = getattr(model, "outputs", None)
    if not outputs or index >= len(outputs):
        layers = getattr(model, "layers", None)
        if type(model).__name__ == "Sequential" and layers:
            return _walk_sequential(layers)
        return None
    tensor = outputs[index]
    for _ in range(16):
        history = getattr(tensor, "_keras_history", None)
        if history is None:
            return None
        layer = history[0]
        if type(layer).__name__ in _SHAPE_ONLY_LAYERS:
            inputs = _inbound_tensors(layer, history)
            if len(inputs) != 1:
                return None
            tensor = inputs[0]
            continue
        if _is_model(layer):
            return output_layer_activation(layer, 0)
        return layer_activation(layer)
    return None


def _is_loss_object(value) -> bool:
    """A ``keras.losses.Loss``, or tf_keras's (a tf_keras model's loss)."""
    return isinstance(value, keras.losses.Loss) or (
        is_keras2_object(value) and hasattr(value, "call") and hasattr(value, "reduction")
    )


def _is_model(layer) -> bool:
    return isinstance(layer, keras.Model) or (
        is_keras2_object(layer) and hasattr(layer, "compiled_metrics")
    )


def _inbound_tensors(layer, history):
    node_index = history[1]
    try:
        node = layer._inbound_nodes[node_index]
        return list(node.input_tensors)
    except Exception:
        return []


def _walk_sequential(layers):
    for layer in reversed(layers):
        if type(layer).__name__ in _SHAPE_ONLY_LAYERS:
            continue
        return layer_activation(layer)
    return None


def model_output_facts(model, index: int, output_shape=None, label_shape=None) -> OutputFacts:
    """Facts about output ``index`` of ``model``.

    ``output_shape`` and ``label_shape`` are the static shapes a step sees, when
    known: they beat what the model's structure says. With both known, a loss
    Keras doesn't ship is probed (once per call of this function: callers cache).
    """
    specs = output_specs(model)  # one symbolic call at most, for a subclassed model
    count = output_count(model, specs)
    shape, dtype = specs[index] if specs and index < len(specs) else (None, None)
    if output_shape is not None:
        shape = tuple(output_shape)
    loss = loss_for_output(model, index)
    found_as = None
    if loss is None and count == 1:
        attribute = loss_attribute(model)
        if attribute is not None:
            found_as, loss = f"attribute `{attribute[0]}`", attribute[1]
    facts = loss_facts(loss)
    if facts is not None and found_as is not None:
        facts = dataclasses.replace(facts, found_as=found_as)
    shape = shape if shape is not None else (None, None)
    if facts is not None and facts.name.startswith("custom:") and label_shape is not None:
        facts = dataclasses.replace(facts, probe=_probe(loss, shape, tuple(label_shape)))
    masked = _symbolic_output_masked(model, index)
    return OutputFacts(
        output_shape=shape,
        output_dtype=dtype or "float32",
        activation=output_layer_activation(model, index),
        loss=facts,
        has_model=True,
        output_name=output_name(model, index) if count > 1 else None,
        # What the model gives; a step's metric sets ``masked`` from its own tensor.
        masked=masked,
        model_masked=masked,
    )


def _symbolic_output_masked(model, index: int) -> bool:
    """Whether the model's symbolic output ``index`` carries a mask (functional and
    Sequential models; a subclassed model has no symbolic outputs to ask)."""
    try:
        outputs = model.outputs
    except (AttributeError, ValueError):
        return False
    if not outputs or index >= len(outputs):
        return False
    try:
        return keras_mask_of(outputs[index]) is not None
    except Exception:  # a tf_keras tensor, or a Keras without the helper
        return getattr(outputs[index], "_keras_mask", None) is not None


def _probe(loss, output_shape, label_shape) -> LossProbe:
    try:
        from keras_truacc.reading.loss_probe import probe_loss

        return probe_loss(loss, output_shape, label_shape)
    except Exception as error:  # probing must never take a fit down
        return LossProbe(
            failed=True,
            notes=(f"Probing the loss failed ({type(error).__name__}: {error}).",),
        )
