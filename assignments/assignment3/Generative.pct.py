# ---
# jupyter:
#   cs231n:
#     cell_id_prefix: generative
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
# # Generative models: VAEs, GANs and PixelCNN
#
# *Complete and hand in this notebook (including its outputs and any code outside it) with
# your assignment. Run `cs231n submit assignment3` in your assignment folder to check and
# zip it.*
#
# So far in CS231n, all the applications of neural networks that we have explored have been
# **discriminative models** that take an input and are trained to produce a labeled output.
# In this notebook we expand our repertoire and build **generative models**: networks that
# learn the distribution of their training images, so that we can draw new images from it.
# We build the three families of lecture 13, all on handwritten digits:
#
# 1. Part I, **variational autoencoders** (Kingma and Welling, 2013): an encoder and a
#    decoder trained together on a lower bound of the likelihood, the ELBO; then a
#    class-conditional VAE that draws the digit you ask for.
# 2. Part II, **generative adversarial networks** (Goodfellow et al., 2014): a generator and
#    a discriminator trained against each other; then the least-squares GAN and the deep
#    convolutional GAN.
# 3. Part III, **autoregressive models**: PixelCNN (van den Oord et al., 2016), which writes
#    an image's likelihood exactly as a product of per-pixel conditionals, with masked
#    convolutions, and draws images one pixel at a time.
#
# You write the graded functions and modules in `cs231n_core/generative.py`; the training
# loops are given there. After each graded target, run its **public check** cell:
# `check("<name>")` runs quick checks here and tells you in one sentence what looks wrong.
# The locked **autograded** cell after it is where your instructor's hidden graders run;
# they use other inputs than the public checks, and some of them train your models on
# held-out digits.

# %%
# Setup cell.
import os

import numpy as np
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

import cs231n_core
from cs231n_core.checks import check
from cs231n_core.data_utils import get_data
from cs231n_core.generative import (CVAE, VAE, build_dc_classifier, build_dc_generator,
                                    count_params, discriminator, discriminator_loss, generator,
                                    generator_loss, get_optimizer, image_grid, initialize_weights,
                                    ls_discriminator_loss, ls_generator_loss, MaskedConv2d,
                                    negative_elbo, one_hot, PixelCNN, pixelcnn_loss, reparametrize,
                                    run_a_gan, sample_noise, train_pixelcnn, train_vae, vae_loss)
from cs231n_core.pytorch_models import choose_device

# %matplotlib inline
plt.rcParams["figure.figsize"] = (10.0, 6.0)  # Set default size of plots.
plt.rcParams["image.cmap"] = "gray"

# %load_ext autoreload
# %autoreload 2

# CS231N_SMOKE=1 runs the whole notebook quickly on small data (used by the tests).
SMOKE = os.environ.get("CS231N_SMOKE") == "1"
print("Using cs231n_core from", os.path.dirname(cs231n_core.__file__))
if SMOKE:
    print("SMOKE mode: small data, a few iterations per model")


def show_images(images, title=None, rows=None, image_shape=(28, 28)):
    # images: (N, D) or (N, 1, H, W) in [0, 1]
    grid = image_grid(images, rows=rows, image_shape=image_shape)
    plt.figure(figsize=(min(10, grid.shape[1] / 12), min(10, grid.shape[0] / 12)))
    plt.imshow(grid, vmin=0, vmax=1)
    plt.axis("off")
    if title:
        plt.title(title)
    plt.show()


# %% [markdown]
# ## The data and the device
#
# CS231n trains its generative models on the 60,000 MNIST digits. This course ships **5,000
# real MNIST digits** with its dependencies (`get_data("mnist")`), 28x28 grey images that we
# scale to [0, 1]; 4,500 are used for training and 500 are held out to measure the VAE's
# likelihood. (CIFAR-10 is not used here: small generative models learn digits in minutes,
# while photographs need far larger networks and longer training.)
#
# `choose_device` picks a CUDA GPU when one is present, else the CPU: every model below is
# trained on that `device`. Everything runs on a CPU in minutes; a GPU makes the DCGAN and
# the PixelCNN much faster.

