"""Hidden graders of the GANs (assignment 3, generative models: 10 of 100 points).

Raw points: one per check, scaled to SECTION_WEIGHT.

The losses are compared with NumPy references within 1e-7 (relative, float64), their
gradients (autograd in the worker) within 1e-10; the networks' parameter counts are
exact (CS231n's configurations and random small ones), and their forward passes are
recomputed here in NumPy (convolutions and pooling by the instructor's fast layers) from
the weights the worker sends back. A small GAN built from the submission's own
generator, discriminator, losses and noise is trained in the worker on handwritten
digits; its samples are judged here by a digit classifier
that never leaves this process: they must look like digits to it (confident) and
cover all ten classes.
"""
import numpy as np
import pytest

from autograder.graders.graded import graders_on_shared
from autograder.trusted.expect import (GradingFailure, expect_array, expect_at_least, expect_count,
                                      expect_gradients, expect_near, expect_scalar, wrong)
from autograder.trusted.activations import relu
from autograder.trusted.digits import load_digits
from autograder.trusted.torch_steps import Probes, seed_of, state_arrays
from cs231n_core.fast_layers import conv_forward_fast, max_pool_forward_fast

from .gen_common import (GEN, DETACHING, F64_TOL, LOSS_TOL, expect_layer_shapes, leaky_relu, linear_layers, mlp, sigmoid, softplus)

SECTION_WEIGHT = 10
WORKER_PRELOAD = ("torch",)  # its checks import torch: the zygote imports it once per run
F32_LOSS_TOL = 1e-5  # float32 losses: their own rounding is about 1e-7 relative, summed over a batch


# --- the losses ----------------------------------------------------------------------

def bce_mean(logits, target):
    return float(np.mean(softplus(logits) - target * logits))


LOSSES = {
    # name: (arguments, loss(*args), gradients(*args), what the checks of its values and
    # of its gradients test)
    "discriminator_loss": (("logits_real", "logits_fake"),
                           lambda r, f: bce_mean(r, 1.0) + bce_mean(f, 0.0),
                           lambda r, f: [(sigmoid(r) - 1.0) / r.size, sigmoid(f) / f.size],
                           ("the loss matches the reference on logits (N, 1) in float64 and (N,) in float32",
                            "autograd's gradients with respect to both logits match the reference")),
    "generator_loss": (("logits_fake",),
                       lambda f: bce_mean(f, 1.0),
                       lambda f: [(sigmoid(f) - 1.0) / f.size],
                       ("the loss matches the reference on logits (N, 1) in float64 and (N,) in float32",
                        "autograd's gradient with respect to the logits matches the reference")),
    "ls_discriminator_loss": (("scores_real", "scores_fake"),
                              lambda r, f: 0.5 * np.mean((r - 1.0) ** 2) + 0.5 * np.mean(f ** 2),
                              lambda r, f: [(r - 1.0) / r.size, f / f.size],
                              ("the least-squares loss matches the reference on scores (N, 1) and (N,)",
                               "autograd's gradients with respect to both scores match the reference")),
    "ls_generator_loss": (("scores_fake",),
                          lambda f: 0.5 * np.mean((f - 1.0) ** 2),
                          lambda f: [(f - 1.0) / f.size],
                          ("the least-squares loss matches the reference on scores (N, 1) and (N,)",
                           "autograd's gradient with respect to the scores matches the reference")),
}


def loss_problem(name):
    """Three cases: logits (N, 1) in float64, logits (N,) in float32, and the gradients
    of a float64 case (N, 1). Real logits lean positive and fake ones negative, as a
    trained discriminator's do, with a spread that reaches the sigmoid's flat parts."""
    arg_names = LOSSES[name][0]

    def build(rng):
        n = [int(rng.integers(8, 40)) for _ in range(3)]
        shapes = [(n[0], 1), (n[1],), (n[2], 1)]
        dtypes = [np.float64, np.float32, np.float64]
        cases = []
        for shape, dtype in zip(shapes, dtypes):
            args = [(rng.normal(size=shape) * 2.5 + (1.0 if "real" in arg else -1.0)).astype(dtype)
                    for arg in arg_names]
            cases.append(args)
        probes = Probes()
        for i, args in enumerate(cases[:2]):
            probes.function(GEN + name, *args, save="loss%d" % i)
        probes.function(GEN + name, *cases[2], grads="grads")
        return probes.problem(cases)
    return build


