"""Hidden graders of the variational autoencoders (assignment 3, generative models: 7 of
100 points).

Raw points: one per check, scaled to SECTION_WEIGHT.

reparametrize is random: its draws are judged by their statistics (the noise recovered
as (z - mu) / sigma must look standard normal and independent, whatever logvar is),
exactly where sigma vanishes (z = mu within 1e-4), and by its gradients, which do not
depend on the draw: dz/dmu = 1, dz/dlogvar = (z - mu) / 2. vae_loss's three values are
compared with a NumPy reference within 1e-7 (relative, float64), its gradients within
1e-10. The VAE and CVAE are built in the worker; their weights come back, and the
encoder's outputs and the decoder's means are recomputed here in NumPy (the decoder's
alone once the worker has set the log variance to -60, which makes z = mu). A small VAE
is trained in the worker with the given train_vae on binarized handwritten digits, and its
negative ELBO on held-out digits is computed here from its weights.
"""
import numpy as np
import pytest

from autograder.graders.graded import graded_on_shared
from autograder.trusted.expect import (GradingFailure, expect_array, expect_count, expect_gradients, expect_near,
                                      expect_scalar, wrong)
from autograder.trusted.activations import relu
from autograder.trusted.digits import load_digits
from autograder.trusted.torch_steps import Probes, seed_of, state_arrays

from .gen_common import (GEN, DETACHING, F64_TOL, LOSS_TOL, expect_layer_shapes,
                         linear_layers, mlp, sigmoid)

SECTION_WEIGHT = 7
WORKER_PRELOAD = ("torch",)  # its checks import torch: the zygote imports it once per run

# --- reparametrize -------------------------------------------------------------------

def reparametrize_problem(rng):
    n, z_dim = int(rng.integers(500, 600)), int(rng.integers(200, 260))
    mu = rng.normal(size=(n, z_dim)) * 2.0
    logvar = rng.uniform(-3.0, 2.0, size=(n, z_dim))
    small = (int(rng.integers(6, 12)), int(rng.integers(3, 8)))
    g_mu, g_logvar = rng.normal(size=small), rng.uniform(-2.0, 1.0, size=small)
    dout = rng.normal(size=small)
    flat_mu = rng.normal(size=small)
    probes = Probes()
    probes.seed(seed_of(rng))
    probes.function(GEN + "reparametrize", mu, logvar, save="z")
    probes.function(GEN + "reparametrize", flat_mu, np.full(small, -40.0), save="z_flat")
    probes.function(GEN + "reparametrize", mu[:4].astype(np.float32), logvar[:4].astype(np.float32), save="z32")
    probes.function(GEN + "reparametrize", g_mu, g_logvar, save="g_z", grads="grads", dout=dout)
    return probes.problem({"mu": mu, "logvar": logvar, "flat_mu": flat_mu, "g": (g_mu, g_logvar, dout)})


def expect_standard_normal(eps, what):
    """eps (N, Z) looks like independent standard normal draws."""
    values = eps.ravel()
    size = values.size
    if not abs(values.mean()) <= 5.0 / np.sqrt(size):
        raise wrong(eps, "%s: the noise (z - mu) / sigma has mean far from 0" % what, what)
    if not abs(values.std() - 1.0) <= 5.0 / np.sqrt(2.0 * size):
        raise wrong(eps, "%s: the noise (z - mu) / sigma has standard deviation %.3f, expected 1 "
                    "(is sigma = exp(logvar / 2)?)" % (what, values.std()), what)
    for bound, share in ((1.0, 0.682689), (2.0, 0.954500)):
        inside = float(np.mean(np.abs(values) <= bound))
        if not abs(inside - share) <= 5.0 * np.sqrt(share * (1 - share) / size):
            raise wrong(eps, "%s: %.2f%% of the noise lies within %g of 0, expected %.2f%% for a standard "
                        "normal draw (torch.randn_like)" % (what, 100 * inside, bound, 100 * share), what)
    n, z_dim = eps.shape
    if not (eps.mean(axis=0).std() <= 2.0 / np.sqrt(n) and eps.mean(axis=1).std() <= 2.0 / np.sqrt(z_dim)):
        raise wrong(eps, "%s: the noise repeats across examples or latent variables; draw one "
                    "value per entry (the shape of mu)" % what, what)


