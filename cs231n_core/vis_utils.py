"""Plotting helpers for the notebooks: image grids and training curves.

- visualize_grid(Xs): tile a batch of images (N, H, W, C) into one image, e.g.
  to look at first-layer filters (CS231n's).
- show_image_grid(images, labels, class_names): show a batch of images with
  their labels.
- plot_class_weights(W, image_shape, class_names): a linear classifier's weights,
  one image (template) per class.
- plot_solver_history(solver): loss and train / val accuracy of a Solver run.
- plot_solver_comparison(runs): the histories of several Solver runs, compared.
- plot_curves(curves): any named curves on one set of axes.
- plot_search_results(results), format_search_results(results): the accuracies of
  a (learning rate, regularization) search, as a picture and as a table.
- show_captions(images, captions): images with their captions under them;
  show_sampled_captions(sample, data, split): a captioning model's captions of a
  random minibatch, under the ground truth's.

matplotlib is imported inside each plotting function, so importing this module
is cheap and never selects a backend; the plotting functions create figures
with pyplot (so they show inline in notebooks) and return them without calling
plt.show(). In a notebook, end the call with ";" (or assign the figure) so that
Jupyter does not show the returned figure a second time.
"""
from math import ceil, sqrt

import numpy as np


def visualize_grid(Xs, ubound=255.0, padding=1):
    """Reshape a 4D tensor of image data to a grid for easy visualization.

    Each image is rescaled on its own to the range [0, ubound].

    Inputs:
    - Xs: array of shape (N, H, W, C) of image data.
    - ubound: output grid will have values scaled to the range [0, ubound].
    - padding: the number of blank pixels between elements of the grid.

    Returns:
    - grid: array of shape (G * H + (G - 1) * padding, G * W + (G - 1) * padding, C)
      with G = ceil(sqrt(N)); image i sits in row i // G, column i % G, and
      the padding and unused cells are 0.
    """
    (N, H, W, C) = Xs.shape
    grid_size = int(ceil(sqrt(N)))
    grid_height = H * grid_size + padding * (grid_size - 1)
    grid_width = W * grid_size + padding * (grid_size - 1)
    grid = np.zeros((grid_height, grid_width, C))
    next_idx = 0
    y0, y1 = 0, H
    for y in range(grid_size):
        x0, x1 = 0, W
        for x in range(grid_size):
            if next_idx < N:
                img = Xs[next_idx]
                low, high = np.min(img), np.max(img)
                # a constant image would divide by zero: show it as 0
                scale = ubound / (high - low) if high > low else 0.0
                grid[y0:y1, x0:x1] = scale * (img - low)
                next_idx += 1
            x0 += W + padding
            x1 += W + padding
        y0 += H + padding
        y1 += H + padding
    return grid


def _display_image(img):
    """Turn one image of shape (H, W), (H, W, 1) or (H, W, 3) into something
    imshow shows faithfully: uint8 images as they are, anything else rescaled
    to [0, 1]. Returns (image, cmap)."""
    img = np.asarray(img)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.dtype != np.uint8:
        img = img.astype(np.float64)
        low, high = img.min(), img.max()
        img = (img - low) / (high - low) if high > low else np.zeros_like(img)
    cmap = "gray" if img.ndim == 2 else None
    return img, cmap


def _label_text(label, class_names):
    """The text shown for one label: its class name when class_names is given."""
    if class_names is not None:
        return str(class_names[int(label)])
    if isinstance(label, np.generic):
        label = label.item()
    return str(label)


