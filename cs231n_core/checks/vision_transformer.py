"""Public checks of assignment 4's Vision Transformer (transformer_layers.py: PatchEmbedding,
TransformerEncoderLayer, VisionTransformer).

Each check starts from torch.manual_seed(231) and builds the modules as CS231n's notebook
does, so that they hold CS231n's weights; their evaluation-mode outputs are compared with
the values that notebook prints (stored below). The order of the patches and of a
patch's values is checked with an identity projection, dropout with p = 1.
torch is imported inside each check, and each check leaves torch's global random
numbers as it found them.
"""
import numpy as np

from . import public_check
from .torch_tools import as_numpy
from .transformer_tools import (check_cs231n_module, expect_all_dropped, expect_dependence, expect_values,
                                forward, layer_norm, modules, seeded)

# ---- CS231n's values (torch.manual_seed(231), evaluation mode) -----------------------------

PATCH_EMBEDDING = [
    [[-0.6312704, 0.02531429, 0.6112642, -0.49089882, 0.01412961, -0.6959372, -0.32862484, -0.45402682],
     [0.18816411, -0.08142513, -0.9829535, -0.23975623, -0.23109074, 0.97950286, -0.40997326, 0.7457837],
     [0.01810865, 0.15780598, -0.91804236, 0.36185235, 0.8379501, 1.0191797, -0.29667392, 0.20322265],
     [-0.18697818, -0.45137224, -0.40339014, -1.4381214, -0.43450755, 0.7651071, -0.83683825, -0.16360264]],
    [[-0.39786366, 0.16201034, -0.19008337, -1.0602452, -0.28693503, 0.09791763, 0.26614824, 0.41781986],
     [0.35146567, -0.4469593, -0.1841726, 0.45757473, -0.61304873, -0.29104248, -0.16124889, -0.14987172],
     [-0.2996967, 0.27353522, -0.09929767, 0.01973832, -1.2312065, -0.6374332, -0.22963578, 0.55696607],
     [-0.93818814, 0.02465284, -0.21117875, 1.1860403, -0.06137538, -0.21062079, -0.094347, 0.50032747]]]
ENCODER_LAYER = [[
    [-0.48887438, -0.16470742, 0.7249629, -1.0907345, 1.5764195, 0.17484017, 0.8643941, -0.5209561,
     -1.6651545, -1.1943513, 1.4809005, 0.30326116],
    [-0.14663944, 1.052812, -0.96227, -0.20350897, -2.1478589, 1.2637341, 0.04015125, -0.945255,
     1.408903, -0.43051198, 0.37110543, 0.69933903],
    [0.08718029, 0.91050833, -1.208469, 1.1440394, -1.9794976, -0.38342738, -0.47407156, -0.17345548,
     0.11738186, 1.9534125, 0.3525986, -0.3461999],
    [-0.81389004, 0.76213264, -0.7094313, -1.5332246, 1.3837544, 0.4091982, 0.6569406, 0.7305365,
     -1.197077, -1.3698943, 0.58292854, 1.0980265]]]
VIT_SCORES = [
    [-0.15802915, 0.15734261, -0.06002094, -0.1860142, -0.09376919, -0.08837911, 0.16224845, 0.0168601,
     0.20606893, 0.13079852],
    [-0.12838936, 0.20798579, -0.0620573, -0.11705838, -0.14088857, -0.11387511, 0.18839046, 0.03078492,
     0.17386372, 0.06414902],
    [-0.09435399, 0.20495278, -0.03362986, -0.12232997, -0.15535004, -0.10380758, 0.21114832, 0.03481449,
     0.18798208, 0.12231653]]


@public_check("PatchEmbedding")
@seeded
def _check_patch_embedding(t):
    torch, layers, _ = modules()
    embedding = t.call(layers.PatchEmbedding, img_size=16, patch_size=8, embed_dim=8)
    x = torch.randn(2, 3, 16, 16)
    with torch.random.fork_rng(devices=[]):
        _check_patch_order(t, torch, layers)
    expect_values(t, forward(t, embedding, x), PATCH_EMBEDDING, "CS231n's output of PatchEmbedding(16, 8, embed_dim=8)")