@pytest.mark.target("reparametrize")
@pytest.mark.points(1)
def test_reparametrize_statistics(shared):
    """z = mu + sigma * epsilon: epsilon standard normal and independent per entry, for small and large variances; z = mu where sigma vanishes"""
    result, context = shared.get("reparametrize", reparametrize_problem)
    mu, logvar = context["mu"], context["logvar"]
    what = "reparametrize(mu, logvar) on %d x %d values" % mu.shape
    expect_array(result["z"], mu.shape, what)
    eps = (result["z"] - mu) / np.exp(0.5 * logvar)
    expect_standard_normal(eps, what)
    low = logvar < 0.0
    for part, name in ((low, "negative"), (~low, "positive")):
        std = eps[part].std()
        if not abs(std - 1.0) <= 5.0 / np.sqrt(2.0 * part.sum()):
            raise wrong(eps, "%s: where logvar is %s, (z - mu) / sigma has standard deviation %.3f, "
                        "expected 1 (sigma = sqrt(exp(logvar)))" % (what, name, std), what)
    expect_near(result["z_flat"], context["flat_mu"], 1e-4, "reparametrize with logvar = -40 (z = mu)")
    if result["z32"].dtype != np.float32:
        raise wrong("dtype %s" % result["z32"].dtype, "reparametrize on float32 inputs returned %s"
                    % result["z32"].dtype, "reparametrize on float32 inputs")


@pytest.mark.target("reparametrize")
@pytest.mark.points(1)
def test_reparametrize_gradients(shared):
    """gradients reach mu (dz/dmu = 1) and logvar (dz/dlogvar = (z - mu) / 2)"""
    result, context = shared.get("reparametrize", reparametrize_problem)
    g_mu, g_logvar, dout = context["g"]
    z = result["g_z"]
    expect_array(z, g_mu.shape, "reparametrize's z")
    expect_gradients(result["grads"], [dout, 0.5 * (z - g_mu) * dout], ["mu", "logvar"], "reparametrize",
                     F64_TOL, detaching=DETACHING)


# --- vae_loss ------------------------------------------------------------------------

