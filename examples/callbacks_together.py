"""TruAccMonitor's keys work with every other callback: EarlyStopping, CSVLogger, TensorBoard.

A Dense(1) logits model learns "is this 8x8 digit >= 5?" (scikit-learn's
load_digits, ships with sklearn). It is compiled with metrics=["accuracy"],
which Keras thresholds at 0.5 on the logits, so val_accuracy is the wrong
number to stop on. Instead:
  - EarlyStopping(monitor="val_true_accuracy", mode="max") stops on the true one;
  - CSVLogger writes true_accuracy, val_true_accuracy and majority_baseline
    as columns beside Keras's own;
  - TensorBoard gets them as scalars (epoch_true_accuracy in train/ and validation/).
TruAccMonitor is put LAST in the list on purpose: its keys are made inside
Keras's metric pass, so callbacks before it see them too.

Files go to --out (default: a new temporary directory).

Run:  python examples/callbacks_together.py [--epochs 20] [--out DIR]
"""

import argparse
import csv
import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import keras_truacc as truacc  # noqa: E402


def tensorboard_tags(log_dir):
    """The per-epoch scalar tags in the TensorBoard event files under log_dir."""
    tags = set()
    for root, _, files in os.walk(log_dir):
        for name in files:
            if not name.startswith("events.out"):
                continue
            for record in tf.data.TFRecordDataset(os.path.join(root, name)):
                event = tf.compat.v1.Event.FromString(record.numpy())
                split = os.path.basename(root)
                tags.update(f"{split}/{v.tag}" for v in event.summary.value
                            if v.tag.startswith("epoch_"))
    return sorted(tags)


def main(epochs, out):
    data = load_digits()
    x = data.data.astype("float32") / 16.0
    y = (data.target >= 5).astype("float32")

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(1),  # logits
    ])
    model.compile(optimizer=keras.optimizers.Adam(3e-4),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=["accuracy"])

    csv_path = os.path.join(out, "history.csv")
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_true_accuracy", mode="max", patience=3,
                                      min_delta=0.002, restore_best_weights=True, verbose=1),
        keras.callbacks.CSVLogger(csv_path),
        keras.callbacks.TensorBoard(log_dir=os.path.join(out, "tb")),
        truacc.TruAccMonitor(summary=False),  # last, and the others still see its keys
    ]
    history = model.fit(x, y, validation_split=0.25, epochs=epochs, batch_size=32,
                        verbose=0, callbacks=callbacks).history
    print(f"trained {len(history['loss'])} of {epochs} epochs; "
          f"best val_true_accuracy {max(history['val_true_accuracy']):.4f}; "
          f"val_accuracy (0.5 on logits) lags behind it, so stopping on it would be wrong")

    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    print(f"\nCSV columns ({csv_path}):\n  " + ", ".join(rows[0]))
    print(f"\n{'epoch':>5} {'val_accuracy':>13} {'val_true_accuracy':>18} {'val_majority_baseline':>22}")
    for row in rows:
        print(f"{int(row['epoch']) + 1:>5} {float(row['val_accuracy']):>13.4f} "
              f"{float(row['val_true_accuracy']):>18.4f} {float(row['val_majority_baseline']):>22.4f}")

    print("\nTensorBoard scalars:\n  " + "\n  ".join(tensorboard_tags(os.path.join(out, "tb"))))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--out", help="directory for the CSV and TensorBoard logs")
    args = parser.parse_args()
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        main(args.epochs, args.out)
    else:
        with tempfile.TemporaryDirectory() as out:
            main(args.epochs, out)
