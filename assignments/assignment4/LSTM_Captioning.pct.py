# ---
# jupyter:
#   cs231n:
#     cell_id_prefix: lstm-captioning
#   jupytext:
#     notebook_metadata_filter: cs231n
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Image Captioning with LSTMs
#
# *Complete and hand in this notebook (including its outputs and any code outside it) with
# your assignment. Run `cs231n submit assignment4` in your assignment folder to check and
# zip it.*
#
# In the previous exercise you implemented a vanilla RNN and applied it to image
# captioning. In this notebook you will implement the LSTM update rule and use it for
# image captioning, on the same captioned digit scenes (RNN_Captioning describes them).
#
# You write the LSTM layers in `cs231n_core/rnn_layers.py` and the LSTM case of
# `CaptioningRNN` in `cs231n_core/classifiers/rnn.py`. After each layer, run its **public
# check** cell; the locked **autograded** cell after it is where your instructor's hidden
# graders run, on other inputs.

# %%
# Setup cell.
import os
import time

import numpy as np
import matplotlib.pyplot as plt

import cs231n_core
from cs231n_core.captioning_data import CaptioningDataError, evaluate_bleu, load_coco_data, load_digit_captions
from cs231n_core.captioning_solver import CaptioningSolver
from cs231n_core.checks import check
from cs231n_core.checks.rnn_tools import (CAPTIONING_DIMS, CAPTIONING_VOCAB, cs231n_captioning_case, cs231n_case,
                                          gradient_errors)
from cs231n_core.classifiers.rnn import CaptioningRNN
from cs231n_core.gradient_check import rel_error
from cs231n_core.rnn_layers import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward
from cs231n_core.vis_utils import plot_curves, show_sampled_captions

# %run ../common_setup.ipy

# %% [markdown]
# # Load the captioned digit scenes
#
# As in the previous notebook: captions of digit scenes, and features of the scenes from a
# fixed CNN (`load_digit_captions`; CS231n's COCO files with `load_coco_data` when you have
# them).

# %%
num_train, num_val = (200, 50) if SMOKE else (2000, 500)
data = load_digit_captions(num_train=num_train, num_val=num_val, seed=0)
print({k: v.shape for k, v in data.items() if isinstance(v, np.ndarray)})
try:
    coco = load_coco_data(max_train=50)
except CaptioningDataError as e:
    coco = None
    print(e)

# %% [markdown]
# # LSTM
#
# If you read recent papers, you'll see that many people use a variant on the vanilla RNN
# called Long-Short Term Memory (LSTM) RNNs. Vanilla RNNs can be tough to train on long
# sequences due to vanishing and exploding gradients caused by repeated matrix
# multiplication. LSTMs solve this problem by replacing the simple update rule of the
# vanilla RNN with a gating mechanism as follows.
#
# Similar to the vanilla RNN, at each timestep we receive an input $x_t\in\mathbb{R}^D$ and
# the previous hidden state $h_{t-1}\in\mathbb{R}^H$; the LSTM also maintains an
# $H$-dimensional *cell state*, so we also receive the previous cell state
# $c_{t-1}\in\mathbb{R}^H$. The learnable parameters of the LSTM are an *input-to-hidden*
# matrix $W_x\in\mathbb{R}^{4H\times D}$, a *hidden-to-hidden* matrix
# $W_h\in\mathbb{R}^{4H\times H}$ and a *bias vector* $b\in\mathbb{R}^{4H}$.
#
# At each timestep we first compute an *activation vector* $a\in\mathbb{R}^{4H}$ as
# $a=W_xx_t + W_hh_{t-1}+b$. We then divide this into four vectors
# $a_i,a_f,a_o,a_g\in\mathbb{R}^H$ where $a_i$ consists of the first $H$ elements of $a$,
# $a_f$ is the next $H$ elements of $a$, etc. We then compute the *input gate*
# $i\in\mathbb{R}^H$, *forget gate* $f\in\mathbb{R}^H$, *output gate* $o\in\mathbb{R}^H$ and
# *block input* $g\in\mathbb{R}^H$ as
#
# $$
# \begin{align*}
# i = \sigma(a_i) \hspace{2pc}
# f = \sigma(a_f) \hspace{2pc}
# o = \sigma(a_o) \hspace{2pc}
# g = \tanh(a_g)
# \end{align*}
# $$
#
# where $\sigma$ is the sigmoid function and $\tanh$ is the hyperbolic tangent, both
# applied elementwise.
#
# Finally we compute the next cell state $c_t$ and next hidden state $h_t$ as
#
# $$
# c_{t} = f\odot c_{t-1} + i\odot g \hspace{4pc}
# h_t = o\odot\tanh(c_t)
# $$
#
# where $\odot$ is the elementwise product of vectors.
#
# In the rest of the notebook we will implement the LSTM update rule and apply it to the
# image captioning task.
#
# In the code, we assume that data is stored in batches so that $X_t \in \mathbb{R}^{N\times
# D}$, and will work with *transposed* versions of the parameters: $W_x \in \mathbb{R}^{D
# \times 4H}$, $W_h \in \mathbb{R}^{H\times 4H}$ so that activations $A \in
# \mathbb{R}^{N\times 4H}$ can be computed efficiently as $A = X_t W_x + H_{t-1} W_h$.