def check_loss_values(shared, name):
    result, cases = shared.get(name, loss_problem(name))
    reference = LOSSES[name][1]
    for i, tol in ((0, LOSS_TOL), (1, F32_LOSS_TOL)):
        args = cases[i]
        expected = reference(*[a.astype(np.float64) for a in args])
        what = "%s on %s of shape %s" % (name, args[0].dtype, args[0].shape)
        expect_scalar(result["loss%d" % i], expected, tol, what)
        if np.asarray(result["loss%d" % i]).dtype != args[0].dtype:
            got = np.asarray(result["loss%d" % i]).dtype
            raise wrong("dtype %s" % got, "%s: the loss has dtype %s, expected the inputs' dtype %s (make the "
                        "targets with torch.ones_like / torch.zeros_like)" % (what, got, args[0].dtype), what)


def check_loss_gradients(shared, name):
    result, cases = shared.get(name, loss_problem(name))
    args = cases[2]
    expect_gradients(result["grads"], LOSSES[name][2](*args), list(LOSSES[name][0]), name, F64_TOL,
                     detaching=DETACHING)


globals().update(graders_on_shared({name: whats for name, (*_, whats) in LOSSES.items()},
                                   [("values", 0.5, check_loss_values), ("gradients", 0.5, check_loss_gradients)]))


# --- sample_noise --------------------------------------------------------------------

def sample_noise_problem(rng):
    n, dim = int(rng.integers(3000, 4000)), int(rng.integers(40, 60))
    small = (int(rng.integers(5, 9)), int(rng.integers(3, 6)))
    seed = seed_of(rng)
    probes = Probes()
    probes.seed(seed_of(rng))
    probes.function(GEN + "sample_noise", n, dim, save="noise")
    probes.function(GEN + "sample_noise", *small, dtype=probes.attribute("torch:float64"), save="noise64")
    probes.function(GEN + "sample_noise", *small, seed=seed, save="seeded")
    probes.function(GEN + "sample_noise", *small, save="after")
    probes.function(GEN + "sample_noise", *small, seed=seed, save="again")
    probes.seed(seed)
    probes.function("torch:rand", *small, save="uniform")
    return probes.problem({"shape": (n, dim), "small": small})


def expect_noise_array(value, shape, dtype, what):
    expect_array(value, shape, what)
    if value.dtype != np.dtype(dtype):
        raise wrong("dtype %s" % value.dtype,
                    "%s: dtype %s, expected %s" % (what, value.dtype, np.dtype(dtype).name), what)
    if not (value.min() >= -1.0 and value.max() <= 1.0):
        raise wrong(value, "%s: values outside [-1, 1]" % what, what)


@pytest.mark.target("sample_noise")
@pytest.mark.points(0.5)
def test_sample_noise_uniform(shared):
    """noise of shape (N, dim), float32, uniform over [-1, 1): range, moments, histogram, independence"""
    result, context = shared.get("sample_noise", sample_noise_problem)
    (n, dim), what = context["shape"], "sample_noise(%d, %d)" % context["shape"]
    noise = result["noise"]
    expect_noise_array(noise, (n, dim), np.float32, what)
    values = noise.astype(np.float64).ravel()
    size = values.size
    if not (values.min() < -0.99 and values.max() > 0.99):
        raise wrong(noise, "%s: the values do not reach both ends of [-1, 1)" % what, what)
    if not abs(values.mean()) <= 5 * np.sqrt(1 / 3 / size):
        raise wrong(noise, "%s: the mean is far from 0, the middle of [-1, 1)" % what, what)
    if not abs(values.var() - 1 / 3) <= 5 * np.sqrt(4 / 45 / size):
        raise wrong(noise, "%s: the variance is far from 1/3, that of a uniform draw from [-1, 1)" % what, what)
    counts = np.histogram(values, bins=10, range=(-1.0, 1.0))[0]
    if not np.all(np.abs(counts - size / 10) <= 6 * np.sqrt(size * 0.09)):
        raise wrong(noise, "%s: the histogram of the values is not flat; draw with torch.rand" % what, what)
    column_means = noise.astype(np.float64).mean(axis=0)
    row_means = noise.astype(np.float64).mean(axis=1)
    if not (column_means.std() <= 2 * np.sqrt(1 / 3 / n) and row_means.std() <= 2 * np.sqrt(1 / 3 / dim)):
        raise wrong(noise, "%s: the entries are not independent (rows or columns repeat)" % what, what)


