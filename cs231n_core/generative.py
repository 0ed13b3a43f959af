"""Generative models of assignment 3: a VAE, GANs and a PixelCNN (CS231n lecture 13).

Three families, each in the style of CS231n's notebooks:

* variational autoencoders: ``reparametrize``, ``vae_loss`` (the negative ELBO with its
  two parts named), ``VAE`` and the class-conditional ``CVAE`` (CS231n's VAE notebook);
* generative adversarial networks: ``sample_noise``, the fully connected
  ``discriminator`` and ``generator``, the losses of the original GAN
  (``discriminator_loss``, ``generator_loss``) and of the least-squares GAN
  (``ls_discriminator_loss``, ``ls_generator_loss``), and the deep convolutional
  ``build_dc_classifier`` and ``build_dc_generator`` (CS231n's GANs notebook);
* autoregressive models: ``MaskedConv2d`` (PixelCNN's type A and B masks) and a small
  ``PixelCNN`` over binary images, sampled pixel by pixel.

Training loops (``train_vae``, ``run_a_gan``, ``train_pixelcnn``) and helpers are given.
Images are ``(N, 1, H, W)`` tensors; the fully connected models see them flattened, as
rows of ``D = H * W`` values. Everything is device-agnostic: the device is an argument,
and random numbers come from torch's global generator (``torch.manual_seed``).

Parameter counts of CS231n's configurations (``pytorch_models.count_params``): ``discriminator()``
267,009; ``generator(4)`` 1,858,320 (``generator(96)``: 1,952,528); ``build_dc_classifier()``
1,102,721; ``build_dc_generator(4)`` 6,580,801.
"""
import collections
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from .pytorch_models import count_params  # noqa: F401 (the generative notebook counts with it)
from .training import fit_minibatches

__all__ = [
    "NOISE_DIM", "VAELoss", "reparametrize", "vae_loss", "VAE", "CVAE", "one_hot", "train_vae",
    "negative_elbo", "sample_noise", "discriminator", "generator", "bce_loss", "discriminator_loss",
    "generator_loss", "ls_discriminator_loss", "ls_generator_loss", "Unflatten",
    "build_dc_classifier", "build_dc_generator", "initialize_weights", "get_optimizer", "run_a_gan",
    "MaskedConv2d", "PixelCNN", "pixelcnn_loss", "train_pixelcnn", "count_params", "image_grid",
]

NOISE_DIM = 96


def _default_device(model):
    first = next(model.parameters(), None)
    return first.device if first is not None else torch.device("cpu")


def _as_tensor(X, device, dtype=torch.float32):
    X = X if torch.is_tensor(X) else torch.from_numpy(np.asarray(X))
    return X.to(device=device, dtype=dtype)


def _prepare_training(model, X, device, seed):
    """What a trainer does first: seed torch's generator (when seed is given), move the
    model to `device` (None: the device of its parameters), and X there in the model's
    dtype. Returns (device, dtype, X as a tensor)."""
    if seed is not None:
        torch.manual_seed(seed)
    device = _default_device(model) if device is None else torch.device(device)
    model.to(device)
    dtype = next(model.parameters()).dtype
    return device, dtype, _as_tensor(X, device, dtype)


# ======================================================================================
# Part I: variational autoencoders
# ======================================================================================

# The negative ELBO of a minibatch and its two parts, each averaged over the minibatch:
#   loss = reconstruction + kl.
VAELoss = collections.namedtuple("VAELoss", ["loss", "reconstruction", "kl"])


def reparametrize(mu, logvar):
    """Draw z ~ N(mu, sigma^2) differentiably: the reparametrization trick.

    Inputs:
    - mu: tensor of shape (N, Z), the posterior means of the latent variables.
    - logvar: tensor of shape (N, Z), the log variances log(sigma^2).

    Returns:
    - z: tensor of shape (N, Z): mu plus sigma times epsilon, entry by entry, where
      sigma = sqrt(exp(logvar)) and epsilon is drawn from a standard normal
      distribution independently for every entry (torch.randn_like). Gradients flow to
      mu and logvar; not to epsilon.
    """
    z = None
    # TODO: compute sigma from logvar, draw epsilon, and form z.
    # BEGIN SOLUTION
    sigma = torch.exp(0.5 * logvar)
    epsilon = torch.randn_like(mu)
    z = mu + sigma * epsilon
    # END SOLUTION
    return z


