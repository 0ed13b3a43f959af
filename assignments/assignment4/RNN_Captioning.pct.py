# ---
# jupyter:
#   cs231n:
#     cell_id_prefix: rnn-captioning
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
# # Image Captioning with RNNs
#
# *Complete and hand in this notebook (including its outputs and any code outside it) with
# your assignment. Run `cs231n submit assignment4` in your assignment folder to check and
# zip it.*
#
# In this exercise you will implement vanilla recurrent neural networks and use them to
# train a model that can generate novel captions for images.
#
# You write the layers in `cs231n_core/rnn_layers.py` and the captioning model in
# `cs231n_core/classifiers/rnn.py`. After each one, run its **public check** cell:
# `check("<name>")` runs quick checks here and tells you in one sentence what looks wrong.
# The locked **autograded** cell after it is where your instructor's hidden graders run, on
# other inputs.

# %%
# Setup cell.
import os
import time

import numpy as np
import matplotlib.pyplot as plt

import cs231n_core
from cs231n_core.captioning_data import (BLEU_score, CaptioningDataError, decode_captions, evaluate_bleu,
                                         load_coco_data, load_digit_captions, sample_coco_minibatch)
from cs231n_core.captioning_solver import CaptioningSolver
from cs231n_core.checks import check
from cs231n_core.checks.rnn_tools import (CAPTIONING_DIMS, CAPTIONING_VOCAB, cs231n_captioning_case, cs231n_case,
                                          gradient_errors)
from cs231n_core.classifiers.rnn import CaptioningRNN
from cs231n_core.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from cs231n_core.rnn_layers import (rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward,
                                    temporal_affine_backward, temporal_affine_forward, temporal_softmax_loss,
                                    word_embedding_backward, word_embedding_forward)
from cs231n_core.vis_utils import plot_curves, show_captions, show_sampled_captions

# %run ../common_setup.ipy

# %% [markdown]
# # Captioned digit scenes
#
# CS231n trains its captioning models on Microsoft COCO [1], a dataset of photographs with
# five captions each, through features that a VGG-16 network pretrained on ImageNet
# extracted from every image. Neither the photographs nor ImageNet weights can be had
# offline, so this course captions **digit scenes**: real handwritten MNIST digits placed
# on a 64x64 canvas (the scenes of the Detection notebook), one to three per scene, each
# scene with several captions written from its true layout by a small grammar ("a 7 left
# of a 2", "three digits , the largest is a 5", "a 4 in the top left", ...).
#
# Like CS231n's, the data comes **preprocessed**: each image is represented by features
# from a fixed CNN, here the course's own digit classifier slid over the scene (the
# largest response of each of its 64 hidden units over the whole scene, and over each of
# 3x3 regions), standardized with the training split's statistics. You will not look at
# the CNN: only at the features.
#
# The captions are stored as integer IDs: `data["idx_to_word"]` and `data["word_to_idx"]`
# map between IDs and words. The vocabulary has CS231n's special tokens: `<START>` and
# `<END>` at the beginning and end of each caption, `<UNK>` for rare words (our grammar has
# none), and `<NULL>` (ID 0) after the `<END>` to pad every caption to the same length; the
# loss and the gradients ignore the `<NULL>`s.
#
# `load_digit_captions` returns the same keys as CS231n's `load_coco_data` (plus the scenes
# themselves, `train_images` and `val_images`, to show under their captions). The training
# and validation scenes are drawn from disjoint parts of the MNIST digits.
#
# [1] Tsung-Yi Lin et al., "Microsoft COCO: Common Objects in Context", ECCV 2014.

# %%
num_train, num_val = (200, 50) if SMOKE else (2000, 500)
data = load_digit_captions(num_train=num_train, num_val=num_val, seed=0)

# Print out all the keys and values from the data dictionary.
for k, v in data.items():
    if isinstance(v, np.ndarray):
        print(k, type(v), v.shape, v.dtype)
    elif isinstance(v, (list, dict)):
        print(k, type(v), len(v))
    else:
        print(k, v)

# %% [markdown]
# ## Look at the data
#
# It is always a good idea to look at examples from the dataset before working with it.
# `sample_coco_minibatch` samples minibatches of captions, with the features and the scenes
# of their images.

# %%
np.random.seed(231)
captions, features, images = sample_coco_minibatch(data, batch_size=6)
show_captions(images, decode_captions(captions, data["idx_to_word"]), ncols=6);