def vae_loss_inputs(rng):
    n, side, z_dim = int(rng.integers(5, 12)), int(rng.integers(4, 7)), int(rng.integers(3, 8))
    x = rng.uniform(0, 1, size=(n, 1, side, side))
    x[: n // 2] = np.round(x[: n // 2])  # binary images and grey ones
    x_hat = rng.uniform(0.02, 0.98, size=x.shape)
    return x_hat, x, rng.normal(size=(n, z_dim)), rng.uniform(-2.0, 1.5, size=(n, z_dim))


def vae_loss_reference(x_hat, x, mu, logvar):
    n = x.shape[0]
    reconstruction = -np.sum(x * np.log(x_hat) + (1 - x) * np.log(1 - x_hat)) / n
    kl = -0.5 * np.sum(1 + logvar - mu ** 2 - np.exp(logvar)) / n
    return reconstruction + kl, reconstruction, kl


def vae_loss_problem(rng):
    values = vae_loss_inputs(rng)
    probes = Probes()
    probes.attributes(probes.function(GEN + "vae_loss", *values), ["loss", "reconstruction", "kl"])
    grads = vae_loss_inputs(rng)  # x_hat, x, mu, logvar: the gradients of all but x
    probes.function(GEN + "vae_loss", *grads, grads="grads", wrt=(0, 2, 3), of="loss")
    return probes.problem({"values": values, "grads": grads})


@pytest.mark.target("vae_loss")
@pytest.mark.points(1)
def test_vae_loss_values(shared):
    """the negative ELBO and its two named parts (reconstruction, kl), averaged over the minibatch"""
    result, context = shared.get("vae_loss", vae_loss_problem)
    x_hat, x, mu, logvar = context["values"]
    loss, reconstruction, kl = vae_loss_reference(x_hat, x, mu, logvar)
    what = "vae_loss on %d images %s and %d latent variables" % (x.shape[0], x.shape[1:], mu.shape[1])
    expect_scalar(result["reconstruction"], reconstruction, LOSS_TOL, what + ": the reconstruction term")
    expect_scalar(result["kl"], kl, LOSS_TOL, what + ": the KL term")
    expect_scalar(result["loss"], loss, LOSS_TOL, what + ": the loss")


@pytest.mark.target("vae_loss")
@pytest.mark.points(1)
def test_vae_loss_gradients(shared):
    """autograd's gradients of the loss with respect to x_hat, mu and logvar"""
    result, context = shared.get("vae_loss", vae_loss_problem)
    x_hat, x, mu, logvar = context["grads"]
    n = x.shape[0]
    expected = [(x_hat - x) / (x_hat * (1 - x_hat)) / n, mu / n, -0.5 * (1 - np.exp(logvar)) / n]
    expect_gradients(result["grads"], expected, ["x_hat", "mu", "logvar"], "vae_loss", F64_TOL,
                     detaching=DETACHING)


# --- VAE and CVAE --------------------------------------------------------------------

def vae_count(size, latent, hidden, classes=0):
    encoder = (size + classes) * hidden + hidden + 2 * (hidden * hidden + hidden)
    heads = 2 * (hidden * latent + latent)
    decoder = (latent + classes) * hidden + hidden + 2 * (hidden * hidden + hidden) + hidden * size + size
    return encoder + heads + decoder


def vae_groups(state, what, size, latent, hidden, classes=0):
    """The fully connected layers of encoder, mu_layer, logvar_layer and decoder."""
    groups = {}
    expected = {"encoder.": [(hidden, size + classes), (hidden, hidden), (hidden, hidden)],
                "mu_layer.": [(latent, hidden)], "logvar_layer.": [(latent, hidden)],
                "decoder.": [(hidden, latent + classes), (hidden, hidden), (hidden, hidden), (size, hidden)]}
    for prefix, shapes in expected.items():
        groups[prefix] = linear_layers(state, prefix, what)
        expect_layer_shapes(groups[prefix], shapes, "%s's %s" % (what, prefix[:-1]))
    return groups


def encode(groups, x_flat):
    hidden = mlp(x_flat, groups["encoder."], relu, relu)
    (wm, bm), (wl, bl) = groups["mu_layer."][0], groups["logvar_layer."][0]
    return hidden @ wm.T + bm, hidden @ wl.T + bl


def decode(groups, z):
    return mlp(z, groups["decoder."], relu, sigmoid)


def vae_problem(conditional):
    name = "CVAE" if conditional else "VAE"

    def build(rng):
        height, width = int(rng.integers(4, 7)), int(rng.integers(4, 7))
        size, latent, hidden = height * width, int(rng.integers(3, 7)), int(rng.integers(12, 20))
        classes = int(rng.integers(3, 6)) if conditional else 0
        n = int(rng.integers(5, 9))
        x = rng.uniform(0, 1, size=(n, 1, height, width))
        labels = rng.integers(0, max(classes, 1), n)
        args = [size, classes, latent, hidden] if conditional else [size, latent, hidden]
        default = [784, 10] if conditional else [784]
        probes = Probes()
        probes.seed(seed_of(rng))
        probes.module(GEN + name, *default, count="default_count")
        model = probes.module(GEN + name, *args, count="count", state="state")
        probes.function(model.name + ".double")
        inputs = [probes.tensor(x)] + ([probes.tensor(np.eye(classes)[labels])] if conditional else [])
        probes.forward(model, *inputs, save="out")
        probes.forward(model, *inputs, save="out_again")
        probes.function(model.name + ".logvar_layer.weight.data.zero_")
        probes.function(model.name + ".logvar_layer.bias.data.fill_", -60.0)
        probes.forward(model, *inputs, save="out_flat")
        return probes.problem({"x": x, "labels": labels, "size": size, "latent": latent, "hidden": hidden,
                               "classes": classes})
    return build


def vae_description(context, conditional):
    if conditional:
        return "CVAE(%d, %d, %d, %d)" % (context["size"], context["classes"], context["latent"], context["hidden"])
    return "VAE(%d, %d, %d)" % (context["size"], context["latent"], context["hidden"])


def check_vae_layers(shared, conditional):
    name = "CVAE" if conditional else "VAE"
    result, context = shared.get(name, vae_problem(conditional))
    expect_count(result["default_count"], vae_count(784, 15, 400, 10 if conditional else 0),
                 "%s(784%s)" % (name, ", 10" if conditional else ""))
    what = vae_description(context, conditional)
    size, latent, hidden, classes = (context[k] for k in ("size", "latent", "hidden", "classes"))
    expect_count(result["count"], vae_count(size, latent, hidden, classes), what)
    vae_groups(state_arrays(result["state"], what), what, size, latent, hidden, classes)


def expect_triple(out, what):
    if not isinstance(out, tuple) or len(out) != 3:
        raise wrong(out, "%s: forward must return (x_hat, mu, logvar)" % what, what)
    return out


def check_vae_forward(shared, conditional):
    name = "CVAE" if conditional else "VAE"
    result, context = shared.get(name, vae_problem(conditional))
    what = vae_description(context, conditional)
    size, latent, hidden, classes = (context[k] for k in ("size", "latent", "hidden", "classes"))
    groups = vae_groups(state_arrays(result["state"], what), what, size, latent, hidden, classes)
    x = context["x"]
    n = x.shape[0]
    x_flat = x.reshape(n, -1)
    c = np.eye(classes)[context["labels"]] if conditional else np.zeros((n, 0))
    mu, logvar = encode(groups, np.concatenate([x_flat, c], axis=1))
    x_hat, got_mu, got_logvar = expect_triple(result["out"], what)
    expect_near(got_mu, mu, F64_TOL, what + ": mu of the forward pass")
    expect_near(got_logvar, logvar, F64_TOL, what + ": logvar of the forward pass")
    expect_array(x_hat, x.shape, what + ": x_hat (the shape of x)")
    if not (np.all(x_hat > 0) and np.all(x_hat < 1)):
        raise wrong(x_hat, "%s: x_hat must lie in (0, 1) (a sigmoid at the decoder's end)" % what, what)
    x_hat_again = expect_triple(result["out_again"], what)[0]
    expect_array(x_hat_again, x.shape, what + ": x_hat of a second forward pass")
    if np.array_equal(x_hat, x_hat_again):
        raise wrong(x_hat, "%s: two forward passes on the same x gave the same x_hat: decode a z "
                    "drawn with reparametrize, not mu" % what, what)
    x_hat_flat, _, logvar_flat = expect_triple(result["out_flat"], what)
    expect_near(logvar_flat, np.full_like(logvar, -60.0), F64_TOL,
                what + ": logvar once logvar_layer's weight is 0 and its bias -60")
    expected = decode(groups, np.concatenate([mu, c], axis=1)).reshape(x.shape)
    expect_near(x_hat_flat, expected, 1e-8, what + ": x_hat when sigma is negligible (z = mu), "
                "the decoder's means")


test_vae_layers = graded_on_shared("VAE", 0.5, "encoder (3 linear + ReLU), mu_layer, logvar_layer and decoder "
                                   "(4 linear, sigmoid): parameter counts and shapes", check_vae_layers, False)
test_vae_forward = graded_on_shared("VAE", 1, "forward returns (x_hat, mu, logvar): mu and logvar from the encoder, "
                                    "x_hat decoded from z of x's shape", check_vae_forward, False)
test_cvae_layers = graded_on_shared("CVAE", 0.5, "the conditional VAE's layers see the one-hot label: parameter "
                                    "counts and shapes", check_vae_layers, True)
test_cvae_forward = graded_on_shared("CVAE", 0.5, "forward(x, c) encodes [x, c] and decodes [z, c]: mu, logvar and "
                                     "x_hat", check_vae_forward, True)


# --- a VAE trained in the worker ------------------------------------------------------

TRAIN = {"latent": 4, "hidden": 64, "epochs": 20, "batch": 32, "lr": 3e-3, "train": 1200}
# Binarized 8x8 digits: the reference reaches a held-out negative ELBO of 22.1 to 22.5 nats
# (3 random splits and seeds, 1.6 s of CPU); the mean training image scores 24.2 to 24.5.
MAX_NEGATIVE_ELBO = 23.3
ELBO_SAMPLES = 8


def vae_train_problem(rng):
    pixels, _ = load_digits()
    order = rng.permutation(len(pixels))
    images = (pixels > 8.0).astype(np.float64).reshape(-1, 1, 8, 8)  # binarized
    train, held_out = images[order[:TRAIN["train"]]], images[order[TRAIN["train"]:]]
    probes = Probes()
    probes.seed(seed_of(rng))
    model = probes.module(GEN + "VAE", 64, TRAIN["latent"], TRAIN["hidden"])
    probes.function(GEN + "train_vae", model, train.astype(np.float32), epochs=TRAIN["epochs"], batch_size=TRAIN["batch"],
                    learning_rate=TRAIN["lr"], seed=seed_of(rng), progress=False, as_tensors=False)
    probes.state(model, "state")
    return probes.problem({"held_out": held_out, "eps_seed": seed_of(rng)})


def negative_elbo(groups, x, rng, samples):
    """The negative ELBO per example (nats) of images x (N, 1, H, W) in [0, 1],
    averaged over `samples` draws of z per example."""
    x_flat = x.reshape(len(x), -1)
    mu, logvar = encode(groups, x_flat)
    kl = -0.5 * np.sum(1 + logvar - mu ** 2 - np.exp(logvar), axis=1)
    reconstruction = np.zeros(len(x))
    for _ in range(samples):
        z = mu + np.exp(0.5 * logvar) * rng.normal(size=mu.shape)
        x_hat = decode(groups, z)
        with np.errstate(divide="ignore"):  # log(0) is clamped at -100, as torch does
            log_p = x_flat * np.maximum(np.log(x_hat), -100) + (1 - x_flat) * np.maximum(np.log1p(-x_hat), -100)
        reconstruction -= log_p.sum(axis=1) / samples
    return float(np.mean(reconstruction + kl))


@pytest.mark.target("VAE")
@pytest.mark.points(1.5)
def test_vae_trained_on_digits(shared):
    """a small VAE trained with train_vae on handwritten digits: its held-out negative ELBO is below the threshold"""
    try:  # a VAE whose layers or forward pass are wrong is not worth a training run
        check_vae_layers(shared, conditional=False)
        check_vae_forward(shared, conditional=False)
    except GradingFailure:  # the code's own errors (not implemented yet, ...) show as they are
        raise GradingFailure("VAE: not trained on digits until its layers and forward pass are right "
                             "(see the checks above)") from None
    result, context = shared.get("VAE training", vae_train_problem)
    what = "VAE(64, %d, %d) trained on 8x8 digits" % (TRAIN["latent"], TRAIN["hidden"])
    groups = vae_groups(state_arrays(result["state"], what), what, 64, TRAIN["latent"], TRAIN["hidden"])
    value = negative_elbo(groups, context["held_out"], np.random.default_rng(context["eps_seed"]), ELBO_SAMPLES)
    if not value <= MAX_NEGATIVE_ELBO:
        raise wrong(value, "%s: the negative ELBO on held-out digits is %.2f nats, above the %.1f "
                    "that the reference stays below" % (what, value, MAX_NEGATIVE_ELBO), what)
