"""Unit tests of the reference transformers (cs231n_core/transformer_layers.py,
cs231n_core/classifiers/transformer.py, cs231n_core/transformer_training.py): the values
CS231n's notebooks print for the same seeds, shapes, the causal mask by gradients,
dropout in training mode only, heads against a loop over heads, a ViT on tiny images,
greedy sampling, and a few iterations of each trainer. On the CPU, and on CUDA too where
there is one."""
import contextlib

import numpy as np
import pytest
import torch

from cs231n_core.checks.compare import scaled_error
from cs231n_core.checks.transformer_captioning import CAPTIONING_SCORES, DECODER_LAYER
from cs231n_core.checks.vision_transformer import ENCODER_LAYER, PATCH_EMBEDDING, VIT_SCORES
from cs231n_core.classifiers.transformer import CaptioningTransformer, VisionTransformer, causal_mask
from cs231n_core.transformer_layers import (MultiHeadAttention, PatchEmbedding, PositionalEncoding,
                                            TransformerDecoderLayer, TransformerEncoderLayer)
from cs231n_core import transformer_training as training

# Deselected, not skipped, where no CUDA device is present (conftest.py).
CUDA = [pytest.param("cuda", marks=pytest.mark.gpu)]
WORDS = {"<NULL>": 0, "<START>": 1, "<END>": 2, "cat": 3, "dog": 4, "sits": 5}