# %% [markdown]
# ## CS231n's COCO captioning data
#
# If you have CS231n's `coco_captioning` files (its assignment's `get_datasets.sh`
# downloads them), put them in the folder that `cs231n data fetch coco_captioning` names
# and `load_coco_data` reads them: the same keys, 512-dimensional PCA features of VGG-16's
# fc7 layer, and URLs of the photographs instead of the images. The rest of the notebook
# uses the digit scenes either way.

# %%
try:
    coco = load_coco_data(max_train=50)
    print("CS231n's COCO data:", {k: v.shape for k, v in coco.items() if isinstance(v, np.ndarray)})
except CaptioningDataError as e:
    coco = None
    print(e)

# %% [markdown]
# # Recurrent neural network
#
# As discussed in lecture, we will use recurrent neural network (RNN) language models for
# image captioning. The file `cs231n_core/rnn_layers.py` contains implementations of
# different layer types that are needed for recurrent neural networks, and the file
# `cs231n_core/classifiers/rnn.py` uses these layers to implement an image captioning
# model.
#
# We will first implement different types of RNN layers in `cs231n_core/rnn_layers.py`.
#
# **Note:** The Long-Short Term Memory (LSTM) RNN is a common variant of the vanilla RNN.
# `LSTM_Captioning.ipynb` is for the LSTM.

# %% [markdown]
# # Vanilla RNN: step forward
#
# Open the file `cs231n_core/rnn_layers.py`. This file implements the forward and backward
# passes for different types of layers that are commonly used in recurrent neural networks.
#
# First implement the function `rnn_step_forward` which implements the forward pass for a
# single timestep of a vanilla recurrent neural network. After doing so run the following
# to check your implementation. You should see errors on the order of e-8 or less.

# %%
# CS231n's check: np.linspace inputs and the next_h its notebook prints.
(x, prev_h, Wx, Wh, b), expected = cs231n_case("rnn_step_forward")
next_h, _ = rnn_step_forward(x, prev_h, Wx, Wh, b)
print("next_h error: ", rel_error(expected["next_h"], next_h))

# %%
check("rnn_step_forward")

# %% tags=["autograded:rnn_step_forward"]

# %% [markdown]
# # Vanilla RNN: step backward
#
# In the file `cs231n_core/rnn_layers.py` implement the `rnn_step_backward` function.
# After doing so run the following to numerically gradient check your implementation. You
# should see errors on the order of `e-8` or less.

# %%
np.random.seed(231)
N, D, H = 4, 5, 6
x, h = np.random.randn(N, D), np.random.randn(N, H)
Wx, Wh, b = np.random.randn(D, H), np.random.randn(H, H), np.random.randn(H)
dnext_h = np.random.randn(N, H)
gradient_errors(rnn_step_forward, rnn_step_backward, [x, h, Wx, Wh, b], [dnext_h],
                ["dx", "dprev_h", "dWx", "dWh", "db"]);

# %%
check("rnn_step_backward")

# %% tags=["autograded:rnn_step_backward"]

# %% [markdown]
# # Vanilla RNN: forward
#
# Now that you have implemented the forward and backward passes for a single timestep of a
# vanilla RNN, you will combine these pieces to implement a RNN that processes an entire
# sequence of data.
#
# In the file `cs231n_core/rnn_layers.py`, implement the function `rnn_forward`. This
# should be implemented using the `rnn_step_forward` function that you defined above.
# After doing so run the following to check your implementation. You should see errors on
# the order of `e-7` or less.

# %%
(x, h0, Wx, Wh, b), expected = cs231n_case("rnn_forward")
h, _ = rnn_forward(x, h0, Wx, Wh, b)
print("h error: ", rel_error(expected["h"], h))

# %%
check("rnn_forward")

# %% tags=["autograded:rnn_forward"]

# %% [markdown]
# # Vanilla RNN: backward
#
# In the file `cs231n_core/rnn_layers.py`, implement the backward pass for a vanilla RNN
# in the function `rnn_backward`. This should run back-propagation over the entire
# sequence, making calls to the `rnn_step_backward` function that you defined earlier. You
# should see errors on the order of e-6 or less.

# %%
np.random.seed(231)
N, D, T, H = 2, 3, 10, 5
x, h0 = np.random.randn(N, T, D), np.random.randn(N, H)
Wx, Wh, b = np.random.randn(D, H), np.random.randn(H, H), np.random.randn(H)
dout = np.random.randn(N, T, H)
gradient_errors(rnn_forward, rnn_backward, [x, h0, Wx, Wh, b], [dout], ["dx", "dh0", "dWx", "dWh", "db"]);

