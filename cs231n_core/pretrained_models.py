"""The course's own "pretrained" networks for assignment 3 (no ImageNet weights offline).

CS231n visualizes SqueezeNet trained on ImageNet. Nothing of the kind can be downloaded
here, so the course trains its own small classifier on the embedded MNIST digits, with
this module's script, in a few seconds on a CPU:

    python -m cs231n_core.pretrained_models            # writes pretrained/digits_cnn.npz
    python -m cs231n_core.pretrained_models --check    # retrains; exit 1 unless identical

The weights ship with the package (about 100 kB) and the script rebuilds them exactly
(same torch version and kind of CPU: one thread, deterministic algorithms, fixed seeds).

* ``DIGITS_CNN``: the architecture, as plain data (one tuple per layer), so that the
  same network can be built from torch's own layers anywhere (the graders do so).
* ``load_digits_classifier()``: the trained network, an ``nn.Sequential`` in evaluation
  mode, with ``preprocess`` / ``deprocess`` to go between pixels and its inputs.
* ``style_network()``: the feature extractor of style transfer: a few 3x3 convolutions
  on RGB images with fixed random weights drawn from a seed. Random convolutional
  features are enough for Gram-matrix textures (Ustyuzhaninov et al., "Texture
  synthesis using shallow convolutional networks with random filters", 2016; He et
  al., "A powerful generative model using random weights", 2016), and no RGB dataset
  large enough to train on ships with the course.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

__all__ = ["DIGITS_CNN", "DIGITS_MEAN", "DIGITS_STD", "PRETRAINED_DIR", "DIGITS_WEIGHTS",
           "build_network", "layer_index", "preprocess", "deprocess", "train_digits_classifier",
           "save_weights", "load_weights", "load_digits_classifier", "style_network",
           "STYLE_CNN", "STYLE_MEAN", "STYLE_STD", "preprocess_photo", "deprocess_photo", "main"]

PRETRAINED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pretrained")
DIGITS_WEIGHTS = os.path.join(PRETRAINED_DIR, "digits_cnn.npz")

# MNIST's classic normalization: pixels / 255, then this mean and standard deviation.
DIGITS_MEAN, DIGITS_STD = 0.1307, 0.3081

# The classifier, on (N, 1, 28, 28) inputs: three convolutions (the "features") then two
# fully connected layers (the "classifier"). Each entry: (kind, name, arguments).
DIGITS_CNN = (
    ("conv", "conv1", (1, 8, 5, 2)),     # (in, out, kernel, padding) -> (N, 8, 28, 28)
    ("relu", "relu1", ()),
    ("pool", "pool1", (2,)),             # -> (N, 8, 14, 14)
    ("conv", "conv2", (8, 16, 3, 1)),    # -> (N, 16, 14, 14)
    ("relu", "relu2", ()),
    ("pool", "pool2", (2,)),             # -> (N, 16, 7, 7)
    ("conv", "conv3", (16, 32, 3, 1)),   # -> (N, 32, 7, 7): Grad-CAM's layer (relu3)
    ("relu", "relu3", ()),
    ("pool", "pool3", (2,)),             # -> (N, 32, 3, 3)
    ("flatten", "flatten", ()),          # -> (N, 288)
    ("linear", "fc1", (288, 64)),
    ("relu", "relu4", ()),               # -> (N, 64): the "last-layer features"
    ("linear", "fc2", (64, 10)),         # -> (N, 10): class scores
)

# The style network's input normalization (RGB images scaled to [0, 1]).
STYLE_MEAN = (0.485, 0.456, 0.406)
STYLE_STD = (0.229, 0.224, 0.225)

# The style network: 3x3 convolutions and average pooling on RGB images, like the first
# blocks of VGG. Style transfer takes features after each ReLU.
STYLE_CNN = (
    ("conv", "conv1_1", (3, 32, 3, 1)),
    ("relu", "relu1_1", ()),
    ("conv", "conv1_2", (32, 32, 3, 1)),
    ("relu", "relu1_2", ()),
    ("avgpool", "pool1", (2,)),
    ("conv", "conv2_1", (32, 64, 3, 1)),
    ("relu", "relu2_1", ()),
    ("conv", "conv2_2", (64, 64, 3, 1)),
    ("relu", "relu2_2", ()),
    ("avgpool", "pool2", (2,)),
    ("conv", "conv3_1", (64, 128, 3, 1)),
    ("relu", "relu3_1", ()),
)


def build_network(spec):
    """An nn.Sequential of torch's own layers following `spec` (e.g. DIGITS_CNN), with
    torch's default initialization. Its layers are indexed in the order of `spec`."""
    layers = []
    for kind, _, args in spec:
        if kind == "conv":
            c_in, c_out, kernel, padding = args
            layers.append(nn.Conv2d(c_in, c_out, kernel, padding=padding))
        elif kind == "relu":
            layers.append(nn.ReLU())
        elif kind == "pool":
            layers.append(nn.MaxPool2d(args[0]))
        elif kind == "avgpool":
            layers.append(nn.AvgPool2d(args[0]))
        elif kind == "flatten":
            layers.append(nn.Flatten())
        elif kind == "linear":
            layers.append(nn.Linear(*args))
        else:
            raise ValueError("unknown layer kind %r in the network's spec" % (kind,))
    return nn.Sequential(*layers)


