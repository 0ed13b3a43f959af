"""What the public checks of the NumPy targets share: unpacking what a target returns
(a forward pass's pair, a backward pass's values, a scalar loss, a dict of gradients),
and tracing how a vectorized target reads its inputs."""
import numpy as np


def _traced(*arrays):
    """Views of `arrays` that record how the code given them reads them, and the record:
    {"reads": how many times it indexed them, or an array computed from them, with a
    single integer (X[i], dout[:, j]: what a Python loop over the examples or the
    features does), "largest": the shape of the largest array computed from them}.
    Right values do not tell a loop, or a (num_test, num_train, D) array, from
    vectorized code; these counts do, the same on every run."""
    record = {"reads": 0, "largest": ()}

    class Traced(np.ndarray):
        def __array_finalize__(self, obj):
            if self.size > np.prod(record["largest"]):
                record["largest"] = self.shape

        def __getitem__(self, index):
            if any(isinstance(i, (int, np.integer)) for i in (index if isinstance(index, tuple) else (index,))):
                record["reads"] += 1
            return super().__getitem__(index)

    return [np.array(a).view(Traced) for a in arrays], record


def _expect_no_loop(t, record, count, name, units):
    """Fail when the traced code (_traced's record) read its inputs one of `count`
    examples, points or features (`units`) at a time at least `count` times; the answer
    is that number of reads."""
    if record["reads"] >= count:
        t.wrong(np.array(record["reads"], dtype=np.float64),
                "%s indexed its inputs %d times with a single integer (for %d %s): is a Python "
                "loop over the %s left? Right values are not enough: the hidden graders time it "
                "on large inputs" % (name, record["reads"], count, units, units),
                "no loop over the %s" % units)
    t.ok("no Python loop over the %s (%d single-integer reads for %d %s)"
         % (units, record["reads"], count, units))


def _ten_clusters(size, shape):
    """`size` examples of ten classes, each its class's random centre of `shape` plus
    standard normal noise, well apart for an open-ended set-up that learns: (X (size,
    *shape), y (size,)), y = 0, 1, ..., 9, 0, 1, ..."""
    rs = np.random.RandomState(1)
    y = np.arange(size) % 10
    return rs.randn(10, *shape)[y] + rs.randn(size, *shape), y


def _pair(t, result, name):
    """A forward pass returns (out, cache): return out, or fail with one sentence."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        t.fail("%s should return a pair (out, cache), got %s" % (
            name, "%d values" % len(result) if isinstance(result, (tuple, list))
            else "a %s" % type(result).__name__))
    return result[0]


def _values(t, result, count, name):
    """A backward pass or a loss returns `count` values: return them as a list."""
    if not isinstance(result, (tuple, list)) or len(result) != count:
        t.fail("%s should return %d values, got %s" % (
            name, count, "%d values" % len(result) if isinstance(result, (tuple, list))
            else "a %s" % type(result).__name__))
    return list(result)


def _scalar(t, value, what):
    if value is None:
        t.fail("returned None for %s; did you forget to set it?" % what)
    arr = np.asarray(value, dtype=np.float64)
    if arr.size != 1:
        t.fail("%s should be a single number, got an array of shape %s" % (what, arr.shape))
    return float(arr.reshape(()))


def _check_grads_dict(t, grads, params):
    if not isinstance(grads, dict):
        t.fail("grads should be a dictionary, got a %s" % type(grads).__name__)
    missing = [k for k in params if k not in grads]
    if missing:
        t.fail("grads lacks %s; it needs a gradient for every key of self.params"
               % ", ".join(missing))
    for k in params:
        if np.shape(grads[k]) != np.shape(params[k]):
            t.fail("grads[%r] has shape %s, expected the shape of params[%r], %s"
                   % (k, np.shape(grads[k]), k, np.shape(params[k])))


# ---- the networks' checks (TwoLayerNet, FullyConnectedNet, ThreeLayerConvNet) ----------

def _seeded(t, build, *args, **kwargs):
    """t.call(build, *args, **kwargs) after np.random.seed(0), NumPy's global random
    state left as it was: a network's random initialization, the same on every run."""
    state = np.random.get_state()
    try:
        np.random.seed(0)
        return t.call(build, *args, **kwargs)
    finally:
        np.random.set_state(state)


def _expect_param_keys(t, net, keys, sentence):
    """net.params, a dict with exactly the keys `keys`; else fail with `sentence`
    ("self.params should have the keys ...") and what it holds."""
    params = getattr(net, "params", None)
    if not isinstance(params, dict) or sorted(params) != sorted(keys):
        t.fail("%s, got %s" % (sentence, sorted(params) if isinstance(params, dict) else params))
    return params


def _scores_of(t, net, X, shape, what, report=True):
    """net.loss(X) without labels (on a copy of X): the scores, an array of `shape` (N, C)."""
    scores = t.call(net.loss, X.copy())
    if isinstance(scores, tuple):
        t.fail("loss(X) without labels should return the scores only, got a tuple")
    return t.expect_array(scores, shape, what, "float", report=report)


def _loss_of(t, net, X, y):
    """net.loss(X, y) on copies of X (N, ...) and y (N,): (the loss as a float, grads)."""
    loss, grads = _values(t, t.call(net.loss, X.copy(), y.copy()), 2, "loss(X, y)")
    return _scalar(t, loss, "the loss"), grads


def _expect_numerical_grads(t, net, X, y, keys, setting, tol, h=1e-5,
                            reg_hint="; is the regularization gradient reg * W there?"):
    """The gradients of net.loss(X, y) against numerical gradients (step h) of the
    student's own loss, as CS231n's notebooks check them: grads[k] of each of `keys`,
    relative error below tol. `setting` follows "your loss" in the sentences
    (" with reg=0.5", ", with dropout"); `reg_hint` is added to the failure of a weight
    when net.reg is not 0."""
    from cs231n_core.gradient_check import eval_numerical_gradient, rel_error

    _, grads = _values(t, t.call(net.loss, X, y), 2, "loss(X, y)")
    _check_grads_dict(t, grads, net.params)
    worst = 0.0
    for k in keys:
        numeric = eval_numerical_gradient(lambda _: t.call(net.loss, X, y)[0], net.params[k],
                                          verbose=False, h=h)
        error = rel_error(grads[k], numeric)
        if np.max(np.abs(np.asarray(grads[k]))) < 1e-9 and np.max(np.abs(numeric)) < 1e-7:
            error = 0.0  # a gradient that is zero (b before a batch norm): noise only
        worst = max(worst, error)
        if not error < tol:
            t.fail("grads[%r] differs from a numerical gradient of your loss (relative error "
                   "%.1e%s)%s" % (k, error, setting,
                                  reg_hint if net.reg and k.startswith("W") else ""))
    t.ok("the gradients match numerical gradients of your loss%s (largest relative error %.1e)"
         % (setting, worst))
