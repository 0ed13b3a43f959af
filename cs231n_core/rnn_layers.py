"""Layers of recurrent networks: vanilla RNN and LSTM, word embeddings, and the temporal
affine and softmax layers of a captioning model (assignment 4).

As in cs231n_core/layers.py, every layer is a pair of functions:

    out, cache = layer_forward(x, ...)      # cache: what the backward pass needs
    dx, dw, ... = layer_backward(dout, cache)

Sequences come in minibatches: N sequences of T time steps, each step a vector of
dimension D (inputs), H (hidden states) or V (scores over a vocabulary of V words), so
an input sequence has shape (N, T, D) and its hidden states (N, T, H). What each cache
holds is your choice: only your own backward pass reads it.

Weights are stored transposed with respect to the lecture's notation, as in CS231n:
Wx of shape (D, H) and Wh of shape (H, H), so that a time step's activations are
x @ Wx + prev_h @ Wh + b, of shape (N, H). An LSTM stacks its four gates' weights side by
side, in the order input, forget, output, block input (i, f, o, g): Wx is (D, 4H), Wh is
(H, 4H) and b is (4H,).

Check every backward pass with cs231n_core.gradient_check.eval_numerical_gradient_array.
"""
import numpy as np


# --------------------------------------------------------------------------------------
# Vanilla RNN
# --------------------------------------------------------------------------------------

def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """Forward pass of one time step of a vanilla RNN with a tanh activation.

    next_h = tanh(x @ Wx + prev_h @ Wh + b)

    Inputs:
    - x: array of shape (N, D), the inputs of this time step.
    - prev_h: array of shape (N, H), the hidden state of the previous time step.
    - Wx: array of shape (D, H), the input-to-hidden weights.
    - Wh: array of shape (H, H), the hidden-to-hidden weights.
    - b: array of shape (H,), the biases.

    Returns a tuple of:
    - next_h: array of shape (N, H), the next hidden state.
    - cache: what rnn_step_backward needs.
    """
    next_h, cache = None, None
    # TODO: implement one step of the vanilla RNN. Store the next hidden state in
    # next_h and whatever the backward pass needs in cache.
    # BEGIN SOLUTION
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)   # (N, H)
    cache = (x, prev_h, Wx, Wh, next_h)
    # END SOLUTION
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    """Backward pass of one time step of a vanilla RNN.

    Inputs:
    - dnext_h: array of shape (N, H), the gradient of the loss with respect to next_h.
    - cache: what rnn_step_forward returned.

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, D).
    - dprev_h: gradient with respect to prev_h, of shape (N, H).
    - dWx: gradient with respect to Wx, of shape (D, H).
    - dWh: gradient with respect to Wh, of shape (H, H).
    - db: gradient with respect to b, of shape (H,).
    """
    dx, dprev_h, dWx, dWh, db = None, None, None, None, None
    # TODO: implement the backward pass of one RNN step. The derivative of tanh(a)
    # is 1 - tanh(a) ** 2, which next_h already holds.
    # BEGIN SOLUTION
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)   # (N, H), through the tanh
    dx = da @ Wx.T                     # (N, D)
    dprev_h = da @ Wh.T                # (N, H)
    dWx = x.T @ da                     # (D, H)
    dWh = prev_h.T @ da                # (H, H)
    db = np.sum(da, axis=0)            # (H,)
    # END SOLUTION
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """Forward pass of a vanilla RNN over whole sequences.

    The RNN starts from the hidden state h0 and runs rnn_step_forward on the inputs of
    each time step in turn, each step taking the hidden state of the one before.

    Inputs:
    - x: array of shape (N, T, D), the input sequences.
    - h0: array of shape (N, H), the initial hidden states.
    - Wx: array of shape (D, H), the input-to-hidden weights.
    - Wh: array of shape (H, H), the hidden-to-hidden weights.
    - b: array of shape (H,), the biases.

    Returns a tuple of:
    - h: array of shape (N, T, H), the hidden states of every time step.
    - cache: what rnn_backward needs.
    """
    h, cache = None, None
    # TODO: run rnn_step_forward over the T time steps, keeping every hidden state
    # in h and each step's cache.
    # BEGIN SOLUTION
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=np.result_type(x, h0, Wx))
    cache = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)
        h[:, t] = prev_h
        cache.append(step_cache)
    # END SOLUTION
    return h, cache