@contextlib.contextmanager
def single_thread():
    """Small tensors: on a shared machine, more threads only wait for each other."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _one_thread():
    with single_thread():
        yield

# --- CS231n's printed values (Transformer_Captioning.ipynb, evaluation mode) -------------
# The printed values are rounded (four decimals for the attention and the positional
# encoding, about eight digits for the others, which the public checks store): compared
# relative to the largest value.


def test_multi_head_attention_prints_cs231n_s_values():
    torch.manual_seed(231)
    attn = MultiHeadAttention(8, num_heads=2).eval()
    data = torch.randn(1, 3, 8)
    self_out = attn(query=data, key=data, value=data)
    mask = torch.randn(3, 3) < 0.5
    masked_out = attn(query=data, key=data, value=data, attn_mask=mask)
    other = torch.randn(1, 3, 8)
    cross_out = attn(query=data, key=other, value=other)
    expected_self = [[-0.1030, 0.2090, 0.7481, -0.4116, -0.2772, 0.2357, -0.2740, -0.2798],
                     [-0.1794, 0.1637, 0.6930, -0.3435, -0.2300, 0.2457, -0.2504, -0.2323],
                     [-0.1861, 0.1567, 0.6677, -0.3078, -0.2731, 0.2302, -0.2714, -0.2082]]
    expected_masked = [[-0.1209, 0.1806, 0.8056, -0.4654, -0.2262, 0.2552, -0.2544, -0.2812],
                       [-0.2374, 0.1183, 0.7423, -0.3777, -0.1460, 0.2716, -0.2213, -0.2077],
                       [-0.0851, 0.2423, 0.7941, -0.3778, -0.4924, 0.1512, -0.4241, -0.1740]]
    expected_cross = [[-0.1965, 0.0702, 0.5227, -0.1388, -0.3530, 0.2163, -0.2643, -0.1902],
                      [-0.3592, -0.0899, 0.5836, 0.0029, -0.3643, 0.2667, -0.1973, -0.1698],
                      [-0.3795, 0.0433, 0.5634, -0.0749, -0.4379, 0.2714, -0.2207, -0.1980]]
    for got, expected in ((self_out, expected_self), (masked_out, expected_masked), (cross_out, expected_cross)):
        assert scaled_error(got.detach().numpy(), [expected]) < 2e-4


def test_positional_encoding_prints_cs231n_s_values():
    torch.manual_seed(231)
    data = torch.randn(1, 2, 6)
    output = PositionalEncoding(6).eval()(data)
    expected = [[[-1.1106, 1.0014, 1.5280, -0.0778, -0.6964, 1.1455],
                 [0.8125, -0.4303, 0.4981, 0.7320, 1.1380, 1.5331]]]
    assert scaled_error(output.numpy(), expected) < 1e-4


def test_positional_encoding_is_the_sines_and_cosines():
    pe = PositionalEncoding(10, max_len=7).pe[0].numpy()
    i, j = np.arange(7)[:, None], np.arange(10)[None, :]
    expected = np.where(j % 2 == 0, np.sin(i * 10000.0 ** (-j / 10)), np.cos(i * 10000.0 ** (-(j - 1) / 10)))
    assert pe.shape == (7, 10) and np.allclose(pe, expected, atol=1e-6)
    assert "pe" in dict(PositionalEncoding(4).named_buffers()) and not list(PositionalEncoding(4).parameters())


def test_decoder_layer_prints_cs231n_s_values():
    torch.manual_seed(231)
    layer = TransformerDecoderLayer(12, 2, 48).eval()
    tgt, memory = torch.randn(1, 4, 12), torch.randn(1, 5, 12)
    output = layer(tgt, memory, torch.randn(4, 4) < 0.5)
    expected = DECODER_LAYER[0]
    assert scaled_error(output.detach().numpy(), [expected]) < 1e-6


def test_captioning_transformer_prints_cs231n_s_values():
    torch.manual_seed(231)
    model = CaptioningTransformer({"<NULL>": 0, "cat": 2, "dog": 3}, input_dim=20, wordvec_dim=30,
                                  num_heads=2, num_layers=2, max_length=30).eval()
    features, captions = torch.randn(4, 20), torch.randint(0, 3, (4, 3))
    expected = CAPTIONING_SCORES
    assert scaled_error(model(features, captions).detach().numpy(), expected) < 1e-6


def test_patch_embedding_prints_cs231n_s_values():
    torch.manual_seed(231)
    embedding = PatchEmbedding(img_size=16, patch_size=8, embed_dim=8)
    output = embedding(torch.randn(2, 3, 16, 16))
    expected = PATCH_EMBEDDING
    assert scaled_error(output.detach().numpy(), expected) < 1e-6


def test_encoder_layer_prints_cs231n_s_values():
    torch.manual_seed(231)
    layer = TransformerEncoderLayer(12, 2, 48).eval()
    x = torch.randn(1, 4, 12)
    output = layer(x, torch.randn(4, 4) < 0.5)
    expected = ENCODER_LAYER[0]
    assert scaled_error(output.detach().numpy(), [expected]) < 1e-6


def test_vision_transformer_prints_cs231n_s_values():
    torch.manual_seed(231)
    images = torch.randn(3, 3, 32, 32)
    scores = VisionTransformer().eval()(images)
    expected = VIT_SCORES
    assert scaled_error(scores.detach().numpy(), expected) < 1e-5


# --- attention by hand -----------------------------------------------------------------

def attention_loop(attn, query, key, value, mask=None):
    """The module's attention, one head and one example at a time, in NumPy."""
    weights = {name: (getattr(attn, name).weight.detach().numpy().astype(np.float64),
                      getattr(attn, name).bias.detach().numpy().astype(np.float64))
               for name in ("query", "key", "value", "proj")}

    def linear(x, name):
        return x @ weights[name][0].T + weights[name][1]

    q, k, v = linear(query, "query"), linear(key, "key"), linear(value, "value")
    heads, size = attn.n_head, attn.head_dim
    out = np.zeros(query.shape)
    for n in range(query.shape[0]):
        merged = []
        for h in range(heads):
            part = slice(h * size, (h + 1) * size)
            scores = q[n, :, part] @ k[n, :, part].T / np.sqrt(size)
            if mask is not None:
                scores = np.where(mask, scores, -np.inf)
            a = np.exp(scores - scores.max(axis=1, keepdims=True))
            merged.append((a / a.sum(axis=1, keepdims=True)) @ v[n, :, part])
        out[n] = linear(np.concatenate(merged, axis=1), "proj")
    return out


