"""Unit tests of the reference generative models (cs231n_core/generative.py), on the CPU:
exact parameter counts, losses against NumPy, causality of the masks by gradients,
and a few iterations of each training loop."""
import numpy as np
import pytest
import torch

from cs231n_core import generative as gen


def softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


# --- parameter counts (CS231n's numbers) ----------------------------------------------

@pytest.mark.parametrize("build, expected", [
    (lambda: gen.discriminator(), 267009),
    (lambda: gen.generator(4), 1858320),
    (lambda: gen.generator(96), 1952528),
    (lambda: gen.build_dc_classifier(), 1102721),
    (lambda: gen.build_dc_generator(4), 6580801),
])
def test_parameter_counts_are_cs231n_s(build, expected):
    assert gen.count_params(build()) == expected


def test_gan_networks_map_shapes():
    torch.manual_seed(0)
    images = torch.rand(3, 1, 28, 28)
    assert gen.discriminator()(images).shape == (3, 1)
    assert gen.build_dc_classifier()(images).shape == (3, 1)
    assert gen.build_dc_classifier()(images.reshape(3, 784)).shape == (3, 1)
    fake = gen.generator(8)(gen.sample_noise(5, 8))
    assert fake.shape == (5, 784) and fake.abs().max() <= 1
    dc_fake = gen.build_dc_generator(8)(gen.sample_noise(5, 8))
    assert dc_fake.shape == (5, 784) and dc_fake.abs().max() <= 1


def test_discriminator_seed_makes_the_same_weights():
    a, b = gen.discriminator(seed=3), gen.discriminator(seed=3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


# --- noise and losses ------------------------------------------------------------------

def test_sample_noise_is_uniform_on_minus_one_to_one_and_seeded():
    noise = gen.sample_noise(2000, 50, seed=1)
    assert noise.shape == (2000, 50) and noise.dtype == torch.float32
    assert noise.min() >= -1 and noise.max() < 1
    assert abs(float(noise.mean())) < 0.01 and abs(float(noise.var()) - 1 / 3) < 0.01
    assert torch.equal(gen.sample_noise(4, 3, seed=7), gen.sample_noise(4, 3, seed=7))
    assert gen.sample_noise(4, 3, dtype=torch.float64).dtype == torch.float64


def test_gan_losses_match_numpy():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(9, 1)) * 3, rng.normal(size=(9, 1)) * 3
    r, f = torch.from_numpy(real), torch.from_numpy(fake)
    bce = lambda x, t: np.mean(softplus(x) - t * x)  # noqa: E731
    assert float(gen.discriminator_loss(r, f)) == pytest.approx(bce(real, 1) + bce(fake, 0), rel=1e-12)
    assert float(gen.generator_loss(f)) == pytest.approx(bce(fake, 1), rel=1e-12)
    expected_ls_d = 0.5 * np.mean((real - 1) ** 2) + 0.5 * np.mean(fake ** 2)
    assert float(gen.ls_discriminator_loss(r, f)) == pytest.approx(expected_ls_d, rel=1e-12)
    assert float(gen.ls_generator_loss(f)) == pytest.approx(0.5 * np.mean((fake - 1) ** 2), rel=1e-12)
    # the flat shape (N,) too, and the inputs' dtype kept
    assert gen.discriminator_loss(r[:, 0].float(), f[:, 0].float()).dtype == torch.float32


# --- VAE -------------------------------------------------------------------------------

def test_reparametrize_statistics_and_gradients():
    torch.manual_seed(0)
    mu = torch.randn(400, 50, dtype=torch.float64, requires_grad=True)
    logvar = (torch.rand(400, 50, dtype=torch.float64) * 4 - 2).requires_grad_()
    z = gen.reparametrize(mu, logvar)
    eps = ((z - mu) / torch.exp(0.5 * logvar)).detach()
    assert abs(float(eps.mean())) < 0.02 and abs(float(eps.std()) - 1) < 0.02
    dmu, dlogvar = torch.autograd.grad(z.sum(), [mu, logvar])
    assert torch.allclose(dmu, torch.ones_like(mu))
    assert torch.allclose(dlogvar, 0.5 * (z - mu).detach())


def test_vae_loss_matches_numpy_and_names_its_parts():
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(6, 1, 4, 4))
    x_hat = rng.uniform(0.05, 0.95, size=x.shape)
    mu, logvar = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    terms = gen.vae_loss(*[torch.from_numpy(a) for a in (x_hat, x, mu, logvar)])
    reconstruction = -np.sum(x * np.log(x_hat) + (1 - x) * np.log(1 - x_hat)) / 6
    kl = -0.5 * np.sum(1 + logvar - mu ** 2 - np.exp(logvar)) / 6
    assert float(terms.reconstruction) == pytest.approx(reconstruction, rel=1e-12)
    assert float(terms.kl) == pytest.approx(kl, rel=1e-12)
    assert float(terms.loss) == pytest.approx(reconstruction + kl, rel=1e-12)
    loss, rec, kl_term = terms  # a tuple too
    assert loss is terms.loss


def test_vae_and_cvae_shapes_and_counts():
    vae = gen.VAE(784)
    assert gen.count_params(vae) == 1288414  # CS231n's VAE(784, 15), 400 hidden units
    x = torch.rand(5, 1, 28, 28)
    x_hat, mu, logvar = vae(x)
    assert x_hat.shape == x.shape and mu.shape == (5, 15) and logvar.shape == (5, 15)
    assert float(x_hat.detach().min()) > 0 and float(x_hat.detach().max()) < 1
    cvae = gen.CVAE(784, 10)
    x_hat, mu, logvar = cvae(x, gen.one_hot(torch.arange(5), 10))
    assert x_hat.shape == x.shape and mu.shape == (5, 15)
    assert gen.count_params(cvae) == 1288414 + 10 * 400 + 10 * 400


