"""The recurrent layers and the CaptioningRNN (assignment 4): the values CS231n's
notebooks print for their linspace inputs, numerical gradients of every backward pass,
the mask of the temporal softmax loss, the LSTM's gate order, and greedy sampling that
stops at <END>."""
import numpy as np
import pytest

from cs231n_core import rnn_layers as L
from cs231n_core.checks.rnn_tools import CAPTIONING_DIMS, CAPTIONING_VOCAB, cs231n_captioning_case, cs231n_case
from cs231n_core.classifiers.rnn import CaptioningRNN
from cs231n_core.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error


def numeric_grads(forward, args, dout, count):
    """Centred-difference gradients of forward(*args)[0] against the first `count`
    arguments, weighted by dout."""
    grads = []
    for k in range(count):
        def f(value, k=k):
            return forward(*(args[:k] + [value] + args[k + 1:]))[0]
        grads.append(eval_numerical_gradient_array(f, args[k].copy(), dout))
    return grads


# ---- CS231n's printed values ------------------------------------------------------------

@pytest.mark.parametrize("name, outputs", [
    ("rnn_step_forward", ["next_h"]), ("rnn_forward", ["h"]), ("word_embedding_forward", ["out"]),
    ("lstm_step_forward", ["next_h", "next_c"]), ("lstm_forward", ["h"])])
def test_forward_gives_cs231ns_values(name, outputs):
    args, expected = cs231n_case(name)
    result = getattr(L, name)(*args)
    assert len(result) == len(outputs) + 1   # the outputs, then the cache
    for value, key in zip(result, outputs):
        assert value.shape == expected[key].shape and rel_error(value, expected[key]) < 1e-7


def test_word_embedding_forward_looks_up_rows():
    (x, W), _ = cs231n_case("word_embedding_forward")
    np.testing.assert_array_equal(L.word_embedding_forward(x, W)[0], W[x])


def test_lstm_gates_are_in_the_order_i_f_o_g():
    # No weights, only biases: the input gate open, the forget gate shut, the output
    # gate half open, the block input 0.5.
    H = 3
    b = np.concatenate([np.full(H, 50.0), np.full(H, -50.0), np.zeros(H), np.full(H, np.arctanh(0.5))])
    prev_c = np.full((2, H), 7.0)
    next_h, next_c, _ = L.lstm_step_forward(np.ones((2, 4)), np.ones((2, H)), prev_c,
                                            np.zeros((4, 4 * H)), np.zeros((H, 4 * H)), b)
    np.testing.assert_allclose(next_c, 0.5, rtol=1e-12)        # i * g, f * prev_c = 0
    np.testing.assert_allclose(next_h, 0.5 * np.tanh(0.5), rtol=1e-12)


