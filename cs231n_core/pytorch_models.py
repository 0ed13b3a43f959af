"""PyTorch models and training loops of assignment 2 (CS231n's PyTorch.ipynb).

Three levels of abstraction, as in CS231n:

* the barebones API: plain functions of tensors and a list of weight tensors
  (``flatten``, ``two_layer_fc``, ``three_layer_convnet``, with weights from
  ``random_weight`` and ``zero_weight``), in the style of ``torch.nn.functional``;
* the ``nn.Module`` API: ``TwoLayerFC`` and ``ThreeLayerConvNet``, trained by
  ``train`` with any ``torch.optim`` optimizer and measured by ``check_accuracy``;
* ``nn.Sequential``, built in the notebook from these pieces.

Everything is device-agnostic and keeps no hidden state: the device is an argument
(``choose_device()`` picks CUDA when present, else the CPU, once, in the notebook), the
random numbers come from torch's generator, and data come in as arguments: a
``DataLoader`` or a pair ``(X, y)`` of arrays (see ``as_loader``). ``load_data`` turns
``get_data``'s arrays (CIFAR-10 when downloaded, else the embedded digits) into loaders.
There is no torchvision here: the few transforms needed are written below.

Shapes follow CS231n: images are ``(N, C, H, W)``, fully connected weights of the
barebones API are ``(D_in, D_out)`` (``x.mm(w)``), convolution weights are
``(F, C, HH, WW)``.
"""
import math
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler
from tqdm.auto import tqdm

from .file_utils import write_then_replace

__all__ = [
    "choose_device", "flatten", "Flatten", "random_weight", "zero_weight", "two_layer_fc",
    "three_layer_convnet", "TwoLayerFC", "ThreeLayerConvNet", "check_accuracy", "train",
    "train_barebones", "save_checkpoint", "load_checkpoint", "as_loader", "load_data",
    "Normalize", "RandomCrop", "RandomHorizontalFlip", "Compose", "count_params",
]


def choose_device(prefer_gpu=True):
    """The device to use everywhere: CUDA when present (and prefer_gpu), else the CPU."""
    if prefer_gpu and torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")


# --------------------------------------------------------------------------------------
# Part II: the barebones API
# --------------------------------------------------------------------------------------

def flatten(x):
    """Flatten each example of a minibatch into a row.

    Input:
    - x: tensor of shape (N, d_1, ..., d_k)

    Returns:
    - a tensor of shape (N, D), D = d_1 * ... * d_k, each row holding one example's
      values in PyTorch's (row-major) order.
    """
    # TODO: read N from x's shape and reshape x to (N, D) (one line).
    # BEGIN SOLUTION
    return x.reshape(x.shape[0], -1)
    # END SOLUTION


class Flatten(nn.Module):
    """``flatten`` as a module, for nn.Sequential (like nn.Flatten)."""

    def forward(self, x):
        return flatten(x)


def random_weight(shape, device=None, dtype=torch.float32):
    """A weight tensor with Kaiming normal initialization: entries drawn from a
    Gaussian of mean 0 and standard deviation sqrt(2 / fan_in), requiring gradients.

    Inputs:
    - shape: tuple of ints: (D_in, D_out) for a fully connected weight (barebones
      layout, x.mm(w)), or (F, C, HH, WW) for a convolution's weight.
    - device: where the tensor lives (None: the CPU).
    - dtype: its floating dtype.

    Returns:
    - a leaf tensor of `shape`, `dtype` and `device` with requires_grad=True.

    fan_in is the number of inputs of one output unit: D_in for a fully connected
    weight, C * HH * WW for a convolution. Draw with torch (torch.randn), so that
    torch.manual_seed makes it reproducible.
    """
    # TODO: compute fan_in from the shape, draw the weights, scale them, and only then
    # mark the result as requiring gradients (its requires_grad attribute).
    # BEGIN SOLUTION
    if len(shape) == 2:  # fully connected weight (D_in, D_out)
        fan_in = shape[0]
    else:  # convolution weight (F, C, HH, WW)
        fan_in = int(np.prod(shape[1:]))
    w = torch.randn(shape, device=device, dtype=dtype) * math.sqrt(2.0 / fan_in)
    w.requires_grad = True
    return w
    # END SOLUTION