def vae_loss(x_hat, x, mu, logvar):
    """The negative evidence lower bound (ELBO) of a minibatch, with its two parts.

    For one example x, with the encoder's q(z|x) = N(mu, diag(sigma^2)), a standard
    normal prior p(z) and a Bernoulli decoder of means x_hat:

        -ELBO(x) = -E_q[log p(x|z)] + KL(q(z|x) || p(z))
                 = reconstruction        + kl

    - reconstruction: the binary cross-entropy of x_hat against x, summed over the
      pixels (F.binary_cross_entropy with reduction="sum"), estimated with the one z
      that produced x_hat;
    - kl: -1/2 * sum_j (1 + logvar_j - mu_j^2 - exp(logvar_j)), summed over the
      latent dimensions (in closed form: both distributions are Gaussian).

    Inputs:
    - x_hat: tensor of shape (N, 1, H, W) (any shape), the decoder's means in (0, 1).
    - x: tensor of the same shape, the input images, values in [0, 1].
    - mu, logvar: tensors of shape (N, Z), the encoder's outputs.

    Returns a VAELoss(loss, reconstruction, kl) of three scalar tensors, each AVERAGED
    OVER THE MINIBATCH (divided by N), with loss = reconstruction + kl.
    """
    reconstruction, kl = None, None
    # TODO: the two terms, each summed over an example's values and averaged over the
    # N examples of the minibatch.
    # BEGIN SOLUTION
    n = x.shape[0]
    reconstruction = F.binary_cross_entropy(x_hat, x, reduction="sum") / n
    kl = -0.5 * torch.sum(1 + logvar - mu ** 2 - torch.exp(logvar)) / n
    # END SOLUTION
    return VAELoss(reconstruction + kl, reconstruction, kl)


class VAE(nn.Module):
    """A variational autoencoder with fully connected encoder and decoder (CS231n's).

    Inputs of __init__:
    - input_size: D, the number of pixels of an image (784 for 28x28 digits).
    - latent_size: Z, the number of latent variables.
    - hidden_dim: H, the width of the hidden layers (400 in CS231n).

    Layers, as attributes (graders and the notebook rely on these names):
    - self.encoder: nn.Sequential: flatten, then three fully connected layers of H
      units, each followed by a ReLU (D -> H -> H -> H);
    - self.mu_layer and self.logvar_layer: nn.Linear(H, Z) each, on the encoder's output;
    - self.decoder: nn.Sequential: nn.Linear(Z, H), ReLU, nn.Linear(H, H), ReLU,
      nn.Linear(H, H), ReLU, nn.Linear(H, D), then a sigmoid (means in (0, 1)).

    forward(x), x of shape (N, 1, H, W) (or anything with D values per example), returns
    (x_hat, mu, logvar): x_hat of x's shape, mu and logvar of shape (N, Z); z is drawn
    with reparametrize.
    """

    def __init__(self, input_size, latent_size=15, hidden_dim=400):
        super().__init__()
        self.input_size, self.latent_size, self.hidden_dim = input_size, latent_size, hidden_dim
        self.encoder = self.mu_layer = self.logvar_layer = self.decoder = None
        # TODO: build the four parts named above.
        # BEGIN SOLUTION
        D, Z, H = input_size, latent_size, hidden_dim
        self.encoder = nn.Sequential(
            nn.Flatten(),
            nn.Linear(D, H), nn.ReLU(),
            nn.Linear(H, H), nn.ReLU(),
            nn.Linear(H, H), nn.ReLU())
        self.mu_layer = nn.Linear(H, Z)
        self.logvar_layer = nn.Linear(H, Z)
        self.decoder = nn.Sequential(
            nn.Linear(Z, H), nn.ReLU(),
            nn.Linear(H, H), nn.ReLU(),
            nn.Linear(H, H), nn.ReLU(),
            nn.Linear(H, D), nn.Sigmoid())
        # END SOLUTION

    def forward(self, x):
        x_hat, mu, logvar = None, None, None
        # TODO: encode x into mu and logvar, draw z with reparametrize, decode it, and
        # give x_hat the shape of x.
        # BEGIN SOLUTION
        hidden = self.encoder(x)
        mu, logvar = self.mu_layer(hidden), self.logvar_layer(hidden)
        z = reparametrize(mu, logvar)
        x_hat = self.decoder(z).reshape(x.shape)
        # END SOLUTION
        return x_hat, mu, logvar