@pytest.mark.parametrize("heads", [1, 2, 4])
def test_heads_are_split_and_merged_as_a_loop_over_heads_does(heads):
    torch.manual_seed(0)
    attn = MultiHeadAttention(8, heads, dropout=0.3).double().eval()
    rng = np.random.default_rng(heads)
    query, key = rng.normal(size=(3, 5, 8)), rng.normal(size=(3, 7, 8))
    value = rng.normal(size=(3, 7, 8))
    mask = rng.random((5, 7)) < 0.6
    mask[:, 0] = True  # every query sees at least one key
    for m in (None, mask):
        got = attn(torch.from_numpy(query), torch.from_numpy(key), torch.from_numpy(value),
                   attn_mask=None if m is None else torch.from_numpy(m))
        assert got.shape == (3, 5, 8)
        assert np.allclose(got.detach().numpy(), attention_loop(attn, query, key, value, m), atol=1e-12)
    # 0/1 masks work as bools do
    as_ints = attn(torch.from_numpy(query), torch.from_numpy(key), torch.from_numpy(value),
                   attn_mask=torch.from_numpy(mask.astype(np.int64)))
    assert np.allclose(as_ints.detach().numpy(), attention_loop(attn, query, key, value, mask), atol=1e-12)


def test_dropout_acts_on_the_attention_weights_in_training_mode_only():
    torch.manual_seed(0)
    attn = MultiHeadAttention(8, 2, dropout=0.5)
    x = torch.randn(2, 6, 8)
    attn.eval()
    assert torch.equal(attn(x, x, x), attn(x, x, x))
    attn.train()
    assert not torch.equal(attn(x, x, x), attn(x, x, x))
    with training.recorded_attention(attn) as maps:
        attn.eval()
        attn(x, x, x)
    weights = maps[""]
    assert weights.shape == (2, 2, 6, 6) and torch.allclose(weights.sum(-1), torch.ones(2, 2, 6))
    for module in (TransformerDecoderLayer(8, 2, 16, dropout=0.5), TransformerEncoderLayer(8, 2, 16, dropout=0.5)):
        args = (x, x) if isinstance(module, TransformerDecoderLayer) else (x,)
        module.eval()
        assert torch.equal(module(*args), module(*args))
        module.train()
        assert not torch.equal(module(*args), module(*args))


# --- the causal mask, by gradients --------------------------------------------------------

def position_dependence(out, inputs):
    """(T_out, T_in) bool: position t of `out` depends on position s of `inputs`, by the
    gradients of a random projection of each output position (a plain sum of a layer
    norm's outputs is constant)."""
    generator = torch.Generator().manual_seed(0)
    depends = np.zeros((out.shape[1], inputs.shape[1]), dtype=bool)
    for t in range(out.shape[1]):
        weights = torch.randn(out[:, t].shape, generator=generator, dtype=out.dtype)
        grad, = torch.autograd.grad((out[:, t] * weights).sum(), inputs, retain_graph=True)
        depends[t] = grad.abs().sum(dim=(0, 2)).numpy() > 0
    return depends


def test_decoder_with_a_causal_mask_never_looks_ahead():
    torch.manual_seed(0)
    layer = TransformerDecoderLayer(8, 2, 16).double().eval()
    tgt = torch.randn(2, 6, 8, dtype=torch.float64, requires_grad=True)
    memory = torch.randn(2, 3, 8, dtype=torch.float64)
    depends = position_dependence(layer(tgt, memory, causal_mask(6)), tgt)
    assert np.array_equal(depends, np.tril(np.ones((6, 6), dtype=bool)))
    assert position_dependence(layer(tgt, memory), tgt).all()  # without the mask


def test_captioning_transformer_scores_depend_on_earlier_words_only():
    torch.manual_seed(0)
    model = CaptioningTransformer(WORDS, input_dim=5, wordvec_dim=8, num_heads=2, num_layers=2).double().eval()
    captions = torch.randint(0, len(WORDS), (3, 7))
    features = torch.randn(3, 5, dtype=torch.float64)
    kept = {}
    handle = model.embedding.register_forward_hook(lambda module, inputs, output: kept.setdefault("words", output))
    scores = model(features, captions)
    handle.remove()
    depends = position_dependence(scores, kept["words"])
    assert np.array_equal(depends, np.tril(np.ones((7, 7), dtype=bool)))
    later = captions.clone()
    later[:, 4:] = (later[:, 4:] + 1) % len(WORDS)
    assert torch.allclose(model(features, later)[:, :4], scores[:, :4], atol=1e-12)
    assert scores.shape == (3, 7, len(WORDS))