def zero_weight(shape, device=None, dtype=torch.float32):
    """A tensor of zeros of `shape` requiring gradients (biases)."""
    return torch.zeros(shape, device=device, dtype=dtype, requires_grad=True)


def two_layer_fc(x, params):
    """A fully connected two-layer network: flatten - affine - ReLU - affine.

    No biases, as in CS231n's barebones example.

    Inputs:
    - x: tensor of shape (N, d_1, ..., d_k) of input data, D = d_1 * ... * d_k.
    - params: list [w1, w2] of tensors: w1 of shape (D, H), w2 of shape (H, C).

    Returns:
    - scores: tensor of shape (N, C), the class scores of x.
    """
    # TODO: flatten x, then x.mm(w1), F.relu, and .mm(w2).
    # BEGIN SOLUTION
    w1, w2 = params
    x = flatten(x)                        # (N, D)
    hidden = F.relu(x.mm(w1))             # (N, H)
    return hidden.mm(w2)                  # (N, C)
    # END SOLUTION


def three_layer_convnet(x, params):
    """A three-layer convolutional network (CS231n's barebones ConvNet):

    1. a convolution with channel_1 filters of size 5x5, zero padding 2, then a ReLU;
    2. a convolution with channel_2 filters of size 3x3, zero padding 1, then a ReLU;
    3. a fully connected layer from the flattened activations to C class scores.

    Both convolutions have stride 1 and keep the image's height and width.

    Inputs:
    - x: tensor of shape (N, C_in, H, W), a minibatch of images.
    - params: list [conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b]:
      - conv_w1: (channel_1, C_in, 5, 5), conv_b1: (channel_1,)
      - conv_w2: (channel_2, channel_1, 3, 3), conv_b2: (channel_2,)
      - fc_w: (channel_2 * H * W, C), fc_b: (C,)

    Returns:
    - scores: tensor of shape (N, C).

    Hint: F.conv2d(x, w, b, padding=p) and F.relu; the fully connected layer is
    flatten(x).mm(fc_w) + fc_b.
    """
    conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b = params
    scores = None
    # TODO: the forward pass of the network; store the class scores in `scores`.
    # BEGIN SOLUTION
    x = F.relu(F.conv2d(x, conv_w1, conv_b1, padding=2))   # (N, channel_1, H, W)
    x = F.relu(F.conv2d(x, conv_w2, conv_b2, padding=1))   # (N, channel_2, H, W)
    scores = flatten(x).mm(fc_w) + fc_b                      # (N, C)
    # END SOLUTION
    return scores


# --------------------------------------------------------------------------------------
# Part III: the nn.Module API
# --------------------------------------------------------------------------------------

