"""Hidden graders of the fast convolution and max-pooling layers (assignment 2: 6 of the
convolutional networks' 30 points).

Raw points add up to SECTION_WEIGHT, so each is worth one point of the assignment.

Inputs are drawn fresh for every grading run, with odd sizes, non-square kernels and
windows, strides 1 to 3 and paddings 0 to 2; the reference answers are computed here,
in the trusted process, by the instructor's edition of cs231n_core. Each backward pass
gets the cache that the reference forward pass builds (its docstring states the layout),
so that a wrong forward pass costs only its own points.

Tolerances: relative error 1e-10 for outputs and 1e-9 for gradients against the
reference in float64 (the same sums in another order agree to rounding), 1e-5 in
float32. The speed checks compare the worker's CPU time (measured by the kernel, outside
the sandbox, less the engine's cost measured by a run without the submission's code)
with the reference fast layer's, generously: a loop over every output entry, as in the
naive layers, is hundreds of times slower and fails them.
"""
import numpy as np
import pytest

from autograder.trusted.expect import expect_close, expect_faster
from autograder.trusted.submission import call, forward_outputs
from autograder.graders import speed
from autograder.graders.answers import unpack
from autograder.graders.graded import graded
from cs231n_core import fast_layers as reference_fast

SECTION_WEIGHT = 6
MODULE = "cs231n_core.fast_layers:"
VALUE_TOL = 1e-10
GRAD_TOL = 1e-9
FLOAT32_TOL = 1e-5
SPEED_REPEAT = 5
SPEED_MAX_RATIO, SPEED_SLACK_S = 20.0, 0.25
SPEED_WALL_RATIO, SPEED_WALL_SLACK_S = 40.0, 1.0


# --- running the student's layers in the worker ----------------------------------------


def student_backward(submission, name, arg_lists, count):
    """What a backward function returns for each argument list, in one worker run."""
    steps = [call(MODULE + name, *args, save="grads%d" % i) for i, args in enumerate(arg_lists)]
    result = submission.run(steps, returns=["grads%d" % i for i in range(len(arg_lists))])
    return [unpack(result["grads%d" % i], count, name) for i in range(len(arg_lists))]


def describe(x, param, w=None):
    text = "x of shape %s" % (tuple(x.shape),)
    if w is not None:
        text += ", w of shape %s" % (tuple(w.shape),)
    return "%s, %s (%s)" % (text, ", ".join("%s=%s" % (k, param[k]) for k in sorted(param)),
                            x.dtype)


def expect_dtype_close(value, expected, tol, what):
    if np.asarray(value).dtype != expected.dtype and expected.dtype == np.float32:
        # float64 answers to float32 inputs are right, only slower: accept them.
        value = np.asarray(value, dtype=np.float64)
    expect_close(value, expected, tol, what)


# --- convolution problems --------------------------------------------------------------

def conv_problem(rng, N, C, H, W, F, HH, WW, stride, pad, dtype=np.float64):
    x = (rng.normal(size=(N, C, H, W)) * rng.uniform(0.5, 2.0)).astype(dtype)
    w = rng.normal(size=(F, C, HH, WW)).astype(dtype)
    b = rng.normal(size=F).astype(dtype)
    return x, w, b, {"stride": stride, "pad": pad}


def whole_strides(H, HH, stride, pad):
    """H grown so that the padded input holds a whole number of strides."""
    return H + ((H + 2 * pad - HH) % stride and stride - (H + 2 * pad - HH) % stride)


def odd_conv_problems(rng):
    """Odd sizes, non-square kernels, strides 1 to 3, paddings 0 to 2, one example,
    one channel, one filter, a kernel as large as the padded input, 1x1 kernels."""
    r = lambda low, high: int(rng.integers(low, high + 1))  # noqa: E731
    cases = [(r(2, 3), r(2, 4), r(5, 9), r(5, 9), r(2, 5), 3, 3, 1, 1),
             (1, r(1, 3), r(6, 11), r(6, 11), r(2, 4), r(2, 3), r(4, 5), 2, r(1, 2)),
             (r(2, 3), 1, r(7, 10), r(7, 10), 1, 3, 3, 3, 0),
             (r(2, 3), r(2, 3), r(6, 9), r(6, 9), r(2, 3), 5, 3, 2, 2),
             (2, r(2, 3), 5, 4, r(2, 3), 5, 4, 1, 0),
             (r(1, 2), r(2, 3), r(4, 7), r(4, 7), r(2, 3), 1, 1, 1, 2)]
    problems = []
    for N, C, H, W, F, HH, WW, stride, pad in cases:
        H, W = whole_strides(H, HH, stride, pad), whole_strides(W, WW, stride, pad)
        problems.append(conv_problem(rng, N, C, H, W, F, HH, WW, stride, pad))
    return problems


