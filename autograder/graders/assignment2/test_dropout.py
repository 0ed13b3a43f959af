"""Hidden graders of inverted dropout (assignment 2, 10 of 100 points). Raw points add up
to SECTION_WEIGHT.

Dropout is random: a correct dropout_forward may draw its mask in another way than the
reference (np.random.binomial, a comparison with 1 - p, ...), so its forward pass is
judged on properties, not on the reference's mask: the fraction of units kept (within
6 standard deviations of p), the scaling by 1 / p that preserves the expectation, the
identity at test time, the seed's reproducibility, and the mask kept in the cache.
dropout_backward gets the cache that CS231n's forward pass builds, (dropout_param, mask).
"""
import numpy as np
import pytest

from autograder.trusted.expect import expect_array, expect_close, wrong
from autograder.trusted.submission import call, saved
from cs231n_core import gradient_check
from cs231n_core import layers as reference_layers

SECTION_WEIGHT = 10
FORWARD = "cs231n_core.layers:dropout_forward"
BACKWARD = "cs231n_core.layers:dropout_backward"
TOL = 1e-10         # float64 products and quotients of the same numbers: rounding only (about 1e-16)
NUMERIC_TOL = 1e-8  # against centred differences (h = 1e-5) of a piecewise linear function


def forward_runs(submission, problems, with_cache=False):
    """[(out, mask or None)] of the student's dropout_forward for (x, dropout_param)
    pairs, in one worker run."""
    steps, returns = [], []
    for i, (x, param) in enumerate(problems):
        steps += [call(FORWARD, x, param, save="result%d" % i),
                  call("builtins:len", saved("result%d" % i), save="length%d" % i),
                  call("operator:getitem", saved("result%d" % i), 0, save="out%d" % i)]
        returns += ["length%d" % i, "out%d" % i]
        if with_cache:
            steps += [call("operator:getitem", saved("result%d" % i), 1, save="cache%d" % i),
                      call("operator:getitem", saved("cache%d" % i), 1, save="mask%d" % i)]
            returns.append("mask%d" % i)
    result = submission.run(steps, returns=returns)
    out = []
    for i, (x, _) in enumerate(problems):
        if int(result["length%d" % i]) != 2:
            raise wrong(result["length%d" % i], "dropout_forward must return a pair (out, cache), got %d items"
                        % int(result["length%d" % i]), "the pair")
        expect_array(result["out%d" % i], x.shape, "dropout_forward's output for x of shape %s"
                     % (x.shape,))
        out.append((result["out%d" % i], result.get("mask%d" % i)))
    return out


def positive_input(rng, shape):
    """Entries away from 0, so that a zero in the output means a dropped unit."""
    return (rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape))


def train(p, seed=None):
    param = {"mode": "train", "p": float(p)}
    if seed is not None:
        param["seed"] = int(seed)
    return param


# --- dropout_forward ---------------------------------------------------------------

@pytest.mark.target("dropout_forward")
@pytest.mark.points(1)
def test_forward_keeps_a_fraction_p(submission, rng):
    """in training mode the fraction of units kept is close to p (the probability of KEEPING a unit)"""
    ps = [float(rng.uniform(0.1, 0.3)), float(rng.uniform(0.6, 0.9)), 1.0]
    problems = [(positive_input(rng, (400, 250)), train(p, rng.integers(10**6))) for p in ps]
    for (x, param), (out, _) in zip(problems, forward_runs(submission, problems)):
        kept = float(np.mean(out != 0))
        sigma = np.sqrt(param["p"] * (1 - param["p"]) / x.size)
        if abs(kept - param["p"]) > 6 * sigma + 1e-12:
            raise wrong(out, "dropout_forward with p=%.3f kept a fraction %.3f of the units; "
                        "p is the probability of keeping a unit" % (param["p"], kept), "the fraction kept")


@pytest.mark.target("dropout_forward")
@pytest.mark.points(2)
def test_forward_inverted_scaling(submission, rng):
    """kept units are divided by p (inverted dropout): out is 0 or x / p, and the expectation is preserved"""
    problems = [(positive_input(rng, (300, 200)) + 3.0, train(rng.uniform(0.2, 0.8), rng.integers(10**6))),
                (positive_input(rng, (50, 4, 5, 6)), train(rng.uniform(0.3, 0.7), rng.integers(10**6)))]
    for (x, param), (out, _) in zip(problems, forward_runs(submission, problems)):
        p, kept = param["p"], out != 0
        if not np.any(kept):
            raise wrong(out, "dropout_forward with p=%.3f dropped every unit" % p, "the units kept")
        expect_close(out[kept], x[kept] / p, TOL,
                     "dropout_forward with p=%.3f: the kept units (they must equal x / p)" % p)
        # the mean of out has a standard deviation of sqrt((1 - p) / p * mean(x**2) / x.size)
        sigma = np.sqrt((1 - p) / p * np.mean(x ** 2) / x.size)
        if abs(out.mean() - x.mean()) > 6 * sigma:
            raise wrong(out, "dropout_forward with p=%.3f: the mean of the output is not the "
                        "mean of the input (expectation not preserved)" % p, "the output's mean")


@pytest.mark.target("dropout_forward")
@pytest.mark.points(1)
def test_forward_test_mode(submission, rng):
    """in test mode the output is the input, for every p"""
    problems = [(rng.normal(size=(int(rng.integers(5, 30)), 17)), {"mode": "test", "p": float(p)})
                for p in (rng.uniform(0.1, 0.5), rng.uniform(0.5, 1.0), 1.0)]
    problems.append((rng.normal(size=(3, 4, 5)), {"mode": "test", "p": 0.5, "seed": 3}))
    for (x, param), (out, _) in zip(problems, forward_runs(submission, problems)):
        expect_close(out, x, TOL, "dropout_forward in test mode with p=%.3f (must be the identity)"
                     % param["p"])


