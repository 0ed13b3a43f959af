"""Training, measuring and looking inside the transformers of assignment 4 (given code).

* Captioning: ``caption_loss`` (the cross-entropy of the next word, ``<NULL>`` padding
  ignored) and ``train_captioner``, which trains a ``CaptioningTransformer`` on
  (features, captions) arrays with Adam, the role of CS231n's
  CaptioningSolverTransformer.
* Classification: ``train_classifier`` and ``accuracy``, for the Vision Transformer
  and the CNN it is compared with (the role of CS231n's ClassificationSolverViT).
* The comparison at equal size: ``digit_images`` (the embedded MNIST digits as
  tensors in [0, 1]), ``digits_vit`` (a small ViT for them), ``digits_cnn`` (the
  course's digit classifier, ``pretrained_models.DIGITS_CNN``, with its widths scaled)
  and ``cnn_like`` (the scaled CNN whose parameter count is closest to a given one);
  ``compare_at_equal_size`` trains several models alike and measures them. On the
  5,000 embedded digits (4,000 to train), 10 epochs of Adam (learning rate 1e-3,
  minibatches of 64, one CPU core, 20 s for the ViT): ``digits_vit()`` (104,266
  parameters) reaches 0.90 held-out accuracy, ``cnn_like`` of its size (width 16,
  98,698 parameters) 0.97.
* Attention maps: ``recorded_attention`` keeps the attention weights of every
  ``MultiHeadAttention`` of a model during a forward pass, read where they enter the
  layer's dropout (so it works with any implementation that applies ``attn_drop`` to
  the weights, as the assignment asks); ``plot_attention`` draws one layer's heads,
  ``show_captions`` images under their captions, ``show_patches`` an image's patches.

Every trainer shows a tqdm progress bar per epoch (``progress=False`` hides it), keeps
the loss of every iteration, seeds torch when given a seed, and trains on the device
it is given (``pytorch_models.choose_device()`` picks CUDA when present).
"""
import contextlib
import functools

import numpy as np
import torch
import torch.nn.functional as F

from .pretrained_models import DIGITS_CNN, build_network
from .pytorch_models import count_params
from .training import fit_minibatches, shuffled_batches
from .transformer_layers import VisionTransformer

__all__ = ["caption_loss", "train_captioner", "train_classifier", "accuracy", "class_scores",
           "count_params", "digit_images", "digits_vit", "digits_cnn", "cnn_like", "compare_at_equal_size",
           "recorded_attention", "patch_grid", "plot_attention", "show_captions", "show_patches"]


def _tensor(array, device, dtype):
    array = array if torch.is_tensor(array) else torch.from_numpy(np.asarray(array))
    return array.to(device=device, dtype=dtype)


def _device_of(model, device):
    if device is not None:
        return torch.device(device)
    first = next(model.parameters(), None)
    return first.device if first is not None else torch.device("cpu")


# --------------------------------------------------------------------------------------
# Captioning
# --------------------------------------------------------------------------------------

def caption_loss(scores, targets, null=0):
    """The mean cross-entropy of the words of `targets` under `scores`, over the
    positions whose target is not <NULL> (the padding).

    Inputs:
    - scores: (N, T, V), the model's scores of the next word at each position.
    - targets: (N, T) integer tensor, the words that follow (the caption shifted by one).
    - null: the index of <NULL>.

    Returns a scalar tensor: the loss per word (not per caption).
    """
    N, T, V = scores.shape
    return F.cross_entropy(scores.reshape(N * T, V), targets.reshape(N * T).long(), ignore_index=null)


