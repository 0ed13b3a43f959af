"""Public checks of assignment 3's style transfer (visualization.py: gram_matrix,
content_loss, style_loss, tv_loss).

The expected values below were computed once with the reference solution on features
built with torch.cos (float64), so that they are the same on every machine. torch is
imported inside each check, so that importing the checks stays cheap; each check leaves
torch's global random numbers as it found them.
"""
import numpy as np

from . import public_check
from .torch_tools import as_numpy, expect_in_graph, keeps_torch_rng


def _torch():
    import torch

    from cs231n_core import visualization
    return torch, visualization


# ---- expected values (computed once with the reference; see the module's docstring) ----

GRAM = np.array([
    0.111893245019, 0.00190724442958, 0.124745243926, 0.00190724442958, 0.0329758739482,
    0.00262900951467, 0.124745243926, 0.00262900951467, 0.14831151356, 0.00964908066164,
    0.0026230478713, 0.00242640419042, 0.0026230478713, 0.171640999076, 0.0021007095181,
    0.00242640419042, 0.0021007095181, 0.000639320509892
]).reshape(2, 3, 3)
CONTENT = 1.3658248399583464
STYLE = 97.1365057161043
TV = 2.8852600122594585


# --------------------------------------------------------------------------------------
# style transfer
# --------------------------------------------------------------------------------------

def _features(torch, shape, offset=0.0):
    count = int(np.prod(shape))
    values = torch.cos(torch.arange(count, dtype=torch.float64) * 0.37 + offset)
    return torch.relu(values).reshape(shape) + 0.01


@public_check("gram_matrix")
@keeps_torch_rng
def _check_gram(t):
    torch, vis = _torch()
    features = _features(torch, (2, 3, 2, 4))
    gram = as_numpy(t, t.call(vis.gram_matrix, features), "the Gram matrices")
    t.expect_array(gram, (2, 3, 3), "Gram matrices of features (2, 3, 2, 4)", "float")
    t.expect_close(gram, GRAM, 1e-6, "the expected normalized Gram matrices",
                   hint=lambda got, exp: "normalize by H * W * C, the number of neurons")
    plain = as_numpy(t, t.call(vis.gram_matrix, features, normalize=False), "the Gram matrices")
    t.expect_close(plain, GRAM * 24, 1e-6, "the expected Gram matrices with normalize=False")


@public_check("content_loss")
@keeps_torch_rng
def _check_content(t):
    torch, vis = _torch()
    current = _features(torch, (1, 3, 2, 4)).requires_grad_(True)
    original = _features(torch, (1, 3, 2, 4), offset=1.0)
    loss = t.call(vis.content_loss, 0.3, current, original)
    expect_in_graph(t, loss, "the loss's graph", "content_loss must return a tensor through which gradients "
                    "flow to content_current (no .item(), .detach() or NumPy)")
    t.expect_close(loss.detach().numpy(), CONTENT, 1e-6, "the expected content loss",
                   hint=lambda got, exp: "content_weight times the sum (not the mean) of the squared differences")


@public_check("style_loss")
@keeps_torch_rng
def _check_style(t):
    torch, vis = _torch()
    feats = [_features(torch, shape, offset=i).requires_grad_(True)
             for i, shape in enumerate([(1, 2, 3, 3), (1, 3, 2, 2), (1, 4, 2, 1)])]
    targets = [vis_gram.detach() for vis_gram in (
        _features(torch, (1, 3, 3), offset=5.0), _features(torch, (1, 4, 4), offset=7.0))]
    loss = t.call(vis.style_loss, feats, [1, 2], targets, [20.0, 3.0])
    expect_in_graph(t, loss, "the loss's graph",
                    "style_loss must return a tensor through which gradients flow to the features")
    t.expect_close(loss.detach().numpy(), STYLE, 1e-6, "the expected style loss at layers [1, 2]",
                   hint=lambda got, exp: "for each style layer: its weight times the sum of squared "
                   "differences between gram_matrix(feats[layer]) and its target")


@public_check("tv_loss")
@keeps_torch_rng
def _check_tv(t):
    torch, vis = _torch()
    img = _features(torch, (1, 3, 3, 5)).requires_grad_(True)
    loss = t.call(vis.tv_loss, img, 0.25)
    expect_in_graph(t, loss, "the loss's graph", "tv_loss must return a tensor through which gradients flow to "
                    "the image")
    t.expect_close(loss.detach().numpy(), TV, 1e-6,
                   "the expected total variation loss of a (1, 3, 3, 5) image",
                   hint=lambda got, exp: "squared differences of vertical and of horizontal "
                   "neighbours, over every channel, times tv_weight")
