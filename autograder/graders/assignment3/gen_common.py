"""Shared pieces of the graders of the generative models (test_vae.py, test_gan.py,
test_pixelcnn.py).

Not a test module (pytest collects only test_*.py). As in assignment 2's PyTorch
graders, tensors never cross the sandbox's boundary: the worker turns arrays into
tensors with ``torch.from_numpy``, calls the student's code, and sends arrays back;
gradients come from ``torch.autograd.grad`` run in the worker. Importing torch costs a
worker about a second of CPU time, so all the checks of one target share one worker run
(the `shared` fixture). References are computed here, in the trusted process, mostly in
NumPy (fully connected layers, convolutions of small images); torch is imported here
only by the checks of the convolutional GAN models.
"""
import numpy as np

from autograder.trusted.expect import wrong

GEN = "cs231n_core.generative:"
F64_TOL = 1e-10     # float64 values and gradients against the reference
LOSS_TOL = 1e-7     # losses (relative error, float64)
DETACHING = ".detach(), .item(), .data, NumPy, torch.no_grad()"  # ways of cutting a graph


def linear_layers(state, prefix, what):
    """The (weight, bias) pairs of the nn.Linear layers under `prefix` ("" for all) in the
    order of the state_dict ({name: array}, in the order the layers were built in)."""
    entries = [(n, v) for n, v in state.items() if n.startswith(prefix)]
    layers = []
    for (name, weight), following in zip(entries, entries[1:] + [(None, None)]):
        if name.endswith("weight") and weight.ndim == 2:
            bias_name, bias = following
            if bias_name is None or not bias_name.endswith("bias") or bias.shape != weight.shape[:1]:
                raise wrong(state, "%s: the fully connected layer %s has no bias" % (what, name), what)
            layers.append((weight.astype(np.float64), bias.astype(np.float64)))
    return layers


def expect_layer_shapes(layers, shapes, what):
    got = [tuple(w.shape) for w, _ in layers]
    if got != list(shapes):
        raise wrong(layers, "%s: the fully connected layers' weights have shapes %s in this "
                    "order, expected %s (nn.Linear keeps (out, in))" % (what, got, list(shapes)), what)


# --- NumPy references ----------------------------------------------------------------

def leaky_relu(x, slope=0.01):
    return np.where(x > 0, x, slope * x)


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def softplus(x):
    """log(1 + exp(x)), stable for large |x|."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def mlp(x, layers, hidden, last):
    """Fully connected layers with activation `hidden` between them and `last` after."""
    for i, (w, b) in enumerate(layers):
        x = x @ w.T + b
        x = last(x) if i == len(layers) - 1 else hidden(x)
    return x


def conv2d_same(x, w, b):
    """Stride-1 convolution with zero padding k // 2 (odd k): x (N, C, H, W), w (F, C, k, k)."""
    n, c, height, width = x.shape
    k = w.shape[-1]
    p = k // 2
    padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    out = np.zeros((n, w.shape[0], height, width))
    for di in range(k):
        for dj in range(k):
            patch = padded[:, :, di:di + height, dj:dj + width]     # (N, C, H, W)
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, di, dj])
    return out + b.reshape(1, -1, 1, 1)


def raster_mask(k, mask_type, out_channels, in_channels):
    """PixelCNN's mask for a k x k kernel (1 where a weight is used)."""
    mask = np.ones((out_channels, in_channels, k, k))
    c = k // 2
    mask[:, :, c, c + (mask_type == "B"):] = 0
    mask[:, :, c + 1:, :] = 0
    return mask

