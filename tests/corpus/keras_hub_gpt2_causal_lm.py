"""KerasHub ``GPT2CausalLM`` on a tiny ``GPT2Backbone`` built from a config (no
preset, ``preprocessor=None``): next-token logits (N, T, vocabulary) from the
reversed token embedding, fed the arrays ``GPT2CausalLMPreprocessor`` produces --
``token_ids`` and ``padding_mask`` packed as "<|endoftext|> tokens <|endoftext|>"
then padded with GPT-2's ``pad_token_id`` 0 (which is also a real token, "!"),
``y`` = the ids shifted by one, ``sample_weight`` = the padding mask shifted by one.
Padding is left out only by those zero sample weights: label 0 marks padding AND a
real word. The task compiles itself with ``weighted_metrics=[SparseCategoricalAccuracy()]``;
the KerasHub GPT-2 example recompiles it with ``weighted_metrics=["accuracy"]``
(right: the weighted accuracy skips weight-0 positions, as the loss does), which
the case keeps, appending the harness's ``truacc.auto`` to the same list. The true
accuracy counts the positions of weight 1.

Source: keras-team/keras-io, examples/generative/gpt2_text_generation_with_kerashub.py
(https://keras.io/examples/generative/gpt2_text_generation_with_kerashub/),
"Finetune on Reddit dataset"; keras-team/keras-hub,
keras_hub/src/models/gpt2/gpt2_causal_lm.py (docstring: "Call fit() without
preprocessing"), keras_hub/src/models/causal_lm_preprocessor.py (how x, y and
sample_weight are packed) and keras_hub/src/models/causal_lm.py (the default
compile), keras-hub 0.32.0.
Kept: ``GPT2Backbone(vocabulary_size, num_layers, num_heads, hidden_dim,
intermediate_dim, max_sequence_length)``, ``GPT2CausalLM(backbone=...,
preprocessor=None)``; x = {"token_ids", "padding_mask"}, y, sample_weight as the
preprocessor packs them (start and end token "<|endoftext|>", pad id 0, a sequence
of length + 1 cut into inputs and next-token targets); the recompile
(``keras.optimizers.Adam(learning_rate)`` with a linearly decaying
``PolynomialDecay(..., decay_steps=steps * num_epochs, end_learning_rate=0.0)``,
``loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)``,
``weighted_metrics=["accuracy"]``).
Changed: vocabulary_size 32 ("<|endoftext|>" = 31), 1 layer, 2 heads,
hidden_dim 16, intermediate_dim 32, sequence_length 16 instead of the preset;
initial learning rate 1e-2 instead of 5e-5 (random weights); 400 synthetic
"texts" of 3-12 tokens that count up by 1 (mod 31) from a random token instead of Reddit
posts through the tokenizer; arrays instead of a ``tf.data`` string dataset;
``weighted_metrics=["accuracy"] + extra()``; batch 32; 3 epochs instead of 1.
"""

import keras
import keras_hub
import numpy as np

from tests import reference as ref

EPOCHS = 3
VOCAB_SIZE, SEQUENCE_LENGTH = 32, 16
END = VOCAB_SIZE - 1  # "<|endoftext|>": GPT-2's start and end token
PAD = 0  # GPT2Tokenizer.pad_token_id
N, N_VAL, BATCH_SIZE = 400, 80, 32


def _pack(rng, n):
    """What CausalLMPreprocessor does: StartEndPacker(start, end, pad) to
    sequence_length + 1, then inputs [:-1] and next-token targets [1:]."""
    token_ids = np.full((n, SEQUENCE_LENGTH + 1), PAD, dtype="int32")
    padding_mask = np.zeros((n, SEQUENCE_LENGTH + 1), dtype="int32")
    for i in range(n):
        length = int(rng.integers(3, 13))
        words = (rng.integers(0, END) + np.arange(length)) % END
        packed = [END] + list(words) + [END]
        token_ids[i, : len(packed)] = packed
        padding_mask[i, : len(packed)] = 1
    x = {"token_ids": token_ids[..., :-1], "padding_mask": padding_mask[..., :-1]}
    y, sample_weight = token_ids[..., 1:], padding_mask[..., 1:]
    return x, y, sample_weight


def make_data(rng):
    x, y, sw = _pack(rng, N)
    head = {k: v[:-N_VAL] for k, v in x.items()}
    tail = {k: v[-N_VAL:] for k, v in x.items()}
    return {
        "x": head, "y": y[:-N_VAL],
        "val": (tail, y[-N_VAL:], sw[-N_VAL:]),
        "fit": {"batch_size": BATCH_SIZE, "sample_weight": sw[:-N_VAL]},
    }


def build(extra, data):
    backbone = keras_hub.models.GPT2Backbone(
        vocabulary_size=VOCAB_SIZE,
        num_layers=1,
        num_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
        max_sequence_length=SEQUENCE_LENGTH,
    )
    gpt2_lm = keras_hub.models.GPT2CausalLM(backbone=backbone, preprocessor=None)
    num_epochs = EPOCHS
    steps = -(-(N - N_VAL) // BATCH_SIZE)
    # Linearly decaying learning rate.
    learning_rate = keras.optimizers.schedules.PolynomialDecay(
        1e-2,
        decay_steps=steps * num_epochs,
        end_learning_rate=0.0,
    )
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    gpt2_lm.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=loss,
        weighted_metrics=["accuracy"] + extra(),
    )
    return gpt2_lm


def reference(model, data):
    x_val, y_val, sw_val = data["val"]
    logits = model.predict(x_val, verbose=0)
    # positions of weight 0 (padding after the end token) excluded
    return {"tokens": ref.argmax_accuracy(y_val, logits, valid=(sw_val != 0))}


EXPECT = {
    "keys": {"val_true_accuracy": "tokens", "val_truacc_auto": "tokens"},
    "keras": {"val_accuracy": "tokens"},
    "warnings": [],
    "wrong": set(),
}