@pytest.mark.target("sample_noise")
@pytest.mark.points(0.5)
def test_sample_noise_seed_and_dtype(shared):
    """with a seed: reproducible, torch.rand's draws rescaled; dtype=torch.float64 is honoured"""
    result, context = shared.get("sample_noise", sample_noise_problem)
    small = context["small"]
    what = "sample_noise(%d, %d, seed=...)" % small
    expect_noise_array(result["noise64"], small, np.float64, "sample_noise(%d, %d, dtype=torch.float64)" % small)
    expect_noise_array(result["seeded"], small, np.float32, what)
    if not np.array_equal(result["seeded"], result["again"]):
        raise wrong((result["seeded"], result["again"]), "%s: two calls with the same seed differ" % what, what)
    if np.array_equal(result["seeded"], result["after"]):
        raise wrong(result["after"], "sample_noise: a call without a seed repeated the previous noise",
                    "a call without a seed")
    expect_near(result["seeded"], 2.0 * result["uniform"].astype(np.float64) - 1.0, 1e-6,
                what + ": torch.rand's numbers for that seed, rescaled to [-1, 1)")


# --- the fully connected discriminator and generator ----------------------------------

def discriminator_problem(rng):
    height, width, hidden = int(rng.integers(5, 8)), int(rng.integers(5, 8)), int(rng.integers(12, 20))
    x = rng.normal(size=(int(rng.integers(4, 8)), 1, height, width))
    probes = Probes()
    probes.module(GEN + "discriminator", seed=seed_of(rng), count="default_count")
    small = probes.module(GEN + "discriminator", seed=seed_of(rng), input_size=height * width, hidden_dim=hidden,
                          count="small_count", state="state")
    probes.forward(small, x, save="logits", dtype="double")
    probes.forward(small, x.reshape(x.shape[0], -1), save="logits_rows")
    return probes.problem({"x": x, "size": height * width, "hidden": hidden})


@pytest.mark.target("discriminator")
@pytest.mark.points(0.5)
def test_discriminator_parameter_count(shared):
    """CS231n's discriminator has 267,009 parameters; smaller ones are sized by input_size and hidden_dim"""
    result, context = shared.get("discriminator", discriminator_problem)
    expect_count(result["default_count"], 267009, "discriminator()")
    size, hidden = context["size"], context["hidden"]
    expect_count(result["small_count"], size * hidden + hidden + hidden * hidden + hidden + hidden + 1,
                 "discriminator(input_size=%d, hidden_dim=%d)" % (size, hidden))


@pytest.mark.target("discriminator")
@pytest.mark.points(0.5)
def test_discriminator_forward(shared):
    """logits of images and of rows: linear - LeakyReLU(0.01) - linear - LeakyReLU(0.01) - linear"""
    result, context = shared.get("discriminator", discriminator_problem)
    x, size, hidden = context["x"], context["size"], context["hidden"]
    what = "discriminator(input_size=%d, hidden_dim=%d)" % (size, hidden)
    layers = linear_layers(state_arrays(result["state"], what), "", what)
    expect_layer_shapes(layers, [(hidden, size), (hidden, hidden), (1, hidden)], what)
    expected = mlp(x.reshape(len(x), -1), layers, leaky_relu, lambda v: v)
    expect_near(result["logits"], expected, F64_TOL, what + "'s logits of images (N, 1, H, W)")
    expect_near(result["logits_rows"], expected, F64_TOL, what + "'s logits of rows (N, H * W)")


def generator_problem(rng):
    noise_dim, size, hidden = int(rng.integers(3, 9)), int(rng.integers(30, 50)), int(rng.integers(16, 24))
    z = rng.uniform(-1, 1, size=(int(rng.integers(4, 8)), noise_dim))
    probes = Probes()
    for dim in (4, 96):
        probes.module(GEN + "generator", dim, seed=seed_of(rng), count="count%d" % dim)
    small = probes.module(GEN + "generator", noise_dim, seed=seed_of(rng), output_size=size, hidden_dim=hidden,
                          count="small_count", state="state")
    probes.forward(small, z, save="images", dtype="double")
    return probes.problem({"z": z, "size": size, "hidden": hidden})


@pytest.mark.target("generator")
@pytest.mark.points(0.5)
def test_generator_parameter_count(shared):
    """CS231n's generator: 1,858,320 parameters for noise dimension 4, 1,952,528 for 96; small ones sized by their arguments"""
    result, context = shared.get("generator", generator_problem)
    expect_count(result["count4"], 1858320, "generator(4)")
    expect_count(result["count96"], 1952528, "generator(96)")
    z, size, hidden = context["z"], context["size"], context["hidden"]
    d = z.shape[1]
    expect_count(result["small_count"], d * hidden + hidden + hidden * hidden + hidden + hidden * size + size,
                 "generator(%d, output_size=%d, hidden_dim=%d)" % (d, size, hidden))