# --- training a captioner, then sampling from it ---------------------------------------------

def few_captions():
    """Eight feature vectors and their captions of 1 to 4 words (<START> ... <END>, padded)."""
    torch.manual_seed(0)
    features = torch.randn(8, 6)
    captions = []
    for i in range(8):
        words = [3 + (i + k) % 3 for k in range(1 + i % 4)]
        captions.append([1] + words + [2] + [0] * (3 - i % 4))
    return features, np.array(captions)


@pytest.fixture(scope="module")
def trained_captioner():
    features, captions = few_captions()
    model = CaptioningTransformer(WORDS, input_dim=6, wordvec_dim=32, num_heads=2, num_layers=1)
    with single_thread():
        history = training.train_captioner(model, features, captions, epochs=200, batch_size=8,
                                           learning_rate=1e-2, seed=0, progress=False)
    return model, history


def greedy_reference(model, features, length):
    """Greedy decoding, one forward pass per step, without the early end."""
    partial = torch.full((len(features), 1), WORDS["<START>"])
    with torch.no_grad():
        for _ in range(length):
            word = model(features, partial)[:, -1].argmax(dim=1)
            partial = torch.cat([partial, word[:, None]], dim=1)
    return partial[:, 1:].numpy()


def test_train_captioner_overfits_a_few_captions(trained_captioner):
    model, history = trained_captioner
    features, captions = few_captions()
    assert len(history["loss"]) == 200 and model.training
    assert np.mean(history["loss"][-10:]) < 0.3 and history["loss"][0] > 1.0  # training mode: dropout on
    with torch.no_grad():
        scores = model.eval()(features, torch.from_numpy(captions[:, :-1]))
    model.train()
    assert training.caption_loss(scores, torch.from_numpy(captions[:, 1:])) < 0.1
    assert (model.sample(features, max_length=5) == captions[:, 1:]).all(axis=1).sum() >= 7


def test_sample_is_greedy_decoding_that_stops_at_end_and_pads_with_null(trained_captioner):
    model, _ = trained_captioner
    features = torch.randn(16, 6) * 1.5  # other images: captions of other lengths
    captions = model.sample(features, max_length=9)
    assert model.training, "sample puts the module back in training mode"
    assert isinstance(captions, np.ndarray) and captions.shape == (16, 9) and captions.dtype == np.int64
    greedy = greedy_reference(model.eval(), features, 9)
    model.train()
    lengths = set()
    for caption, reference in zip(captions, greedy):
        stop = np.flatnonzero(reference == WORDS["<END>"])
        cut = stop[0] + 1 if len(stop) else 9
        lengths.add(cut)
        assert np.array_equal(caption[:cut], reference[:cut])
        assert np.all(caption[cut:] == WORDS["<NULL>"])
    assert len(lengths) > 1
    assert np.array_equal(model.sample(features.numpy(), max_length=9), captions)  # NumPy features too


def test_caption_loss_ignores_the_padding():
    scores = torch.randn(2, 3, 6)
    targets = torch.tensor([[3, 2, 0], [4, 0, 0]])
    expected = torch.nn.functional.cross_entropy(scores[[0, 0, 1], [0, 1, 0]], torch.tensor([3, 2, 4]))
    assert torch.allclose(training.caption_loss(scores, targets), expected)


# --- the Vision Transformer -----------------------------------------------------------------

def test_patches_are_flattened_channel_first_row_by_row():
    torch.manual_seed(0)
    embedding = PatchEmbedding(img_size=6, patch_size=3, in_channels=2, embed_dim=5).double()
    x = torch.randn(4, 2, 6, 6, dtype=torch.float64)
    weight, bias = embedding.proj.weight.detach(), embedding.proj.bias.detach()
    expected = torch.stack([x[:, :, r:r + 3, c:c + 3].reshape(4, -1) @ weight.T + bias
                            for r in (0, 3) for c in (0, 3)], dim=1)
    assert embedding.num_patches == 4 and embedding.patch_dim == 18
    assert torch.allclose(embedding(x), expected, atol=1e-12)