# %%
num_training, num_test = (512, 64) if SMOKE else (4500, 500)
data = get_data("mnist", num_training=num_training, num_validation=0, num_test=num_test,
                subtract_mean=False, flatten=False, channels_first=True, dtype=np.float32)
X_train = torch.from_numpy(data["X_train"] / 255.0)   # (N, 1, 28, 28) in [0, 1]
y_train = torch.from_numpy(data["y_train"])
X_test = torch.from_numpy(data["X_test"] / 255.0)
y_test = torch.from_numpy(data["y_test"])
print("train:", tuple(X_train.shape), "held out:", tuple(X_test.shape))

device = choose_device()
print("using device:", device)
show_images(X_train[:36], "training digits")

# %% [markdown]
# # Part I. Variational autoencoders
#
# ## The ELBO, in short
#
# A VAE models an image $x$ with a latent code $z$: a prior $p(z) = \mathcal{N}(0, I)$ and a
# decoder $p_\theta(x \mid z)$ (here a Bernoulli per pixel, with means $\hat{x} =
# \mathrm{decoder}(z)$). The likelihood $p_\theta(x) = \int p_\theta(x \mid z) p(z)\, dz$ is
# intractable, so an encoder gives an approximate posterior $q_\phi(z \mid x) =
# \mathcal{N}(\mu_\phi(x), \mathrm{diag}\, \sigma^2_\phi(x))$, and for any $q$
#
# $$\log p_\theta(x) = \underbrace{\mathbb{E}_{q}\left[\log p_\theta(x \mid z)\right]
# - D_{KL}\left(q_\phi(z \mid x) \,\|\, p(z)\right)}_{\text{ELBO}}
# + D_{KL}\left(q_\phi(z \mid x) \,\|\, p_\theta(z \mid x)\right)
# \;\geq\; \text{ELBO},$$
#
# since the last KL divergence is never negative. Training maximizes the ELBO over both
# networks, that is, minimizes the **negative ELBO**, the sum of two terms:
#
# * the **reconstruction** term $-\mathbb{E}_q[\log p_\theta(x \mid z)]$: the binary
#   cross-entropy between $x$ and $\hat{x}$, estimated with one sample of $z$;
# * the **KL** term, in closed form for two Gaussians:
#   $D_{KL} = -\frac{1}{2} \sum_j \left(1 + \log \sigma_j^2 - \mu_j^2 - \sigma_j^2\right)$.
#
# To backpropagate through the sample, the **reparametrization trick** writes
# $z = \mu + \sigma \odot \epsilon$ with $\epsilon \sim \mathcal{N}(0, I)$: the randomness
# moves into an input, and $z$ is a differentiable function of $\mu$ and $\sigma$.
#
# Implement `reparametrize` and `vae_loss` in `cs231n_core/generative.py`. `vae_loss`
# returns the loss with its two parts named, `VAELoss(loss, reconstruction, kl)`, each
# averaged over the minibatch.

# %%
torch.manual_seed(0)
mu, logvar = torch.zeros(5000, 2), torch.log(torch.tensor([[0.25, 4.0]])).expand(5000, 2)
samples = reparametrize(mu, logvar)
print("standard deviations of the samples (expect 0.5 and 2):", samples.std(dim=0))

# %%
check("reparametrize")

# %% tags=["autograded:reparametrize"]

# %%
x = torch.tensor([[1.0, 0.0, 1.0, 1.0]]).reshape(1, 1, 2, 2)
x_hat = torch.full_like(x, 0.75)
terms = vae_loss(x_hat, x, torch.zeros(1, 3), torch.zeros(1, 3))
print(terms)  # the prior's own posterior: KL 0; reconstruction 3 * log(4/3) + log(4) = 2.249

# %%
check("vae_loss")

# %% tags=["autograded:vae_loss"]