@pytest.mark.target("generator")
@pytest.mark.points(0.5)
def test_generator_forward(shared):
    """images of noise: linear - ReLU - linear - ReLU - linear - TanH"""
    result, context = shared.get("generator", generator_problem)
    z, size, hidden = context["z"], context["size"], context["hidden"]
    what = "generator(%d, output_size=%d, hidden_dim=%d)" % (z.shape[1], size, hidden)
    layers = linear_layers(state_arrays(result["state"], what), "", what)
    expect_layer_shapes(layers, [(hidden, z.shape[1]), (hidden, hidden), (size, hidden)], what)
    expect_near(result["images"], mlp(z, layers, relu, np.tanh), F64_TOL, what + "'s images")


# --- a GAN trained in the worker, judged by a digit classifier kept here --------------

# The GAN of the check: the submission's generator and discriminator on the 8x8 digits
# (64 pixels), trained with its own losses and noise by the given run_a_gan.
GAN = {"noise_dim": 64, "g_hidden": 256, "d_hidden": 128, "batch": 64, "epochs": 1000,
       "max_iterations": 1000, "lr": 2e-3, "samples": 1000, "train": 1200}
# Calibrated on the reference over 21 random splits and seeds (3.5 s of CPU each): the
# classifier's mean confidence on the samples is 0.72 to 0.80 (0.90 on real digits), and
# the rarest digit makes 0.6% to 6.5% of the samples (real digits: about 9%).
MIN_CONFIDENCE = 0.6
MIN_CLASS_SHARE = 0.003


def softmax_classifier(X, y, reg=1e-4, steps=1000, learning_rate=1.0):
    """Multinomial logistic regression on standardized pixels, by full-batch gradient
    descent: (predict_proba function). Trained here on digits the worker never sees."""
    mean, std = X.mean(axis=0), X.std(axis=0) + 1.0
    Z = (X - mean) / std
    W, b = np.zeros((Z.shape[1], 10)), np.zeros(10)
    targets = np.eye(10)[y]
    for _ in range(steps):
        scores = Z @ W + b
        scores -= scores.max(axis=1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=1, keepdims=True)
        dscores = (probs - targets) / len(y)
        W -= learning_rate * (Z.T @ dscores + reg * W)
        b -= learning_rate * dscores.sum(axis=0)

    def predict_proba(images):
        scores = ((images - mean) / std) @ W + b
        scores -= scores.max(axis=1, keepdims=True)
        probs = np.exp(scores)
        return probs / probs.sum(axis=1, keepdims=True)
    return predict_proba


def gan_problem(rng):
    pixels, labels = load_digits()
    order = rng.permutation(len(labels))
    train, held_out = order[:GAN["train"]], order[GAN["train"]:]
    X = pixels[train] / 16.0
    z = rng.uniform(-1, 1, size=(GAN["samples"], GAN["noise_dim"]))
    probes = Probes()
    probes.seed(seed_of(rng))
    D = probes.module(GEN + "discriminator", input_size=64, hidden_dim=GAN["d_hidden"])
    G = probes.module(GEN + "generator", GAN["noise_dim"], output_size=64, hidden_dim=GAN["g_hidden"])
    solvers = [probes.function(GEN + "get_optimizer", net, learning_rate=GAN["lr"]) for net in (D, G)]
    losses = [probes.attribute(GEN + loss) for loss in ("discriminator_loss", "generator_loss")]
    probes.function(GEN + "run_a_gan", D, G, *solvers, *losses, X, num_epochs=GAN["epochs"],
                    batch_size=GAN["batch"], noise_size=GAN["noise_dim"], show_every=0, seed=seed_of(rng),
                    progress=False, max_iterations=GAN["max_iterations"], as_tensors=False)
    probes.forward(G, z.astype(np.float32), save="samples", mode="eval")
    return probes.problem({"held_out": (pixels[held_out] / 16.0, labels[held_out])})


def judge_samples(samples, held_out):
    """(mean confidence, share of each class) of the samples in [-1, 1] as digits."""
    classify = softmax_classifier(*held_out)
    probs = classify((np.asarray(samples, dtype=np.float64) + 1.0) / 2.0)
    shares = np.bincount(probs.argmax(axis=1), minlength=10) / len(probs)
    return float(probs.max(axis=1).mean()), shares


