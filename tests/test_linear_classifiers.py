"""Unit tests of the reference linear classifiers: the SVM and softmax losses (values
worked by hand, numerical gradients, naive == vectorized, numerical stability) and
LinearClassifier's minibatch SGD on real data."""
import numpy as np
import pytest
from scipy.special import log_softmax

from cs231n_core.classifiers.linear_classifier import LinearClassifier, LinearSVM, Softmax
from cs231n_core.classifiers.linear_svm import svm_loss_naive, svm_loss_vectorized
from cs231n_core.classifiers.softmax import softmax_loss_naive, softmax_loss_vectorized
from cs231n_core.gradient_check import eval_numerical_gradient, rel_error

SVM = [svm_loss_naive, svm_loss_vectorized]
SOFTMAX = [softmax_loss_naive, softmax_loss_vectorized]
LOSSES = SVM + SOFTMAX

# Scores X.dot(W): [1, 2, 3] with label 0 and [-1, 1, 3] with label 2.
X_HAND = np.array([[1.0, 2.0], [-1.0, 1.0]])
W_HAND = np.array([[1.0, 0.0, -1.0], [0.0, 1.0, 2.0]])
Y_HAND = np.array([0, 2])


def random_problem(seed, num_train=13, dim=7, num_classes=5, w_scale=0.3):
    rs = np.random.RandomState(seed)
    return (rs.randn(dim, num_classes) * w_scale, rs.randn(num_train, dim),
            rs.randint(num_classes, size=num_train))


# ---- values worked by hand ---------------------------------------------------------------

@pytest.mark.parametrize("loss_fn", SVM, ids=lambda f: f.__name__)
def test_svm_hand_example(loss_fn):
    # Example 0: margins 2 - 1 + 1 = 2 and 3 - 1 + 1 = 3; example 1: -3 and -1, clipped.
    loss, dW = loss_fn(W_HAND, X_HAND, Y_HAND, 0.0)
    assert loss == pytest.approx(2.5)
    # Example 0 adds x0 to columns 1 and 2 and subtracts 2 * x0 from column 0.
    np.testing.assert_allclose(dW, [[-1.0, 0.5, 0.5], [-2.0, 1.0, 1.0]])
    loss, dW = loss_fn(W_HAND, X_HAND, Y_HAND, 0.1)
    assert loss == pytest.approx(2.5 + 0.1 * 7.0)  # sum(W * W) = 7
    np.testing.assert_allclose(dW, [[-0.8, 0.5, 0.3], [-2.0, 1.2, 1.4]])


@pytest.mark.parametrize("loss_fn", SVM, ids=lambda f: f.__name__)
def test_svm_zero_weights_costs_delta_per_wrong_class(loss_fn):
    W, X, y = random_problem(0)
    loss, _ = loss_fn(np.zeros_like(W), X, y, 1.0)
    assert loss == pytest.approx(W.shape[1] - 1)  # every margin is exactly delta = 1


@pytest.mark.parametrize("loss_fn", SOFTMAX, ids=lambda f: f.__name__)
def test_softmax_hand_example(loss_fn):
    # W = 0: every class has probability 1/3.
    loss, dW = loss_fn(np.zeros((2, 3)), X_HAND, Y_HAND, 0.5)
    assert loss == pytest.approx(np.log(3.0))
    np.testing.assert_allclose(dW, [[-0.5, 0.0, 0.5], [-0.5, 0.5, 0.0]], atol=1e-15)
    # Two classes, scores 0 and log(3) for label 0: p = 1/4, loss = log(4).
    loss, dW = loss_fn(np.array([[0.0, np.log(3.0)]]), np.array([[1.0]]), np.array([0]), 0.0)
    assert loss == pytest.approx(np.log(4.0))
    np.testing.assert_allclose(dW, [[0.25 - 1.0, 0.75]])


@pytest.mark.parametrize("loss_fn", SOFTMAX, ids=lambda f: f.__name__)
def test_softmax_matches_scipy_log_softmax(loss_fn):
    W, X, y = random_problem(1, w_scale=2.0)
    expected = -np.mean(log_softmax(X.dot(W), axis=1)[np.arange(len(y)), y])
    loss, _ = loss_fn(W, X, y, 0.0)
    assert loss == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("loss_fn", LOSSES, ids=lambda f: f.__name__)