class CVAE(nn.Module):
    """A class-conditional VAE: encoder and decoder both see the label, one-hot.

    Inputs of __init__: input_size D, num_classes C, latent_size Z, hidden_dim H.

    The layers are those of VAE with wider inputs (same attribute names):
    - self.encoder: flatten is done in forward; three nn.Linear layers, each followed
      by a ReLU, on the concatenation [x_flat, c] of D + C values (D + C -> H -> H -> H);
    - self.mu_layer, self.logvar_layer: nn.Linear(H, Z);
    - self.decoder: on the concatenation [z, c] of Z + C values: nn.Linear(Z + C, H),
      ReLU, nn.Linear(H, H), ReLU, nn.Linear(H, H), ReLU, nn.Linear(H, D), sigmoid.
    Concatenate with torch.cat((x_flat, c), dim=1) and torch.cat((z, c), dim=1): the
    image (or z) first, the label after.

    forward(x, c): x of shape (N, 1, H, W), c of shape (N, C), the one-hot labels
    (float). Returns (x_hat, mu, logvar) as VAE.forward does.
    """

    def __init__(self, input_size, num_classes=10, latent_size=15, hidden_dim=400):
        super().__init__()
        self.input_size, self.num_classes = input_size, num_classes
        self.latent_size, self.hidden_dim = latent_size, hidden_dim
        self.encoder = self.mu_layer = self.logvar_layer = self.decoder = None
        # TODO: build the four parts named above.
        # BEGIN SOLUTION
        D, C, Z, H = input_size, num_classes, latent_size, hidden_dim
        self.encoder = nn.Sequential(
            nn.Linear(D + C, H), nn.ReLU(),
            nn.Linear(H, H), nn.ReLU(),
            nn.Linear(H, H), nn.ReLU())
        self.mu_layer = nn.Linear(H, Z)
        self.logvar_layer = nn.Linear(H, Z)
        self.decoder = nn.Sequential(
            nn.Linear(Z + C, H), nn.ReLU(),
            nn.Linear(H, H), nn.ReLU(),
            nn.Linear(H, H), nn.ReLU(),
            nn.Linear(H, D), nn.Sigmoid())
        # END SOLUTION

    def forward(self, x, c):
        x_hat, mu, logvar = None, None, None
        # TODO: flatten x, concatenate the label, encode, draw z with reparametrize,
        # concatenate the label again, decode, and give x_hat the shape of x.
        # BEGIN SOLUTION
        x_flat = x.reshape(x.shape[0], -1)
        hidden = self.encoder(torch.cat((x_flat, c), dim=1))
        mu = self.mu_layer(hidden)
        logvar = self.logvar_layer(hidden)
        latent = reparametrize(mu, logvar)
        x_hat = self.decoder(torch.cat((latent, c), dim=1)).reshape(x.shape)
        # END SOLUTION
        return x_hat, mu, logvar


def one_hot(labels, num_classes=10, dtype=torch.float32):
    """Integer labels (N,) as one-hot rows (N, num_classes) of `dtype`."""
    labels = labels if torch.is_tensor(labels) else torch.as_tensor(np.asarray(labels))
    return F.one_hot(labels.long(), num_classes).to(dtype)


def train_vae(model, X, y=None, epochs=10, batch_size=128, learning_rate=1e-3, device=None,
              seed=None, progress=True):
    """Train a VAE (or, with labels y, a CVAE) with Adam on the negative ELBO.

    Inputs:
    - model: a VAE, or a CVAE when y is given.
    - X: images (N, 1, H, W), array or tensor, values in [0, 1].
    - y: integer labels (N,) for a CVAE (turned one-hot), else None.
    - epochs, batch_size, learning_rate: of the minibatch Adam.
    - device: where to train (None: the model's device).
    - seed: seeds torch's generator first (the order of the examples and the noise).

    Returns a history dict: "loss", "reconstruction" and "kl", one float per iteration.
    """
    device, dtype, X = _prepare_training(model, X, device, seed)
    labels = None if y is None else one_hot(_as_tensor(y, device, torch.long),
                                            model.num_classes, dtype)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)

    def batch_losses(batch):
        x = X[batch]
        out = model(x) if labels is None else model(x, labels[batch])
        return vae_loss(out[0], x, out[1], out[2])._asdict()

    model.train()
    return fit_minibatches(optimizer, epochs, lambda: torch.randperm(X.shape[0], device=device).split(batch_size),
                           batch_losses, names=("loss", "reconstruction", "kl"), progress=progress,
                           loss_format="%.2f")