@pytest.mark.target("generator")
@pytest.mark.points(3)
def test_gan_samples_look_like_all_ten_digits(shared):
    """a small GAN (the submission's nets, losses and noise) trained on digits: samples confident and of all ten classes"""
    try:  # a generator whose layers are wrong is not worth a training run
        test_generator_parameter_count(shared)
        test_generator_forward(shared)
    except GradingFailure:  # the code's own errors (not implemented yet, ...) show as they are
        raise GradingFailure("generator: no GAN trained until the generator's layers are right "
                             "(see the checks above)") from None
    result, context = shared.get("gan", gan_problem)
    samples = result["samples"]
    expect_array(samples, (GAN["samples"], 64), "the trained generator's samples")
    confidence, shares = judge_samples(samples, context["held_out"])
    expect_at_least(confidence, MIN_CONFIDENCE,
                    "a digit classifier's mean confidence on the samples of a GAN trained on digits",
                    " (is every part of the GAN right: noise, networks, both losses?)")
    rarest = int(np.argmin(shares))
    expect_at_least(float(shares[rarest]), MIN_CLASS_SHARE,
                    "the share of the rarest digit among the GAN's samples (%d of 10 digits appear)"
                    % int(np.count_nonzero(shares)),
                    " (mode collapse: are the losses' targets right?)")


# --- the deep convolutional GAN: build_dc_classifier and build_dc_generator -------------

def conv2d_valid(x, w, b):
    """Stride-1 convolution without padding: x (N, C, H, W), w (F, C, k, k) (the
    instructor's conv_forward_fast)."""
    return conv_forward_fast(x, w, b, {"stride": 1, "pad": 0})[0]


def max_pool_2x2(x):
    return max_pool_forward_fast(x, {"pool_height": 2, "pool_width": 2, "stride": 2})[0]


def conv_transpose_4x4_s2_p1(x, w, b):
    """nn.ConvTranspose2d(C, F, 4, stride=2, padding=1): x (N, C, H, W), w (C, F, 4, 4) -> (N, F, 2H, 2W)."""
    n, _, height, width = x.shape
    full = np.zeros((n, w.shape[1], 2 * height + 2, 2 * width + 2))
    for di in range(4):
        for dj in range(4):
            full[:, :, di:di + 2 * height:2, dj:dj + 2 * width:2] += np.einsum("nchw,cf->nfhw", x, w[:, :, di, dj])
    return full[:, :, 1:-1, 1:-1] + b.reshape(1, -1, 1, 1)


def batchnorm(x, gamma, beta, mean=None, var=None, eps=1e-5):
    """Training mode (mean and var None: the batch's, biased) or evaluation mode, over
    every axis but the channels' (axis 1)."""
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if mean is None:
        mean, var = x.mean(axis=axes), x.var(axis=axes)
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * gamma.reshape(shape) + beta.reshape(shape)


def ordered_state(state, shapes, what):
    """The state_dict's arrays in order, checked against the expected shapes (buffers of
    batch normalization included, num_batches_tracked left out)."""
    arrays = [(n, v) for n, v in state.items() if not n.endswith("num_batches_tracked")]
    got = [tuple(v.shape) for _, v in arrays]
    if got != [tuple(s) for s in shapes]:
        raise wrong(state, "%s: the learnable tensors and buffers have shapes %s in this order, "
                    "expected %s" % (what, got, [tuple(s) for s in shapes]), what)
    return [v.astype(np.float64) for _, v in arrays]


DC_CLASSIFIER_SHAPES = [(32, 1, 5, 5), (32,), (64, 32, 5, 5), (64,), (1024, 1024), (1024,), (1, 1024), (1,)]


def dc_classifier_problem(rng):
    images = rng.normal(size=(int(rng.integers(3, 6)), 1, 28, 28))
    probes = Probes()
    probes.seed(seed_of(rng))
    model = probes.module(GEN + "build_dc_classifier", int(images.shape[0]), count="count", state="state")
    probes.forward(model, images, save="logits", dtype="double")
    probes.forward(model, images.reshape(images.shape[0], 784), save="logits_rows")
    return probes.problem({"images": images})


@pytest.mark.target("build_dc_classifier")
@pytest.mark.points(0.5)
def test_dc_classifier_parameter_count(shared):
    """CS231n's DCGAN discriminator has 1,102,721 parameters"""
    result, _ = shared.get("build_dc_classifier", dc_classifier_problem)
    expect_count(result["count"], 1102721, "build_dc_classifier()")