# %%
check("rnn_backward")

# %% tags=["autograded:rnn_backward"]

# %% [markdown]
# # Word embedding: forward
#
# In deep learning systems, we commonly represent words using vectors. Each word of the
# vocabulary will be associated with a vector, and these vectors will be learned jointly
# with the rest of the system.
#
# In the file `cs231n_core/rnn_layers.py`, implement the function `word_embedding_forward`
# to convert words (represented by integers) into vectors. Run the following to check your
# implementation. You should see an error on the order of `e-8` or less.

# %%
(x, W), expected = cs231n_case("word_embedding_forward")
out, _ = word_embedding_forward(x, W)
print("out error: ", rel_error(expected["out"], out))

# %%
check("word_embedding_forward")

# %% tags=["autograded:word_embedding_forward"]

# %% [markdown]
# # Word embedding: backward
#
# Implement the backward pass for the word embedding function in the function
# `word_embedding_backward`. After doing so run the following to numerically gradient check
# your implementation. You should see an error on the order of `e-11` or less.

# %%
np.random.seed(231)
N, T, V, D = 50, 3, 5, 6
x = np.random.randint(V, size=(N, T))
W = np.random.randn(V, D)
dout = np.random.randn(N, T, D)
gradient_errors(word_embedding_forward, word_embedding_backward, [x, W], [dout], ["dW"], grad_args=[1]);

# %%
check("word_embedding_backward")

# %% tags=["autograded:word_embedding_backward"]

# %% [markdown]
# # Temporal affine layer
#
# At every timestep we use an affine function to transform the RNN hidden vector at that
# timestep into scores for each word in the vocabulary. Because this is very similar to the
# affine layer that you implemented in assignment 2, we ask you to write it for whole
# sequences at once, in the functions `temporal_affine_forward` and
# `temporal_affine_backward`. Run the following to perform numeric gradient checking on the
# implementation. You should see errors on the order of e-9 or less.

# %%
np.random.seed(231)
N, T, D, M = 2, 3, 4, 5
x, w, b = np.random.randn(N, T, D), np.random.randn(D, M), np.random.randn(M)
out, _ = temporal_affine_forward(x, w, b)
print("out error: ", rel_error(out[1, 2], x[1, 2] @ w + b))

# %%
check("temporal_affine_forward")

# %% tags=["autograded:temporal_affine_forward"]

# %%
dout = np.random.randn(*out.shape)
gradient_errors(temporal_affine_forward, temporal_affine_backward, [x, w, b], [dout], ["dx", "dw", "db"]);

# %%
check("temporal_affine_backward")

# %% tags=["autograded:temporal_affine_backward"]

# %% [markdown]
# # Temporal softmax loss
#
# In an RNN language model, at every timestep we produce a score for each word in the
# vocabulary. We know the ground-truth word at each timestep, so we use a softmax loss
# function to compute loss and gradient at each timestep. We sum the losses over time and
# average them over the minibatch.
#
# However there is one wrinkle: since we operate over minibatches and different captions
# may have different lengths, we append `<NULL>` tokens to the end of each caption so they
# all have the same length. We don't want these `<NULL>` tokens to count toward the loss or
# gradient, so in addition to scores and ground-truth labels our loss function also
# accepts a `mask` array that tells it which elements of the scores count towards the loss.
#
# Implement `temporal_softmax_loss` in `cs231n_core/rnn_layers.py`. Run the following to
# sanity check the loss and perform numeric gradient checking on the function. You should
# see an error for dx on the order of e-7 or less.

# %%
# Sanity check for temporal softmax loss
def check_loss(N, T, V, p):
    x = 0.001 * np.random.randn(N, T, V)
    y = np.random.randint(V, size=(N, T))
    mask = np.random.rand(N, T) <= p
    print(temporal_softmax_loss(x, y, mask)[0])


np.random.seed(231)
check_loss(100, 1, 10, 1.0)    # Should be about 2.3
check_loss(100, 10, 10, 1.0)   # Should be about 23
check_loss(5000, 10, 10, 0.1)  # Should be within 2.2-2.4

# Gradient check for temporal softmax loss
N, T, V = 7, 8, 9
x = np.random.randn(N, T, V)
y = np.random.randint(V, size=(N, T))
mask = np.random.rand(N, T) > 0.5
loss, dx = temporal_softmax_loss(x, y, mask, verbose=False)
dx_num = eval_numerical_gradient(lambda x: temporal_softmax_loss(x, y, mask)[0], x, verbose=False)
print("dx error: ", rel_error(dx, dx_num))