def negative_elbo(model, X, y=None, num_samples=1, batch_size=500, seed=None):
    """The negative ELBO per example averaged over X (nats), with its two parts: a dict
    {"loss", "reconstruction", "kl"} of floats, each an average over num_samples draws
    of z per example. The model is evaluated without gradients."""
    if seed is not None:
        torch.manual_seed(seed)
    device, dtype = _default_device(model), next(model.parameters()).dtype
    X = _as_tensor(X, device, dtype)
    labels = None if y is None else one_hot(_as_tensor(y, device, torch.long),
                                            model.num_classes, dtype)
    totals = {"loss": 0.0, "reconstruction": 0.0, "kl": 0.0}
    with torch.no_grad():
        for _ in range(num_samples):
            for batch in torch.arange(X.shape[0], device=device).split(batch_size):
                x = X[batch]
                out = model(x) if labels is None else model(x, labels[batch])
                terms = vae_loss(out[0], x, out[1], out[2])
                for key in totals:
                    totals[key] += float(getattr(terms, key)) * len(batch)
    return {key: value / (num_samples * X.shape[0]) for key, value in totals.items()}


# ======================================================================================
# Part II: generative adversarial networks
# ======================================================================================

def sample_noise(batch_size, dim, seed=None, device=None, dtype=torch.float32):
    """Uniform random noise in [-1, 1), the generator's input.

    Inputs:
    - batch_size: N, the number of noise vectors.
    - dim: the dimension of each noise vector.
    - seed: when given, torch.manual_seed(seed) first (reproducible noise).
    - device, dtype: of the returned tensor.

    Returns:
    - a tensor of shape (batch_size, dim) of values drawn uniformly from [-1, 1),
      independently for every entry (from torch.rand).
    """
    if seed is not None:
        torch.manual_seed(seed)
    # TODO: one line: rescale torch.rand's [0, 1) to [-1, 1).
    # BEGIN SOLUTION
    return 2 * torch.rand(batch_size, dim, device=device, dtype=dtype) - 1
    # END SOLUTION


def discriminator(seed=None, input_size=784, hidden_dim=256):
    """CS231n's fully connected discriminator, as an nn.Sequential:

        Flatten, then
        fully connected layer from input_size to hidden_dim, LeakyReLU (slope 0.01),
        fully connected layer from hidden_dim to hidden_dim, LeakyReLU (slope 0.01),
        fully connected layer from hidden_dim to 1 (the logit "real").

    All layers have biases. With the defaults (784 pixels, 256 units): 267,009
    parameters. The model maps images (N, 1, 28, 28) or rows (N, 784) to logits (N, 1).
    `seed`, when given, seeds torch's generator before the layers are built.
    """
    if seed is not None:
        torch.manual_seed(seed)
    model = None
    # TODO: build the model with nn.Sequential (nn.Flatten, nn.Linear, nn.LeakyReLU).
    # BEGIN SOLUTION
    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(input_size, hidden_dim), nn.LeakyReLU(0.01),
        nn.Linear(hidden_dim, hidden_dim), nn.LeakyReLU(0.01),
        nn.Linear(hidden_dim, 1))
    # END SOLUTION
    return model


def generator(noise_dim=NOISE_DIM, seed=None, output_size=784, hidden_dim=1024):
    """CS231n's fully connected generator, as an nn.Sequential:

        fully connected layer from noise_dim to hidden_dim, ReLU,
        fully connected layer from hidden_dim to hidden_dim, ReLU,
        fully connected layer from hidden_dim to output_size, TanH (images in [-1, 1]).

    All layers have biases. With hidden_dim 1024 and 784 pixels: 1,858,320 parameters
    for noise_dim 4 (CS231n's test), 1,952,528 for noise_dim 96. The model maps noise
    (N, noise_dim) to flattened images (N, output_size).
    `seed`, when given, seeds torch's generator before the layers are built.
    """
    if seed is not None:
        torch.manual_seed(seed)
    model = None
    # TODO: build the model with nn.Sequential (nn.Linear, nn.ReLU, nn.Tanh).
    # BEGIN SOLUTION
    model = nn.Sequential(
        nn.Linear(noise_dim, hidden_dim), nn.ReLU(),
        nn.Linear(hidden_dim, hidden_dim), nn.ReLU(),
        nn.Linear(hidden_dim, output_size), nn.Tanh())
    # END SOLUTION
    return model


def bce_loss(input, target):
    """The binary cross-entropy of logits `input` against 0/1 targets `target` (same
    shape), averaged over the entries: -mean(t * log s(x) + (1 - t) * log(1 - s(x))),
    s the sigmoid, computed stably (F.binary_cross_entropy_with_logits)."""
    return F.binary_cross_entropy_with_logits(input, target)