@pytest.mark.target("dropout_forward")
@pytest.mark.points(1)
def test_forward_seed_and_cache(submission, rng):
    """the same seed gives the same mask, another seed another; the cache's mask is the one applied (out = x * mask)"""
    x = positive_input(rng, (30, 40))
    p = float(rng.uniform(0.3, 0.7))
    seed = int(rng.integers(10**6))
    problems = [(x, train(p, seed)), (x, train(p, seed)), (x, train(p, seed + 1))]
    (first, mask), (again, _), (other, _) = forward_runs(submission, problems, with_cache=True)
    if not np.array_equal(first, again):
        raise wrong((first, again), "dropout_forward: the same seed gave two different outputs; seed the "
                    "generator with dropout_param['seed'] when it is given", "the same seed")
    if np.array_equal(first, other):
        raise wrong(first, "dropout_forward: two different seeds gave the same output", "two seeds")
    if mask is None or not isinstance(mask, np.ndarray) or mask.shape != x.shape:
        raise wrong((first, mask), "dropout_forward's cache must be (dropout_param, mask) with the mask "
                    "of the shape of x", "the cache's mask")
    expect_close(x * mask, first, TOL, "dropout_forward: x * (the cache's mask) against the output")


@pytest.mark.target("dropout_forward")
@pytest.mark.points(1)
def test_forward_dtype_and_shapes(submission, rng):
    """float32 stays float32; inputs of 1 to 4 dimensions keep their shape"""
    problems = [(positive_input(rng, (20, 30)).astype(np.float32), train(0.5, 1)),
                (positive_input(rng, (37,)), train(rng.uniform(0.3, 0.9), 2)),
                (positive_input(rng, (2, 3, 4, 5)), train(rng.uniform(0.3, 0.9), 3))]
    outs = forward_runs(submission, problems)
    if outs[0][0].dtype != np.float32:
        raise wrong(outs[0][0], "dropout_forward: float32 input gave %s output, expected float32"
                    % outs[0][0].dtype, "the dtype")
    for (x, param), (out, _) in zip(problems, outs):
        kept = out != 0
        expect_close(out[kept], x[kept] / param["p"], 1e-6,
                     "dropout_forward on x of shape %s: the kept units" % (x.shape,))


# --- dropout_backward --------------------------------------------------------------

def reference_cache(rng, shape, p, seed):
    x = positive_input(rng, shape)
    param = train(p, seed)
    out, cache = reference_layers.dropout_forward(x, param)
    return x, param, cache


@pytest.mark.target("dropout_backward")
@pytest.mark.points(2)
def test_backward_uses_the_cached_mask(submission, rng):
    """dx is dout times the cache's mask (not a new one), in training mode; dout itself in test mode"""
    problems = []
    for shape in ((int(rng.integers(5, 20)), 13), (4, 3, 5)):
        x, param, cache = reference_cache(rng, shape, rng.uniform(0.2, 0.8), rng.integers(10**6))
        problems.append((rng.normal(size=shape), cache))
    dout = rng.normal(size=(6, 7))
    problems.append((dout, ({"mode": "test", "p": 0.4}, None)))
    steps = [call("numpy.random:seed", int(rng.integers(10**6)))]
    steps += [call(BACKWARD, d, cache, save="dx%d" % i) for i, (d, cache) in enumerate(problems)]
    result = submission.run(steps, returns=["dx%d" % i for i in range(len(problems))])
    for i, (d, cache) in enumerate(problems):
        expected = reference_layers.dropout_backward(d, cache)
        mode = cache[0]["mode"]
        expect_close(result["dx%d" % i], expected, TOL,
                     "dropout_backward's dx in %s mode for dout of shape %s" % (mode, d.shape))


@pytest.mark.target("dropout_backward")
@pytest.mark.points(1)
def test_backward_after_your_forward(submission, rng):
    """after your own dropout_forward (and other random draws in between), dx = dout * out / x"""
    x = positive_input(rng, (25, 16))
    dout = rng.normal(size=x.shape)
    param = train(rng.uniform(0.3, 0.7))  # no seed: only the cache can tell the mask
    result = submission.run([
        call(FORWARD, x, param, save="result"),
        call("operator:getitem", saved("result"), 0, save="out"),
        call("operator:getitem", saved("result"), 1, save="cache"),
        call("numpy.random:rand", 100),
        call(BACKWARD, dout, saved("cache"), save="dx")], returns=["out", "dx"])
    expect_array(result["out"], x.shape, "dropout_forward's output")
    expect_close(result["dx"], dout * result["out"] / x, TOL,
                 "dropout_backward's dx after your dropout_forward (it must use the forward's mask)")


@pytest.mark.target("dropout_backward")
@pytest.mark.points(1)
def test_backward_numerical(submission, rng):
    """dx matches a numerical gradient of the (seeded) dropout forward pass"""
    x, param, cache = reference_cache(rng, (10, 12), rng.uniform(0.2, 0.8), rng.integers(10**6))
    dout = rng.normal(size=x.shape)
    numeric = gradient_check.eval_numerical_gradient_array(
        lambda v: reference_layers.dropout_forward(v, param)[0], x.copy(), dout)
    result = submission.run([call(BACKWARD, dout, cache, save="dx")], returns=["dx"])
    expect_close(result["dx"], numeric, NUMERIC_TOL,
                 "dropout_backward's dx against a numerical gradient")
