"""Weights & Biases, offline: WandbMetricsLogger records true_accuracy and val_true_accuracy.

WandbMetricsLogger logs, every epoch, the logs Keras hands its callbacks (as
epoch/<key>). TruAccMonitor writes its keys into those logs inside Keras's own
metric pass, so W&B records epoch/true_accuracy, epoch/val_true_accuracy and
epoch/majority_baseline beside Keras's epoch/binary_accuracy, whatever the order
of the two callbacks.

The set-up is the seed question's: a 10-class softmax trained with
binary_crossentropy and metrics=["binary_accuracy"] on scikit-learn's
load_digits (no download).

Nothing goes over the network: the run is offline (mode="offline"), and W&B's
files (the run, its logs, its cache) go to --out (default ./truacc-wandb-example).
Upload it later, if you want, with:  wandb sync truacc-wandb-example/wandb/offline-run-*

Run:  python examples/wandb_offline.py [--epochs 5] [--out DIR]
"""

import argparse
import os


def main(epochs, out):
    out = os.path.abspath(out)
    os.makedirs(out, exist_ok=True)
    # Offline, quiet, and every W&B file under `out` (set before importing wandb).
    for name, value in (("WANDB_MODE", "offline"), ("WANDB_SILENT", "true"),
                        ("WANDB_DISABLE_GIT", "true"), ("WANDB_DISABLE_CODE", "true"),
                        ("WANDB_DIR", out), ("WANDB_CACHE_DIR", os.path.join(out, "cache")),
                        ("WANDB_CONFIG_DIR", os.path.join(out, "config")),
                        ("WANDB_DATA_DIR", os.path.join(out, "data"))):
        os.environ.setdefault(name, value)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    import keras
    import wandb
    from sklearn.datasets import load_digits
    from wandb.integration.keras import WandbMetricsLogger

    import keras_truacc as truacc

    data = load_digits()
    x = (data.data / 16.0).astype("float32")
    y = keras.utils.to_categorical(data.target, 10)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((64,)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy",
                  metrics=["binary_accuracy"])

    run = wandb.init(mode="offline", dir=out, project="keras-truacc-example",
                     config={"loss": "binary_crossentropy", "epochs": epochs})
    try:
        history = model.fit(x, y, validation_split=0.2, epochs=epochs, batch_size=64, verbose=0,
                            callbacks=[WandbMetricsLogger(),
                                       truacc.TruAccMonitor(summary=False)]).history
        summary = {key: run.summary[f"epoch/{key}"]
                   for key in ("val_binary_accuracy", "val_true_accuracy", "val_majority_baseline")}
        run_dir = os.path.dirname(run.dir)  # .../wandb/offline-run-<time>-<id>
    finally:
        wandb.finish()  # also stops W&B's background service

    print(f"W&B {wandb.__version__}, offline run in {run_dir}")
    print("\nrun summary (the last epoch), beside History:")
    for key, value in summary.items():
        print(f"  epoch/{key:<22} {value:.4f}   History {history[key][-1]:.4f}")
    print(f"\nupload later with:  wandb sync {run_dir}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--out", default="truacc-wandb-example",
                        help="directory for the offline run and W&B's own files")
    args = parser.parse_args()
    main(args.epochs, args.out)