def discriminator_loss(logits_real, logits_fake):
    """The discriminator's loss of the original GAN (Goodfellow et al., 2014):

        l_D = -E_x[log D(x)] - E_z[log(1 - D(G(z)))],

    each expectation estimated by the mean over a minibatch, D(x) = sigmoid(logit).

    Inputs:
    - logits_real: tensor of shape (N,) or (N, 1), the discriminator's logits of real data.
    - logits_fake: tensor of shape (N,) or (N, 1), its logits of fake (generated) data.

    Returns:
    - loss: a scalar tensor. Use bce_loss with targets of ones (real) and zeros (fake)
      of the logits' shapes and dtypes (torch.ones_like, torch.zeros_like).
    """
    loss = None
    # BEGIN SOLUTION
    real_labels = torch.ones_like(logits_real)
    fake_labels = torch.zeros_like(logits_fake)
    loss = bce_loss(logits_real, real_labels) + bce_loss(logits_fake, fake_labels)
    # END SOLUTION
    return loss


def generator_loss(logits_fake):
    """The generator's (non-saturating) loss of the original GAN:

        l_G = -E_z[log D(G(z))],

    estimated by the mean over a minibatch, D(x) = sigmoid(logit).

    Inputs:
    - logits_fake: tensor of shape (N,) or (N, 1), the discriminator's logits of fake data.

    Returns:
    - loss: a scalar tensor (bce_loss with targets of ones).
    """
    loss = None
    # BEGIN SOLUTION
    loss = bce_loss(logits_fake, torch.ones_like(logits_fake))
    # END SOLUTION
    return loss


def ls_discriminator_loss(scores_real, scores_fake):
    """The discriminator's loss of the least-squares GAN (Mao et al., 2016):

        l_D = 1/2 E_x[(D(x) - 1)^2] + 1/2 E_z[D(G(z))^2],

    D(x) the raw score (no sigmoid), each expectation the mean over a minibatch.

    Inputs:
    - scores_real: tensor of shape (N,) or (N, 1), the scores of real data.
    - scores_fake: tensor of shape (N,) or (N, 1), the scores of fake data.

    Returns:
    - loss: a scalar tensor.
    """
    loss = None
    # BEGIN SOLUTION
    loss = 0.5 * torch.mean((scores_real - 1) ** 2) + 0.5 * torch.mean(scores_fake ** 2)
    # END SOLUTION
    return loss


def ls_generator_loss(scores_fake):
    """The generator's loss of the least-squares GAN:

        l_G = 1/2 E_z[(D(G(z)) - 1)^2],

    D the raw score, the expectation the mean over a minibatch.

    Inputs:
    - scores_fake: tensor of shape (N,) or (N, 1), the scores of fake data.

    Returns:
    - loss: a scalar tensor.
    """
    loss = None
    # BEGIN SOLUTION
    loss = 0.5 * torch.mean((scores_fake - 1) ** 2)
    # END SOLUTION
    return loss


class Unflatten(nn.Module):
    """(N, C * H * W) (or any shape with N first) -> (N, C, H, W)."""

    def __init__(self, C=1, H=28, W=28):
        super().__init__()
        self.C, self.H, self.W = C, H, W

    def forward(self, x):
        return x.reshape(x.shape[0], self.C, self.H, self.W)


def build_dc_classifier(batch_size=None):
    """CS231n's DCGAN discriminator for 28x28 images (after the TensorFlow MNIST
    tutorial's classifier), as an nn.Sequential:

        Unflatten(1, 28, 28): rows (N, 784) to images (N, 1, 28, 28)
        Conv2d: 32 filters 5x5, stride 1, no padding; LeakyReLU(0.01); MaxPool 2x2, stride 2
        Conv2d: 64 filters 5x5, stride 1, no padding; LeakyReLU(0.01); MaxPool 2x2, stride 2
        Flatten
        fully connected 4 * 4 * 64 -> 4 * 4 * 64; LeakyReLU(0.01)
        fully connected 4 * 4 * 64 -> 1 (the logit "real")

    1,102,721 parameters. Maps (N, 784) or (N, 1, 28, 28) to logits (N, 1).
    batch_size is accepted for CS231n's signature and not needed (Unflatten reads N).
    """
    model = None
    # BEGIN SOLUTION
    model = nn.Sequential(
        Unflatten(1, 28, 28),
        nn.Conv2d(1, 32, kernel_size=5, stride=1), nn.LeakyReLU(0.01),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(32, 64, kernel_size=5, stride=1), nn.LeakyReLU(0.01),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(4 * 4 * 64, 4 * 4 * 64), nn.LeakyReLU(0.01),
        nn.Linear(4 * 4 * 64, 1))
    # END SOLUTION
    return model