def train_captioner(model, features, captions, epochs=100, batch_size=25, learning_rate=1e-3,
                    device=None, seed=None, progress=True):
    """Train a CaptioningTransformer with Adam on (features, captions).

    Inputs:
    - model: a CaptioningTransformer (its _null index marks the padding).
    - features: (N, D) array or tensor, one feature vector per caption (repeat an
      image's features for each of its captions).
    - captions: (N, T + 1) integer array: <START>, the words, <END>, <NULL> padding.
      The model sees captions[:, :-1] and learns to predict captions[:, 1:].
    - epochs, batch_size, learning_rate: of the minibatch Adam (minibatches drawn in a
      new order every epoch).
    - device: where to train (None: the model's device); seed: seeds torch first.

    Returns a history dict: "loss", the caption_loss of every iteration (floats).
    The model is left in training mode.
    """
    if seed is not None:
        torch.manual_seed(seed)
    device = _device_of(model, device)
    model.to(device)
    dtype = next(model.parameters()).dtype
    features = _tensor(features, device, dtype)
    captions = _tensor(captions, device, torch.long)
    generator = torch.Generator().manual_seed(int(torch.randint(2**31, ())))
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)

    def batch_losses(batch):
        words = captions[batch]
        scores = model(features[batch], words[:, :-1])
        return {"loss": caption_loss(scores, words[:, 1:], model._null)}

    model.train()
    return fit_minibatches(optimizer, epochs, lambda: shuffled_batches(len(captions), batch_size, generator),
                           batch_losses, progress=progress)


# --------------------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------------------

def class_scores(model, X, batch_size=500, device=None):
    """The model's class scores (N, C) of images X, in evaluation mode and without
    gradients, as a CPU tensor; the model is put back in the mode it was in."""
    device = _device_of(model, device)
    dtype = next(model.parameters()).dtype
    was_training = model.training
    model.eval()
    with torch.no_grad():
        X = X if torch.is_tensor(X) else torch.from_numpy(np.asarray(X))
        scores = torch.cat([model(_tensor(part, device, dtype)).cpu() for part in X.split(batch_size)]) \
            if len(X) else torch.zeros(0, 0)
    model.train(was_training)
    return scores


def accuracy(model, X, y, batch_size=500, device=None):
    """The fraction of images X (N, C, H, W) that the model classifies as their labels y."""
    predicted = class_scores(model, X, batch_size, device).argmax(dim=1).numpy()
    labels = y.cpu().numpy() if torch.is_tensor(y) else np.asarray(y)
    return float(np.mean(predicted == labels))


def train_classifier(model, X, y, epochs=10, batch_size=64, learning_rate=1e-3, weight_decay=0.0,
                     device=None, seed=None, val_data=None, progress=True):
    """Train an image classifier with Adam on the softmax loss.

    Inputs:
    - model: maps images (N, C, H, W) to class scores (N, num_classes).
    - X, y: training images (array or tensor) and integer labels.
    - epochs, batch_size, learning_rate, weight_decay: of the minibatch Adam.
    - device: where to train (None: the model's device); seed: seeds torch first (the
      order of the minibatches, dropout).
    - val_data: optional (X_val, y_val), measured with `accuracy` after every epoch.

    Returns a history dict: "loss" (one float per iteration) and "val_acc" (one per
    epoch, when val_data is given). The model is left in training mode.
    """
    if seed is not None:
        torch.manual_seed(seed)
    device = _device_of(model, device)
    model.to(device)
    dtype = next(model.parameters()).dtype
    X, y = _tensor(X, device, dtype), _tensor(y, device, torch.long)
    generator = torch.Generator().manual_seed(int(torch.randint(2**31, ())))
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate, weight_decay=weight_decay)
    history = {"loss": [], "val_acc": []}

    def batch_losses(batch):
        return {"loss": F.cross_entropy(model(X[batch]), y[batch])}

    for _ in range(int(epochs)):
        model.train()
        epoch = fit_minibatches(optimizer, 1, lambda: shuffled_batches(len(y), batch_size, generator),
                                batch_losses, progress=progress)
        history["loss"] += epoch["loss"]
        if val_data is not None:
            history["val_acc"].append(accuracy(model, *val_data, device=device))
    model.train()
    return history


# --------------------------------------------------------------------------------------
# A ViT and a CNN of the same size, on digits
# --------------------------------------------------------------------------------------

