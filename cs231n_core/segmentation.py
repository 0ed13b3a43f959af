"""Semantic segmentation in PyTorch (assignment 3): a small fully convolutional network.

A fully convolutional network (FCN) labels every pixel: it downsamples the image (here
with two 2x2 max poolings) to see more context cheaply, then upsamples back to the
input's size. The four ways of upsampling of CS231n's lecture on segmentation:

* ``"nearest"``: nearest neighbour, each value copied into a 2x2 block;
* ``"bed_of_nails"``: each value in the top-left corner of its 2x2 block, zeros elsewhere;
* ``"max_unpool"``: each value back at the position its max pooling took it from
  (the pooling's indices), zeros elsewhere;
* ``"transposed"``: a learnable transposed convolution (kernel 4, stride 2, padding 1).

``SkipFCN`` adds U-Net's skip connections (each decoder stage also reads the encoder's
features of its resolution), with the same four upsamplings. ``PatchClassifier`` and
``sliding_window_segment`` are the baseline the lecture starts from: classify each pixel
from the patch around it, one patch at a time (benchmarks/bench_segmentation.py measures
what an FCN saves by sharing the patches' overlapping work).

``mean_iou`` measures a segmentation: the intersection over union of each class's
predicted and true pixels, averaged over the classes.

Images are tensors (N, C, H, W); label maps are int64 tensors (N, H, W) of classes
0..num_classes-1 (for digit scenes: 0 background, 1 + d for digit d).
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from .training import fit_minibatches, shuffled_batches

__all__ = ["UPSAMPLING_MODES", "Upsample2x", "SegmentationFCN", "SkipFCN", "PatchClassifier", "image_patches",
           "sliding_window_segment", "mean_iou", "train_segmentation", "train_patch_classifier", "predict_masks"]

UPSAMPLING_MODES = ("nearest", "bed_of_nails", "max_unpool", "transposed")


def _known_upsampling(mode):
    """mode itself when it is one of UPSAMPLING_MODES, else a ValueError naming them."""
    if mode not in UPSAMPLING_MODES:
        raise ValueError("unknown upsampling %r; choose one of %s" % (mode, ", ".join(UPSAMPLING_MODES)))
    return mode


class Upsample2x(nn.Module):
    """Double the height and width of a feature map, in one of UPSAMPLING_MODES.

    Inputs of __init__:
    - mode: "nearest", "bed_of_nails", "max_unpool" or "transposed".
    - channels: the number of channels C (needed by "transposed" only, whose layer is
      self.deconv = nn.ConvTranspose2d(C, C, kernel_size=4, stride=2, padding=1)).

    forward(x, indices=None) maps x of shape (N, C, H, W) to (N, C, 2H, 2W):
    - "nearest": out[:, :, 2i + a, 2j + b] = x[:, :, i, j] for a, b in {0, 1};
    - "bed_of_nails": out[:, :, 2i, 2j] = x[:, :, i, j], 0 elsewhere;
    - "max_unpool": `indices` are those that F.max_pool2d(..., 2, return_indices=True)
      returned when it pooled a map of shape (N, C, 2H, 2W) down to x's shape (the flat
      position, within its channel's 2H x 2W plane, that each maximum came from); each
      value goes back there, 0 elsewhere;
    - "transposed": self.deconv(x).
    """

    def __init__(self, mode, channels=None):
        super().__init__()
        if mode not in UPSAMPLING_MODES:
            raise ValueError("unknown upsampling mode %r; choose one of %s" % (mode, ", ".join(UPSAMPLING_MODES)))
        if mode == "transposed" and channels is None:
            raise ValueError("a transposed convolution needs the number of channels")
        self.mode = mode
        # BEGIN SOLUTION
        if mode == "transposed":
            self.deconv = nn.ConvTranspose2d(channels, channels, kernel_size=4, stride=2, padding=1)
        # END SOLUTION

    def forward(self, x, indices=None):
        n, c, height, width = x.shape
        if self.mode == "max_unpool" and indices is None:
            raise ValueError("max unpooling needs the indices of its max pooling")
        out = None
        # TODO: the four modes. Write "nearest" and "bed_of_nails" with indexing (no
        # F.interpolate); "max_unpool" may use F.max_unpool2d or scatter.
        # BEGIN SOLUTION
        if self.mode == "nearest":
            out = x[:, :, :, None, :, None].expand(n, c, height, 2, width, 2)
            out = out.reshape(n, c, 2 * height, 2 * width)
        elif self.mode == "bed_of_nails":
            out = x.new_zeros(n, c, 2 * height, 2 * width)
            out[:, :, ::2, ::2] = x
        elif self.mode == "max_unpool":
            out = F.max_unpool2d(x, indices, kernel_size=2, stride=2, output_size=(2 * height, 2 * width))
        else:
            out = self.deconv(x)
        # END SOLUTION
        return out


class SegmentationFCN(nn.Module):
    """A small fully convolutional network for semantic segmentation.

    Layers (attributes; every convolution 3x3 with padding 1 and a bias, except the 1x1
    classifier), with the shapes for an input of (N, in_channels, H, W), H and W
    multiples of 4:

        enc1: in_channels -> width, ReLU, max pool 2x2 (keep its indices)  -> (width, H/2, W/2)
        enc2: width -> 2 * width, ReLU, max pool 2x2 (keep its indices)    -> (2 width, H/4, W/4)
        enc3: 2 * width -> 2 * width, ReLU
        enc4: 2 * width -> 2 * width, ReLU
        up2:  Upsample2x(upsampling, 2 * width) (max unpooling: enc2's indices)  -> H/2
        dec2: 2 * width -> width, ReLU
        up1:  Upsample2x(upsampling, width) (max unpooling: enc1's indices)      -> H
        dec1: width -> width, ReLU
        classifier: 1x1 convolution width -> num_classes

    forward(x) returns the scores of shape (N, num_classes, H, W).
    """

    def __init__(self, num_classes=11, in_channels=1, width=16, upsampling="transposed"):
        super().__init__()
        self.num_classes, self.upsampling = int(num_classes), _known_upsampling(upsampling)
        # BEGIN SOLUTION
        self.enc1 = nn.Conv2d(in_channels, width, 3, padding=1)
        self.enc2 = nn.Conv2d(width, 2 * width, 3, padding=1)
        self.enc3 = nn.Conv2d(2 * width, 2 * width, 3, padding=1)
        self.enc4 = nn.Conv2d(2 * width, 2 * width, 3, padding=1)
        self.up2 = Upsample2x(upsampling, 2 * width)
        self.dec2 = nn.Conv2d(2 * width, width, 3, padding=1)
        self.up1 = Upsample2x(upsampling, width)
        self.dec1 = nn.Conv2d(width, width, 3, padding=1)
        self.classifier = nn.Conv2d(width, self.num_classes, 1)
        # END SOLUTION

    def forward(self, x):
        scores = None
        # BEGIN SOLUTION
        x, indices1 = F.max_pool2d(F.relu(self.enc1(x)), 2, return_indices=True)
        x, indices2 = F.max_pool2d(F.relu(self.enc2(x)), 2, return_indices=True)
        x = F.relu(self.enc4(F.relu(self.enc3(x))))
        x = F.relu(self.dec2(self.up2(x, indices2)))
        x = F.relu(self.dec1(self.up1(x, indices1)))
        scores = self.classifier(x)
        # END SOLUTION
        return scores


class SkipFCN(nn.Module):
    """A fully convolutional network with skip connections (U-Net's, in the spirit of
    FCN-8s): one more pooling than SegmentationFCN, so that the bottleneck sees a whole
    digit and its surroundings (what the digit is), and each decoder stage also reads
    the encoder's features of its own resolution (where its strokes are, which pooling
    threw away).

    Layers (attributes; 3x3 convolutions with padding 1 and a bias, except the 1x1
    classifier), for an input of (N, in_channels, H, W), H and W multiples of 8:

        enc1: in_channels -> width, ReLU           = skip1 (width, H, W);        max pool 2x2
        enc2: width -> 2 * width, ReLU             = skip2 (2 width, H/2, W/2);  max pool 2x2
        enc3: 2 * width -> 4 * width, ReLU         = skip3 (4 width, H/4, W/4);  max pool 2x2
        enc4, enc5: 4 * width -> 4 * width, ReLU   (4 width, H/8, W/8)
        up3:  Upsample2x(upsampling, 4 * width), concatenated with skip3, then
        dec3: 8 * width -> 2 * width, ReLU         (2 width, H/4, W/4)
        up2:  Upsample2x(upsampling, 2 * width), concatenated with skip2, then
        dec2: 4 * width -> width, ReLU             (width, H/2, W/2)
        up1:  Upsample2x(upsampling, width), concatenated with skip1, then
        dec1: 2 * width -> width, ReLU             (width, H, W)
        classifier: 1x1 convolution width -> num_classes

    Max unpooling uses the indices of the pooling of the same resolution.
    forward(x) returns the scores of shape (N, num_classes, H, W).
    """

    def __init__(self, num_classes=11, in_channels=1, width=16, upsampling="transposed"):
        super().__init__()
        self.num_classes, self.upsampling = int(num_classes), _known_upsampling(upsampling)
        encoder = [(in_channels, width), (width, 2 * width), (2 * width, 4 * width), (4 * width, 4 * width),
                   (4 * width, 4 * width)]
        decoder = [(8 * width, 2 * width), (4 * width, width), (2 * width, width)]
        for k, (c_in, c_out) in enumerate(encoder, start=1):
            setattr(self, "enc%d" % k, nn.Conv2d(c_in, c_out, kernel_size=3, padding=1))
        for k, (c_in, c_out) in zip((3, 2, 1), decoder):
            setattr(self, "up%d" % k, Upsample2x(upsampling, c_in // 2))
            setattr(self, "dec%d" % k, nn.Conv2d(c_in, c_out, kernel_size=3, padding=1))
        self.classifier = nn.Conv2d(width, self.num_classes, kernel_size=1)

    def forward(self, x):
        skips, indices = [], []
        for encode in (self.enc1, self.enc2, self.enc3):
            skips.append(F.relu(encode(x)))
            x, where = F.max_pool2d(skips[-1], 2, return_indices=True)
            indices.append(where)
        x = F.relu(self.enc5(F.relu(self.enc4(x))))
        for up, decode in ((self.up3, self.dec3), (self.up2, self.dec2), (self.up1, self.dec1)):
            x = F.relu(decode(torch.cat([up(x, indices.pop()), skips.pop()], dim=1)))
        return self.classifier(x)


class PatchClassifier(nn.Module):
    """The sliding-window baseline of semantic segmentation: a small CNN that names the
    class of the centre pixel of a square patch; sliding_window_segment runs it on the
    patch around every pixel of an image.

    Layers (attributes), for patches (M, in_channels, P, P), P odd:

        conv1: 3x3 convolution, padding 1, in_channels -> width, ReLU, max pool 2x2
               -> (width, P // 2, P // 2)
        conv2: 3x3 convolution, padding 1, width -> 2 * width, ReLU, max pool 2x2
               -> (2 width, P // 4, P // 4)
        classifier: Linear(2 * width * (P // 4)**2 -> num_classes)

    forward(patches) returns the scores (M, num_classes) of the patches' centre pixels.
    """

    def __init__(self, num_classes=11, in_channels=1, width=16, patch_size=25):
        super().__init__()
        if patch_size % 2 != 1:
            raise ValueError("the patch needs a centre pixel: patch_size must be odd, got %d" % patch_size)
        self.patch_size, self.num_classes = int(patch_size), int(num_classes)
        self.conv1 = nn.Conv2d(in_channels, width, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(width, 2 * width, kernel_size=3, padding=1)
        self.classifier = nn.Linear(2 * width * (self.patch_size // 4) ** 2, self.num_classes)

    def forward(self, patches):
        features = F.max_pool2d(F.relu(self.conv1(patches)), 2)
        features = F.max_pool2d(F.relu(self.conv2(features)), 2)
        return self.classifier(features.flatten(1))


def image_patches(images, size, pixels=None):
    """The square patch around pixels of images, zeros beyond the borders.

    Inputs:
    - images: tensor (N, C, H, W); size: the patch's side P (odd).
    - pixels: optional int64 tensor (M, 3) of (image, row, column); default every pixel,
      image by image, row by row.

    Returns:
    - patches: tensor (M, C, P, P) (M = N * H * W by default), patch m centred on its pixel.
    """
    n, channels, height, width = images.shape
    half = size // 2
    padded = F.pad(images, (half, half, half, half))
    if pixels is None:
        grid = torch.meshgrid(torch.arange(n), torch.arange(height), torch.arange(width), indexing="ij")
        pixels = torch.stack([g.reshape(-1) for g in grid], dim=1).to(images.device)
    offsets = torch.arange(size, device=images.device)
    rows = (pixels[:, 1:2] + offsets)[:, :, None]                                  # (M, P, 1)
    cols = (pixels[:, 2:3] + offsets)[:, None, :]                                  # (M, 1, P)
    patches = padded[pixels[:, 0, None, None], :, rows, cols]                      # (M, P, P, C)
    return patches.permute(0, 3, 1, 2)


@torch.no_grad()
def sliding_window_segment(model, images, chunk=4096):
    """Semantic segmentation by sliding a PatchClassifier over every pixel: the scores
    (N, num_classes, H, W) of images (N, C, H, W), `chunk` patches at a time. Each pixel
    costs a whole forward pass of the classifier: the work the patches share (their
    overlap) is done again for each, which an FCN does once."""
    n, _, height, width = images.shape
    scores = []
    for first in range(0, n * height * width, chunk):
        index = torch.arange(first, min(first + chunk, n * height * width), device=images.device)
        pixels = torch.stack([index // (height * width), index // width % height, index % width], dim=1)
        scores.append(model(image_patches(images, model.patch_size, pixels)))
    return torch.cat(scores).reshape(n, height, width, -1).permute(0, 3, 1, 2)


def mean_iou(predictions, targets, num_classes, ignore_index=None):
    """Mean intersection over union of label maps, over a whole set of images.

    For each class c, over all the pixels of all the images:

        IoU_c = |predicted c and truly c| / |predicted c or truly c|.

    A class that appears neither in the predictions nor in the targets has no IoU (NaN)
    and is left out of the mean. Pixels whose target is ignore_index (e.g. VOC's 255
    on object borders) are left out entirely.

    Inputs:
    - predictions: integer tensor (or array) of shape (N, H, W), predicted classes.
    - targets: integer tensor (or array) of the same shape, true classes
      0..num_classes-1 (or ignore_index).
    - num_classes: number of classes C.
    - ignore_index: a target value to ignore, or None.

    Returns a tuple:
    - miou: float, the mean of the classes' IoUs.
    - iou: float64 array (C,), the IoU of each class (NaN where undefined).
    """
    predictions = torch.as_tensor(np.asarray(predictions.cpu() if torch.is_tensor(predictions) else predictions))
    targets = torch.as_tensor(np.asarray(targets.cpu() if torch.is_tensor(targets) else targets))
    if predictions.shape != targets.shape:
        raise ValueError("predictions have shape %s but targets %s"
                         % (tuple(predictions.shape), tuple(targets.shape)))
    miou, iou = None, None
    # TODO: count, for each class, the pixels of the intersection and of the union
    # (torch.bincount of class * C + class is one way to a confusion matrix).
    # BEGIN SOLUTION
    predictions, targets = predictions.reshape(-1).long(), targets.reshape(-1).long()
    if ignore_index is not None:
        keep = targets != ignore_index
        predictions, targets = predictions[keep], targets[keep]
    confusion = torch.bincount(targets * num_classes + predictions,
                               minlength=num_classes * num_classes).reshape(num_classes, num_classes)
    confusion = confusion.double()
    intersection = confusion.diagonal()
    union = confusion.sum(dim=0) + confusion.sum(dim=1) - intersection
    iou = torch.where(union > 0, intersection / union.clamp(min=1), torch.full_like(union, float("nan")))
    iou = iou.numpy()
    present = ~np.isnan(iou)
    miou = float(iou[present].mean()) if present.any() else float("nan")
    # END SOLUTION
    return miou, iou


def train_segmentation(model, scenes, epochs=5, batch_size=32, learning_rate=1e-3, device=None,
                       seed=0, progress=True):
    """Train `model` (a SegmentationFCN or a SkipFCN) with Adam and per-pixel cross-entropy on scenes
    with "images" (N, C, H, W) and "masks" (N, H, W). Returns {"loss": [per iteration]}."""
    device = torch.device("cpu") if device is None else torch.device(device)
    model.to(device)
    images = torch.as_tensor(np.asarray(scenes["images"]), dtype=torch.float32, device=device)
    masks = torch.as_tensor(np.asarray(scenes["masks"]), dtype=torch.long, device=device)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    generator = torch.Generator().manual_seed(int(seed))
    model.train()
    return fit_minibatches(optimizer, epochs, lambda: shuffled_batches(images.shape[0], batch_size, generator),
                           lambda batch: {"loss": F.cross_entropy(model(images[batch]), masks[batch])},
                           progress=progress)


def train_patch_classifier(model, scenes, epochs=5, pixels_per_scene=32, batch_size=256, learning_rate=1e-3,
                           device=None, seed=0, progress=True):
    """Train a PatchClassifier with Adam on patches of scenes ("images" (N, C, H, W),
    "masks" (N, H, W)): each epoch draws pixels_per_scene pixels of each scene, half of
    them on its digits (where there are), and learns their classes from their patches.
    Returns {"loss": [per iteration]}."""
    device = torch.device("cpu") if device is None else torch.device(device)
    model.to(device)
    images = torch.as_tensor(np.asarray(scenes["images"]), dtype=torch.float32, device=device)
    masks = torch.as_tensor(np.asarray(scenes["masks"]), dtype=torch.long, device=device)
    generator = torch.Generator().manual_seed(int(seed))
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    # a pixel's weight to be drawn: the digits' pixels as likely, together, as the background's
    on_digit = (masks > 0).flatten(1).float()
    weights = (on_digit / on_digit.sum(1, keepdim=True).clamp(min=1)
               + (1 - on_digit) / (1 - on_digit).sum(1, keepdim=True)).cpu()
    height, width = masks.shape[-2:]
    pixels = None

    def epoch_batches():
        nonlocal pixels
        drawn = torch.multinomial(weights, pixels_per_scene, replacement=True, generator=generator)
        scene = torch.arange(len(weights))[:, None].expand_as(drawn)
        pixels = torch.stack([scene.reshape(-1), drawn.reshape(-1) // width, drawn.reshape(-1) % width],
                             dim=1).to(device)
        return shuffled_batches(pixels.shape[0], batch_size, generator)

    def batch_losses(batch):
        chosen = pixels[batch]
        scores = model(image_patches(images, model.patch_size, chosen))
        return {"loss": F.cross_entropy(scores, masks[chosen[:, 0], chosen[:, 1], chosen[:, 2]])}

    model.train()
    return fit_minibatches(optimizer, epochs, epoch_batches, batch_losses, progress=progress)


@torch.no_grad()
def predict_masks(model, images, batch_size=64, device=None):
    """The predicted label maps (N, H, W) (int64 array) of images (N, C, H, W)."""
    device = torch.device("cpu") if device is None else torch.device(device)
    images = torch.as_tensor(np.asarray(images), dtype=torch.float32)
    was_training = model.training
    model.eval()
    out = [model(images[k:k + batch_size].to(device)).argmax(dim=1).cpu()
           for k in range(0, images.shape[0], batch_size)]
    model.train(was_training)
    return torch.cat(out).numpy() if out else np.zeros((0,) + tuple(images.shape[2:]), dtype=np.int64)