def layer_index(name, spec=DIGITS_CNN):
    """The position in the network of the layer called `name` (e.g. "relu3")."""
    names = [entry[1] for entry in spec]
    if name not in names:
        raise ValueError("no layer named %r; the layers are %s" % (name, ", ".join(names)))
    return names.index(name)


def preprocess(images):
    """MNIST pixels to the classifier's inputs.

    Input:
    - images: array or tensor of shape (N, 28, 28), (N, 28, 28, 1) or (N, 1, 28, 28),
      pixel values 0..255.

    Returns:
    - x: float32 tensor of shape (N, 1, 28, 28), (pixels / 255 - mean) / std.
    """
    x = torch.as_tensor(np.asarray(images, dtype=np.float32))
    if x.dim() == 4 and x.shape[-1] == 1:
        x = x.permute(0, 3, 1, 2)
    elif x.dim() == 3:
        x = x[:, None]
    if x.dim() != 4 or x.shape[1] != 1:
        raise ValueError("images must have shape (N, 28, 28), (N, 28, 28, 1) or "
                         "(N, 1, 28, 28), got %s" % (tuple(x.shape),))
    return (x / 255.0 - DIGITS_MEAN) / DIGITS_STD


def deprocess(x):
    """The classifier's inputs (N, 1, H, W) back to pixels (N, H, W) in [0, 1] (float
    NumPy array, clipped), for plt.imshow."""
    x = torch.as_tensor(x).detach().cpu().float()
    return (x[:, 0] * DIGITS_STD + DIGITS_MEAN).clamp(0, 1).numpy()


def _training_data(num_training, seed):
    from cs231n_core.data_utils import get_data

    data = get_data("mnist", num_training=num_training, num_validation=500, num_test=500,
                    subtract_mean=False, flatten=False, channels_first=True, seed=seed,
                    dtype=np.float32)
    return {split: (preprocess(data["X_" + split]), torch.from_numpy(data["y_" + split]))
            for split in ("train", "val", "test")}


def train_digits_classifier(seed=0, epochs=10, num_training=4000, batch_size=50,
                            learning_rate=1e-3, verbose=False):
    """Train DIGITS_CNN on the embedded MNIST digits (get_data's split, seed 0).

    Deterministic: one CPU thread, torch's deterministic algorithms, and `seed` for the
    initial weights and the order of the minibatches (the data split stays the same for
    every seed, so that every network is measured on the same held-out digits).

    Returns (model, info): the trained nn.Sequential in evaluation mode and a dict with
    "val_accuracy" and "test_accuracy" (fractions) and the training settings.
    """
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    try:
        data = _training_data(num_training, seed=0)
        generator = torch.Generator().manual_seed(seed)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = build_network(DIGITS_CNN)
        optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
        X, y = data["train"]
        for epoch in range(epochs):
            model.train()
            order = torch.randperm(len(y), generator=generator)
            for start in range(0, len(y), batch_size):
                batch = order[start:start + batch_size]
                loss = nn.functional.cross_entropy(model(X[batch]), y[batch])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            if verbose:
                print("epoch %d/%d: last loss %.4f, validation accuracy %.4f"
                      % (epoch + 1, epochs, loss.item(), _accuracy(model, *data["val"])))
        model.eval()
        info = {"architecture": json.dumps(DIGITS_CNN), "mean": DIGITS_MEAN, "std": DIGITS_STD,
                "seed": seed, "epochs": epochs, "num_training": num_training,
                "batch_size": batch_size, "learning_rate": learning_rate,
                "val_accuracy": _accuracy(model, *data["val"]),
                "test_accuracy": _accuracy(model, *data["test"])}
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)
    return model, info


def _accuracy(model, X, y):
    with torch.no_grad():
        return float((model(X).argmax(1) == y).float().mean())