def digit_images(num_training=4000, num_validation=500, num_test=500, seed=0):
    """The embedded MNIST digits (get_data's split) as {"X_train": float32 tensor (N, 1,
    28, 28) in [0, 1], "y_train": int64 tensor (N,), ... for train, val and test}."""
    from .data_utils import get_data

    data = get_data("mnist", num_training=num_training, num_validation=num_validation,
                    num_test=num_test, subtract_mean=False, flatten=False, channels_first=True,
                    seed=seed, dtype=np.float32)
    out = {}
    for split in ("train", "val", "test"):
        out["X_" + split] = torch.from_numpy(data["X_" + split] / 255.0)
        out["y_" + split] = torch.from_numpy(data["y_" + split])
    return out


DIGITS_VIT = {"img_size": 28, "patch_size": 7, "in_channels": 1, "embed_dim": 64, "num_layers": 3,
              "num_heads": 4, "dim_feedforward": 128, "num_classes": 10, "dropout": 0.1}


def digits_vit(**changes):
    """A small VisionTransformer for 28x28 digits: 16 patches of 7x7, DIGITS_VIT's
    settings with `changes` applied (e.g. digits_vit(num_layers=2))."""
    return VisionTransformer(**dict(DIGITS_VIT, **changes))


def digits_cnn(width=8):
    """The course's digit classifier (pretrained_models.DIGITS_CNN: three convolutions
    with ReLU and 2x2 max pooling, then two fully connected layers) with its widths
    scaled: `width` channels in the first convolution (DIGITS_CNN has 8), 2x, 4x in the
    next two, 8x units in the hidden fully connected layer. For (N, 1, 28, 28) inputs."""
    widths = {8: width, 16: 2 * width, 32: 4 * width, 64: 8 * width}
    spec = []
    for kind, name, args in DIGITS_CNN:
        if kind == "conv":
            c_in, c_out, kernel, padding = args
            args = (widths.get(c_in, c_in), widths[c_out], kernel, padding)
        elif kind == "linear":
            n_in, n_out = args
            args = (widths[32] * 9 if n_in == 288 else widths.get(n_in, n_in), widths.get(n_out, n_out))
        spec.append((kind, name, args))
    return build_network(tuple(spec))


def cnn_like(num_params, max_width=64):
    """(the digits_cnn whose number of learnable values is closest to num_params, its
    width): the CNN to compare with a model of num_params parameters."""
    counts = {width: count_params(digits_cnn(width)) for width in range(1, max_width + 1)}
    width = min(counts, key=lambda w: abs(counts[w] - num_params))
    return digits_cnn(width), width


def compare_at_equal_size(models, data, epochs=15, batch_size=64, learning_rate=1e-3, device=None,
                          seed=0, progress=True):
    """Train each of `models` ({name: nn.Module}) with train_classifier on the same digits
    and settings; returns {name: {"params", "history", "test_acc"}} (the accuracy on
    data's test split after the last epoch, the validation accuracy per epoch in the
    history).

    - data: digit_images' dict (X_train, y_train, X_val, y_val, X_test, y_test).
    - seed: each model is trained from torch.manual_seed(seed) (the same minibatches).
    """
    results = {}
    for name, model in models.items():
        history = train_classifier(model, data["X_train"], data["y_train"], epochs=epochs, batch_size=batch_size,
                                   learning_rate=learning_rate, device=device, seed=seed,
                                   val_data=(data["X_val"], data["y_val"]), progress=progress)
        results[name] = {"params": count_params(model), "history": history,
                         "test_acc": accuracy(model, data["X_test"], data["y_test"], device=device)}
    return results


def patch_grid(image, patch_size):
    """The patches of one image (C, H, W) as a list of (C, P, P) arrays, row by row (the
    order of PatchEmbedding), for showing them."""
    image = image.detach().cpu().numpy() if torch.is_tensor(image) else np.asarray(image)
    _, height, width = image.shape
    return [image[:, r:r + patch_size, c:c + patch_size]
            for r in range(0, height, patch_size) for c in range(0, width, patch_size)]