def cs231n_odd_conv_problems(rng):
    """CS231n's test made odd (x (2, 3, 7, 7), w (3, 3, 4, 4), stride 2, pad 1), then
    odd_conv_problems."""
    return [conv_problem(rng, 2, 3, 7, 7, 3, 4, 4, 2, 1)] + odd_conv_problems(rng)


def leftover_conv_problems(rng):
    """Sizes that the stride does not divide (H' = 1 + (H + 2 pad - HH) // stride), and
    float32 inputs."""
    return [conv_problem(rng, 2, 3, 8, 9, 3, 3, 2, 2, 1),
            conv_problem(rng, 2, 2, 10, 7, 2, 3, 3, 3, 2),
            conv_problem(rng, 3, 2, 7, 8, 4, 3, 3, 2, 1, dtype=np.float32)]


def check_conv_forward(submission, rng, problems_of):
    """The output for each problem of problems_of(rng), in one worker run."""
    problems = problems_of(rng)
    outs = forward_outputs(submission, MODULE + "conv_forward_fast", problems)
    for (x, w, b, conv_param), out in zip(problems, outs):
        expected = reference_fast.conv_forward_fast(x, w, b, conv_param)[0]
        tol = FLOAT32_TOL if x.dtype == np.float32 else VALUE_TOL
        expect_dtype_close(out, expected, tol, "conv_forward_fast's output for "
                           + describe(x, conv_param, w))


def conv_backward_problems(rng, problems):
    with_dout = []
    for x, w, b, conv_param in problems:
        out, cache = reference_fast.conv_forward_fast(x, w, b, conv_param)
        with_dout.append((rng.normal(size=out.shape).astype(x.dtype), cache))
    return with_dout


def check_conv_backward(submission, rng, problems_of):
    """dx, dw and db for each problem of problems_of(rng), in one worker run."""
    problems = problems_of(rng)
    with_dout = conv_backward_problems(rng, problems)
    results = student_backward(submission, "conv_backward_fast", with_dout, 3)
    for (dout, cache), got in zip(with_dout, results):
        x, w = cache[0], cache[1]
        expected = reference_fast.conv_backward_fast(dout, cache)
        tol = FLOAT32_TOL if x.dtype == np.float32 else GRAD_TOL
        for name, value, reference in zip(("dx", "dw", "db"), got, expected):
            expect_dtype_close(value, reference, tol, "conv_backward_fast's %s for %s"
                               % (name, describe(x, cache[3], w)))


# --- max-pooling problems --------------------------------------------------------------

def pool_problem(rng, N, C, H, W, pool_height, pool_width, stride, ties=False,
                 dtype=np.float64):
    if ties:  # few distinct values: most windows hold their maximum more than once
        x = rng.integers(-2, 3, size=(N, C, H, W)).astype(dtype)
    else:
        x = (rng.normal(size=(N, C, H, W)) * rng.uniform(0.5, 2.0)).astype(dtype)
    return x, {"pool_height": pool_height, "pool_width": pool_width, "stride": stride}


def odd_pool_problems(rng, ties=False):
    """2x2 windows of stride 2 (whole and with a leftover row and column), non-square
    and overlapping windows, gaps between windows, strides 1 to 3, a window as large as
    the input, a float32 input."""
    r = lambda low, high: int(rng.integers(low, high + 1))  # noqa: E731
    return [pool_problem(rng, r(2, 3), r(2, 3), 2 * r(2, 4), 2 * r(2, 4), 2, 2, 2, ties),
            pool_problem(rng, r(1, 2), r(2, 3), 2 * r(2, 4) + 1, 2 * r(2, 4) + 1, 2, 2, 2, ties),
            pool_problem(rng, r(2, 3), r(2, 4), r(5, 9), r(5, 9), 3, 2, 2, ties),
            pool_problem(rng, 1, r(1, 3), r(6, 9), r(6, 9), 3, 3, 1, ties),
            pool_problem(rng, r(2, 3), r(1, 2), r(7, 11), r(7, 11), 2, 2, 3, ties),
            pool_problem(rng, 2, r(2, 3), 5, 4, 5, 4, 1, ties),
            pool_problem(rng, r(1, 2), r(2, 3), r(6, 8), r(5, 7), 1, 2, 2, ties),
            pool_problem(rng, 2, 2, r(6, 8), r(6, 8), 2, 3, 2, ties, dtype=np.float32)]


