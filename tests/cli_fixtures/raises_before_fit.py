"""A training script that fails before it reaches fit."""


def load_data(path):
    raise FileNotFoundError(f"no data at {path}")


if __name__ == "__main__":
    x, y = load_data("data/train.npz")
    print("never printed")