# %% [markdown]
# # LSTM: step forward
#
# Implement the forward pass for a single timestep of an LSTM in the `lstm_step_forward`
# function in the file `cs231n_core/rnn_layers.py`. This should be similar to the
# `rnn_step_forward` function that you implemented above, but using the LSTM update rule
# instead.
#
# Once you are done, run the following to perform a simple test of your implementation.
# You should see errors on the order of `e-8` or less.

# %%
(x, prev_h, prev_c, Wx, Wh, b), expected = cs231n_case("lstm_step_forward")
next_h, next_c, cache = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
print("next_h error: ", rel_error(expected["next_h"], next_h))
print("next_c error: ", rel_error(expected["next_c"], next_c))

# %%
check("lstm_step_forward")

# %% tags=["autograded:lstm_step_forward"]

# %% [markdown]
# # LSTM: step backward
#
# Implement the backward pass for a single LSTM timestep in the function
# `lstm_step_backward` in the file `cs231n_core/rnn_layers.py`. Once you are done, run the
# following to perform numeric gradient checking on your implementation. You should see
# errors on the order of `e-7` or less.

# %%
np.random.seed(231)
N, D, H = 4, 5, 6
x, prev_h, prev_c = np.random.randn(N, D), np.random.randn(N, H), np.random.randn(N, H)
Wx, Wh, b = np.random.randn(D, 4 * H), np.random.randn(H, 4 * H), np.random.randn(4 * H)
dnext_h, dnext_c = np.random.randn(N, H), np.random.randn(N, H)
gradient_errors(lstm_step_forward, lstm_step_backward, [x, prev_h, prev_c, Wx, Wh, b], [dnext_h, dnext_c],
                ["dx", "dh", "dc", "dWx", "dWh", "db"]);

# %%
check("lstm_step_backward")

# %% tags=["autograded:lstm_step_backward"]

# %% [markdown]
# # LSTM: forward
#
# In the function `lstm_forward` in the file `cs231n_core/rnn_layers.py`, implement the
# `lstm_forward` function to run an LSTM forward on an entire timeseries of data.
#
# When you are done, run the following to check your implementation. You should see an
# error on the order of `e-7` or less.

# %%
args, expected = cs231n_case("lstm_forward")   # x, h0, Wx, Wh, b
print("h error: ", rel_error(expected["h"], lstm_forward(*args)[0]))

# %%
check("lstm_forward")

# %% tags=["autograded:lstm_forward"]

# %% [markdown]
# # LSTM: backward
#
# Implement the backward pass for an LSTM over an entire timeseries of data in the function
# `lstm_backward` in the file `cs231n_core/rnn_layers.py`. When you are done, run the
# following to perform numeric gradient checking on your implementation. You should see
# errors on the order of `e-8` or less. (For `dWh`, it's fine if your error is on the
# order of `e-6` or less.)

# %%
np.random.seed(231)
N, D, T, H = 2, 3, 10, 6
args = [np.random.randn(*shape) for shape in ((N, T, D), (N, H), (D, 4 * H), (H, 4 * H), (4 * H,))]
gradient_errors(lstm_forward, lstm_backward, args, [np.random.randn(N, T, H)], ["dx", "dh0", "dWx", "dWh", "db"]);

# %%
check("lstm_backward")

# %% tags=["autograded:lstm_backward"]

# %% [markdown]
# ## Inline Question 1
#
# Recall that in an LSTM the input gate $i$, forget gate $f$, and output gate $o$ are all
# outputs of a sigmoid function. Why don't we use the ReLU activation function instead of
# sigmoid to compute these values? Explain.

# %% [markdown] tags=["written:inline_question_lstm_gates"]
# The gates multiply the cell state, the block input and the cell's output elementwise, and
# they are meant to say how much of each to let through: a fraction between 0 (nothing)
# and 1 (everything). The sigmoid's outputs lie exactly in (0, 1). A ReLU's are unbounded
# above: a "gate" of 5 would amplify the cell state instead of keeping part of it, and
# repeated over many timesteps the cell state (and the gradients flowing back through
# f * c) would explode, which is the very problem the LSTM's gating avoids. A ReLU is also
# exactly 0, with no gradient, for every negative activation, so a closed gate could never
# learn to open again.