def _check_patch_order(t, torch, layers):
    """Through an identity projection the patch embeddings are the flattened patches: of
    images whose pixels all differ, so that a sentence can say which patch went where."""
    identity = t.call(layers.PatchEmbedding, img_size=6, patch_size=3, in_channels=2, embed_dim=18).double()
    with torch.no_grad():
        identity.proj.weight.copy_(torch.eye(18, dtype=torch.float64))
        identity.proj.bias.zero_()
    images = torch.arange(2 * 2 * 6 * 6, dtype=torch.float64).reshape(2, 2, 6, 6)
    expected = np.stack([images[:, :, r:r + 3, c:c + 3].reshape(2, 18).numpy() for r in (0, 3) for c in (0, 3)], 1)
    got = as_numpy(t, forward(t, identity, images), "the patches", double=True)
    if got.shape != expected.shape:
        t.fail("PatchEmbedding(6, 3, in_channels=2) on (2, 2, 6, 6) images returned shape %s, expected %s"
               % (got.shape, expected.shape))
    t.expect_close(got + 1.0, expected + 1.0, 1e-12,
                   "the patches seen through an identity projection: row by row, each flattened as (C, P, P)",
                   hint=_patch_hint)


def _patch_hint(got, expected):
    """Which patch went where, from the pixels each holds (all different)."""
    got, expected = got[0] - 1.0, expected[0] - 1.0
    holds = [next((m for m in range(len(expected)) if np.array_equal(np.sort(g), np.sort(expected[m]))), None)
             for g in got]
    if None in holds:
        return "a patch holds pixels of several patches: cut each P x P square whole (reshape, then permute)"
    if holds != list(range(len(expected))):
        return "your patches hold the right pixels in another order of patches (%s): number them row by row" % holds
    return "each patch holds its own pixels, in another order: flatten each as (C, P, P), channel first"
@public_check("TransformerEncoderLayer")
@seeded
def _check_encoder_layer(t):
    torch, layers, _ = modules()

    def mask_reaches_attention(_):
        layer = t.call(layers.TransformerEncoderLayer, 12, 2, 48).double()
        layer.eval()
        src = torch.randn(2, 5, 12, dtype=torch.float64, requires_grad=True)
        expect_dependence(t, forward(t, layer, src, torch.eye(5, dtype=torch.bool)), src, np.eye(5, dtype=bool),
                          "with src_mask the identity, each position must depend on itself only: pass src_mask "
                          "to the self-attention", "src_mask reaches the self-attention (by gradients)")

    _, (x, _) = check_cs231n_module(t, layers.TransformerEncoderLayer, (12, 2, 48),
                                    lambda: (torch.randn(1, 4, 12), torch.randn(4, 4) < 0.5),
                                    ENCODER_LAYER, "CS231n's output of TransformerEncoderLayer(12, 2, 48)",
                                    before=mask_reaches_attention)
    expect_all_dropped(t, t.call(layers.TransformerEncoderLayer, 12, 2, 48, dropout=1.0), (x,), layer_norm(torch, x),
                       "TransformerEncoderLayer(dropout=1.0) in training mode",
                       "with every sublayer's output dropped, each block must leave norm(src): add each sublayer's "
                       "output, after its dropout (dropout_self, dropout_ffn), to the block's input (the "
                       "residual), then normalize")


@public_check("VisionTransformer")
@seeded
def _check_vision_transformer(t):
    torch, layers, _ = modules()
    images = torch.randn(3, 3, 32, 32)
    model = t.call(layers.VisionTransformer)
    model.eval()
    with torch.random.fork_rng(devices=[]):
        _check_pooling(t, torch, layers)
    expect_values(t, forward(t, model, images), VIT_SCORES, "CS231n's scores of VisionTransformer() on 3 images")


def _check_pooling(t, torch, layers):
    """A small ViT's scores are its head on the average of its encoded patches (its own
    submodules'), else a sentence on which pooling it does."""
    small = t.call(layers.VisionTransformer, img_size=8, patch_size=4, in_channels=1, embed_dim=8, num_layers=1,
                   num_heads=2, dim_feedforward=16, num_classes=3).double()
    small.eval()
    x = torch.randn(2, 1, 8, 8, dtype=torch.float64)
    with torch.no_grad():
        tokens = small.positional_encoding(small.patch_embed(x))
        encoded = small.transformer(tokens)
        early = small.transformer(tokens.mean(dim=1, keepdim=True))[:, 0]
        pooled = {"the first patch's vector (there is no class token here)": encoded[:, 0],
                  "the sum of the patch vectors": encoded.sum(dim=1),
                  "the average of the patches before the encoder": early,
                  "patches without the positional encoding": small.transformer(small.patch_embed(x)).mean(dim=1)}
        alternatives = {what: small.head(vector).numpy() for what, vector in pooled.items()}
        expected = small.head(encoded.mean(dim=1)).numpy()

    def hint(got, _):
        for what, scores in alternatives.items():
            if got.shape == scores.shape and np.allclose(got, scores, atol=1e-10):
                return "your scores are the head on %s: average the encoded patch vectors" % what
        return None

    t.expect_close(as_numpy(t, forward(t, small, x), "the scores", double=True), expected, 1e-10,
                   "the scores of a small ViT: the head on the average of the encoded patches", hint=hint)