# --------------------------------------------------------------------------------------
# Attention maps
# --------------------------------------------------------------------------------------

def _keep_weights(maps, name, module, inputs, output):
    maps[name] = inputs[0].detach().cpu()


@contextlib.contextmanager
def recorded_attention(model):
    """Within the block, {module name: attention weights (N, H, S, T)} of the last
    forward pass of every MultiHeadAttention (a module with an attn_drop) in `model` (e.g.
    "transformer.layers.0.self_attn"), taken where the weights enter the layer's
    attn_drop; the hooks are removed at the end of the block.

        with recorded_attention(model) as maps:
            model(images)
        maps["transformer.layers.0.self_attn"]      # (N, H, S, T)
    """
    maps, handles = {}, []
    for name, module in model.named_modules():
        # An attention layer is known by its attn_drop (a MultiHeadAttention, whichever
        # copy of the class made it).
        if isinstance(getattr(module, "attn_drop", None), torch.nn.Dropout):
            handles.append(module.attn_drop.register_forward_hook(functools.partial(_keep_weights, maps, name)))
    try:
        yield maps
    finally:
        for handle in handles:
            handle.remove()



# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------

def plot_attention(weights, query_labels, key_labels, title=""):
    """One figure of a layer's attention, one panel per head.

    Inputs:
    - weights: (H, S, T) attention weights of one example (rows sum to 1).
    - query_labels, key_labels: the S and T tick labels (words, or patch numbers).
    Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    weights = np.asarray(weights.detach().cpu() if torch.is_tensor(weights) else weights)
    heads = weights.shape[0]
    fig, axes = plt.subplots(1, heads, figsize=(3.2 * heads + 1, 3.4), squeeze=False)
    for head, ax in enumerate(axes[0]):
        ax.imshow(weights[head], vmin=0.0, vmax=1.0, cmap="viridis")
        ax.set_xticks(range(len(key_labels)))
        ax.set_xticklabels(key_labels, rotation=90, fontsize=8)
        ax.set_yticks(range(len(query_labels)))
        ax.set_yticklabels(query_labels if head == 0 else [], fontsize=8)
        ax.set_title("head %d" % (head + 1), fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_captions(images, captions, references=None, ncols=4):
    """Images (N, H, W) in a grid, each titled with its caption (and, when references is
    given, the first reference caption under it). Returns the Figure."""
    import matplotlib.pyplot as plt

    count = len(images)
    rows = -(-count // ncols)
    fig, axes = plt.subplots(rows, ncols, figsize=(3.3 * ncols, 3.6 * rows), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i >= count:
            continue
        ax.imshow(np.asarray(images[i]), cmap="gray", vmin=0.0, vmax=1.0)
        title = captions[i]
        if references is not None:
            title += "\nGT: " + references[i]
        ax.set_title(title, fontsize=8)
    fig.tight_layout()
    return fig


def show_patches(image, patch_size):
    """One image (C, H, W) beside its patches in PatchEmbedding's order (numbered), its
    first channel in grey. Returns the Figure."""
    import matplotlib.pyplot as plt

    image = image.detach().cpu().numpy() if torch.is_tensor(image) else np.asarray(image)
    patches = patch_grid(image, patch_size)
    grid = int(round(len(patches) ** 0.5))
    low, high = float(image.min()), float(image.max())
    fig = plt.figure(figsize=(8, 4))
    whole = fig.add_subplot(1, 2, 1)
    whole.imshow(image[0], cmap="gray", vmin=low, vmax=high)
    whole.set_title("image")
    whole.axis("off")
    for number, patch in enumerate(patches):  # the right half: the grid of patches
        ax = fig.add_subplot(grid, 2 * grid, (number // grid) * 2 * grid + grid + number % grid + 1)
        ax.imshow(patch[0], cmap="gray", vmin=low, vmax=high)
        ax.set_title(str(number), fontsize=7)
        ax.axis("off")
    fig.tight_layout()
    return fig