def build_dc_generator(noise_dim=NOISE_DIM):
    """CS231n's DCGAN generator (after InfoGAN's), as an nn.Sequential:

        fully connected noise_dim -> 1024, ReLU, BatchNorm1d(1024)
        fully connected 1024 -> 7 * 7 * 128, ReLU, BatchNorm1d(7 * 7 * 128)
        Unflatten(128, 7, 7)
        ConvTranspose2d: 64 filters 4x4, stride 2, padding 1 (7x7 -> 14x14), ReLU, BatchNorm2d(64)
        ConvTranspose2d: 1 filter 4x4, stride 2, padding 1 (14x14 -> 28x28), TanH
        Flatten: images as rows (N, 784)

    (each batch normalization after its ReLU, as in CS231n). 6,580,801 parameters for
    noise_dim 4. Maps noise (N, noise_dim) to rows (N, 784) in [-1, 1].
    """
    model = None
    # BEGIN SOLUTION
    model = nn.Sequential(
        nn.Linear(noise_dim, 1024), nn.ReLU(), nn.BatchNorm1d(1024),
        nn.Linear(1024, 7 * 7 * 128), nn.ReLU(), nn.BatchNorm1d(7 * 7 * 128),
        Unflatten(128, 7, 7),
        nn.ConvTranspose2d(128, 64, kernel_size=4, stride=2, padding=1), nn.ReLU(),
        nn.BatchNorm2d(64),
        nn.ConvTranspose2d(64, 1, kernel_size=4, stride=2, padding=1), nn.Tanh(),
        nn.Flatten())
    # END SOLUTION
    return model


def initialize_weights(m):
    """Xavier-uniform weights and zero biases for linear and transposed-convolution
    layers (CS231n's initialization of the GANs): model.apply(initialize_weights)."""
    if isinstance(m, (nn.Linear, nn.ConvTranspose2d)):
        nn.init.xavier_uniform_(m.weight.data)
        if m.bias is not None:
            nn.init.zeros_(m.bias.data)


def get_optimizer(model, learning_rate=1e-3, beta1=0.5, beta2=0.999):
    """Adam with CS231n's GAN settings (learning rate 1e-3, beta1 0.5)."""
    return torch.optim.Adam(model.parameters(), lr=learning_rate, betas=(beta1, beta2))


def run_a_gan(D, G, D_solver, G_solver, discriminator_loss, generator_loss, X, num_epochs=10,
              batch_size=128, noise_size=NOISE_DIM, show_every=250, num_shown=16, device=None,
              seed=None, progress=True, max_iterations=None):
    """Train a GAN (CS231n's run_a_gan): per minibatch, one step of the discriminator,
    then one of the generator.

    Inputs:
    - D, G: the discriminator (rows or images -> logits (N, 1)) and the generator
      (noise (N, noise_size) -> rows (N, D) in [-1, 1]).
    - D_solver, G_solver: their optimizers.
    - discriminator_loss, generator_loss: the loss functions (of logits or scores).
    - X: real images (N, 1, H, W) or rows (N, D), array or tensor, values in [0, 1]
      (scaled here to [-1, 1], the generator's range).
    - num_epochs, batch_size, noise_size: of the training.
    - show_every: keep num_shown samples (of a fixed noise) every show_every iterations.
    - seed: seeds torch's generator first; max_iterations: stop early.

    Returns a history dict: "d_loss" and "g_loss" (one float per iteration) and
    "samples", a list of (iteration, array (num_shown, D) in [0, 1]).
    """
    if seed is not None:
        torch.manual_seed(seed)
    device = _default_device(G) if device is None else torch.device(device)
    D.to(device)
    G.to(device)
    dtype = next(G.parameters()).dtype
    X = _as_tensor(X, device, dtype)
    X = X.reshape(X.shape[0], -1) * 2 - 1
    fixed_noise = sample_noise(num_shown, noise_size, device=device, dtype=dtype)
    history = {"d_loss": [], "g_loss": [], "samples": []}
    iteration = 0

    def keep_samples():
        G.eval()
        with torch.no_grad():
            images = (G(fixed_noise) + 1) / 2
        G.train()
        history["samples"].append((iteration, images.reshape(num_shown, -1).cpu().numpy()))

    total = num_epochs * math.ceil(X.shape[0] / batch_size)
    if max_iterations is not None:
        total = min(total, max_iterations)
    bar = tqdm(total=total, desc="GAN", disable=not progress)
    for epoch in range(num_epochs):
        for batch in torch.randperm(X.shape[0], device=device).split(batch_size):
            if iteration >= total:
                break
            if len(batch) < 2:
                continue  # batch normalization needs two examples
            real_data = X[batch]
            D_solver.zero_grad()
            logits_real = D(real_data)
            g_fake_seed = sample_noise(len(batch), noise_size, device=device, dtype=dtype)
            fake_images = G(g_fake_seed).detach()
            logits_fake = D(fake_images)
            d_total_error = discriminator_loss(logits_real, logits_fake)
            d_total_error.backward()
            D_solver.step()

            G_solver.zero_grad()
            g_fake_seed = sample_noise(len(batch), noise_size, device=device, dtype=dtype)
            fake_images = G(g_fake_seed)
            gen_logits_fake = D(fake_images)
            g_error = generator_loss(gen_logits_fake)
            g_error.backward()
            G_solver.step()

            history["d_loss"].append(d_total_error.item())
            history["g_loss"].append(g_error.item())
            if show_every and iteration % show_every == 0:
                keep_samples()
            iteration += 1
            bar.update(1)
            bar.set_postfix(D="%.3f" % history["d_loss"][-1], G="%.3f" % history["g_loss"][-1],
                            refresh=False)
    bar.close()
    keep_samples()
    return history