def rnn_backward(dh, cache):
    """Backward pass of a vanilla RNN over whole sequences.

    Inputs:
    - dh: array of shape (N, T, H), the upstream gradients of all hidden states: the
      gradient that reaches h[:, t] from the layers above it (the scores of step t),
      not the one that flows back from step t + 1, which this function computes.
    - cache: what rnn_forward returned.

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, T, D).
    - dh0: gradient with respect to h0, of shape (N, H).
    - dWx: gradient with respect to Wx, of shape (D, H).
    - dWh: gradient with respect to Wh, of shape (H, H).
    - db: gradient with respect to b, of shape (H,).
    """
    dx, dh0, dWx, dWh, db = None, None, None, None, None
    # TODO: run rnn_step_backward from the last time step to the first. The hidden
    # state of step t feeds both the scores of step t and the step t + 1, so its
    # gradient is the sum of both; the weights' gradients add up over the steps.
    # BEGIN SOLUTION
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx, dWh, db = 0, 0, 0
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dprev_h, cache[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    dh0 = dprev_h
    # END SOLUTION
    return dx, dh0, dWx, dWh, db


# --------------------------------------------------------------------------------------
# Word embeddings
# --------------------------------------------------------------------------------------

def word_embedding_forward(x, W):
    """Forward pass of word embeddings: each word index becomes its word vector.

    Minibatches of N sequences of T words, from a vocabulary of V words, each word
    given a vector of dimension D.

    Inputs:
    - x: integer array of shape (N, T), the word indices; 0 <= x[i, t] < V.
    - W: array of shape (V, D), the word vectors of every word.

    Returns a tuple of:
    - out: array of shape (N, T, D), out[i, t] = W[x[i, t]].
    - cache: what word_embedding_backward needs.
    """
    out, cache = None, None
    # TODO: implement the forward pass of word embeddings (one line of indexing).
    # BEGIN SOLUTION
    out = W[x]           # (N, T, D)
    cache = (x, W.shape)
    # END SOLUTION
    return out, cache


def word_embedding_backward(dout, cache):
    """Backward pass of word embeddings.

    The word indices are integers, so there is no gradient with respect to them: only
    the word vectors W get one.

    Inputs:
    - dout: array of shape (N, T, D), the upstream gradients.
    - cache: what word_embedding_forward returned.

    Returns:
    - dW: gradient with respect to the word vectors, of shape (V, D). A word that
      appears several times collects the gradients of all its appearances.
    """
    dW = None
    # TODO: implement the backward pass of word embeddings. Hint: np.add.at adds
    # into repeated indices, where dW[x] += dout would count each index once.
    # BEGIN SOLUTION
    x, shape = cache
    dW = np.zeros(shape, dtype=dout.dtype)   # (V, D)
    np.add.at(dW, x, dout)
    # END SOLUTION
    return dW


# --------------------------------------------------------------------------------------
# Temporal affine and softmax layers
# --------------------------------------------------------------------------------------

def temporal_affine_forward(x, w, b):
    """Forward pass of an affine layer applied at every time step.

    Inputs:
    - x: array of shape (N, T, D), the inputs (e.g. hidden states).
    - w: array of shape (D, M), the weights.
    - b: array of shape (M,), the biases.

    Returns a tuple of:
    - out: array of shape (N, T, M), out[i, t] = x[i, t] @ w + b.
    - cache: what temporal_affine_backward needs.
    """
    out, cache = None, None
    # TODO: implement the temporal affine forward pass (one matrix product over all
    # time steps at once).
    # BEGIN SOLUTION
    N, T, D = x.shape
    out = (x.reshape(N * T, D) @ w + b).reshape(N, T, w.shape[1])   # (N, T, M)
    cache = (x, w, b, out)
    # END SOLUTION
    return out, cache


def temporal_affine_backward(dout, cache):
    """Backward pass of the temporal affine layer.

    Inputs:
    - dout: array of shape (N, T, M), the upstream gradients.
    - cache: what temporal_affine_forward returned.

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, T, D).
    - dw: gradient with respect to w, of shape (D, M).
    - db: gradient with respect to b, of shape (M,).
    """
    dx, dw, db = None, None, None
    # TODO: implement the temporal affine backward pass: every time step of every
    # sequence adds to dw and db.
    # BEGIN SOLUTION
    x, w, b, out = cache
    N, T, D = x.shape
    M = w.shape[1]
    dout_rows = dout.reshape(N * T, M)
    dx = (dout_rows @ w.T).reshape(N, T, D)    # (N, T, D)
    dw = x.reshape(N * T, D).T @ dout_rows     # (D, M)
    db = np.sum(dout_rows, axis=0)             # (M,)
    # END SOLUTION
    return dx, dw, db


def temporal_softmax_loss(x, y, mask, verbose=False):
    """Softmax loss of a sequence model: a softmax over the vocabulary at every time
    step of every sequence, summed over the time steps and averaged over the minibatch.

    Captions have different lengths, so they are padded with <NULL> to a common length
    T; the mask says which steps count: a masked step adds nothing to the loss and gets
    no gradient.

    loss = -(1 / N) * sum_i sum_t mask[i, t] * log softmax(x[i, t])[y[i, t]]

    Inputs:
    - x: array of shape (N, T, V), the scores of every word at every time step.
    - y: integer array of shape (N, T), the target words; 0 <= y[i, t] < V.
    - mask: boolean array of shape (N, T); mask[i, t] says whether step t of sequence
      i counts.
    - verbose: print the shape of the gradient (for debugging).

    Returns a tuple of:
    - loss: scalar, the loss.
    - dx: array of shape (N, T, V), the gradient of the loss with respect to x.
    """
    loss, dx = None, None
    # TODO: implement the masked temporal softmax loss and its gradient, in a
    # numerically stable way (subtract each row's maximum), without a loop.
    # BEGIN SOLUTION
    N, T, V = x.shape
    x_rows, y_rows, mask_rows = x.reshape(N * T, V), y.reshape(N * T), mask.reshape(N * T)
    shifted = x_rows - np.max(x_rows, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))   # (N*T, V)
    rows = np.arange(N * T)
    loss = -np.sum(mask_rows * log_probs[rows, y_rows]) / N
    dx_rows = np.exp(log_probs)
    dx_rows[rows, y_rows] -= 1
    dx_rows *= mask_rows[:, None] / N
    dx = dx_rows.reshape(N, T, V)
    # END SOLUTION
    if verbose:
        print("dx: ", dx.shape)
    return loss, dx