def test_sigmoid_is_stable():
    x = np.array([-1000.0, -20.0, 0.0, 20.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = L.sigmoid(x)
    np.testing.assert_allclose(s, [0.0, 1 / (1 + np.exp(20.0)), 0.5, 1 / (1 + np.exp(-20.0)), 1.0],
                               rtol=1e-12, atol=1e-300)


# ---- numerical gradients ----------------------------------------------------------------

def expect_numerical_gradients(forward, backward, args, dout, tol):
    """backward(dout, cache of forward(*args)) against centred differences of forward's
    output, argument by argument."""
    grads = backward(dout, forward(*args)[1])
    numeric = numeric_grads(forward, list(args), dout, len(grads))
    for grad, num in zip(grads, numeric):
        assert grad.shape == num.shape and rel_error(grad, num) < tol


def test_rnn_step_backward_matches_numerical_gradients():
    rng = np.random.RandomState(231)
    x, h, Wx, Wh, b = rng.randn(4, 5), rng.randn(4, 6), rng.randn(5, 6), rng.randn(6, 6), rng.randn(6)
    expect_numerical_gradients(L.rnn_step_forward, L.rnn_step_backward, [x, h, Wx, Wh, b],
                               rng.randn(4, 6), 1e-8)


@pytest.mark.parametrize("forward, backward, gates", [(L.rnn_forward, L.rnn_backward, 1),
                                                      (L.lstm_forward, L.lstm_backward, 4)])
def test_sequence_backward_matches_numerical_gradients(forward, backward, gates):
    rng = np.random.RandomState(231)
    N, D, T, H = 2, 3, 10, 5
    args = [rng.randn(N, T, D), rng.randn(N, H), rng.randn(D, gates * H), rng.randn(H, gates * H),
            rng.randn(gates * H)]
    expect_numerical_gradients(forward, backward, args, rng.randn(N, T, H), 1e-6)


def test_word_embedding_backward_adds_repeated_words():
    rng = np.random.RandomState(231)
    x = rng.randint(0, 5, size=(2, 3))
    x[0, 0] = x[1, 2] = 4                     # a repeated word
    W, dout = rng.randn(5, 6), rng.randn(2, 3, 6)
    _, cache = L.word_embedding_forward(x, W)
    dW = L.word_embedding_backward(dout, cache)
    numeric = eval_numerical_gradient_array(lambda w: L.word_embedding_forward(x, w)[0], W.copy(), dout)
    assert dW.shape == W.shape and rel_error(dW, numeric) < 1e-10


def test_temporal_affine_backward_matches_numerical_gradients():
    rng = np.random.RandomState(231)
    x, w, b = rng.randn(2, 3, 4), rng.randn(4, 5), rng.randn(5)
    out, _ = L.temporal_affine_forward(x, w, b)
    np.testing.assert_allclose(out[1, 2], x[1, 2] @ w + b)
    expect_numerical_gradients(L.temporal_affine_forward, L.temporal_affine_backward, [x, w, b],
                               rng.randn(2, 3, 5), 1e-9)


def test_lstm_step_backward_matches_numerical_gradients():
    rng = np.random.RandomState(231)
    N, D, H = 4, 5, 6
    x, prev_h, prev_c = rng.randn(N, D), rng.randn(N, H), rng.randn(N, H)
    Wx, Wh, b = rng.randn(D, 4 * H), rng.randn(H, 4 * H), rng.randn(4 * H)
    dnext_h, dnext_c = rng.randn(N, H), rng.randn(N, H)
    args = [x, prev_h, prev_c, Wx, Wh, b]
    _, _, cache = L.lstm_step_forward(*args)
    grads = L.lstm_step_backward(dnext_h, dnext_c, cache)
    for k, grad in enumerate(grads):
        def h_of(value, k=k):
            return L.lstm_step_forward(*(args[:k] + [value] + args[k + 1:]))[0]

        def c_of(value, k=k):
            return L.lstm_step_forward(*(args[:k] + [value] + args[k + 1:]))[1]
        numeric = (eval_numerical_gradient_array(h_of, args[k].copy(), dnext_h)
                   + eval_numerical_gradient_array(c_of, args[k].copy(), dnext_c))
        assert grad.shape == args[k].shape and rel_error(grad, numeric) < 1e-7


# ---- temporal_softmax_loss ---------------------------------------------------------------

def test_temporal_softmax_loss_sums_over_time_and_averages_over_the_batch():
    rng = np.random.RandomState(231)

    def loss_of(N, T, V, p):
        x = 0.001 * rng.randn(N, T, V)
        y = rng.randint(V, size=(N, T))
        mask = rng.rand(N, T) <= p
        return L.temporal_softmax_loss(x, y, mask)[0]

    assert loss_of(100, 1, 10, 1.0) == pytest.approx(np.log(10), abs=0.01)       # about 2.3
    assert loss_of(100, 10, 10, 1.0) == pytest.approx(10 * np.log(10), abs=0.05)  # about 23
    assert 2.2 <= loss_of(5000, 10, 10, 0.1) <= 2.4                               # a tenth counts


def test_temporal_softmax_loss_ignores_masked_steps():
    rng = np.random.RandomState(0)
    N, T, V = 7, 8, 9
    x, y = rng.randn(N, T, V), rng.randint(V, size=(N, T))
    mask = rng.rand(N, T) > 0.5
    loss, dx = L.temporal_softmax_loss(x, y, mask)
    numeric = eval_numerical_gradient(lambda v: L.temporal_softmax_loss(v, y, mask)[0], x.copy(),
                                      verbose=False)
    assert rel_error(dx, numeric) < 1e-7
    assert np.all(dx[~mask] == 0)
    changed = x.copy()
    changed[~mask] = 100 * rng.randn(int(np.sum(~mask)), V)   # masked scores do not matter
    assert L.temporal_softmax_loss(changed, y, mask)[0] == pytest.approx(loss, rel=1e-12)
    # each counted step adds its own cross-entropy, divided by N
    i, t = np.argwhere(mask)[0]
    scores = x[i, t]
    step = -(scores[y[i, t]] - np.log(np.sum(np.exp(scores))))
    one = np.zeros_like(mask)
    one[i, t] = True
    assert L.temporal_softmax_loss(x, y, one)[0] == pytest.approx(step / N, rel=1e-12)
    big, _ = L.temporal_softmax_loss(1e3 * x, y, mask)
    assert np.isfinite(big)


# ---- CaptioningRNN -----------------------------------------------------------------------

@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_captioning_loss_gives_cs231ns_values(cell_type):
    model = CaptioningRNN(CAPTIONING_VOCAB, cell_type=cell_type, dtype=np.float64, **CAPTIONING_DIMS)
    features, captions, expected = cs231n_captioning_case(model)
    loss, grads = model.loss(features, captions)
    assert abs(loss - expected) < 1e-10
    assert sorted(grads) == sorted(model.params)
    assert all(grads[k].shape == model.params[k].shape for k in grads)


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_captioning_gradients_match_numerical_ones(cell_type):
    np.random.seed(231)
    word_to_idx = {"<NULL>": 0, "cat": 2, "dog": 3}
    captions = np.random.randint(len(word_to_idx), size=(2, 3))
    features = np.random.randn(2, 4)
    model = CaptioningRNN(word_to_idx, input_dim=4, wordvec_dim=5, hidden_dim=6, cell_type=cell_type,
                          dtype=np.float64)
    # parameters of similar sizes (CS231n's word vectors of 1/100 give gradients too small
    # for centred differences to resolve); CS231n expects errors of e-6 or less
    for name, value in model.params.items():
        model.params[name] = 0.5 * np.random.randn(*value.shape)
    _, grads = model.loss(features, captions)
    for name in sorted(model.params):
        numeric = eval_numerical_gradient(lambda _: model.loss(features, captions)[0],
                                          model.params[name], verbose=False)
        assert rel_error(grads[name], numeric) < 1e-6, name


@pytest.mark.parametrize("cell_type, dim_mul", [("rnn", 1), ("lstm", 4)])
def test_captioning_initialization_is_cs231ns(cell_type, dim_mul):
    word_to_idx = {"<NULL>": 0, "<START>": 1, "<END>": 2, "a": 3, "b": 4}
    np.random.seed(0)
    model = CaptioningRNN(word_to_idx, input_dim=300, wordvec_dim=200, hidden_dim=100, cell_type=cell_type)
    shapes = {"W_embed": (5, 200), "W_proj": (300, 100), "b_proj": (100,), "Wx": (200, dim_mul * 100),
              "Wh": (100, dim_mul * 100), "b": (dim_mul * 100,), "W_vocab": (100, 5), "b_vocab": (5,)}
    assert {k: v.shape for k, v in model.params.items()} == shapes
    assert all(v.dtype == np.float32 for v in model.params.values())
    for name, scale in (("W_embed", 1 / 100), ("W_proj", 1 / np.sqrt(300)), ("Wx", 1 / np.sqrt(200)),
                        ("Wh", 1 / np.sqrt(100)), ("W_vocab", 1 / np.sqrt(100))):
        assert np.std(model.params[name]) == pytest.approx(scale, rel=0.1), name
    assert not any(np.any(model.params[k]) for k in ("b_proj", "b", "b_vocab"))
    # drawn in CS231n's order: W_embed first, then W_proj, Wx, Wh, W_vocab
    np.random.seed(0)
    np.testing.assert_allclose(model.params["W_embed"], (np.random.randn(5, 200) / 100).astype(np.float32))
    with pytest.raises(ValueError):
        CaptioningRNN(word_to_idx, cell_type="gru")


def greedy_words(model, features, steps):
    """Greedy decoding written out step by step, never stopping: (N, steps) words."""
    p = model.params
    h = features @ p["W_proj"] + p["b_proj"]
    c = np.zeros_like(h)
    word = np.full(len(features), model.word_to_idx["<START>"])
    words = []
    for _ in range(steps):
        a = p["W_embed"][word] @ p["Wx"] + h @ p["Wh"] + p["b"]
        if model.cell_type == "rnn":
            h = np.tanh(a)
        else:
            H = h.shape[1]
            s = 1 / (1 + np.exp(-a[:, :3 * H]))
            c = s[:, H:2 * H] * c + s[:, :H] * np.tanh(a[:, 3 * H:])
            h = s[:, 2 * H:3 * H] * np.tanh(c)
        word = np.argmax(h @ p["W_vocab"] + p["b_vocab"], axis=1)
        words.append(word)
    return np.stack(words, axis=1)


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_sample_stops_at_end_and_pads_with_null(cell_type):
    word_to_idx = {"<NULL>": 0, "<START>": 1, "<END>": 2, "<UNK>": 3, "a": 4, "b": 5, "c": 6}
    np.random.seed(1)
    model = CaptioningRNN(word_to_idx, input_dim=8, wordvec_dim=6, hidden_dim=10, cell_type=cell_type,
                          dtype=np.float64)
    for name in ("W_embed", "W_vocab", "Wx", "Wh"):
        model.params[name] *= 3
    model.params["b_vocab"][2] = 0.7          # <END> now and then
    features = 2 * np.random.randn(40, 8)
    captions = model.sample(features, max_length=12)
    assert captions.shape == (40, 12) and np.issubdtype(captions.dtype, np.integer)
    words = greedy_words(model, features, 12)
    ends = []
    for row, greedy in zip(captions, words):
        stop = np.flatnonzero(greedy == 2)
        end = stop[0] + 1 if len(stop) else 12
        ends.append(end)
        np.testing.assert_array_equal(row[:end], greedy[:end])   # the greedy words up to <END>
        assert np.all(row[end:] == 0)                            # <NULL> after it
    assert len(set(ends)) > 2 and 12 in ends                     # captions of several lengths
    assert model.sample(features[:3], max_length=1).shape == (3, 1)