def check_pool_forward(submission, rng, problems_of):
    """The output for each problem of problems_of(rng), in one worker run."""
    problems = problems_of(rng)
    outs = forward_outputs(submission, MODULE + "max_pool_forward_fast", problems)
    for (x, pool_param), out in zip(problems, outs):
        expect_dtype_close(out, reference_fast.max_pool_forward_fast(x, pool_param)[0], VALUE_TOL,
                           "max_pool_forward_fast's output for " + describe(x, pool_param))


def check_pool_backward(submission, rng, problems, what=""):
    with_dout = []
    for x, pool_param in problems:
        out, cache = reference_fast.max_pool_forward_fast(x, pool_param)
        with_dout.append((rng.normal(size=out.shape).astype(x.dtype), cache))
    results = student_backward(submission, "max_pool_backward_fast", with_dout, 1)
    for (dout, cache), (dx,) in zip(with_dout, results):
        tol = FLOAT32_TOL if dout.dtype == np.float32 else GRAD_TOL
        expect_dtype_close(dx, reference_fast.max_pool_backward_fast(dout, cache), tol,
                           "max_pool_backward_fast's dx for %s%s"
                           % (describe(cache[0], cache[1]), what))


# --- speed -----------------------------------------------------------------------------

def check_speed(submission, name, args, reference, what):
    """The student's `name` on `args`, SPEED_REPEAT times in the worker, within
    SPEED_MAX_RATIO x the reference's CPU time (plus slack); its result is returned
    for a check of its values. The engine's own cost is measured by a run without the
    submission's code (autograder/graders/speed.py)."""
    result, cpu_s, wall_s = speed.timed_run(
        submission, [call(MODULE + name, *args, save="timed", repeat=SPEED_REPEAT)], ["timed"])
    reference_s = speed.reference_seconds(reference, *args, repeat=SPEED_REPEAT)
    return result["timed"], lambda: (
        expect_faster(cpu_s, reference_s, SPEED_MAX_RATIO, SPEED_SLACK_S,
                      "%s, %d calls (CPU time)" % (what, SPEED_REPEAT)),
        expect_faster(wall_s, reference_s, SPEED_WALL_RATIO, SPEED_WALL_SLACK_S,
                      "%s, %d calls (wall time)" % (what, SPEED_REPEAT)))


def speed_conv_problem(rng):
    """The naive layer takes about 0.3 s a call here; the reference, a few ms. The
    number of images is drawn afresh."""
    return conv_problem(rng, speed.jitter(rng, 16, 0.25), 3, 24, 24, 8, 3, 3, 1, 1)


def speed_pool_problem(rng):
    return pool_problem(rng, speed.jitter(rng, 16, 0.25), 8, 24, 24, 2, 2, 2)


# --- conv_forward_fast -----------------------------------------------------------------

test_conv_forward_fast_odd_shapes = graded("conv_forward_fast", 1, "output matches the reference: odd sizes, "
                                           "non-square kernels, strides 1-3, pads 0-2", check_conv_forward,
                                           cs231n_odd_conv_problems)
test_conv_forward_fast_leftover_and_float32 = graded("conv_forward_fast", 0.5, "sizes the stride does not divide "
                                                     "(H' rounds down), and float32 inputs", check_conv_forward,
                                                     leftover_conv_problems)


@pytest.mark.target("conv_forward_fast")
@pytest.mark.points(0.5)
def test_conv_forward_fast_is_fast(submission, rng):
    """runs within 20x the reference fast layer's CPU time (no loop over output entries)"""
    x, w, b, conv_param = speed_conv_problem(rng)
    result, timing = check_speed(submission, "conv_forward_fast", (x, w, b, conv_param),
                                 reference_fast.conv_forward_fast,
                                 "conv_forward_fast on " + describe(x, conv_param, w))
    out, = unpack(result, 2, "conv_forward_fast")[:1]
    expect_close(out, reference_fast.conv_forward_fast(x, w, b, conv_param)[0], VALUE_TOL,
                 "conv_forward_fast's output for " + describe(x, conv_param, w))
    timing()