# --------------------------------------------------------------------------------------
# LSTM
# --------------------------------------------------------------------------------------

def sigmoid(x):
    """A numerically stable logistic sigmoid, 1 / (1 + exp(-x)), elementwise: exp is
    only ever taken of a number <= 0, so it never overflows."""
    positive = x >= 0
    z = np.exp(np.where(positive, -x, x))
    return np.where(positive, 1 / (1 + z), z / (1 + z))


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """Forward pass of one time step of an LSTM.

    The activations a = x @ Wx + prev_h @ Wh + b, of shape (N, 4H), are split into four
    blocks of H columns, in this order: a_i, a_f, a_o, a_g. Then

        i = sigmoid(a_i)   input gate        f = sigmoid(a_f)   forget gate
        o = sigmoid(a_o)   output gate       g = tanh(a_g)      block input
        next_c = (f * prev_c) + (i * g)      next_h = o * tanh(next_c)

    Inputs:
    - x: array of shape (N, D), the inputs of this time step.
    - prev_h: array of shape (N, H), the previous hidden state.
    - prev_c: array of shape (N, H), the previous cell state.
    - Wx: array of shape (D, 4H), the input-to-hidden weights.
    - Wh: array of shape (H, 4H), the hidden-to-hidden weights.
    - b: array of shape (4H,), the biases.

    Returns a tuple of:
    - next_h: array of shape (N, H), the next hidden state.
    - next_c: array of shape (N, H), the next cell state.
    - cache: what lstm_step_backward needs.
    """
    next_h, next_c, cache = None, None, None
    # TODO: implement one LSTM step, with the gates in the order i, f, o, g. Use
    # the sigmoid above, which is numerically stable.
    # BEGIN SOLUTION
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b              # (N, 4H)
    i = sigmoid(a[:, :H])                     # (N, H) each
    f = sigmoid(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)
    # END SOLUTION
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass of one time step of an LSTM.

    Inputs:
    - dnext_h: array of shape (N, H), the gradient with respect to next_h.
    - dnext_c: array of shape (N, H), the gradient with respect to next_c.
    - cache: what lstm_step_forward returned.

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, D).
    - dprev_h: gradient with respect to prev_h, of shape (N, H).
    - dprev_c: gradient with respect to prev_c, of shape (N, H).
    - dWx: gradient with respect to Wx, of shape (D, 4H).
    - dWh: gradient with respect to Wh, of shape (H, 4H).
    - db: gradient with respect to b, of shape (4H,).
    """
    dx, dprev_h, dprev_c, dWx, dWh, db = None, None, None, None, None, None
    # TODO: implement the backward pass of one LSTM step. next_c reaches the loss
    # both directly (dnext_c) and through next_h; sigmoid(a)' = s * (1 - s) and
    # tanh(a)' = 1 - tanh(a) ** 2.
    # BEGIN SOLUTION
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)   # (N, H): both paths into next_c
    da = np.concatenate([dc * g * i * (1 - i),       # a_i
                         dc * prev_c * f * (1 - f),  # a_f
                         dnext_h * tanh_c * o * (1 - o),  # a_o
                         dc * i * (1 - g ** 2)],     # a_g
                        axis=1)                      # (N, 4H)
    dprev_c = dc * f
    dx = da @ Wx.T                                   # (N, D)
    dprev_h = da @ Wh.T                              # (N, H)
    dWx = x.T @ da                                   # (D, 4H)
    dWh = prev_h.T @ da                              # (H, 4H)
    db = np.sum(da, axis=0)                          # (4H,)
    # END SOLUTION
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    """Forward pass of an LSTM over whole sequences.

    The LSTM starts from the hidden state h0 and a cell state of zeros (the cell state
    is internal: it is not returned) and runs lstm_step_forward on each time step in
    turn.

    Inputs: x (N, T, D), the input sequences; h0 (N, H), the initial hidden states;
    Wx (D, 4H), Wh (H, 4H) and b (4H,), the weights and biases of the four gates.

    Returns (h, cache): h of shape (N, T, H), the hidden state after each time step,
    and what lstm_backward needs.
    """
    h, cache = None, None
    # TODO: run lstm_step_forward over the T time steps, starting from h0 and a
    # cell state of zeros.
    # BEGIN SOLUTION
    prev_h, prev_c = h0, np.zeros_like(h0)
    states, cache = [], []
    for t in range(x.shape[1]):
        prev_h, prev_c, step_cache = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        states.append(prev_h)
        cache.append(step_cache)
    h = np.stack(states, axis=1)   # (N, T, H)
    # END SOLUTION
    return h, cache


def lstm_backward(dh, cache):
    """Backward pass of an LSTM over whole sequences.

    Inputs:
    - dh: array of shape (N, T, H), the upstream gradients of all hidden states (as
      in rnn_backward: not the gradients that flow back from the next time step).
    - cache: what lstm_forward returned.

    Returns (dx, dh0, dWx, dWh, db), the gradients with respect to x (N, T, D), h0
    (N, H), Wx (D, 4H), Wh (H, 4H) and b (4H,).
    """
    dx, dh0, dWx, dWh, db = None, None, None, None, None
    # TODO: run lstm_step_backward from the last time step to the first, carrying
    # the gradients of both the hidden and the cell state back in time (the final
    # cell state gets no gradient from above).
    # BEGIN SOLUTION
    dprev_h = np.zeros_like(dh[:, 0])               # (N, H)
    dprev_c = np.zeros_like(dprev_h)
    dxs, step_grads = [], []
    for t in reversed(range(dh.shape[1])):
        dx_t, dprev_h, dprev_c, *weight_grads = lstm_step_backward(dh[:, t] + dprev_h, dprev_c, cache[t])
        dxs.append(dx_t)
        step_grads.append(weight_grads)
    dx = np.stack(dxs[::-1], axis=1)                # (N, T, D)
    dWx, dWh, db = (sum(g) for g in zip(*step_grads))   # each summed over the steps
    dh0 = dprev_h
    # END SOLUTION
    return dx, dh0, dWx, dWh, db
