"""The open-ended challenge of PyTorch.ipynb (Part V): your network and how to train it.

``challenge_setup`` is the graded target: it returns a fresh network and its training
set-up (optimizer, optional scheduler, epochs, minibatch size, optional augmentation).
The notebook trains it on CIFAR-10 (or the embedded digits); the hidden grader trains
the same set-up with ``train_challenge`` on small digit images within a CPU budget and
measures its accuracy on held-out digits.

The grader rebuilds your trained network outside your code to score it, from the
numbers ``export_model`` gives (one row per layer, and the weights). So the network must
be an ``nn.Sequential`` (nested ones allowed) of the layers of ``LAYER_KINDS``; their
hyper-parameters are free.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from cs231n_core.pytorch_models import Compose, Flatten, RandomCrop, RandomHorizontalFlip

__all__ = ["MAX_EPOCHS", "MAX_PARAMS", "LAYER_KINDS", "challenge_setup", "train_challenge", "export_model",
           "model_from_layers"]

MAX_EPOCHS = 10
MAX_PARAMS = 500_000  # learnable values; the reference network has about 25,000

# Each layer travels as a row of ROW floats: its kind's code, then its arguments (the
# rest zeros). Codes are fixed: a row means the same layer on every side.
ROW = 10
LAYER_KINDS = {
    1: "Conv2d",             # in, out, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, bias
    2: "Linear",             # in, out, bias
    3: "BatchNorm2d",        # channels, eps, momentum, affine
    4: "BatchNorm1d",        # features, eps, momentum, affine
    5: "ReLU",
    6: "LeakyReLU",          # negative_slope
    7: "MaxPool2d",          # kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w
    8: "AvgPool2d",          # kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w
    9: "AdaptiveAvgPool2d",  # out_h, out_w
    10: "Flatten",           # torch's nn.Flatten() or pytorch_models.Flatten
    11: "Dropout",           # p
    12: "Dropout2d",         # p
    13: "ELU",               # alpha
    14: "GELU",
    15: "Tanh",
}
CODES = {name: code for code, name in LAYER_KINDS.items()}


def challenge_setup(in_channels, image_size, num_classes):
    """A fresh challenge network and its training set-up.

    Inputs:
    - in_channels: channels C of the input images (3 for CIFAR-10, 1 for digits).
    - image_size: (H, W) of the input images, e.g. (32, 32) or (8, 8).
    - num_classes: the number of classes.

    Returns a dict:
    - "model": an nn.Sequential of the layers of LAYER_KINDS (nested nn.Sequential
      allowed), mapping images (N, C, H, W) to scores (N, num_classes);
    - "optimizer": a torch.optim optimizer over the model's parameters;
    - "scheduler": None, or a learning-rate scheduler stepped after each epoch;
    - "epochs": the number of passes over the training data, 1 to MAX_EPOCHS;
    - "batch_size": the minibatch size;
    - "augment": None, or a transform of training minibatches (N, C, H, W), e.g.
      RandomCrop(padding).

    Call torch.manual_seed first for a reproducible network. Keep the set-up small
    enough to train on 1,000 images of 8x8 pixels within the grader's CPU budget (a
    few seconds; see the notebook).
    """
    # TODO: build your network and its training set-up (see the notebook's tips).
    # BEGIN SOLUTION
    # [conv-bn-relu x2 - pool] x2 - conv-bn-relu - global average pool - dropout - affine
    height, width = image_size
    channels = 32 if height * width >= 32 * 32 else 16  # wider for photographs

    def block(c_in, c_out):
        return [nn.Conv2d(c_in, c_out, kernel_size=3, padding=1, bias=False),
                nn.BatchNorm2d(c_out), nn.ReLU()]

    model = nn.Sequential(
        *block(in_channels, channels), *block(channels, channels), nn.MaxPool2d(2),
        *block(channels, 2 * channels), *block(2 * channels, 2 * channels), nn.MaxPool2d(2),
        *block(2 * channels, 4 * channels), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Dropout(0.2), nn.Linear(4 * channels, num_classes))
    epochs = MAX_EPOCHS
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True,
                                weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    if in_channels == 3:  # photographs: shifts of 4 pixels and mirror images
        augment = Compose([RandomCrop(4), RandomHorizontalFlip()])
    else:  # digits: small shifts only (a mirrored digit is no digit)
        augment = RandomCrop(max(1, height // 12))
    return {"model": model, "optimizer": optimizer, "scheduler": scheduler, "epochs": epochs,
            "batch_size": 64, "augment": augment}
    # END SOLUTION


def train_challenge(setup, X, y, seed=0):
    """Train a challenge_setup on images X (N, C, H, W) and labels y (N,), on the CPU,
    as the notebook's train does: each epoch, shuffled minibatches of the set-up's
    batch_size (transformed by its augment), cross-entropy averaged over the minibatch,
    zero_grad, backward, step; the scheduler stepped after each epoch. The minibatch
    order comes from a generator seeded with `seed`. Returns the trained model, in
    evaluation mode."""
    model, optimizer, scheduler = setup["model"], setup["optimizer"], setup.get("scheduler")
    epochs, batch_size, augment = int(setup["epochs"]), int(setup["batch_size"]), setup.get("augment")
    if not 1 <= epochs <= MAX_EPOCHS:
        raise ValueError("the challenge trains 1 to %d epochs, not %d" % (MAX_EPOCHS, epochs))
    X = torch.as_tensor(np.asarray(X, dtype=np.float32))
    y = torch.as_tensor(np.asarray(y)).long()
    generator = torch.Generator().manual_seed(int(seed))
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(y), generator=generator)
        for start in range(0, len(y), batch_size):
            rows = order[start:start + batch_size]
            x = X[rows] if augment is None else augment(X[rows])
            loss = F.cross_entropy(model(x), y[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if scheduler is not None:
            scheduler.step()
    return model.eval()


def _leaves(module):
    """The layers of a (nested) nn.Sequential in order of application."""
    if isinstance(module, nn.Sequential):
        return [leaf for child in module for leaf in _leaves(child)]
    return [module]


def _pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _row(layer):
    """The row of numbers that describes one layer (see LAYER_KINDS)."""
    name = "Flatten" if isinstance(layer, (nn.Flatten, Flatten)) else type(layer).__name__
    if name not in CODES or type(layer).__module__.split(".")[0] not in ("torch", "cs231n_core"):
        raise ValueError("the challenge network may only hold the layers of LAYER_KINDS, not %s"
                         % type(layer).__name__)
    if isinstance(layer, nn.Flatten) and (layer.start_dim, layer.end_dim) != (1, -1):
        raise ValueError("nn.Flatten must flatten each example whole (start_dim=1, end_dim=-1)")
    args = []
    if name == "Conv2d":
        if layer.groups != 1 or _pair(layer.dilation) != (1, 1) or isinstance(layer.padding, str) \
                or layer.padding_mode != "zeros":
            raise ValueError("Conv2d: only groups=1, dilation=1 and numeric zero padding are supported")
        args = [layer.in_channels, layer.out_channels, *layer.kernel_size, *layer.stride, *layer.padding,
                layer.bias is not None]
    elif name == "Linear":
        args = [layer.in_features, layer.out_features, layer.bias is not None]
    elif name in ("BatchNorm2d", "BatchNorm1d"):
        if not layer.track_running_stats or layer.momentum is None:
            raise ValueError("%s must keep running averages with a momentum" % name)
        args = [layer.num_features, layer.eps, layer.momentum, layer.affine]
    elif name == "LeakyReLU":
        args = [layer.negative_slope]
    elif name in ("MaxPool2d", "AvgPool2d"):
        if getattr(layer, "ceil_mode", False) or _pair(getattr(layer, "dilation", 1)) != (1, 1) \
                or (name == "AvgPool2d" and (not layer.count_include_pad or layer.divisor_override)):
            raise ValueError("%s: only the default ceil_mode, dilation and divisor are supported" % name)
        args = [*_pair(layer.kernel_size), *_pair(layer.stride), *_pair(layer.padding)]
    elif name == "AdaptiveAvgPool2d":
        args = list(_pair(layer.output_size))
    elif name in ("Dropout", "Dropout2d"):
        args = [layer.p]
    elif name == "ELU":
        args = [layer.alpha]
    elif name == "GELU" and layer.approximate != "none":
        raise ValueError("GELU: only approximate='none' is supported")
    return [CODES[name]] + [float(a) for a in args] + [0.0] * (ROW - 1 - len(args))


def export_model(model):
    """The trained network as numbers: {"layers": (K, ROW) float64 array, one row per
    layer in order of application, "state": {"<k>.<name>": array}, the state_dict of
    layer k}. model_from_layers(layers) rebuilds it; load_state_dict(state) fills it."""
    leaves = _leaves(model)
    layers = np.array([_row(layer) for layer in leaves], dtype=np.float64).reshape(-1, ROW)
    state = {key: value.detach().cpu().numpy() for key, value in nn.Sequential(*leaves).state_dict().items()}
    return {"layers": layers, "state": state}


def _ints(row, count, what, low=0, high=4096):
    values = row[1:1 + count]
    if np.any(values != np.round(values)) or np.any(values < low) or np.any(values > high):
        raise ValueError("%s: arguments %s are not whole numbers in [%d, %d]" % (what, values.tolist(), low, high))
    return [int(v) for v in values]


def model_from_layers(layers):
    """The nn.Sequential that export_model's rows describe, freshly initialized: torch's
    own layers only, each argument checked to be a sensible number, at most MAX_PARAMS
    learnable values (counted on the meta device, before any memory is taken)."""
    with torch.device("meta"):
        count = sum(p.numel() for p in _build(layers).parameters())
    if count > MAX_PARAMS:
        raise ValueError("the network has %d learnable values, more than the challenge's %d"
                         % (count, MAX_PARAMS))
    return _build(layers)


def _build(layers):
    layers = np.asarray(layers, dtype=np.float64)
    if layers.ndim != 2 or layers.shape[1] != ROW or not 1 <= len(layers) <= 200 or not np.all(np.isfinite(layers)):
        raise ValueError("expected 1 to 200 rows of %d finite numbers, got shape %s" % (ROW, layers.shape))
    modules = []
    for k, row in enumerate(layers):
        name = LAYER_KINDS.get(int(row[0]) if row[0] == int(row[0]) else -1)
        what = "layer %d (%s)" % (k, name)
        if name is None:
            raise ValueError("layer %d: unknown kind %r" % (k, row[0]))
        if name == "Conv2d":
            c_in, c_out, kh, kw, sh, sw, ph, pw, bias = _ints(row, 9, what)
            if min(c_in, c_out, kh, kw, sh, sw) < 1 or max(kh, kw) > 16 or bias > 1:
                raise ValueError("%s: implausible arguments" % what)
            modules.append(nn.Conv2d(c_in, c_out, (kh, kw), (sh, sw), (ph, pw), bias=bool(bias)))
        elif name == "Linear":
            d_in, d_out, bias = _ints(row, 3, what, high=1 << 16)
            if min(d_in, d_out) < 1 or bias > 1:
                raise ValueError("%s: implausible arguments" % what)
            modules.append(nn.Linear(d_in, d_out, bias=bool(bias)))
        elif name in ("BatchNorm2d", "BatchNorm1d"):
            features = _ints(row, 1, what, low=1)[0]
            eps, momentum, affine = row[2:5]
            if not (0 < eps < 1 and 0 <= momentum <= 1 and affine in (0, 1)):
                raise ValueError("%s: implausible arguments" % what)
            modules.append(getattr(nn, name)(features, eps=eps, momentum=momentum, affine=bool(affine)))
        elif name in ("MaxPool2d", "AvgPool2d"):
            kh, kw, sh, sw, ph, pw = _ints(row, 6, what, high=64)
            if min(kh, kw, sh, sw) < 1:
                raise ValueError("%s: implausible arguments" % what)
            modules.append(getattr(nn, name)((kh, kw), (sh, sw), (ph, pw)))
        elif name == "AdaptiveAvgPool2d":
            modules.append(nn.AdaptiveAvgPool2d(tuple(_ints(row, 2, what, low=1, high=64))))
        elif name in ("Dropout", "Dropout2d"):
            modules.append(getattr(nn, name)(float(np.clip(row[1], 0.0, 1.0))))
        elif name == "LeakyReLU":
            modules.append(nn.LeakyReLU(float(row[1])))
        elif name == "ELU":
            modules.append(nn.ELU(float(row[1])))
        elif name == "Flatten":
            modules.append(nn.Flatten())
        else:  # ReLU, GELU, Tanh: no argument
            modules.append(getattr(nn, name)())
    return nn.Sequential(*modules)