def test_train_vae_lowers_the_negative_elbo():
    torch.manual_seed(0)
    X = (torch.rand(64, 1, 4, 4) < 0.3).float()
    model = gen.VAE(16, latent_size=2, hidden_dim=16)
    before = gen.negative_elbo(model, X, seed=0)["loss"]
    history = gen.train_vae(model, X, epochs=15, batch_size=16, learning_rate=1e-2, progress=False)
    after = gen.negative_elbo(model, X, seed=0)["loss"]
    assert len(history["loss"]) == 60 and after < before
    y = torch.arange(64) % 10
    cvae = gen.CVAE(16, 10, latent_size=2, hidden_dim=16)
    history = gen.train_vae(cvae, X, y, epochs=1, batch_size=16, progress=False)
    assert set(history) == {"loss", "reconstruction", "kl"}


# --- GAN training loop -----------------------------------------------------------------

def test_run_a_gan_takes_steps_and_keeps_samples():
    torch.manual_seed(0)
    D, G = gen.discriminator(input_size=16, hidden_dim=8), gen.generator(4, output_size=16, hidden_dim=8)
    history = gen.run_a_gan(D, G, gen.get_optimizer(D), gen.get_optimizer(G), gen.ls_discriminator_loss,
                            gen.ls_generator_loss, torch.rand(40, 1, 4, 4), num_epochs=2, batch_size=16,
                            noise_size=4, show_every=3, progress=False)
    assert len(history["d_loss"]) == 6
    assert [it for it, _ in history["samples"]] == [0, 3, 6]
    assert history["samples"][-1][1].shape == (16, 16)


# --- masked convolution and PixelCNN ----------------------------------------------------

def dependence(model, height, width, channels_in):
    """(H*W, H*W) bool: entry (p, q) is True when the output at pixel p depends on the input
    at pixel q (by gradients, one example per pixel)."""
    x = torch.randn(height * width, channels_in, height, width, dtype=torch.float64, requires_grad=True)
    out = model(x)
    dout = torch.zeros_like(out)
    for p in range(height * width):
        dout[p, :, p // width, p % width] = 1
    grad, = torch.autograd.grad((out * dout).sum(), x)
    return grad.abs().sum(dim=1).reshape(height * width, -1) > 0


@pytest.mark.parametrize("mask_type", ["A", "B"])
def test_masked_conv_is_causal_even_after_the_weights_change(mask_type):
    torch.manual_seed(0)
    conv = gen.MaskedConv2d(2, 3, 5, mask_type).double()
    with torch.no_grad():
        conv.weight.copy_(torch.randn_like(conv.weight))  # dense: the forward pass must mask
    depends = dependence(conv, 5, 6, 2).numpy()
    order = np.arange(30)
    earlier = order[None, :] < order[:, None] if mask_type == "A" else order[None, :] <= order[:, None]
    rows, cols = np.divmod(order, 6)
    window = (np.abs(rows[None, :] - rows[:, None]) <= 2) & (np.abs(cols[None, :] - cols[:, None]) <= 2)
    assert np.array_equal(depends, earlier & window)
    assert gen.count_params(conv) == 3 * 2 * 25 + 3  # the mask is a buffer
    assert "mask" in dict(conv.named_buffers())


def test_masked_conv_refuses_bad_arguments():
    with pytest.raises(ValueError, match="mask_type"):
        gen.MaskedConv2d(1, 1, 3, "C")
    with pytest.raises(ValueError, match="odd"):
        gen.MaskedConv2d(1, 1, 4, "A")


def test_pixelcnn_is_causal_and_samples_binary_images():
    torch.manual_seed(0)
    model = gen.PixelCNN(hidden_channels=8, num_layers=2).double()
    depends = dependence(model, 5, 5, 1).numpy()
    order = np.arange(25)
    assert not depends[order[None, :] >= order[:, None]].any()
    samples = model.sample(4, (5, 5))
    assert samples.shape == (4, 1, 5, 5) and set(samples.unique().tolist()) <= {0.0, 1.0}
    assert model.training  # left in its mode
    X = (torch.rand(32, 1, 5, 5) < 0.5).double()
    history = gen.train_pixelcnn(model, X, epochs=1, batch_size=16, progress=False)
    assert len(history["loss"]) == 2


def test_pixelcnn_sample_is_calibrated():
    """The drawn pixels are Bernoulli draws with the probabilities the network gives them
    in the context of the finished sample (the graders' check, here on the reference)."""
    torch.manual_seed(1)
    model = gen.PixelCNN(hidden_channels=8, num_layers=2, first_kernel_size=5).double()
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(3)
    samples = model.sample(300, (5, 5))
    with torch.no_grad():
        p = torch.sigmoid(model(samples)).flatten().numpy()
    x = samples.flatten().numpy()
    assert abs(x.sum() - p.sum()) <= 5 * np.sqrt(np.sum(p * (1 - p)))


def test_image_grid_tiles_images():
    grid = gen.image_grid(np.zeros((5, 16)), image_shape=(4, 4))
    assert grid.shape == (3 * 5 + 1, 2 * 5 + 1)  # 3 rows of 2
    assert gen.image_grid(torch.zeros(4, 1, 4, 4)).shape == (11, 11)


def test_pixelcnn_loss_is_the_bce_per_image():
    logits, x = torch.zeros(2, 1, 3, 3), torch.ones(2, 1, 3, 3)
    assert float(gen.pixelcnn_loss(logits, x)) == pytest.approx(9 * np.log(2))