def test_regularization(loss_fn):
    W, X, y = random_problem(2)
    loss0, dW0 = loss_fn(W, X, y, 0.0)
    loss1, dW1 = loss_fn(W, X, y, 0.8)
    assert loss1 - loss0 == pytest.approx(0.8 * np.sum(W * W), rel=1e-12)
    np.testing.assert_allclose(dW1 - dW0, 2 * 0.8 * W, rtol=1e-10, atol=1e-14)


# ---- gradients, agreement, inputs ----------------------------------------------------------

@pytest.mark.parametrize("loss_fn", LOSSES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("seed", [3, 4])
def test_gradient_matches_numerical(loss_fn, seed):
    W, X, y = random_problem(seed)
    reg = 0.1
    _, dW = loss_fn(W, X, y, reg)
    numerical = eval_numerical_gradient(lambda w: loss_fn(w, X, y, reg)[0], W.copy(),
                                        verbose=False)
    assert rel_error(dW, numerical) < 1e-7


@pytest.mark.parametrize("naive, vectorized", [SVM, SOFTMAX], ids=["svm", "softmax"])
@pytest.mark.parametrize("shape", [(1, 3, 2), (4, 2, 11), (50, 20, 10), (200, 3, 4)])
def test_naive_equals_vectorized(naive, vectorized, shape):
    W, X, y = random_problem(5, *shape)
    loss_n, dW_n = naive(W, X, y, 0.3)
    loss_v, dW_v = vectorized(W, X, y, 0.3)
    assert abs(loss_n - loss_v) < 1e-12
    assert np.linalg.norm(dW_n - dW_v) < 1e-12


@pytest.mark.parametrize("loss_fn", LOSSES, ids=lambda f: f.__name__)
def test_inputs_unchanged_and_types(loss_fn):
    W, X, y = random_problem(6)
    copies = W.copy(), X.copy(), y.copy()
    loss, dW = loss_fn(W, X, y, 0.2)
    assert all(np.array_equal(a, b) for a, b in zip((W, X, y), copies))
    assert np.ndim(loss) == 0 and np.isfinite(loss)
    assert dW.shape == W.shape and dW.dtype == np.float64


# ---- numerical stability -------------------------------------------------------------------

def large_scores(seed, spread):
    """Scores of about 1000 (a shared bias) with a spread of `spread` units."""
    W, X, y = random_problem(seed, 20, 6, 5, w_scale=spread / 5.0)
    X[:, -1] = 1.0
    W[-1, :] = 1000.0
    return W, X, y


@pytest.mark.parametrize("loss_fn", SOFTMAX, ids=lambda f: f.__name__)
def test_softmax_stable_for_scores_around_1000(loss_fn):
    W, X, y = large_scores(7, spread=3.0)
    with np.errstate(all="raise"):  # no overflow, no invalid value
        loss, dW = loss_fn(W, X, y, 0.0)
    # A common shift of all scores changes nothing: the same loss without the bias.
    W_small = W.copy()
    W_small[-1, :] = 0.0
    expected_loss, expected_dW = loss_fn(W_small, X, y, 0.0)
    assert loss == pytest.approx(expected_loss, rel=1e-10)
    np.testing.assert_allclose(dW[:-1], expected_dW[:-1], rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("loss_fn", SOFTMAX, ids=lambda f: f.__name__)
def test_softmax_finite_when_probabilities_underflow(loss_fn):
    """Spreads of thousands: p of the correct class underflows, the loss stays exact."""
    W, X, y = random_problem(8, w_scale=1000.0)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, dW = loss_fn(W, X, y, 0.0)
    expected = -np.mean(log_softmax(X.dot(W), axis=1)[np.arange(len(y)), y])
    assert np.isfinite(loss) and np.all(np.isfinite(dW))
    assert loss == pytest.approx(expected, rel=1e-12)


# ---- LinearClassifier --------------------------------------------------------------------

@pytest.fixture(scope="module")
def digits():
    """scikit-learn's digits, scaled to [0, 1], mean-subtracted, with a bias column."""
    from sklearn.datasets import load_digits

    data = load_digits()
    X, y = data.data / 16.0, data.target
    order = np.random.RandomState(0).permutation(len(y))
    train, test = order[:1297], order[1297:]
    mean = X[train].mean(axis=0)

    def prepared(rows):
        return np.hstack([X[rows] - mean, np.ones((len(rows), 1))])

    return prepared(train), y[train], prepared(test), y[test]


@pytest.mark.parametrize("cls, learning_rate, minimum", [(LinearSVM, 0.1, 0.93),
                                                          (Softmax, 0.3, 0.90)])
def test_training_reaches_a_good_accuracy(digits, cls, learning_rate, minimum):
    X_train, y_train, X_test, y_test = digits
    np.random.seed(0)
    classifier = cls()
    history = classifier.train(X_train, y_train, learning_rate=learning_rate, reg=1e-3,
                               num_iters=200, batch_size=200)
    assert len(history) == 200 and all(isinstance(v, float) for v in history)
    assert np.mean(history[-20:]) < 0.5 * np.mean(history[:20])
    assert classifier.W.shape == (65, 10)
    labels = classifier.predict(X_test)
    assert labels.shape == y_test.shape and labels.dtype.kind == "i"
    assert np.mean(labels == y_test) >= minimum


def test_train_initializes_w_lazily_and_keeps_it():
    W, X, y = random_problem(9, 30, 4, 3)
    classifier = LinearSVM()
    assert classifier.W is None
    np.random.seed(1)
    classifier.train(X, y, num_iters=0)
    assert classifier.W.shape == (4, 3) and np.std(classifier.W) < 0.01
    classifier.W = W.copy()
    classifier.train(X, y, learning_rate=0.0, num_iters=3)
    np.testing.assert_array_equal(classifier.W, W)  # kept, not re-initialized


def test_one_sgd_step_is_minus_learning_rate_times_gradient():
    """With every training row the same example, the minibatch is known."""
    rs = np.random.RandomState(10)
    W0 = rs.randn(6, 4)
    X = np.tile(rs.randn(1, 6), (30, 1))
    y = np.full(30, 2)
    for cls, loss_fn in [(LinearSVM, svm_loss_vectorized), (Softmax, softmax_loss_vectorized)]:
        classifier = cls()
        classifier.W = W0.copy()
        history = classifier.train(X, y, learning_rate=0.05, reg=0.3, num_iters=1, batch_size=7)
        loss, dW = loss_fn(W0, X[:7], y[:7], 0.3)
        np.testing.assert_allclose(classifier.W, W0 - 0.05 * dW, rtol=1e-12)
        assert history == [pytest.approx(loss)]


def test_minibatches_are_sampled_with_replacement():
    W, X, y = random_problem(11, 5, 3, 2)
    np.random.seed(2)
    history = LinearSVM().train(X, y, num_iters=4, batch_size=50)
    assert len(history) == 4
    np.random.seed(3)
    assert np.random.choice(5, 50, replace=True).shape == (50,)  # what train relies on


def test_train_is_reproducible_from_numpy_seed():
    W, X, y = random_problem(12, 40, 5, 3)
    runs = []
    for _ in range(2):
        np.random.seed(7)
        classifier = Softmax()
        runs.append((classifier.train(X, y, num_iters=10, batch_size=8), classifier.W.copy()))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


def test_predict_is_argmax_of_scores():
    classifier = LinearClassifier()
    classifier.W = np.array([[0.0, 2.0, 1.0], [3.0, 1.0, 0.0], [0.0, 0.0, 5.0], [1.0, 2.0, 3.0]])
    labels = classifier.predict(np.vstack([np.eye(4), np.ones((1, 4))]))
    assert labels.tolist() == [1, 0, 2, 2, 2] and labels.dtype.kind == "i"


def test_base_class_loss_is_abstract():
    W, X, y = random_problem(13)
    classifier = LinearClassifier()
    with pytest.raises(NotImplementedError):
        classifier.train(X, y, num_iters=1)


def test_train_with_progress_draws_a_bar_and_learns_the_same(capsys):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 5)), rng.integers(0, 3, size=60)
    histories = []
    for progress in (False, "lr 1e-3"):
        np.random.seed(0)
        histories.append(LinearSVM().train(X, y, num_iters=20, batch_size=10, progress=progress))
    assert histories[0] == histories[1]
    bar = capsys.readouterr().err  # tqdm draws on stderr outside a notebook
    assert "lr 1e-3" in bar and "20/20" in bar