def test_vision_transformer_on_tiny_images():
    torch.manual_seed(0)
    model = VisionTransformer(img_size=8, patch_size=4, in_channels=1, embed_dim=8, num_layers=2,
                              num_heads=2, dim_feedforward=16, num_classes=3).double().eval()
    images = torch.randn(5, 1, 8, 8, dtype=torch.float64)
    scores = model(images)
    assert scores.shape == (5, 3)
    with torch.no_grad():  # the head classifies the average of the encoded patches
        tokens = model.transformer(model.positional_encoding(model.patch_embed(images)))
        assert torch.allclose(scores, model.head(tokens.mean(dim=1)), atol=1e-12)
    # every score depends on every patch
    images.requires_grad_(True)
    grad, = torch.autograd.grad(model(images)[:, 0].sum(), images)
    patches = grad.abs().reshape(5, 1, 2, 4, 2, 4).sum(dim=(0, 1, 3, 5))
    assert (patches > 0).all()


@pytest.mark.parametrize("device", CUDA)
def test_modules_run_on_the_gpu(device):
    torch.manual_seed(0)
    model = CaptioningTransformer(WORDS, input_dim=4, wordvec_dim=8, num_heads=2, num_layers=1).to(device)
    features = torch.randn(3, 4)
    scores = model(features.to(device), torch.randint(0, 6, (3, 5), device=device))
    assert scores.device.type == "cuda"
    assert model.sample(features, max_length=4).shape == (3, 4)
    vit = training.digits_vit(num_layers=1).to(device)
    assert vit(torch.rand(2, 1, 28, 28, device=device)).shape == (2, 10)


# --- trainers -------------------------------------------------------------------------------

def test_train_classifier_learns_and_the_cnn_matches_a_size():
    torch.manual_seed(0)
    y = torch.randint(0, 2, (64,))
    X = 0.5 * torch.rand(64, 1, 8, 8)
    X[:, :, 4:, 4:] += y[:, None, None, None] * 0.5  # class 1: a brighter bottom-right patch
    model = VisionTransformer(img_size=8, patch_size=4, in_channels=1, embed_dim=16, num_layers=1,
                              num_heads=2, dim_feedforward=32, num_classes=2, dropout=0.0)
    history = training.train_classifier(model, X, y, epochs=40, batch_size=32, learning_rate=3e-3, seed=0,
                                        val_data=(X, y), progress=False)
    assert len(history["loss"]) == 80 and len(history["val_acc"]) == 40
    assert training.accuracy(model, X, y) >= 0.9 and history["val_acc"][-1] >= 0.9
    cnn, width = training.cnn_like(training.count_params(training.digits_vit()))
    size = training.count_params(training.digits_vit())
    assert abs(training.count_params(cnn) - size) <= 0.1 * size
    assert training.count_params(training.digits_cnn(8)) == 25162  # the course's DIGITS_CNN


def test_compare_at_equal_size_trains_each_model_alike():
    torch.manual_seed(0)
    y = torch.randint(0, 10, (40,))
    X = torch.rand(40, 1, 28, 28) * 0.2
    for label in range(10):  # one bright row per class
        X[y == label, :, 2 * label + 4] += 0.8
    data = {"X_train": X[:30], "y_train": y[:30], "X_val": X[30:], "y_val": y[30:], "X_test": X[30:], "y_test": y[30:]}
    cnn, _ = training.cnn_like(5000)
    results = training.compare_at_equal_size({"cnn": cnn, "vit": training.digits_vit(num_layers=1, embed_dim=16,
                                                                                     dim_feedforward=32)},
                                             data, epochs=2, batch_size=16, progress=False)
    assert set(results) == {"cnn", "vit"}
    for result in results.values():
        assert len(result["history"]["loss"]) == 4 and len(result["history"]["val_acc"]) == 2
        assert 0.0 <= result["test_acc"] <= 1.0 and result["params"] > 0
