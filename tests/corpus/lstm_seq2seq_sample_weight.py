"""Character-level sequence-to-sequence (encoder-decoder LSTMs, teacher forcing)
where the padding of the target sequences is excluded only through
``sample_weight = (labels != 0)``: sparse target ids padded with 0, no mask, the
accuracy in ``weighted_metrics=["accuracy"]`` (right: it skips weight-0
positions, the same positions the loss skips).

Source: keras-team/keras-io, examples/nlp/lstm_seq2seq.py
(https://keras.io/examples/nlp/lstm_seq2seq/).
Kept: the training model (encoder Input(None, num_encoder_tokens) -> LSTM(
latent_dim, return_state=True) keeping the states; decoder Input(None,
num_decoder_tokens) -> LSTM(latent_dim, return_sequences=True,
return_state=True) started from the encoder states -> Dense(num_decoder_tokens,
softmax); ``keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)``),
optimizer "rmsprop", one-hot encoder and decoder inputs, targets one step ahead
of the decoder input, "\\t" starting and "\\n" ending each target text.
Changed: targets are class ids (sparse_categorical_crossentropy) padded with
id 0 and weighted by ``sample_weight = (targets != 0)``, with
``weighted_metrics=["accuracy"]`` instead of one-hot targets padded with spaces
and ``metrics=["accuracy"]``; latent_dim 64 instead of 256; 400 synthetic
"translations" (the target text counts up from a letter chosen by the source
text) instead of fra-eng; batch 32; 8 epochs; validation_data (with its sample
weights) instead of validation_split.
"""

import keras
import numpy as np

from tests import reference as ref

EPOCHS = 8
LATENT_DIM = 64
N, N_VAL = 400, 80
NUM_ENCODER_TOKENS = 12
# decoder ids: 0 padding, 1 "\t" (start), 2 "\n" (end), 3.. letters
NUM_DECODER_TOKENS = 12
MAX_ENCODER_LEN, MAX_DECODER_LEN = 8, 9


def make_data(rng):
    n_letters = NUM_DECODER_TOKENS - 3
    encoder_input_data = np.zeros((N, MAX_ENCODER_LEN, NUM_ENCODER_TOKENS), dtype="float32")
    decoder_input_data = np.zeros((N, MAX_DECODER_LEN, NUM_DECODER_TOKENS), dtype="float32")
    decoder_target_data = np.zeros((N, MAX_DECODER_LEN), dtype="int64")
    for i in range(N):
        length = rng.integers(3, MAX_ENCODER_LEN + 1)
        source = rng.integers(1, NUM_ENCODER_TOKENS, size=length)
        encoder_input_data[i, np.arange(length), source] = 1.0
        encoder_input_data[i, length:, 0] = 1.0  # the source's padding character
        start = source[0] % n_letters
        letters = 3 + (start + np.arange(length - 1)) % n_letters
        target_text = np.concatenate([[1], letters, [2]])  # "\t" ... "\n"
        for t, char in enumerate(target_text):
            # decoder_target_data is ahead of decoder_input_data by one timestep
            decoder_input_data[i, t, char] = 1.0
            if t > 0:
                # decoder_target_data will be ahead by one timestep
                # and will not include the start character.
                decoder_target_data[i, t - 1] = char
    sample_weight = (decoder_target_data != 0).astype("float32")
    x = [encoder_input_data, decoder_input_data]
    head = [a[:-N_VAL] for a in x]
    tail = [a[-N_VAL:] for a in x]
    return {
        "x": head, "y": decoder_target_data[:-N_VAL],
        "val": (tail, decoder_target_data[-N_VAL:], sample_weight[-N_VAL:]),
        "fit": {"batch_size": 32, "sample_weight": sample_weight[:-N_VAL]},
    }


def build(extra, data):
    # Define an input sequence and process it.
    encoder_inputs = keras.Input(shape=(None, NUM_ENCODER_TOKENS))
    encoder = keras.layers.LSTM(LATENT_DIM, return_state=True)
    encoder_outputs, state_h, state_c = encoder(encoder_inputs)

    # We discard `encoder_outputs` and only keep the states.
    encoder_states = [state_h, state_c]

    # Set up the decoder, using `encoder_states` as initial state.
    decoder_inputs = keras.Input(shape=(None, NUM_DECODER_TOKENS))

    # We set up our decoder to return full output sequences,
    # and to return internal states as well. We don't use the
    # return states in the training model, but we will use them in inference.
    decoder_lstm = keras.layers.LSTM(LATENT_DIM, return_sequences=True, return_state=True)
    decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=encoder_states)
    decoder_dense = keras.layers.Dense(NUM_DECODER_TOKENS, activation="softmax")
    decoder_outputs = decoder_dense(decoder_outputs)

    # Define the model that will turn
    # `encoder_input_data` & `decoder_input_data` into `decoder_target_data`
    model = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)
    model.compile(
        optimizer="rmsprop",
        loss="sparse_categorical_crossentropy",
        weighted_metrics=["accuracy"] + extra(),
    )
    return model


def reference(model, data):
    x_val, y_val, sw_val = data["val"]
    probs = model.predict(x_val, verbose=0)
    # positions of weight 0 (padding) excluded, the others counted once
    return {"accuracy": ref.argmax_accuracy(y_val, probs, valid=(sw_val != 0))}


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "keras": {"val_accuracy": "accuracy"},
    "warnings": [],
    "wrong": set(),
}