# %% [markdown]
# ## The VAE
#
# Implement `VAE` (CS231n's architecture): an encoder of three fully connected layers of
# `hidden_dim` units with ReLUs, two linear heads `mu_layer` and `logvar_layer` giving the
# posterior's means and log variances of `latent_size` latent variables, and a decoder of
# four fully connected layers ending in a sigmoid. `forward(x)` returns `(x_hat, mu, logvar)`.

# %%
model = VAE(784, latent_size=15)
print("VAE(784, 15) has %d parameters" % count_params(model))  # 1,288,414
x_hat, mu, logvar = model(X_train[:4])
print(tuple(x_hat.shape), tuple(mu.shape), tuple(logvar.shape))

# %%
check("VAE")

# %% tags=["autograded:VAE"]

# %% [markdown]
# ### Training the VAE
#
# `train_vae` (given) minimizes your `vae_loss` with Adam (learning rate 1e-3, minibatches
# of 128, CS231n's settings); the progress bar shows the loss. On a CPU, 20 epochs over
# 4,500 digits take about a minute. We plot both parts of the loss as training goes: the
# reconstruction term falls steadily while the KL term first rises (the encoder starts
# using its latent variables) and then settles.

# %%
torch.manual_seed(0)
latent_size = 15
vae = VAE(784, latent_size=latent_size).to(device)
history = train_vae(vae, X_train, epochs=1 if SMOKE else 20, batch_size=128,
                    learning_rate=1e-3, device=device)

fig, axes = plt.subplots(1, 3, figsize=(15, 4))
for ax, key in zip(axes, ("loss", "reconstruction", "kl")):
    ax.plot(history[key])
    ax.set_title(key + " (nats per image)")
    ax.set_xlabel("iteration")
plt.show()
held_out = negative_elbo(vae, X_test, num_samples=4, seed=0)
print("held-out negative ELBO: %.1f nats per image (reconstruction %.1f, KL %.1f)"
      % (held_out["loss"], held_out["reconstruction"], held_out["kl"]))

# %% [markdown]
# With 20 epochs on the 4,500 embedded digits, the reference reaches a held-out negative
# ELBO of about 105 to 110 nats per image (CS231n's full MNIST gives about 100 after
# 10 epochs). Below, the first row holds held-out digits, the second their
# reconstructions (decoded from one sample of $z$).

# %%
vae.eval()
with torch.no_grad():
    originals = X_test[:12].to(device)
    reconstructions, _, _ = vae(originals)
show_images(torch.cat([originals, reconstructions]).cpu(), "held-out digits and their reconstructions", rows=2)

# %% [markdown]
# ### Sampling and walking the latent space
#
# To generate, draw $z$ from the prior $\mathcal{N}(0, I)$ and decode it. A **latent walk**
# decodes the points on the line between the codes (the posterior means) of two digits:
# the VAE's smooth latent space turns one digit into the other through plausible images.

# %%
torch.manual_seed(1)
with torch.no_grad():
    z = torch.randn(36, latent_size, device=device)
    samples = vae.decoder(z).reshape(-1, 1, 28, 28)
show_images(samples.cpu(), "samples of the VAE")

with torch.no_grad():
    pairs = [(0, 1), (2, 3), (4, 5)]
    walks = []
    for a, b in pairs:
        hidden = vae.encoder(X_test[[a, b]].to(device))
        z_a, z_b = vae.mu_layer(hidden)
        steps = torch.linspace(0, 1, 10, device=device)[:, None]
        walks.append(vae.decoder((1 - steps) * z_a + steps * z_b))
show_images(torch.cat(walks).cpu(), "latent walks between pairs of held-out digits", rows=len(pairs))

# %% [markdown]
# ## The conditional VAE
#
# A plain VAE decides by itself which digit to draw. A **conditional VAE** (Sohn et al.,
# 2015) gives both the encoder and the decoder the label $c$ (one-hot): it learns
# $p_\theta(x \mid z, c)$, and to draw a 7 we decode $(z, c = 7)$ for any $z$ from the
# prior. Implement `CVAE` (the encoder sees `[x, c]`, the decoder `[z, c]`).

# %%
check("CVAE")