# %% [markdown]
# # LSTM captioning model
#
# Now that you have implemented an LSTM, update the implementation of the `loss` method of
# the `CaptioningRNN` class in the file `cs231n_core/classifiers/rnn.py` to handle the case
# where `self.cell_type` is `lstm`. This should require adding less than 10 lines of code.
#
# Once you have done so, run the following to check your implementation. You should see a
# difference on the order of `e-10` or less.

# %%
lstm_check = CaptioningRNN(CAPTIONING_VOCAB, cell_type="lstm", dtype=np.float64, **CAPTIONING_DIMS)
features, captions, expected_loss = cs231n_captioning_case(lstm_check)   # every parameter a linspace
loss = lstm_check.loss(features, captions)[0]
print("loss: %.12f, expected loss: %.12f, difference: %.1e" % (loss, expected_loss, abs(loss - expected_loss)))

# %% [markdown]
# # Overfit LSTM captioning model on small data
#
# Run the following to overfit an LSTM captioning model on the same small dataset as we
# used for the RNN previously. You should see a final loss less than 0.5.

# %%
np.random.seed(231)
small_data = load_digit_captions(num_train=50, num_val=10, seed=1, captions_per_image=1)
lstm_settings = {"update_rule": "adam", "optim_config": {"learning_rate": 1e-2}, "lr_decay": 1.0,
                 "batch_size": 25, "num_epochs": 20 if SMOKE else 100, "verbose": "progress"}
small_lstm_model = CaptioningRNN(small_data["word_to_idx"], input_dim=small_data["train_features"].shape[1],
                                 wordvec_dim=64, hidden_dim=128, cell_type="lstm")
small_lstm_solver = CaptioningSolver(small_lstm_model, small_data, **lstm_settings)
small_lstm_solver.train()
plot_curves({"LSTM": small_lstm_solver.loss_history}, xlabel="Iteration", ylabel="Loss",
            title="Training loss history");
print("Final loss: ", small_lstm_solver.loss_history[-1])

# %% [markdown]
# # LSTM test-time sampling
#
# Modify the `sample` method of the `CaptioningRNN` class to handle the case where
# `self.cell_type` is `lstm`. This should take fewer than 10 lines of code. When you are
# done, run the following to sample from your overfit LSTM model on some training and
# validation set samples. As with the RNN, training results should be very good, and
# validation results probably won't make a lot of sense (because we're overfitting).

# %%
np.random.seed(231)
for split in ("train", "val"):
    show_sampled_captions(small_lstm_model.sample, small_data, split)
    plt.show()

# %% [markdown]
# # Train a good captioning model, and BLEU
#
# Using the pieces you have implemented, train an LSTM captioning model on all the digit
# scenes and measure it with BLEU on the validation scenes, as RNN_Captioning measured the
# vanilla RNN (`BLEU_score`, unigram, is CS231n's measure; BLEU-4 counts runs of up to four
# words). Can the LSTM do better than the RNN with the same settings? Try a larger hidden
# state, more epochs or another learning rate.

# %%
np.random.seed(231)
lstm_model = CaptioningRNN(data["word_to_idx"], input_dim=data["train_features"].shape[1], wordvec_dim=64,
                           hidden_dim=128, cell_type="lstm")
lstm_solver = CaptioningSolver(lstm_model, data, **dict(lstm_settings, num_epochs=1 if SMOKE else 10,
                                                        batch_size=50, lr_decay=0.95))
lstm_solver.train()
scores = {(split, n): evaluate_bleu(lstm_model.sample, data, split, max_n=n)[0]
          for split in ("train", "val") for n in (1, 4)}
for (split, n), score in scores.items():
    print("%s BLEU-%d: %.3f" % (split, n, score))
show_sampled_captions(lstm_model.sample, data, "val", batch_size=4);

# %% [markdown]
# # CS231n's goals on COCO
#
# CS231n's LSTM overfits 50 COCO training captions to a loss below 0.5 (hidden_dim 512,
# wordvec_dim 256, 50 epochs of 25 captions, Adam at 5e-3, lr_decay 0.995; the next cell,
# when CS231n's files are here), and a model trained on more of COCO reaches a BLEU above
# 0.3 on both its training and validation captions.

# %%
if coco is not None:
    np.random.seed(231)
    coco_lstm = CaptioningRNN(coco["word_to_idx"], input_dim=coco["train_features"].shape[1], wordvec_dim=256,
                              hidden_dim=512, cell_type="lstm")
    coco_lstm_solver = CaptioningSolver(coco_lstm, coco, **dict(lstm_settings, num_epochs=5 if SMOKE else 50,
                                                                optim_config={"learning_rate": 5e-3},
                                                                lr_decay=0.995))
    coco_lstm_solver.train()
    print("COCO, 50 captions: final loss %.3f (CS231n's goal: below 0.5)" % coco_lstm_solver.loss_history[-1])
else:
    print("CS231n's COCO files are not here; the digit scenes stand in for them.")