def count_params(model):
    """The number of learnable values of a module."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class TwoLayerFC(nn.Module):
    """flatten - fully connected (fc1) - ReLU - fully connected (fc2).

    Layers, as attributes: self.fc1, an nn.Linear from input_size to hidden_size, and
    self.fc2, an nn.Linear from hidden_size to num_classes, both with biases, their
    weights drawn with nn.init.kaiming_normal_ (the biases keep nn.Linear's
    initialization).
    forward(x) maps x of shape (N, d_1, ..., d_k), d_1 * ... * d_k = input_size,
    to scores of shape (N, num_classes).
    """

    def __init__(self, input_size, hidden_size, num_classes):
        super().__init__()
        # TODO: assign the two layers to self.fc1 and self.fc2 and initialize their
        # weights with nn.init.kaiming_normal_.
        # BEGIN SOLUTION
        self.fc1 = nn.Linear(input_size, hidden_size)
        nn.init.kaiming_normal_(self.fc1.weight)
        self.fc2 = nn.Linear(hidden_size, num_classes)
        nn.init.kaiming_normal_(self.fc2.weight)
        # END SOLUTION

    def forward(self, x):
        # TODO: flatten, fc1, ReLU, fc2; return the scores.
        # BEGIN SOLUTION
        x = flatten(x)
        return self.fc2(F.relu(self.fc1(x)))
        # END SOLUTION


def _pair(size):
    if isinstance(size, int):
        return size, size
    height, width = size
    return int(height), int(width)


class ThreeLayerConvNet(nn.Module):
    """The three-layer ConvNet of the barebones API as an nn.Module:

    conv (channel_1 filters 5x5, padding 2) - ReLU - conv (channel_2 filters 3x3,
    padding 1) - ReLU - fully connected to num_classes scores.

    Inputs of __init__:
    - in_channel: channels of the input images (3 for CIFAR-10, 1 for digits).
    - channel_1, channel_2: filters of the two convolutions.
    - num_classes: number of scores.
    - image_size: height and width of the input images, an int or a pair (32 for
      CIFAR-10), needed to size the fully connected layer.

    Use three layers with biases, in this order: nn.Conv2d, nn.Conv2d, nn.Linear, and
    draw every weight with nn.init.kaiming_normal_ (biases: zeros or the default).
    forward(x) maps x of shape (N, in_channel, H, W) to scores of shape (N, num_classes).
    """

    def __init__(self, in_channel, channel_1, channel_2, num_classes, image_size=32):
        super().__init__()
        height, width = _pair(image_size)
        # TODO: assign the layers to self.conv1, self.conv2 and self.fc and initialize
        # their weights with nn.init.kaiming_normal_.
        # BEGIN SOLUTION
        self.conv1 = nn.Conv2d(in_channel, channel_1, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(channel_1, channel_2, kernel_size=3, padding=1)
        self.fc = nn.Linear(channel_2 * height * width, num_classes)
        for layer in (self.conv1, self.conv2, self.fc):
            nn.init.kaiming_normal_(layer.weight)
            nn.init.zeros_(layer.bias)
        # END SOLUTION

    def forward(self, x):
        scores = None
        # TODO: the forward pass; store the class scores in `scores`.
        # BEGIN SOLUTION
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        scores = self.fc(flatten(x))
        # END SOLUTION
        return scores


# --------------------------------------------------------------------------------------
# Measuring and training
# --------------------------------------------------------------------------------------

def check_accuracy(data, model, device=None, batch_size=256):
    """The fraction of examples of `data` that `model` classifies right.

    Inputs:
    - data: a DataLoader of (x, y) minibatches, or a pair (X, y) of arrays or tensors.
    - model: an nn.Module, or any function x -> scores (e.g. a barebones model with
      its weights: lambda x: two_layer_fc(x, params)).
    - device: where to compute (None: the CPU); the model must live there.
    - batch_size: minibatch size when data is a pair of arrays.

    Returns:
    - accuracy: a float in [0, 1], over all the examples of data.

    An nn.Module is measured in evaluation mode (model.eval(): dropout off, batch
    normalization with its running averages) and left in the mode it came in; no
    gradient is computed (torch.no_grad()). The prediction is the highest score.
    """
    device = torch.device("cpu") if device is None else torch.device(device)
    loader = as_loader(data, batch_size=batch_size, shuffle=False)
    is_module = isinstance(model, nn.Module)
    was_training = model.training if is_module else False
    num_correct, num_samples = 0, 0
    # TODO: switch an nn.Module to evaluation mode; then, without gradients, count the
    # right predictions in num_correct and the examples in num_samples over all of
    # loader's minibatches (moved to the device).
    # BEGIN SOLUTION
    if is_module:
        model.eval()
    with torch.no_grad():
        for x, y in loader:
            x = x.to(device)
            y = y.to(device, dtype=torch.long)
            scores = model(x)
            preds = scores.argmax(dim=1)
            num_correct += int((preds == y).sum())
            num_samples += int(y.shape[0])
    # END SOLUTION
    if is_module:
        model.train(was_training)
    return num_correct / max(num_samples, 1)


def train(model, optimizer, data, epochs=1, device=None, val_data=None, scheduler=None,
          batch_size=64, progress=True):
    """Train `model` with `optimizer` on `data` for `epochs` epochs (softmax loss).

    Inputs:
    - model: an nn.Module mapping x of shape (N, ...) to scores of shape (N, C).
    - optimizer: a torch.optim optimizer over model's parameters.
    - data: a DataLoader of (x, y) minibatches, or a pair (X, y) of arrays or tensors
      (then shuffled into minibatches of batch_size every epoch).
    - epochs: number of passes over data.
    - device: where to train (None: the CPU); the model is moved there.
    - val_data: optional validation data, measured with check_accuracy after each epoch.
    - scheduler: optional learning-rate scheduler, stepped after each epoch.
    - progress: show a tqdm progress bar.

    Returns:
    - history: dict with "loss" (the loss of every iteration, floats) and "val_acc"
      (the validation accuracy after each epoch, when val_data is given).

    Each iteration: put the model in training mode (check_accuracy may have switched
    it to evaluation mode), move the minibatch to the device (labels as torch.long),
    compute the scores and F.cross_entropy (averaged over the minibatch), zero the
    gradients, backpropagate and take one optimizer step.
    """
    device = torch.device("cpu") if device is None else torch.device(device)
    loader = as_loader(data, batch_size=batch_size, shuffle=True)
    model.to(device)
    history = {"loss": [], "val_acc": []}
    for epoch in range(epochs):
        bar = tqdm(loader, desc="epoch %d/%d" % (epoch + 1, epochs), disable=not progress,
                   leave=epoch == epochs - 1)
        for x, y in bar:
            # TODO: one training iteration (see the docstring); leave the minibatch's
            # loss tensor in `loss`.
            # BEGIN SOLUTION
            model.train()
            x = x.to(device)
            y = y.to(device, dtype=torch.long)
            scores = model(x)
            loss = F.cross_entropy(scores, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            # END SOLUTION
            history["loss"].append(loss.item())
            bar.set_postfix(loss="%.4f" % history["loss"][-1], refresh=False)
        if scheduler is not None:
            scheduler.step()
        if val_data is not None:
            history["val_acc"].append(check_accuracy(val_data, model, device))
            if progress:
                print("epoch %d/%d: loss %.4f, validation accuracy %.2f%%"
                      % (epoch + 1, epochs, history["loss"][-1], 100 * history["val_acc"][-1]))
    return history


def train_barebones(model_fn, params, data, learning_rate, epochs=1, device=None,
                    val_data=None, batch_size=64, progress=True):
    """Train a barebones model, scores = model_fn(x, params), with plain SGD written
    by hand (CS231n's train_part2): the updates w -= learning_rate * w.grad happen
    under torch.no_grad(), then each gradient is zeroed. Returns a history as train."""
    device = torch.device("cpu") if device is None else torch.device(device)
    loader = as_loader(data, batch_size=batch_size, shuffle=True)
    history = {"loss": [], "val_acc": []}
    for epoch in range(epochs):
        bar = tqdm(loader, desc="epoch %d/%d" % (epoch + 1, epochs), disable=not progress,
                   leave=epoch == epochs - 1)
        for x, y in bar:
            x = x.to(device)
            y = y.to(device, dtype=torch.long)
            loss = F.cross_entropy(model_fn(x, params), y)
            loss.backward()
            with torch.no_grad():  # the update itself is no part of the graph
                for w in params:
                    w -= learning_rate * w.grad
                    w.grad.zero_()
            history["loss"].append(loss.item())
            bar.set_postfix(loss="%.4f" % history["loss"][-1], refresh=False)
        if val_data is not None:
            accuracy = check_accuracy(val_data, lambda x: model_fn(x, params), device)
            history["val_acc"].append(accuracy)
            if progress:
                print("epoch %d/%d: loss %.4f, validation accuracy %.2f%%"
                      % (epoch + 1, epochs, history["loss"][-1], 100 * accuracy))
    return history


# --------------------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------------------

def save_checkpoint(path, model, optimizer=None, epoch=None, **extra):
    """Save model's state_dict, the optimizer's state and the epoch to `path`.

    Written atomically: to a temporary file in the same folder, then renamed over
    `path`, so that an interrupted save never leaves a half-written checkpoint.
    `extra` holds more plain values (numbers, strings, lists, dicts) to keep.
    """
    checkpoint = {"model": model.state_dict(), "epoch": epoch, "extra": extra,
                  "optimizer": optimizer.state_dict() if optimizer is not None else None}
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".checkpoint-", suffix=".tmp", dir=folder)
    write_then_replace(path, temporary, lambda: os.fdopen(handle, "wb"),
                       lambda stream: torch.save(checkpoint, stream))
    return path


def load_checkpoint(path, model, optimizer=None, device=None):
    """Load a checkpoint written by save_checkpoint into model (and optimizer).

    The tensors are read onto `device` (None: the device of model's parameters), so
    that a checkpoint saved on a GPU loads on a machine without one. Returns a dict
    with "epoch" and "extra" as saved.
    """
    if device is None:
        first = next(model.parameters(), None)
        device = first.device if first is not None else torch.device("cpu")
    checkpoint = torch.load(path, map_location=device, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    if optimizer is not None:
        if checkpoint.get("optimizer") is None:
            raise ValueError("%s holds no optimizer state" % path)
        optimizer.load_state_dict(checkpoint["optimizer"])
    return {"epoch": checkpoint.get("epoch"), "extra": checkpoint.get("extra", {})}


# --------------------------------------------------------------------------------------
# Data: arrays to loaders, and the few transforms the notebook needs
# --------------------------------------------------------------------------------------

class _BatchDataset(Dataset):
    """Images X and labels y indexed by a list of indices at once (one minibatch per
    fetch), with an optional transform of the images of the minibatch."""

    def __init__(self, X, y, transform=None):
        self.X, self.y, self.transform = X, y, transform

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, indices):
        x, y = self.X[indices], self.y[indices]
        if self.transform is not None:
            x = self.transform(x)
        return x, y


def as_loader(data, batch_size=64, shuffle=False, seed=None, transform=None):
    """A DataLoader of (x, y) minibatches.

    `data` is either a DataLoader (or any iterable of (x, y) pairs), returned as it is,
    or a pair (X, y) of arrays or tensors: X of shape (N, ...) (floating; other dtypes
    become float32), y of shape (N,) (integer labels). Minibatches hold batch_size
    examples (the last one fewer); with shuffle, a new order every epoch, drawn from
    torch's global generator or, with a seed, from a generator of its own. `transform`
    maps a minibatch of images to another (data augmentation).
    """
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        return data
    X, y = (torch.as_tensor(np.asarray(v)) if not torch.is_tensor(v) else v for v in data)
    if not torch.is_floating_point(X):
        X = X.float()
    y = y.long()
    if X.shape[0] != y.shape[0]:
        raise ValueError("X has %d examples but y has %d labels" % (X.shape[0], y.shape[0]))
    dataset = _BatchDataset(X, y, transform)
    if shuffle:
        generator = torch.Generator().manual_seed(int(seed)) if seed is not None else None
        order = RandomSampler(dataset, generator=generator)
    else:
        order = SequentialSampler(dataset)
    return DataLoader(dataset, sampler=BatchSampler(order, int(batch_size), drop_last=False),
                      batch_size=None)


class Normalize:
    """Subtract a per-channel mean and divide by a per-channel standard deviation
    (like torchvision's Normalize) on images of shape (N, C, H, W)."""

    def __init__(self, mean, std):
        self.mean = torch.as_tensor(mean, dtype=torch.float32).reshape(1, -1, 1, 1)
        self.std = torch.as_tensor(std, dtype=torch.float32).reshape(1, -1, 1, 1)

    def __call__(self, x):
        return (x - self.mean.to(x)) / self.std.to(x)


class RandomCrop:
    """Pad each image of a minibatch (N, C, H, W) with `padding` zeros on every side,
    then crop it back to H x W at a random offset of its own (like torchvision's
    RandomCrop(size, padding))."""

    def __init__(self, padding):
        self.padding = int(padding)

    def __call__(self, x):
        p = self.padding
        if p == 0:
            return x
        n, _, height, width = x.shape
        padded = F.pad(x, (p, p, p, p)).permute(0, 2, 3, 1)       # (N, H + 2p, W + 2p, C)
        top = torch.randint(0, 2 * p + 1, (n, 1))
        left = torch.randint(0, 2 * p + 1, (n, 1))
        rows = (top + torch.arange(height)).to(x.device)            # (N, H)
        cols = (left + torch.arange(width)).to(x.device)            # (N, W)
        index = torch.arange(n, device=x.device)[:, None, None]
        crops = padded[index, rows[:, :, None], cols[:, None, :]]   # (N, H, W, C)
        return crops.permute(0, 3, 1, 2).contiguous()


class RandomHorizontalFlip:
    """Mirror each image left-right with probability p (for photographs, not digits)."""

    def __init__(self, p=0.5):
        self.p = float(p)

    def __call__(self, x):
        flip = torch.rand(x.shape[0]) < self.p
        out = x.clone()
        out[flip] = x[flip].flip(-1)
        return out


class Compose:
    """Apply transforms one after the other."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for transform in self.transforms:
            x = transform(x)
        return x


def load_data(name="auto", num_training=None, num_validation=None, num_test=None,
              batch_size=64, seed=0, augment=None):
    """The data of the PyTorch notebook as DataLoaders, in CS231n's preprocessing.

    Loads get_data's arrays (CIFAR-10 when downloaded, else the embedded MNIST digits),
    as images (N, C, H, W) of float32 scaled to [0, 1], normalized per channel with the
    training set's mean and standard deviation (CS231n's Normalize). `augment` is an
    optional transform of training minibatches (e.g. RandomCrop(4)).

    Returns a dict: "train" (shuffled), "val" and "test" loaders, "name",
    "class_names", "in_channels", "image_size" (H, W), "num_classes", "mean", "std",
    and the sizes "num_train", "num_val", "num_test".
    """
    from cs231n_core.data_utils import get_data

    data = get_data(name, num_training=num_training, num_validation=num_validation,
                    num_test=num_test, subtract_mean=False, flatten=False, channels_first=True,
                    seed=seed, dtype=np.float32)
    scale = 255.0 if data["name"] in ("cifar10", "mnist") else 16.0
    X = {k: torch.from_numpy(data["X_" + k] / np.float32(scale)) for k in ("train", "val", "test")}
    mean = X["train"].mean(dim=(0, 2, 3))
    std = X["train"].std(dim=(0, 2, 3))
    normalize = Normalize(mean, std)
    X = {k: normalize(v) for k, v in X.items()}
    y = {k: torch.from_numpy(data["y_" + k]) for k in ("train", "val", "test")}
    height, width, channels = data["image_shape"]
    return {
        "train": as_loader((X["train"], y["train"]), batch_size, shuffle=True, transform=augment),
        "val": as_loader((X["val"], y["val"]), batch_size),
        "test": as_loader((X["test"], y["test"]), batch_size),
        "name": data["name"], "class_names": data["class_names"], "in_channels": channels,
        "image_size": (height, width), "num_classes": len(data["class_names"]),
        "mean": mean.tolist(), "std": std.tolist(),
        "num_train": len(y["train"]), "num_val": len(y["val"]), "num_test": len(y["test"]),
    }