# %% tags=["autograded:CVAE"]

# %%
torch.manual_seed(0)
cvae = CVAE(784, num_classes=10, latent_size=latent_size).to(device)
cvae_history = train_vae(cvae, X_train, y_train, epochs=1 if SMOKE else 20, batch_size=128,
                         learning_rate=1e-3, device=device)
print("held-out negative ELBO of the CVAE: %.1f nats per image"
      % negative_elbo(cvae, X_test, y_test, num_samples=4, seed=0)["loss"])
torch.manual_seed(2)
with torch.no_grad():
    labels = torch.arange(10).repeat_interleave(8)
    z = torch.randn(len(labels), latent_size, device=device)
    c = one_hot(labels, 10).to(device)
    samples = cvae.decoder(torch.cat((z, c), dim=1))
show_images(samples.cpu(), "CVAE samples, one row per class 0..9", rows=10)

# %% [markdown]
# # Part II. Generative adversarial networks
#
# In 2014, Goodfellow et al. presented a method for training generative models called
# Generative Adversarial Networks (GANs for short). In a GAN, we build two different neural
# networks. Our first network is a traditional classification network, called the
# **discriminator**: it takes in images and classifies them as being real (belonging to the
# training set) or fake (not present in the training set). Our other network, called the
# **generator**, takes random noise as input and transforms it using a neural network to
# produce images. The goal of the generator is to fool the discriminator into thinking the
# images it produced are real. The two play a minimax game:
#
# $$\underset{G}{\text{minimize}}\; \underset{D}{\text{maximize}}\; \mathbb{E}_{x \sim p_\text{data}}\left[\log D(x)\right] + \mathbb{E}_{z \sim p(z)}\left[\log \left(1-D(G(z))\right)\right]$$
#
# where $z \sim p(z)$ are the random noise samples, $G(z)$ are the generated images and $D$
# is the output of the discriminator (the probability that its input is real). As in
# CS231n, we alternate a gradient step of the discriminator and one of the generator, and
# for the generator we maximize $\log D(G(z))$ instead of minimizing $\log(1 - D(G(z)))$:
# the **non-saturating** loss, which gives the generator useful gradients early on, when
# the discriminator rejects its samples easily.
#
# The training data are the digits scaled to [-1, 1], the range of the generator's TanH
# (`run_a_gan` does it). First, the generator's input: implement `sample_noise`, uniform
# noise in [-1, 1).

# %%
NOISE_DIM = 96
batch_size = 128
noise = sample_noise(batch_size, 3)
print(tuple(noise.shape), float(noise.min()), float(noise.max()))

# %%
check("sample_noise")

# %% tags=["autograded:sample_noise"]

# %% [markdown]
# ## The discriminator and the generator
#
# Implement CS231n's fully connected networks as `nn.Sequential` models:
#
# * `discriminator()`: fully connected 784 -> 256, LeakyReLU (slope 0.01), fully connected
#   256 -> 256, LeakyReLU (0.01), fully connected 256 -> 1: a logit per image. 267,009
#   parameters.
# * `generator(noise_dim)`: fully connected noise_dim -> 1024, ReLU, 1024 -> 1024, ReLU,
#   1024 -> 784, TanH: images as rows of 784 values in [-1, 1]. 1,858,320 parameters for
#   noise dimension 4 (CS231n's test), 1,952,528 for 96.

# %%
print("discriminator: %d parameters" % count_params(discriminator()))
print("generator(4): %d parameters" % count_params(generator(4)))

# %%
check("discriminator")

# %% tags=["autograded:discriminator"]

# %%
check("generator")

# %% tags=["autograded:generator"]

# %% [markdown]
# ## The GAN losses
#
# The discriminator's loss is the binary cross-entropy of its logits, with label 1 for real
# images and 0 for fakes; the generator's (non-saturating) loss labels its fakes 1:
#
# $$\ell_D = -\mathbb{E}_{x}\left[\log D(x)\right] - \mathbb{E}_{z}\left[\log \left(1-D(G(z))\right)\right],
# \qquad \ell_G = -\mathbb{E}_{z}\left[\log D(G(z))\right],$$
#
# each expectation a mean over the minibatch. `bce_loss` (given) computes the binary
# cross-entropy of logits stably. Implement `discriminator_loss` and `generator_loss`.