# %%
check("temporal_softmax_loss")

# %% tags=["autograded:temporal_softmax_loss"]

# %% [markdown]
# # RNN for image captioning
#
# Now that you have implemented the necessary layers, you can combine them to build an
# image captioning model. Open the file `cs231n_core/classifiers/rnn.py` and look at the
# `CaptioningRNN` class.
#
# Implement the forward and backward pass of the model in the `loss` function. For now you
# only need to implement the case where `cell_type="rnn"` for vanilla RNNs; you will
# implement the LSTM case later. After doing so, run the following to check your forward
# pass using a small test case; you should see a difference on the order of `e-10` or less.

# %%
model = CaptioningRNN(CAPTIONING_VOCAB, cell_type="rnn", dtype=np.float64, **CAPTIONING_DIMS)
features, captions, expected_loss = cs231n_captioning_case(model)   # every parameter a linspace
loss, grads = model.loss(features, captions)
print("loss: ", loss)
print("expected loss: ", expected_loss)
print("difference: ", abs(loss - expected_loss))

# %% [markdown]
# Run the following cell to perform numeric gradient checking on the `CaptioningRNN` class;
# you should see errors around the order of `e-6` or less.

# %%
np.random.seed(231)
batch_size, timesteps, input_dim, wordvec_dim, hidden_dim = 2, 3, 4, 5, 6
word_to_idx = {"<NULL>": 0, "cat": 2, "dog": 3}
captions = np.random.randint(len(word_to_idx), size=(batch_size, timesteps))
features = np.random.randn(batch_size, input_dim)
model = CaptioningRNN(word_to_idx, input_dim=input_dim, wordvec_dim=wordvec_dim, hidden_dim=hidden_dim,
                      cell_type="rnn", dtype=np.float64)
loss, grads = model.loss(features, captions)
for param_name in sorted(grads):
    param_grad_num = eval_numerical_gradient(lambda _: model.loss(features, captions)[0],
                                             model.params[param_name], verbose=False, h=1e-6)
    print("%s relative error: %e" % (param_name, rel_error(param_grad_num, grads[param_name])))

# %% [markdown]
# # Overfit RNN captioning model on small data
#
# Similar to the `Solver` class that we used to train image classification models on the
# previous assignment, on this assignment we use a `CaptioningSolver` class to train image
# captioning models. Open the file `cs231n_core/captioning_solver.py` and read through the
# `CaptioningSolver` class; it should look very familiar.
#
# Once you have familiarized yourself with the API, run the following to make sure your
# model overfits a small sample of 50 training captions (one per scene). You should see a
# final loss of less than 0.1.

# %%
np.random.seed(231)
small_data = load_digit_captions(num_train=50, num_val=10, seed=1, captions_per_image=1)
small_rnn_model = CaptioningRNN(cell_type="rnn", word_to_idx=small_data["word_to_idx"],
                                input_dim=small_data["train_features"].shape[1], hidden_dim=128,
                                wordvec_dim=64)
small_rnn_solver = CaptioningSolver(small_rnn_model, small_data, update_rule="adam",
                                    num_epochs=20 if SMOKE else 100, batch_size=25,
                                    optim_config={"learning_rate": 1e-2}, lr_decay=1.0, verbose="progress")
small_rnn_solver.train()
plot_curves({"training loss": small_rnn_solver.loss_history}, xlabel="Iteration", ylabel="Loss",
            title="Training loss history");

# %% [markdown]
# Print the final training loss. You should see a final loss of less than 0.1.

# %%
print("Final loss: ", small_rnn_solver.loss_history[-1])

# %% [markdown]
# # RNN test-time sampling
#
# Unlike classification models, image captioning models behave very differently at
# training time and at test time. At training time, we have access to the ground-truth
# caption, so we feed ground-truth words as input to the RNN at each timestep. At test
# time, we sample from the distribution over the vocabulary at each timestep and feed the
# sample as input to the RNN at the next timestep.
#
# In the file `cs231n_core/classifiers/rnn.py`, implement the `sample` method for
# test-time sampling. A caption is done once it produces `<END>`: its remaining places
# hold `<NULL>`. After doing so, run the following to sample from your overfitted model
# on both training and validation data. The samples on training data should be very good;
# the samples on validation data are from a model trained on 50 scenes, and should not
# make as much sense.

# %%
check("CaptioningRNN")

# %% tags=["autograded:CaptioningRNN"]