# --- conv_backward_fast ----------------------------------------------------------------

test_conv_backward_fast_odd_shapes = graded("conv_backward_fast", 1, "dx, dw and db match the reference: odd "
                                            "sizes, non-square kernels, strides 1-3, pads 0-2", check_conv_backward,
                                            cs231n_odd_conv_problems)
test_conv_backward_fast_leftover_and_float32 = graded("conv_backward_fast", 0.5, "sizes the stride does not divide "
                                                      "(the last rows and columns get no gradient), float32",
                                                      check_conv_backward, leftover_conv_problems)


@pytest.mark.target("conv_backward_fast")
@pytest.mark.points(0.5)
def test_conv_backward_fast_is_fast(submission, rng):
    """runs within 20x the reference fast layer's CPU time (no loop over output entries)"""
    problem = speed_conv_problem(rng)
    (dout, cache), = conv_backward_problems(rng, [problem])
    shapes = describe(problem[0], problem[3], problem[1])
    what = "conv_backward_fast on " + shapes
    result, timing = check_speed(submission, "conv_backward_fast", (dout, cache),
                                 reference_fast.conv_backward_fast, what)
    for name, value, expected in zip(("dx", "dw", "db"), unpack(result, 3, "conv_backward_fast"),
                                     reference_fast.conv_backward_fast(dout, cache)):
        expect_close(value, expected, GRAD_TOL, "conv_backward_fast's %s for %s" % (name, shapes))
    timing()


# --- max_pool_forward_fast -------------------------------------------------------------

test_max_pool_forward_fast_odd_shapes = graded(
    "max_pool_forward_fast", 0.5, "output matches the reference: 2x2 stride 2, non-square, overlapping and gapped "
    "windows", check_pool_forward, odd_pool_problems)


@pytest.mark.target("max_pool_forward_fast")
@pytest.mark.points(0.5)
def test_max_pool_forward_fast_is_fast(submission, rng):
    """runs within 20x the reference fast layer's CPU time (no loop over windows)"""
    x, pool_param = speed_pool_problem(rng)
    what = "max_pool_forward_fast on " + describe(x, pool_param)
    result, timing = check_speed(submission, "max_pool_forward_fast", (x, pool_param),
                                 reference_fast.max_pool_forward_fast, what)
    out, = unpack(result, 2, "max_pool_forward_fast")[:1]
    expect_close(out, reference_fast.max_pool_forward_fast(x, pool_param)[0], VALUE_TOL,
                 "max_pool_forward_fast's output for " + describe(x, pool_param))
    timing()


# --- max_pool_backward_fast ------------------------------------------------------------

@pytest.mark.target("max_pool_backward_fast")
@pytest.mark.points(0.5)
def test_max_pool_backward_fast_ties_and_overlaps(submission, rng):
    """dx matches the reference with ties (first maximum only) and overlapping windows"""
    check_pool_backward(submission, rng, odd_pool_problems(rng))
    check_pool_backward(submission, rng, odd_pool_problems(rng, ties=True),
                        " where windows hold their maximum more than once (the docstring: "
                        "the first of them in row-major order gets all of dout)")


@pytest.mark.target("max_pool_backward_fast")
@pytest.mark.points(0.5)
def test_max_pool_backward_fast_is_fast(submission, rng):
    """runs within 20x the reference fast layer's CPU time (no loop over windows)"""
    x, pool_param = speed_pool_problem(rng)
    out, cache = reference_fast.max_pool_forward_fast(x, pool_param)
    dout = rng.normal(size=out.shape)
    what = "max_pool_backward_fast on " + describe(x, pool_param)
    result, timing = check_speed(submission, "max_pool_backward_fast", (dout, cache),
                                 reference_fast.max_pool_backward_fast, what)
    dx, = unpack(result, 1, "max_pool_backward_fast")
    expect_close(dx, reference_fast.max_pool_backward_fast(dout, cache), GRAD_TOL,
                 "max_pool_backward_fast's dx for " + describe(x, pool_param))
    timing()