# %%
check("discriminator_loss")

# %% tags=["autograded:discriminator_loss"]

# %%
check("generator_loss")


# %% tags=["autograded:generator_loss"]

# %% [markdown]
# ## Training a GAN
#
# `run_a_gan` (given) alternates the two updates with Adam (learning rate 1e-3, beta1 0.5,
# CS231n's settings) and keeps samples of a fixed noise every `show_every` iterations; the
# progress bar shows both losses. A GAN's losses do not measure the samples' quality: watch
# the pictures. On a CPU, 3,000 iterations take a few minutes; the digits become legible
# after about a thousand.

# %%
def train_gan(D, G, d_loss_fn, g_loss_fn, iterations, title):
    """Initialize discriminator D and generator G, train them with run_a_gan for
    `iterations` iterations on X_train, show four rounds of samples titled `title`, and
    return run_a_gan's history."""
    D.apply(initialize_weights)
    G.apply(initialize_weights)
    history = run_a_gan(D, G, get_optimizer(D), get_optimizer(G), d_loss_fn, g_loss_fn,
                        X_train, num_epochs=1000, batch_size=batch_size, noise_size=NOISE_DIM,
                        show_every=max(iterations // 4, 1), max_iterations=iterations,
                        device=device)
    for iteration, images in history["samples"]:
        show_images(images, "%s, iteration %d" % (title, iteration), rows=2)
    return history


gan_iterations = 30 if SMOKE else 3000
torch.manual_seed(0)
D = discriminator().to(device)
G = generator(NOISE_DIM).to(device)
history = train_gan(D, G, discriminator_loss, generator_loss, gan_iterations, "vanilla GAN")

# %% [markdown]
# ## Least-squares GAN
#
# The least-squares GAN (Mao et al., 2016) replaces the cross-entropy by squared errors of
# the discriminator's raw scores, which gives the generator gradients even for samples
# that the discriminator classifies confidently, and usually trains more stably:
#
# $$\ell_D = \frac{1}{2}\mathbb{E}_{x}\left[\left(D(x)-1\right)^2\right] + \frac{1}{2}\mathbb{E}_{z}\left[D(G(z))^2\right],
# \qquad \ell_G = \frac{1}{2}\mathbb{E}_{z}\left[\left(D(G(z))-1\right)^2\right].$$
#
# Implement `ls_discriminator_loss` and `ls_generator_loss`, then train the same networks
# with them.

# %%
check("ls_discriminator_loss")

# %% tags=["autograded:ls_discriminator_loss"]

# %%
check("ls_generator_loss")

# %% tags=["autograded:ls_generator_loss"]

# %%
torch.manual_seed(0)
D_ls, G_ls = discriminator().to(device), generator(NOISE_DIM).to(device)
ls_history = train_gan(D_ls, G_ls, ls_discriminator_loss, ls_generator_loss, gan_iterations,
                       "LSGAN")
plt.plot(ls_history["d_loss"], label="discriminator")
plt.plot(ls_history["g_loss"], label="generator")
plt.xlabel("iteration")
plt.legend()
plt.show()

# %% [markdown]
# ## Deep convolutional GANs
#
# Our GANs so far treat images as flat vectors. DCGANs (Radford et al., 2016) use
# convolutions: the discriminator is a small ConvNet (after TensorFlow's MNIST classifier),
# the generator a stack of transposed convolutions (after InfoGAN) that grows a 7x7 map to
# 28x28. Implement `build_dc_classifier` (1,102,721 parameters) and `build_dc_generator`
# (6,580,801 for noise dimension 4) as described in their docstrings.

# %%
check("build_dc_classifier")

# %% tags=["autograded:build_dc_classifier"]

# %%
check("build_dc_generator")

# %% tags=["autograded:build_dc_generator"]

# %%
dc_iterations = 8 if SMOKE else (1500 if device.type == "cuda" else 400)
torch.manual_seed(0)
D_dc = build_dc_classifier().to(device)
G_dc = build_dc_generator(NOISE_DIM).to(device)
dc_history = train_gan(D_dc, G_dc, discriminator_loss, generator_loss, dc_iterations, "DCGAN")

# %% [markdown]
# # Part III. Autoregressive models: PixelCNN
#
# An autoregressive model writes the likelihood of an image exactly, as a product of
# conditionals over its pixels in raster order (row by row, left to right):
#
# $$p(x) = \prod_{i=1}^{H W} p\left(x_i \mid x_1, \ldots, x_{i-1}\right).$$
#
# PixelCNN computes all these conditionals with one pass of a convolutional network whose
# filters are **masked**, so that the output at a pixel never sees that pixel or later
# ones. The first layer uses a **type A** mask (the center hidden too: the output at $x_i$
# must not see $x_i$); later layers use **type B** masks (the center seen: it already holds
# features of earlier pixels only). Training is as fast as any ConvNet's; sampling is slow,
# one pass per pixel.
#
# We model binarized digits: each pixel is 0 or 1, each conditional a Bernoulli. To keep
# sampling quick on a CPU we downsample the digits to 14x14 (196 pixels, so 196 passes per
# sample). Implement `MaskedConv2d`: build the mask in `__init__` as a buffer and apply it
# at every forward pass.

# %%
for mask_type in ("A", "B"):
    conv = MaskedConv2d(1, 1, 5, mask_type)
    print("type %s mask:\n%s" % (mask_type, conv.mask[0, 0].int().numpy()))

# %%
check("MaskedConv2d")

# %% tags=["autograded:MaskedConv2d"]

# %% [markdown]
# ## The PixelCNN
#
# Implement `PixelCNN`: a 7x7 type-A masked convolution, `num_layers` 3x3 type-B masked
# convolutions, each followed by a ReLU, and a 1x1 convolution giving one logit per pixel.
# Then implement `PixelCNN.sample`, which draws images pixel by pixel. We check causality
# the way the graders do, by gradients: the logit at a pixel must not depend on the input
# at that pixel or after it.

# %%
torch.manual_seed(0)
pixelcnn = PixelCNN(hidden_channels=8, num_layers=2).double()
x = torch.rand(1, 1, 6, 6, dtype=torch.float64, requires_grad=True)
logits = pixelcnn(x)
grad, = torch.autograd.grad(logits[0, 0, 2, 3], x)
print("pixels that the logit at (2, 3) depends on:\n", (grad[0, 0] != 0).int().numpy())

# %%
check("PixelCNN")


# %% tags=["autograded:PixelCNN"]

# %%
def binarize(images, side=14):
    return (F.avg_pool2d(images, 28 // side) > 0.5).float()

X_binary, X_binary_test = binarize(X_train), binarize(X_test)
torch.manual_seed(0)
pixelcnn = PixelCNN(hidden_channels=32, num_layers=4).to(device)
pixel_history = train_pixelcnn(pixelcnn, X_binary, epochs=1 if SMOKE else 15, batch_size=64,
                               learning_rate=1e-3, device=device)
plt.plot(pixel_history["loss"])
plt.xlabel("iteration")
plt.ylabel("negative log-likelihood (nats per image)")
plt.show()
with torch.no_grad():
    test_nll = float(pixelcnn_loss(pixelcnn(X_binary_test.to(device)), X_binary_test.to(device)))
print("held-out negative log-likelihood: %.1f nats per 14x14 image" % test_nll)
torch.manual_seed(3)
samples = pixelcnn.sample(4 if SMOKE else 36, (14, 14))
show_images(samples.cpu(), "PixelCNN samples", image_shape=(14, 14))

# %% [markdown]
# Unlike the VAE's bound, this negative log-likelihood is exact, and unlike a GAN, the
# model can tell how likely any image is. The price is sampling: one network pass per
# pixel, in order.