def show_image_grid(images, labels=None, class_names=None, ncols=8, ax=None):
    """Show a batch of images in a grid, each titled with its label.

    Inputs:
    - images: array of shape (N, H, W), (N, H, W, 1) or (N, H, W, 3).
      uint8 images are shown as they are; others are rescaled to [0, 1] one
      image at a time (so mean-subtracted data shows fine).
    - labels: optional sequence of N labels (integers, or strings).
    - class_names: optional sequence mapping an integer label to its name.
    - ncols: number of images per row.
    - ax: optional matplotlib Axes. If given, the images are tiled into that
      one Axes (labels written on the tiles); otherwise a new figure gets one
      small Axes per image.

    Returns:
    - fig: the matplotlib Figure that holds the grid.
    """
    import matplotlib.pyplot as plt

    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(
            "images must have shape (N, H, W) or (N, H, W, C), got %s" % (images.shape,)
        )
    N = images.shape[0]
    if labels is not None and len(labels) != N:
        raise ValueError("got %d labels for %d images" % (len(labels), N))
    ncols = max(1, min(int(ncols), N))
    nrows = max(1, int(ceil(N / ncols)))

    if ax is None:
        H, W = images.shape[1:3]
        cell = 1.4  # inches per image
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(cell * ncols, cell * nrows * H / W + 0.3 * nrows),
            squeeze=False,
        )
        for i, a in enumerate(axes.flat):
            a.axis("off")
            if i >= N:
                continue
            img, cmap = _display_image(images[i])
            a.imshow(img, cmap=cmap)
            if labels is not None:
                a.set_title(_label_text(labels[i], class_names), fontsize=9)
        fig.tight_layout()
        return fig

    # One Axes: tile the images into a single picture, then write the labels.
    H, W = images.shape[1:3]
    pad = 2
    shown = [_display_image(images[i])[0].astype(np.float64) for i in range(N)]
    if images.dtype == np.uint8:
        shown = [img / 255.0 for img in shown]
    channels = images.shape[3] if images.ndim == 4 and images.shape[3] != 1 else None
    shape = (nrows * (H + pad) - pad, ncols * (W + pad) - pad)
    canvas = np.ones(shape + ((channels,) if channels else ()))
    for i, img in enumerate(shown):
        r, c = divmod(i, ncols)
        canvas[r * (H + pad):r * (H + pad) + H, c * (W + pad):c * (W + pad) + W] = img
    ax.imshow(canvas, cmap=None if channels else "gray", vmin=0.0, vmax=1.0)
    ax.axis("off")
    if labels is not None:
        for i in range(N):
            r, c = divmod(i, ncols)
            ax.text(
                c * (W + pad) + 1, r * (H + pad) + 1, _label_text(labels[i], class_names),
                fontsize=7, va="top", ha="left", color="black",
                bbox=dict(facecolor="white", alpha=0.7, pad=1, linewidth=0),
            )
    return ax.figure