# %%
np.random.seed(231)
for split in ("train", "val"):
    show_sampled_captions(small_rnn_model.sample, small_data, split)
    plt.show()

# %% [markdown]
# # Train on all the scenes, and BLEU
#
# Now train on all the training scenes and measure how well the model captions scenes it
# has never seen. CS231n measures captions with **BLEU** (Bilingual Evaluation Understudy)
# [2]: a sampled caption is compared with the image's reference captions by the share of
# its words (unigram BLEU, `BLEU_score`) or of its runs of up to 4 words (BLEU-4) that
# appear in some reference, with a penalty for captions shorter than the references.
# `evaluate_bleu` averages it over a split's images.
#
# [2] Kishore Papineni et al., "BLEU: a Method for Automatic Evaluation of Machine
# Translation", ACL 2002.

# %%
np.random.seed(231)
rnn_model = CaptioningRNN(cell_type="rnn", word_to_idx=data["word_to_idx"],
                          input_dim=data["train_features"].shape[1], hidden_dim=128, wordvec_dim=64)
rnn_solver = CaptioningSolver(rnn_model, data, update_rule="adam", num_epochs=1 if SMOKE else 10,
                              batch_size=50, optim_config={"learning_rate": 1e-2}, lr_decay=0.95,
                              verbose="progress")
rnn_solver.train()

for split in ("train", "val"):
    bleu1, _ = evaluate_bleu(rnn_model.sample, data, split)
    bleu4, _ = evaluate_bleu(rnn_model.sample, data, split, max_n=4)
    print("%s: BLEU %.3f, BLEU-4 %.3f" % (split, bleu1, bleu4))

# %%
np.random.seed(0)
show_sampled_captions(rnn_model.sample, data, "val", batch_size=4);

# %% [markdown]
# # CS231n's goals on COCO
#
# With CS231n's COCO files, the same code trains on photographs: CS231n expects the RNN to
# overfit 50 COCO training captions to a final loss below 0.1 (its settings: hidden_dim
# 512, wordvec_dim 256, 50 epochs of minibatches of 25, Adam at 5e-3, lr_decay 0.95), and
# an LSTM trained on more of COCO (LSTM_Captioning) to reach a BLEU above 0.3 on both the
# training and the validation captions. The next cell runs the first goal when the files
# are there.

# %%
if coco is not None:
    np.random.seed(231)
    coco_model = CaptioningRNN(coco["word_to_idx"], input_dim=coco["train_features"].shape[1], wordvec_dim=256,
                               hidden_dim=512)
    coco_settings = {"update_rule": "adam", "optim_config": {"learning_rate": 5e-3}, "lr_decay": 0.95,
                     "batch_size": 25, "num_epochs": 5 if SMOKE else 50, "verbose": "progress"}
    coco_solver = CaptioningSolver(coco_model, coco, **coco_settings)
    coco_solver.train()
    print("COCO, 50 captions: final loss %.3f (CS231n's goal: below 0.1)" % coco_solver.loss_history[-1])
else:
    print("CS231n's COCO files are not here; the digit scenes stand in for them.")

# %% [markdown]
# ## Inline Question 1
#
# In our current image captioning setup, our RNN language model produces a word at every
# timestep as its output. However, an alternate way to pose the problem is to train the
# network to operate over *characters* (e.g. 'a', 'b', etc.) as opposed to words, so that
# at every timestep, it receives the previous character as input and tries to predict the
# next character in the sequence. For example, the network might generate a caption like
#
# 'A', ' ', 'c', 'a', 't', ' ', 'o', 'n', ' ', 'a', ' ', 'b', 'e', 'd'
#
# Can you describe one advantage of an image-captioning model that uses a character-level
# RNN? Can you also describe one disadvantage? HINT: there are several valid answers, but
# it might be useful to compare the parameter space of word-level and character-level
# models.

# %% [markdown] tags=["written:inline_question_rnn_characters"]
# Advantage: the vocabulary is tiny (letters, digits, punctuation: tens of symbols instead
# of thousands of words), so the embedding matrix W_embed and the output layer W_vocab have
# far fewer parameters, and there is no out-of-vocabulary word: any word, a rare name or a
# misspelling, can be read and generated instead of becoming <UNK>. Disadvantage: the
# sequences are several times longer (one step per character), so training and sampling
# take more steps, and the network must carry information, such as what the image shows,
# over many more timesteps, where vanilla RNNs' gradients vanish or explode; it must also
# learn to spell before it can learn language, so it needs more data and capacity, and
# it can produce words that do not exist.