def save_weights(model, path, info):
    """Write the state_dict (float32 arrays) and `info` (numbers and strings) to an .npz
    file."""
    arrays = {"param/" + k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    arrays.update({"info/" + k: np.asarray(v) for k, v in info.items()})
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    temporary = path + ".tmp.npz"
    np.savez_compressed(temporary, **arrays)
    os.replace(temporary, path)
    return path


def load_weights(path):
    """(state, info) of an .npz written by save_weights: dicts of arrays and numbers.
    No pickle is involved (allow_pickle=False)."""
    with np.load(path, allow_pickle=False) as stored:
        state = {k[len("param/"):]: stored[k] for k in stored.files if k.startswith("param/")}
        info = {k[len("info/"):]: stored[k].item() for k in stored.files if k.startswith("info/")}
    return state, info


def load_digits_classifier(path=DIGITS_WEIGHTS, device=None, dtype=torch.float32):
    """The trained digit classifier: an nn.Sequential (layers of DIGITS_CNN, in
    evaluation mode, gradients of its weights switched off) on `device`; its
    `info` attribute holds the training settings and accuracies."""
    if not os.path.isfile(path):
        raise FileNotFoundError("%s is missing; rebuild it with "
                                "`python -m cs231n_core.pretrained_models`" % path)
    state, info = load_weights(path)
    model = build_network(DIGITS_CNN)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    model.to(device=device, dtype=dtype).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    model.info = info
    return model


def style_network(seed=0, device=None, dtype=torch.float32):
    """The feature extractor of style transfer: STYLE_CNN with fixed random weights.

    Each convolution's weights are drawn from a Gaussian of standard deviation
    sqrt(2 / fan_in) (Kaiming's), its biases are zeros, from a generator of its own
    seeded with `seed`: the same network every time, without a weights file.
    Evaluation mode, no gradients for its weights.
    """
    generator = torch.Generator().manual_seed(seed)
    model = build_network(STYLE_CNN)
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, nn.Conv2d):
                fan_in = layer.weight[0].numel()
                layer.weight.copy_(torch.randn(layer.weight.shape, generator=generator)
                                   * (2.0 / fan_in) ** 0.5)
                layer.bias.zero_()
    model.to(device=device, dtype=dtype).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def preprocess_photo(image, size=None):
    """An RGB photograph (H, W, 3) of uint8 (or floats in [0, 1]) to the style network's
    input: a float32 tensor (1, 3, H', W'), scaled to [0, 1] and normalized with
    STYLE_MEAN and STYLE_STD. `size` resizes the shorter side to that many pixels
    (antialiased), keeping the aspect ratio. A grayscale image (H, W) gets 3 channels."""
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    if image.ndim != 3 or image.shape[-1] not in (3, 4):
        raise ValueError("expected an RGB image (H, W, 3), got shape %s" % (image.shape,))
    x = torch.as_tensor(np.ascontiguousarray(image[..., :3]), dtype=torch.float32)
    if image.dtype == np.uint8:
        x = x / 255.0
    x = x.permute(2, 0, 1)[None]
    if size is not None:
        height, width = x.shape[2:]
        scale = float(size) / min(height, width)
        shape = (max(1, round(height * scale)), max(1, round(width * scale)))
        x = torch.nn.functional.interpolate(x, size=shape, mode="bilinear", antialias=True,
                                            align_corners=False)
    mean = torch.tensor(STYLE_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STYLE_STD).view(1, 3, 1, 1)
    return (x.clamp(0, 1) - mean) / std


def deprocess_photo(x):
    """The style network's input (1, 3, H, W) back to an RGB image (H, W, 3) of floats in
    [0, 1] (NumPy, clipped), for plt.imshow."""
    x = torch.as_tensor(x).detach().cpu().float()
    mean = torch.tensor(STYLE_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STYLE_STD).view(1, 3, 1, 1)
    return (x * std + mean).clamp(0, 1)[0].permute(1, 2, 0).numpy()


def _same(state_a, state_b):
    return state_a.keys() == state_b.keys() and all(np.array_equal(state_a[k], state_b[k]) for k in state_a)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train the digit classifier of assignment 3 "
                                     "and write its weights (or check the stored ones).")
    parser.add_argument("--out", default=DIGITS_WEIGHTS, help="where to write the .npz")
    parser.add_argument("--seed", type=int, default=0, help="initial weights and minibatch order")
    parser.add_argument("--check", action="store_true",
                        help="retrain and compare with the stored file; exit 1 unless identical")
    args = parser.parse_args(argv)
    model, info = train_digits_classifier(seed=args.seed, verbose=True)
    print("validation accuracy %.4f, test accuracy %.4f (500 MNIST digits each)"
          % (info["val_accuracy"], info["test_accuracy"]))
    if args.check:
        stored, _ = load_weights(args.out)
        rebuilt = {k: v.detach().numpy() for k, v in model.state_dict().items()}
        if not _same(stored, rebuilt):
            worst = max(float(np.max(np.abs(stored[k] - rebuilt[k]))) for k in stored)
            print("%s differs from the rebuilt weights (largest difference %.3g)" % (args.out, worst))
            return 1
        print("%s is rebuilt exactly" % args.out)
        return 0
    save_weights(model, args.out, info)
    print("wrote %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