def plot_class_weights(W, image_shape, class_names, ncols=5):
    """Show a linear classifier's weights as images, one per class: its template.

    All the classes share one scale, from the smallest weight of W (black) to the
    largest (white), so that their brightness compares.

    Inputs:
    - W: array of shape (D, C) whose column c holds class c's weights of the D pixels
      of an image, without the bias (strip the bias trick's last row first).
    - image_shape: (H, W, K) of one image, D = H * W * K, in the order the rows of W
      follow (K = 1 for grey images, 3 for colour).
    - class_names: the C class names, one title per image.
    - ncols: images per row.

    Returns:
    - fig: a matplotlib Figure with one Axes per class (ncols per row).
    """
    import matplotlib.pyplot as plt

    W = np.asarray(W, dtype=np.float64)
    num_classes = W.shape[1]
    if W.shape[0] != int(np.prod(image_shape)) or len(class_names) != num_classes:
        raise ValueError("W of shape %s does not hold %d classes of images %s"
                         % (W.shape, len(class_names), tuple(image_shape)))
    templates = W.T.reshape((num_classes,) + tuple(image_shape))
    low, high = templates.min(), templates.max()
    scaled = (templates - low) / (high - low) if high > low else np.zeros_like(templates)
    nrows = int(ceil(num_classes / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(2 * ncols, 2.2 * nrows), squeeze=False)
    for c, ax in enumerate(axes.flat):
        ax.axis("off")
        if c < num_classes:
            ax.imshow((255.0 * scaled[c]).astype("uint8").squeeze(), cmap="gray")
            ax.set_title(class_names[c])
    return fig


def _histories(solver_or_histories):
    """(loss_history, train_acc_history, val_acc_history) of a Solver, of any
    object with those attributes, or of a dict with those keys."""
    names = ("loss_history", "train_acc_history", "val_acc_history")
    if isinstance(solver_or_histories, dict):
        missing = [n for n in names if n not in solver_or_histories]
        if missing:
            raise ValueError("histories dict lacks keys: %s" % ", ".join(missing))
        return tuple(list(solver_or_histories[n]) for n in names)
    try:
        return tuple(list(getattr(solver_or_histories, n)) for n in names)
    except AttributeError:
        raise TypeError(
            "expected a Solver or a dict with keys %s, got %r"
            % (", ".join(names), type(solver_or_histories).__name__)
        ) from None


def plot_solver_history(solver_or_histories):
    """Plot the training loss and the train / validation accuracy of a run.

    Inputs:
    - solver_or_histories: a Solver after train(), or a dict with keys
      "loss_history" (one loss per iteration), "train_acc_history" and
      "val_acc_history" (one accuracy per check, i.e. per epoch).

    Returns:
    - fig: a matplotlib Figure with two Axes: the loss per iteration (one
      line), and the accuracies per epoch (two lines, "train" and "val").
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    loss_history, train_acc, val_acc = _histories(solver_or_histories)
    fig, (ax_loss, ax_acc) = plt.subplots(2, 1, figsize=(8, 7))

    ax_loss.plot(loss_history, "o", markersize=2, alpha=0.6)
    ax_loss.set_title("Training loss")
    ax_loss.set_xlabel("Iteration")
    ax_loss.set_ylabel("Loss")

    ax_acc.plot(train_acc, "-o", label="train")
    ax_acc.plot(val_acc, "-o", label="val")
    ax_acc.set_title("Classification accuracy")
    ax_acc.set_xlabel("Epoch")
    ax_acc.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_acc.set_ylabel("Accuracy")
    ax_acc.legend(loc="lower right")

    fig.tight_layout()
    return fig


# The panels plot_solver_comparison can draw: the history each plots (an index into
# _histories' triple), its title, the unit of its x axis and the line style.
SOLVER_PANELS = {
    "loss": (0, "Training loss", "Iteration", "o"),
    "train_acc": (1, "Training accuracy", "Epoch", "-o"),
    "val_acc": (2, "Validation accuracy", "Epoch", "-o"),
}


def plot_solver_comparison(runs, panels=("loss", "train_acc", "val_acc"), title=""):
    """Compare the histories of several training runs, one panel per history.

    Inputs:
    - runs: dict mapping a label (the run's name in the legends) to a Solver after
      train(), or to a dict of histories as plot_solver_history takes.
    - panels: the panels, top to bottom, among "loss" (the training loss per
      iteration), "train_acc" and "val_acc" (the accuracies per epoch).
    - title: added to each panel's title, e.g. " (batch normalization)".

    Returns:
    - fig: a matplotlib Figure with one Axes per panel, each holding one line per
      run, labelled as in runs.
    """
    import matplotlib.pyplot as plt

    unknown = [p for p in panels if p not in SOLVER_PANELS]
    if unknown:
        raise ValueError("unknown panels %s; choose among %s"
                         % (", ".join(map(repr, unknown)), ", ".join(SOLVER_PANELS)))
    histories = {label: _histories(run) for label, run in runs.items()}
    fig, axes = plt.subplots(len(panels), 1, figsize=(15, 5 * len(panels)), squeeze=False)
    for ax, panel in zip(axes[:, 0], panels):
        which, panel_title, xlabel, style = SOLVER_PANELS[panel]
        for label, history in histories.items():
            ax.plot(history[which], style, label=str(label))
        ax.set_title(panel_title + title)
        ax.set_xlabel(xlabel)
        ax.legend(loc="lower center", ncol=len(runs))
    fig.tight_layout()
    return fig


def plot_curves(curves, xlabel="", ylabel="", title=""):
    """Plot named curves on one set of axes, with a legend.

    Inputs:
    - curves: dict mapping a name to a sequence of y values (plotted against
      their index 0, 1, 2, ...).
    - xlabel, ylabel, title: axis labels and title.

    Returns:
    - fig: a matplotlib Figure with one Axes holding one line per curve.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, values in curves.items():
        ax.plot(np.asarray(values, dtype=np.float64), label=str(name))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if curves:
        ax.legend()
    fig.tight_layout()
    return fig


def _search_grid(results):
    """The keys of a search's results in increasing order, checked to be pairs."""
    keys = sorted(results)
    for key in keys:
        if not (isinstance(key, tuple) and len(key) == 2):
            raise ValueError("results must map (learning_rate, reg) to (train_accuracy, "
                             "val_accuracy), got the key %r" % (key,))
    return keys


def format_search_results(results):
    """A hyperparameter search's results as a table, one line per setting.

    Inputs:
    - results: dict mapping (learning_rate, reg) to (train_accuracy, val_accuracy).

    Returns:
    - a str of len(results) lines, by increasing learning rate, then regularization
      strength: "lr 1.000000e-07 reg 2.500000e+04 train accuracy: 0.330000 val
      accuracy: 0.340000" (on one line).
    """
    return "\n".join("lr %e reg %e train accuracy: %f val accuracy: %f"
                     % (lr, reg, *results[(lr, reg)]) for lr, reg in _search_grid(results))


def plot_search_results(results):
    """Show a hyperparameter search's accuracies over its grid, on log scales.

    Inputs:
    - results: dict mapping (learning_rate, reg), both positive, to
      (train_accuracy, val_accuracy).

    Returns:
    - fig: a matplotlib Figure with two Axes, the training accuracy above and the
      validation accuracy below: one point per setting at (log10 learning rate,
      log10 reg), coloured by its accuracy.
    """
    import matplotlib.pyplot as plt

    keys = _search_grid(results)
    log_lr = np.log10([lr for lr, _ in keys])
    log_reg = np.log10([reg for _, reg in keys])
    fig, axes = plt.subplots(2, 1, figsize=(8, 8))
    for which, (ax, name) in enumerate(zip(axes, ("training", "validation"))):
        accuracies = [results[key][which] for key in keys]
        points = ax.scatter(log_lr, log_reg, 100, c=accuracies, cmap=plt.cm.coolwarm)
        fig.colorbar(points, ax=ax)
        ax.set_xlabel("log learning rate")
        ax.set_ylabel("log regularization strength")
        ax.set_title("%s accuracy" % name)
    fig.tight_layout()
    return fig


def show_captions(images, captions, ncols=3, title=None, width=34):
    """Show images with their captions under them.

    Inputs:
    - images: array of shape (N, H, W) or (N, H, W, C) (as show_image_grid takes).
    - captions: N strings; each is wrapped to lines of at most `width` characters, and
      "\n" starts a new line (e.g. a sampled caption and the ground truth's).
    - ncols: images per row.
    - title: optional title of the whole figure.

    Returns:
    - fig: the matplotlib Figure, one Axes per image.
    """
    import textwrap

    import matplotlib.pyplot as plt

    images = np.asarray(images)
    if len(captions) != len(images):
        raise ValueError("got %d captions for %d images" % (len(captions), len(images)))
    ncols = max(1, min(int(ncols), len(images)))
    nrows = max(1, int(ceil(len(images) / ncols)))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 3.9 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(images):
            continue
        img, cmap = _display_image(images[i])
        ax.imshow(img, cmap=cmap)
        lines = [wrapped for line in str(captions[i]).split("\n") for wrapped in textwrap.wrap(line, width)]
        ax.set_title("\n".join(lines), fontsize=8, y=-0.02, va="top")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_sampled_captions(sample, data, split="train", batch_size=3):
    """A random minibatch of a split (cs231n_core.captioning_data.sample_coco_minibatch,
    NumPy's global random state), each image shown with the caption that `sample`
    (e.g. model.sample: features -> word indices) gives it and its ground-truth caption.

    Returns the figure; data needs "<split>_images" (the digit captions have them).
    """
    from .captioning_data import decode_captions, sample_coco_minibatch

    captions, features, images = sample_coco_minibatch(data, batch_size=batch_size, split=split)
    sampled = decode_captions(sample(features), data["idx_to_word"])
    truth = decode_captions(captions, data["idx_to_word"])
    texts = ["%s\nGT: %s" % (s, t) for s, t in zip(sampled, truth)]
    return show_captions(images, texts, ncols=batch_size, title="%s: sampled, then the ground truth" % split)
