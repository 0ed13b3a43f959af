"""Public checks of assignment 4's captioning Transformer (transformer_layers.py:
MultiHeadAttention, PositionalEncoding, TransformerDecoderLayer; classifiers/transformer.py:
CaptioningTransformer).

Each check starts from torch.manual_seed(231) and builds the modules as CS231n's
Transformer_Captioning notebook does, so that they hold CS231n's weights; their
evaluation-mode outputs are compared with the values that notebook prints (stored below
to 8 digits, from the reference). The rest needs no stored numbers: dropout with p = 1
in training mode, dependence by gradients (the causal mask), and greedy sampling
driven by a scorer whose choices are known.
torch is imported inside each check, and each check leaves torch's global random
numbers as it found them.
"""
import numpy as np

from . import public_check
from .torch_tools import as_numpy
from .transformer_tools import (check_cs231n_module, expect_all_dropped, expect_dependence,
                                expect_deterministic_in_eval, expect_values, forward, layer_norm, modules, seeded)

# ---- CS231n's values (torch.manual_seed(231), evaluation mode) -----------------------------

SELF_ATTENTION = [[
    [-0.10296303, 0.20897833, 0.74814326, -0.41164809, -0.2772353, 0.23566654, -0.27398875, -0.27976441],
    [-0.17938273, 0.16371888, 0.69295919, -0.34352979, -0.23003796, 0.2457296, -0.25040501, -0.23231561],
    [-0.18608648, 0.15673782, 0.66774261, -0.30780488, -0.27312931, 0.23016453, -0.27135235, -0.20817097]]]
MASKED_SELF_ATTENTION = [[
    [-0.12090099, 0.18059, 0.80556369, -0.46541542, -0.2262246, 0.25522882, -0.25444195, -0.28118384],
    [-0.23743063, 0.11827714, 0.74227667, -0.37770075, -0.14598325, 0.27164084, -0.22131094, -0.20770469],
    [-0.08508331, 0.24231443, 0.79412162, -0.37777519, -0.49240974, 0.1512147, -0.42406315, -0.17398541]]]
CROSS_ATTENTION = [[
    [-0.19648182, 0.07016723, 0.52273434, -0.13876492, -0.35296705, 0.21628341, -0.26427844, -0.19017173],
    [-0.35920233, -0.08986745, 0.58356178, 0.00286411, -0.36434713, 0.26666829, -0.19725408, -0.16975427],
    [-0.37945694, 0.04329941, 0.56340933, -0.07486153, -0.43793014, 0.2714138, -0.22074005, -0.19800133]]]
# Keys from other_data and values from a third draw (values, after other_data): not CS231n's.
KEYS_AND_VALUES_APART = [[
    [0.13453063, 0.23948595, 0.43505961, -0.33849216, -0.0478423, -0.10846186, -0.17635471, -0.11348899],
    [0.10072191, 0.23605952, 0.50614542, -0.35766777, -0.10535646, 0.01394476, -0.22679639, -0.1919817],
    [0.064084, 0.30214742, 0.51545393, -0.37007135, -0.1472258, 0.05816403, -0.24229908, -0.2087146]]]
POSITIONAL_ENCODING = [[[-1.11058176, 1.00141215, 1.52802396, -0.07783377, -0.69635481, 1.1454854],
                        [0.81248266, -0.43026227, 0.49813938, 0.73197603, 1.13797522, 1.53305554]]]
DECODER_LAYER = [[
    [0.27005595, -0.21056601, 0.63376445, -0.35391954, 0.60071295, -1.7566615, -0.1314159, -1.7659538,
     -0.5575517, 0.680143, 1.8622686, 0.7291234],
    [-0.6080135, 0.4421802, -0.07590749, -0.12093157, 0.94722354, -1.0223433, 0.47332686, -1.3958666,
     2.1890075, -1.0380646, 0.9437816, -0.7343922],
    [-0.89690155, 0.60447216, 0.10688882, 0.03492759, 1.8388084, -0.9772293, 0.7621334, -0.668234,
     1.3260399, -1.8417019, 0.21718435, -0.506388],
    [-0.70961505, -0.02918372, -0.39894593, -0.8069395, 0.04967685, 0.29345992, 0.7871747, -1.3172938,
     1.4744806, 1.2633642, 1.1611108, -1.767289]]]