# ======================================================================================
# Part III: autoregressive models
# ======================================================================================

class MaskedConv2d(nn.Conv2d):
    """A convolution that sees only the pixels before the current one in raster order
    (row by row, left to right): PixelCNN's masked convolution (van den Oord et al., 2016).

    Inputs of __init__:
    - in_channels, out_channels: as nn.Conv2d.
    - kernel_size: k, odd; zero padding k // 2 keeps the image's size (stride 1).
    - mask_type: "A" (the first layer: the current pixel itself is hidden too) or
      "B" (later layers: the current position is seen, as it only holds features of
      earlier pixels).
    - bias: as nn.Conv2d.

    The mask is a tensor of the weight's shape (out_channels, in_channels, k, k), 1 where
    a weight is used and 0 where it is not: with c = k // 2 the center, it hides every
    row below the center, and in the center row, the columns right of the center (and,
    for type A, the center itself). Register it as a buffer (self.register_buffer), not
    a parameter: it moves with the module between devices and is never trained.

    forward(x) convolves x of shape (N, in_channels, H, W) with self.weight * self.mask
    (masked at every call: the optimizer updates self.weight freely, so masking it once
    in __init__ would not last), giving (N, out_channels, H, W).
    """

    def __init__(self, in_channels, out_channels, kernel_size, mask_type="B", bias=True):
        if mask_type not in ("A", "B"):
            raise ValueError("mask_type must be 'A' or 'B', got %r" % (mask_type,))
        if not isinstance(kernel_size, int) or kernel_size % 2 != 1:
            raise ValueError("kernel_size must be an odd int, got %r" % (kernel_size,))
        super().__init__(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=bias)
        self.mask_type = mask_type
        # TODO: build the mask (see the docstring) and register it as the buffer "mask".
        # BEGIN SOLUTION
        mask = torch.ones_like(self.weight)
        center = kernel_size // 2
        mask[:, :, center, center + (mask_type == "B"):] = 0
        mask[:, :, center + 1:, :] = 0
        self.register_buffer("mask", mask)
        # END SOLUTION

    def forward(self, x):
        # TODO: the convolution with the masked weights (F.conv2d with self.padding).
        # BEGIN SOLUTION
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)
        # END SOLUTION