@pytest.mark.target("build_dc_classifier")
@pytest.mark.points(0.5)
def test_dc_classifier_forward(shared):
    """logits of images and of rows: conv - LeakyReLU - max pool, twice, then two fully connected layers"""
    result, context = shared.get("build_dc_classifier", dc_classifier_problem)
    what = "build_dc_classifier()"
    w1, b1, w2, b2, w3, b3, w4, b4 = ordered_state(state_arrays(result["state"], what), DC_CLASSIFIER_SHAPES, what)
    x = max_pool_2x2(leaky_relu(conv2d_valid(context["images"], w1, b1)))
    x = max_pool_2x2(leaky_relu(conv2d_valid(x, w2, b2)))
    x = leaky_relu(x.reshape(len(x), -1) @ w3.T + b3)
    expected = x @ w4.T + b4
    expect_near(result["logits"], expected, F64_TOL, what + "'s logits of images (N, 1, 28, 28)")
    expect_near(result["logits_rows"], expected, F64_TOL, what + "'s logits of rows (N, 784)")


def dc_generator_shapes(noise_dim):
    bn = lambda c: [(c,), (c,), (c,), (c,)]  # noqa: E731 (weight, bias, running mean, running var)
    return ([(1024, noise_dim), (1024,)] + bn(1024) + [(6272, 1024), (6272,)] + bn(6272)
            + [(128, 64, 4, 4), (64,)] + bn(64) + [(64, 1, 4, 4), (1,)])


def dc_generator_problem(rng):
    noise_dim = int(rng.integers(5, 12))
    z = rng.uniform(-1, 1, size=(int(rng.integers(4, 7)), noise_dim))
    probes = Probes()
    probes.seed(seed_of(rng))
    probes.module(GEN + "build_dc_generator", 4, count="count4")
    model = probes.module(GEN + "build_dc_generator", noise_dim, count="count", state="state")
    probes.function(model.name + ".double")
    z_tensor = probes.tensor(z)
    probes.forward(model, z_tensor, save="images_eval", mode="eval")
    probes.forward(model, z_tensor, save="images_train", mode="train")
    return probes.problem({"z": z})


def dc_generator_forward(params, z, training):
    (w1, b1, g1, be1, m1, v1, w2, b2, g2, be2, m2, v2, w3, b3, g3, be3, m3, v3, w4, b4) = params
    stats = (lambda m, v: (None, None)) if training else (lambda m, v: (m, v))
    x = batchnorm(relu(z @ w1.T + b1), g1, be1, *stats(m1, v1))
    x = batchnorm(relu(x @ w2.T + b2), g2, be2, *stats(m2, v2))
    x = x.reshape(len(x), 128, 7, 7)
    x = batchnorm(relu(conv_transpose_4x4_s2_p1(x, w3, b3)), g3, be3, *stats(m3, v3))
    return np.tanh(conv_transpose_4x4_s2_p1(x, w4, b4)).reshape(len(z), 784)


@pytest.mark.target("build_dc_generator")
@pytest.mark.points(0.5)
def test_dc_generator_parameter_count(shared):
    """CS231n's DCGAN generator has 6,580,801 parameters for noise dimension 4; others grow by 1024 per dimension"""
    result, context = shared.get("build_dc_generator", dc_generator_problem)
    expect_count(result["count4"], 6580801, "build_dc_generator(4)")
    noise_dim = context["z"].shape[1]
    expect_count(result["count"], 6580801 + 1024 * (noise_dim - 4), "build_dc_generator(%d)" % noise_dim)


@pytest.mark.target("build_dc_generator")
@pytest.mark.points(0.5)
def test_dc_generator_forward(shared):
    """images in training mode (batch statistics) and evaluation mode: linear, ReLU, batch norm, ..., transposed convolutions, TanH"""
    result, context = shared.get("build_dc_generator", dc_generator_problem)
    z = context["z"]
    what = "build_dc_generator(%d)" % z.shape[1]
    params = ordered_state(state_arrays(result["state"], what), dc_generator_shapes(z.shape[1]), what)
    expect_near(result["images_eval"], dc_generator_forward(params, z, False), F64_TOL,
                what + "'s images (N, 784) in evaluation mode")
    expect_near(result["images_train"], dc_generator_forward(params, z, True), F64_TOL,
                what + "'s images (N, 784) in training mode")