CAPTIONING_SCORES = [
    [[0.62165695, -0.6203744, -1.116114], [0.6641097, -0.60309553, -1.3479083],
     [0.62117404, -0.79205745, -1.1095243]],
    [[0.62160987, -0.6214724, -1.1171186], [0.6093992, -0.61166143, -1.3365762],
     [0.62108713, -0.79322916, -1.1104958]],
    [[0.6406587, -0.57419956, -1.1300566], [0.6075228, -0.60872054, -1.3372457],
     [0.6471472, -0.8270494, -1.1064028]],
    [[0.64029807, -0.5755552, -1.1284486], [0.60708034, -0.6099963, -1.3356377],
     [0.59367496, -0.8346836, -1.0914496]]]


# ---- MultiHeadAttention ---------------------------------------------------------------------

def _expect_attention_weights(t, torch, attn, x):
    """The weights that reach attn.attn_drop in self-attention on x (N, S, E): (N, H, S, S),
    each query's summing to 1 over the keys, and softmax(Q K^T / sqrt(E / H)) of the
    module's own query and key layers, head by head (the notebook's equation)."""
    from cs231n_core.transformer_training import recorded_attention

    with recorded_attention(attn) as maps:
        forward(t, attn, x, x, x)
    weights = maps.get("")
    N, S, E = x.shape
    H = attn.n_head
    if weights is None or tuple(weights.shape) != (N, H, S, S):
        t.fail("self.attn_drop must get the attention weights, of shape (N, H, S, T) = %s, got %s: apply it "
               "to the weights after the softmax" % ((N, H, S, S), None if weights is None else tuple(weights.shape)))
    if not torch.allclose(weights.sum(dim=-1), torch.ones(N, H, S), atol=1e-5):
        t.fail("a query's attention weights must sum to 1 over the keys: take the softmax over the last "
               "dimension (the keys), not over the queries")
    with torch.no_grad():
        q = attn.query(x).reshape(N, S, H, E // H).transpose(1, 2)
        k = attn.key(x).reshape(N, S, H, E // H).transpose(1, 2)
        expected = torch.softmax(q @ k.transpose(2, 3) / np.sqrt(E // H), dim=-1)
    if not torch.allclose(weights, expected, atol=1e-5):
        t.fail("the attention weights are not softmax(Q K^T / sqrt(E / H)) of each head: each head takes its own "
               "E / H features of every position (view (N, S, H, E / H), then transpose), and the scores are "
               "divided by the square root of a head's dimension, E / H")
    t.ok("the attention weights are softmax(Q K^T / sqrt(E / H)), head by head")


@public_check("MultiHeadAttention")
@seeded
def _check_multi_head_attention(t):
    torch, layers, _ = modules()
    attn = t.call(layers.MultiHeadAttention, 8, num_heads=2)
    attn.eval()
    data = torch.randn(1, 3, 8)
    _expect_attention_weights(t, torch, attn, data)
    out = forward(t, attn, query=data, key=data, value=data)
    if as_numpy(t, out, "the output").shape != (1, 3, 8):
        t.fail("self-attention on (1, 3, 8) returned shape %s, expected (1, 3, 8)" % (tuple(out.shape),))
    expect_values(t, out, SELF_ATTENTION, "CS231n's self-attention output (2 heads)")
    mask = torch.randn(3, 3) < 0.5
    expect_values(t, forward(t, attn, query=data, key=data, value=data, attn_mask=mask), MASKED_SELF_ATTENTION,
                  "CS231n's masked self-attention output (False: may not attend)")
    other = torch.randn(1, 3, 8)
    expect_values(t, forward(t, attn, query=data, key=other, value=other), CROSS_ATTENTION,
                  "CS231n's attention of data to other_data (keys and values from other_data)")
    values = torch.randn(1, 3, 8)
    expect_values(t, forward(t, attn, query=data, key=other, value=values), KEYS_AND_VALUES_APART,
                  "the attention of data to keys from other_data and values from another sequence")
    expect_deterministic_in_eval(t, attn, (data, data, data), "MultiHeadAttention")
    dropped = t.call(layers.MultiHeadAttention, 8, num_heads=2, dropout=1.0)
    expect_all_dropped(t, dropped, (data, other, other), dropped.proj.bias.detach().expand(1, 3, 8),
                       "MultiHeadAttention(dropout=1.0) in training mode",
                       "with every attention weight dropped the output must be proj's bias: apply "
                       "self.attn_drop to the attention weights (after the softmax), and only there")


# ---- PositionalEncoding ---------------------------------------------------------------------

@public_check("PositionalEncoding")
@seeded
def _check_positional_encoding(t):
    torch, layers, _ = modules()
    encoding = t.call(layers.PositionalEncoding, 10, max_len=7)
    if list(encoding.parameters()) or "pe" not in dict(encoding.named_buffers()):
        t.fail("the encoding must be the buffer self.pe (register_buffer), with no learnable parameters")
    i, j = np.arange(7)[:, None], np.arange(10)[None, :]
    expected = np.where(j % 2 == 0, np.sin(i * 10000.0 ** (-j / 10)), np.cos(i * 10000.0 ** (-(j - 1) / 10)))
    t.expect_close(as_numpy(t, encoding.pe, "pe", double=True).reshape(7, 10) + 2.0, expected + 2.0, 1e-6,
                   "the buffer pe of PositionalEncoding(10, max_len=7) (plus 2, to compare zeros): "
                   "sin in even columns, cos in odd ones, exponents 0, 0, 2, 2, ...", hint=_encoding_hint)
    data = torch.randn(1, 2, 6)
    encoder = t.call(layers.PositionalEncoding, 6)
    encoder.eval()
    expect_values(t, forward(t, encoder, data), POSITIONAL_ENCODING, "CS231n's output of PositionalEncoding(6)")
    dropped = t.call(layers.PositionalEncoding, 6, dropout=1.0)
    expect_all_dropped(t, dropped, (data,), torch.zeros(1, 2, 6), "PositionalEncoding(6, dropout=1.0) in training mode",
                       "with dropout 1 the output must be all zeros: apply self.dropout to x + pe")


def _encoding_hint(got, expected):
    """Where an encoding (plus 2) goes wrong: position 0, the first pair of columns, or the
    frequencies of the later ones."""
    got, expected = got - 2.0, expected - 2.0
    if not np.allclose(got[0], expected[0], atol=1e-5):
        return ("at position 0 every sine must be 0 and every cosine 1: sines in the even columns, cosines "
                "in the odd ones, of position times a frequency")
    if not np.allclose(got[:, :2], expected[:, :2], atol=1e-5):
        return "columns 0 and 1 must be sin(i) and cos(i) of the position i (exponent 0)"
    return ("the later columns' frequencies are off: column j uses 10000 ** (-(j - j % 2) / D), the same "
            "for a sine and the cosine after it, smaller and smaller")


# ---- TransformerDecoderLayer --------------------------------------------------------------

@public_check("TransformerDecoderLayer")
@seeded
def _check_decoder_layer(t):
    torch, layers, transformer = modules()
    layer, (tgt, memory, _) = check_cs231n_module(
        t, layers.TransformerDecoderLayer, (12, 2, 48),
        lambda: (torch.randn(1, 4, 12), torch.randn(1, 5, 12), torch.randn(4, 4) < 0.5),
        DECODER_LAYER, "CS231n's output of TransformerDecoderLayer(12, 2, 48)")
    x = torch.randn(2, 6, 12, dtype=torch.float64, requires_grad=True)
    expect_dependence(t, forward(t, layer.double(), x, torch.randn(2, 5, 12, dtype=torch.float64),
                                 transformer.causal_mask(6)), x, np.tril(np.ones((6, 6), dtype=bool)),
                      "with a causal mask, output position i must depend on tgt positions j <= i only, and on "
                      "all of them (by gradients): apply tgt_mask in the self-attention only",
                      "with a causal mask, no output position depends on a later position (by gradients)")
    expect_all_dropped(t, t.call(layers.TransformerDecoderLayer, 12, 2, 48, dropout=1.0), (tgt, memory),
                       layer_norm(torch, tgt), "TransformerDecoderLayer(dropout=1.0) in training mode",
                       "with every sublayer's output dropped, each block must leave norm(tgt): add each sublayer's "
                       "output, after its dropout (dropout_cross, dropout_ffn), to the block's input (the "
                       "residual), then normalize")


# ---- CaptioningTransformer ----------------------------------------------------------------

WORDS = {"<NULL>": 0, "<START>": 1, "<END>": 2, "a": 3, "b": 4, "c": 5}


class _KnownScorer:
    """Stands for CaptioningTransformer.forward in sample's checks: at step t (a partial
    caption of t + 1 words) image n's best word is <END> when t == stops[n], else word
    3 + (n + t) % 3. Records the partial captions and whether dropout was off."""

    def __init__(self, torch, model, stops):
        self.torch, self.model, self.stops, self.calls = torch, model, stops, []

    def __call__(self, features, captions):
        torch = self.torch
        N, T = captions.shape
        self.calls.append((captions.detach().cpu().numpy().copy(), self.model.training))
        scores = torch.zeros(N, T, len(WORDS))
        for n in range(N):
            best = WORDS["<END>"] if T - 1 == self.stops[n] else 3 + (n + T - 1) % 3
            scores[n, -1, best] = 1.0
        return scores


def _scores_hint(got, expected):
    if np.all(got >= 0) and np.allclose(got.sum(axis=-1), 1.0, atol=1e-5):
        return "your scores are probabilities (they sum to 1): return self.output's scores, without a softmax"
    return None


def _expected_captions(stops, length):
    captions = np.zeros((len(stops), length), dtype=np.int64)
    for n, stop in enumerate(stops):
        for step in range(length):
            if step == stop:
                captions[n, step] = WORDS["<END>"]
                break
            captions[n, step] = 3 + (n + step) % 3
    return captions


@public_check("CaptioningTransformer")
@seeded
def _check_captioning_transformer(t):
    torch, _, transformer = modules()
    model = t.call(transformer.CaptioningTransformer, {"<NULL>": 0, "cat": 2, "dog": 3}, input_dim=20,
                   wordvec_dim=30, num_heads=2, num_layers=2, max_length=30)
    model.eval()
    features, captions = torch.randn(4, 20), torch.randint(0, 3, (4, 3))
    scores = forward(t, model, features, captions)
    later = captions.clone()
    later[:, 2] = (later[:, 2] + 1) % 3
    changed = as_numpy(t, forward(t, model, features, later), "the scores")
    if not np.allclose(changed[:, :2], as_numpy(t, scores, "the scores")[:, :2], atol=1e-6):
        t.fail("changing the last word changed the scores of earlier positions: mask the later words "
               "(a lower-triangular tgt_mask, causal_mask)")
    t.ok("the scores at a position do not depend on later words")
    t.expect_close(as_numpy(t, scores, "the scores", double=True), np.asarray(CAPTIONING_SCORES), 1e-4,
                   "CS231n's scores of CaptioningTransformer (4 captions of 3 words)", hint=_scores_hint)
    model = t.call(transformer.CaptioningTransformer, WORDS, input_dim=4, wordvec_dim=8, num_heads=2, num_layers=1)
    stops = [0, 3, 1, 5, 2, 6]
    scorer = _KnownScorer(torch, model, stops)
    model.forward = scorer
    model.train()
    sampled = t.call(model.sample, torch.randn(6, 4), max_length=5)
    got = t.expect_array(sampled, (6, 5), "sample(features of 6 images, max_length=5)", "int")
    first = scorer.calls[0][0] if scorer.calls else None
    if first is None or first.shape != (6, 1) or np.any(first != WORDS["<START>"]):
        t.fail("the first call to forward must get the <START> word alone, shape (N, 1)")
    t.expect_labels(got, _expected_captions(stops, 5), "the captions of a scorer whose best words are known",
                    hint="write the argmax word of the last position at each step; once a caption has "
                         "written <END>, fill the rest of it with <NULL>")
    if any(training for _, training in scorer.calls):
        t.fail("sample must run the model in evaluation mode (dropout off): call self.eval() first")
    if not model.training:
        t.fail("sample must put the model back in the mode it found it in (training here)")
    t.ok("sample runs in evaluation mode and restores the mode")