class PixelCNN(nn.Module):
    """A small PixelCNN for binary images (N, 1, H, W), values 0 or 1:

        p(x) = prod_i p(x_i | x_1, ..., x_{i-1}),   pixels in raster order,

    each conditional a Bernoulli whose logit the network computes for all pixels at
    once (the masks keep every output from seeing its own pixel and later ones).

    Inputs of __init__:
    - hidden_channels: channels of the hidden layers.
    - num_layers: the number of type-B layers.
    - kernel_size: of the type-B layers; first_kernel_size: of the type-A layer.

    self.net, an nn.Sequential, in this order:
        MaskedConv2d(1, hidden_channels, first_kernel_size, "A"), ReLU,
        num_layers times: MaskedConv2d(hidden_channels, hidden_channels, kernel_size, "B"), ReLU,
        nn.Conv2d(hidden_channels, 1, 1): one logit per pixel.

    forward(x) returns the logits (N, 1, H, W): logits[n, 0, i, j] is the logit of
    p(x[n, 0, i, j] = 1 | the pixels before (i, j)).
    sample(num_samples, image_size) draws images pixel by pixel.
    """

    def __init__(self, hidden_channels=32, num_layers=4, kernel_size=3, first_kernel_size=7):
        super().__init__()
        self.net = None
        # TODO: build self.net (see the docstring).
        # BEGIN SOLUTION
        layers = [MaskedConv2d(1, hidden_channels, first_kernel_size, "A"), nn.ReLU()]
        for _ in range(num_layers):
            layers += [MaskedConv2d(hidden_channels, hidden_channels, kernel_size, "B"), nn.ReLU()]
        layers.append(nn.Conv2d(hidden_channels, 1, kernel_size=1))
        self.net = nn.Sequential(*layers)
        # END SOLUTION

    def forward(self, x):
        return self.net(x)

    def sample(self, num_samples, image_size=(28, 28), device=None):
        """Draw num_samples images pixel by pixel.

        Start from an all-zero image x (N, 1, H, W) of the model's dtype on `device`
        (None: the model's). For each pixel in raster order (row i from the top, then
        column j from the left): run the network on x, turn the logits at (i, j) into
        probabilities (sigmoid), and draw x[:, 0, i, j] from Bernoulli distributions
        with them (torch.bernoulli). H * W passes; later pixels are still zero when an
        earlier one is drawn, which the masks make harmless.

        Returns x, the images (num_samples, 1, H, W) of 0s and 1s. The module is in
        evaluation mode and without gradients meanwhile, and left in its mode.
        """
        height, width = image_size
        device = _default_device(self) if device is None else torch.device(device)
        dtype = next(self.parameters()).dtype
        x = torch.zeros(num_samples, 1, height, width, device=device, dtype=dtype)
        was_training = self.training
        self.eval()
        with torch.no_grad():
            # TODO: fill x in raster order, one pixel at a time (see above).
            # BEGIN SOLUTION
            for i in range(height):
                for j in range(width):
                    logits = self(x)[:, 0, i, j]
                    x[:, 0, i, j] = torch.bernoulli(torch.sigmoid(logits))
            # END SOLUTION
        self.train(was_training)
        return x


def pixelcnn_loss(logits, x):
    """The negative log-likelihood of binary images x under a PixelCNN's logits, in
    nats per image: the binary cross-entropy summed over the pixels, averaged over N."""
    return F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]


def train_pixelcnn(model, X, epochs=10, batch_size=64, learning_rate=1e-3, device=None, seed=None,
                   progress=True):
    """Train a PixelCNN with Adam on binary images X (N, 1, H, W) of 0s and 1s; returns
    the history {"loss": one float (nats per image) per iteration}."""
    device, _, X = _prepare_training(model, X, device, seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    model.train()
    return fit_minibatches(optimizer, epochs, lambda: torch.randperm(X.shape[0], device=device).split(batch_size),
                           lambda batch: {"loss": pixelcnn_loss(model(X[batch]), X[batch])},
                           progress=progress, loss_format="%.2f")


# ======================================================================================
# Pictures
# ======================================================================================

def image_grid(images, rows=None, image_shape=(28, 28), pad=1):
    """Tile images (N, D) or (N, 1, H, W), values in [0, 1], into one 2-d array for
    plt.imshow(grid, cmap="gray"); `rows` defaults to a square-ish layout."""
    images = images.detach().cpu().numpy() if torch.is_tensor(images) else np.asarray(images)
    height, width = images.shape[-2:] if images.ndim == 4 else image_shape
    images = images.reshape(-1, height, width)
    n = images.shape[0]
    rows = rows or int(math.ceil(math.sqrt(n)))
    cols = int(math.ceil(n / rows))
    grid = np.ones((rows * (height + pad) + pad, cols * (width + pad) + pad))
    for k in range(n):
        r, c = divmod(k, cols)
        top, left = pad + r * (height + pad), pad + c * (width + pad)
        grid[top:top + height, left:left + width] = images[k]
    return grid
