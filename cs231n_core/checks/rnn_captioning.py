"""Public checks of assignment 4's vanilla RNN, word embedding, temporal layers
(rnn_layers.py) and CaptioningRNN (classifiers/rnn.py).

The expected values below were computed once with the reference solution on small fixed
inputs; the np.linspace inputs are CS231n's own, so those numbers match the ones in
CS231n's RNN_Captioning notebook, and the small cases without a linspace were worked by
hand.
"""
import numpy as np

from . import public_check
from .numpy_tools import _check_grads_dict, _pair, _scalar, _seeded, _values
from .rnn_tools import (CAPTIONING_DIMS, CAPTIONING_VOCAB, _backward_check, _outputs, cs231n_captioning_case,
                        cs231n_case)

# One time step: N = 2, D = 3, H = 4.
STEP_X = np.linspace(-0.5, 0.6, num=6).reshape(2, 3)
STEP_H = 0.5 * np.cos(np.arange(8.0)).reshape(2, 4)
STEP_WX = np.linspace(-0.4, 0.5, num=12).reshape(3, 4)
STEP_WH = 0.4 * np.sin(np.arange(16.0)).reshape(4, 4)
STEP_B = np.array([0.1, -0.2, 0.05, 0.3])
STEP_DNEXT = np.cos(1.3 * np.arange(8.0)).reshape(2, 4)
STEP_DX = np.array([[-0.161443760014, -0.253880797005, -0.346317833995],
                    [-0.39155363974, -0.139582515101, 0.112388609537]])
STEP_DPREV_H = np.array([[-0.25478536545, -0.460623889955, 0.856953100022, -0.659659964463],
                         [0.306553373335, -0.697121873191, 0.604785157416, -0.0935060470854]])
STEP_DWX = np.array([[-0.399426173455, 0.0235914577023, 0.43076026926, 0.209483580607],
                     [-0.0944122532411, 0.295522149595, 0.256236788435, -0.0856951917561],
                     [0.210601666973, 0.567452841488, 0.0817133076101, -0.380873964119]])
STEP_DWH = np.array([[0.325168406494, -0.185766461128, -0.439383438947, -0.0928657158315],
                     [0.31742543176, 0.209174238144, -0.220940795705, -0.272764694726],
                     [0.0178429789484, 0.411801107523, 0.200633796188, -0.201885071208],
                     [-0.298144226421, 0.235819937763, 0.437746601136, 0.0546067557377]])
STEP_DB = np.array([1.38642691006, 1.23604859951, -0.793288549204, -1.34172169256])

# Sequences: N = 2, T = 3, D = 3, H = 4 (the weights of one step).
SEQ_X = np.linspace(-0.6, 0.6, num=18).reshape(2, 3, 3)
SEQ_H0 = 0.3 * np.sin(np.arange(8.0)).reshape(2, 4)
SEQ_DH = np.cos(0.7 * np.arange(24.0)).reshape(2, 3, 4)
SEQ_DX = np.array([[[-0.457179904667, -0.161174937209, 0.134830030248],
                    [0.611703910897, 0.0732297955364, -0.465244319824],
                    [-0.810521874849, 0.0454180978488, 0.901358070547]],
                  
                   [[0.565526459682, -0.0981316314877, -0.761789722657],
                    [-0.461847460992, 0.16038326841, 0.782613997811],
                    [0.40905347285, -0.200539917109, -0.810133307067]]])
SEQ_DH0 = np.array([[0.355219794071, -0.845841691721, 0.750538258037, -0.135327397439],
                    [-0.851890653041, 0.615241564156, 0.0475932056396, -0.677459554681]])
SEQ_DWX = np.array([[-0.239882403475, -0.567933786531, 0.0665030090092, -0.0805945352502],
                    [-0.179327971913, -0.566759849451, 0.0213914775905, -0.105310376322],
                    [-0.118773540351, -0.56558591237, -0.0237200538283, -0.130026217394]])
SEQ_DWH = np.array([[-0.00383677821791, 0.139881342763, 0.453128595105, 0.074138609045],
                    [0.129057544833, 0.99534264172, 0.154103257344, -0.364361019348],
                    [0.244609586748, 0.860143744574, 0.0843456846845, -0.436858286613],
                    [0.143535654737, 0.0186571852889, -0.0421127423361, -0.207798115211]])
SEQ_DB = np.array([0.857854447129, 0.0166307753072, -0.639080028432, -0.35014108185])

# Temporal affine: N = 2, T = 3, D = 4, M = 5.
AFFINE_X = np.linspace(-1.0, 1.0, num=24).reshape(2, 3, 4)
AFFINE_W = np.linspace(-0.5, 0.5, num=20).reshape(4, 5)
AFFINE_B = np.array([0.1, -0.1, 0.2, 0.0, 0.3])
AFFINE_DOUT = np.cos(0.9 * np.arange(30.0)).reshape(2, 3, 5)
AFFINE_OUT = np.array([[[0.580549199085, 0.197482837529, 0.314416475973, -0.0686498855835, 0.0482837528604],
                        [0.43409610984, 0.124256292906, 0.314416475973, 0.0045766590389, 0.194736842105],
                        [0.287643020595, 0.0510297482838, 0.314416475973, 0.0778032036613, 0.34118993135]],
                      
                       [[0.14118993135, -0.0221967963387, 0.314416475973, 0.151029748284, 0.487643020595],
                        [-0.00526315789474, -0.0954233409611, 0.314416475973, 0.224256292906,
                         0.63409610984],
                        [-0.15171624714, -0.168649885584, 0.314416475973, 0.297482837529, 0.780549199085]]])
AFFINE_DX = np.array([[[-0.119527831955, -0.226481170054, -0.333434508152, -0.44038784625],
                       [-0.710845253827, -0.240170813382, 0.230503627064, 0.701178067509],
                       [0.419214219059, 0.327735167267, 0.236256115475, 0.144777063683]],
                     
                      [[0.534108060948, 0.10200042021, -0.330107220528, -0.762214861265],
                       [-0.644389690439, -0.370737687508, -0.097085684577, 0.176566318354],
                       [-0.262438781066, 0.0542994742246, 0.371037729515, 0.687775984805]]])
AFFINE_DW = np.array([[-0.946459087801, -0.504582408066, 0.319152178465, 0.901358759125, 0.801435000855],
                      [-0.923849812136, -0.422427248215, 0.398679835418, 0.918073967903, 0.742688024699],
                      [-0.901240536472, -0.340272088363, 0.47820749237, 0.934789176681, 0.683941048543],
                      [-0.878631260807, -0.258116928511, 0.557735149323, 0.951504385459, 0.625194072387]])
AFFINE_DB = np.array([0.260006670145, 0.944784338293, 0.914568054953, 0.192224900948, -0.675590225795])

# Temporal softmax loss: N = 2, T = 3, V = 4; the last step of the first caption and the
# last two of the second are padding.
LOSS_X = 2 * np.cos(1.1 * np.arange(24.0)).reshape(2, 3, 4)
LOSS_Y = np.array([[1, 3, 0], [2, 2, 1]])
LOSS_MASK = np.array([[True, True, False], [True, False, False]])
LOSS = 3.690597281
LOSS_DX = np.array([[[0.358226653712, -0.3798959873, 0.014941815063, 0.00672751852462],
                     [0.0212671497122, 0.162254956508, 0.263036955901, -0.446559062121],
                     [-0, 0, 0, 0]],
                   
                    [[0.408858145467, 0.0589902086473, -0.487869844841, 0.0200214907269],
                     [0, 0, -0, 0],
                     [0, -0, 0, 0]]])


# The backward passes: (forward pass, its arguments, the upstream gradients, the expected
# gradients and their names), each checked by rnn_tools._check_backward.
BACKWARD_CASES = {
    "rnn_step_backward": ("rnn_step_forward", [STEP_X, STEP_H, STEP_WX, STEP_WH, STEP_B], [STEP_DNEXT],
                          [STEP_DX, STEP_DPREV_H, STEP_DWX, STEP_DWH, STEP_DB],
                          ["dx", "dprev_h", "dWx", "dWh", "db"]),
    "rnn_backward": ("rnn_forward", [SEQ_X, SEQ_H0, STEP_WX, STEP_WH, STEP_B], [SEQ_DH],
                     [SEQ_DX, SEQ_DH0, SEQ_DWX, SEQ_DWH, SEQ_DB], ["dx", "dh0", "dWx", "dWh", "db"]),
    "temporal_affine_backward": ("temporal_affine_forward", [AFFINE_X, AFFINE_W, AFFINE_B], [AFFINE_DOUT],
                                 [AFFINE_DX, AFFINE_DW, AFFINE_DB], ["dx", "dw", "db"]),
}
for _target, _case in BACKWARD_CASES.items():
    public_check(_target)(_backward_check(_target, *_case))


# --------------------------------------------------------------------------------------
# The vanilla RNN
# --------------------------------------------------------------------------------------

@public_check("rnn_step_forward")
def _check_rnn_step_forward(t):
    from cs231n_core.rnn_layers import rnn_step_forward

    # By hand: with x and prev_h zero, next_h = tanh(b).
    b = np.array([0.5, -1.0, 2.0])
    next_h = _pair(t, t.call(rnn_step_forward, np.zeros((2, 3)), np.zeros((2, 3)), STEP_WX[:, :3].copy(),
                             STEP_WH[:3, :3].copy(), b), "rnn_step_forward")
    next_h = t.expect_array(next_h, (2, 3), "next_h of 2 examples and 3 hidden units", "float")
    t.expect_close(next_h, np.tanh([b, b]), 1e-8, "tanh(b) when x and prev_h are zero",
                   hint=lambda got, exp: "apply tanh to the activations (the affine terms plus b)"
                   if np.allclose(got, [b, b]) else None)

    # CS231n's check.
    args, expected = cs231n_case("rnn_step_forward")
    next_h = _pair(t, t.call(rnn_step_forward, *args), "rnn_step_forward")
    t.expect_close(next_h, expected["next_h"], 1e-7, "CS231n's expected next_h")


@public_check("rnn_forward")
def _check_rnn_forward(t):
    from cs231n_core.rnn_layers import rnn_forward

    args, expected = cs231n_case("rnn_forward")
    h = _pair(t, t.call(rnn_forward, *args), "rnn_forward")
    h = t.expect_array(h, (2, 3, 5), "h of 2 sequences of 3 steps and 5 hidden units", "float")
    t.expect_close(h[:, 0], expected["h"][:, 0], 1e-7, "CS231n's expected first hidden state (from h0)")
    t.expect_close(h, expected["h"], 1e-7, "CS231n's expected h",
                   hint=lambda got, exp: "each step must start from the hidden state of the step "
                   "before, not from h0" if np.allclose(got[:, 0], exp[:, 0]) else None)


# --------------------------------------------------------------------------------------
# Word embeddings
# --------------------------------------------------------------------------------------

@public_check("word_embedding_forward")
def _check_word_embedding_forward(t):
    from cs231n_core.rnn_layers import word_embedding_forward

    # CS231n's check: V = 5 words of dimension 3, word vectors k / 14.
    args, expected = cs231n_case("word_embedding_forward")
    out = _pair(t, t.call(word_embedding_forward, *args), "word_embedding_forward")
    out = t.expect_array(out, (2, 4, 3), "out of 2 sequences of 4 words and 3 dimensions", "float")
    t.expect_close(out, expected["out"], 1e-8, "CS231n's expected out (row x[i, t] of W)")


@public_check("word_embedding_backward")
def _check_word_embedding_backward(t):
    from cs231n_core.gradient_check import eval_numerical_gradient_array
    from cs231n_core.rnn_layers import word_embedding_backward, word_embedding_forward

    # By hand: word 2 appears three times, words 0 twice, 1 once and 3 never.
    x = np.array([[0, 2, 2], [1, 2, 0]])
    W = np.linspace(-1, 1, num=8).reshape(4, 2)
    dout = np.arange(12.0).reshape(2, 3, 2)
    cache = _outputs(t, word_embedding_forward, [x, W], 2)[-1]
    dW = t.call(word_embedding_backward, dout.copy(), cache)
    dW = t.expect_array(dW, (4, 2), "dW, of the shape of W", "float")
    t.expect_close(dW, [[10.0, 12.0], [6.0, 7.0], [14.0, 17.0], [0.0, 0.0]], 1e-8,
                   "a small example worked by hand (repeated words add up)",
                   hint=lambda got, exp: "dW[x] += dout adds only once per repeated index: np.add.at "
                   "adds them all" if not np.allclose(got[2], exp[2]) else None)
    numeric = eval_numerical_gradient_array(lambda w: word_embedding_forward(x, w)[0], W.copy(), dout)
    t.expect_close(dW, numeric, 1e-8, "a numerical gradient of your word_embedding_forward")


# --------------------------------------------------------------------------------------
# Temporal affine layer and temporal softmax loss
# --------------------------------------------------------------------------------------

@public_check("temporal_affine_forward")
def _check_temporal_affine_forward(t):
    from cs231n_core.rnn_layers import temporal_affine_forward

    out = _pair(t, t.call(temporal_affine_forward, AFFINE_X.copy(), AFFINE_W.copy(), AFFINE_B.copy()),
                "temporal_affine_forward")
    out = t.expect_array(out, (2, 3, 5), "out of 2 sequences of 3 steps and 5 outputs", "float")
    t.expect_close(out, AFFINE_OUT, 1e-8, "the expected out (the affine layer at every time step)")


@public_check("temporal_softmax_loss")
def _check_temporal_softmax_loss(t):
    from cs231n_core.gradient_check import eval_numerical_gradient
    from cs231n_core.rnn_layers import temporal_softmax_loss

    def loss_and_dx(x, y, mask, what):
        loss, dx = _values(t, t.call(temporal_softmax_loss, x, y, mask), 2, "temporal_softmax_loss")
        return _scalar(t, loss, what), t.expect_array(dx, x.shape, "dx, of the shape of x", "float",
                                                      report=False)

    # By hand: equal scores over V = 4 words give log(4) per counted step; 3 steps count
    # over N = 2 captions.
    loss, dx = loss_and_dx(np.zeros((2, 3, 4)), LOSS_Y, LOSS_MASK, "the loss of equal scores")
    t.expect_close(loss, 3 * np.log(4) / 2, 1e-8, "log(4) per counted step, summed and divided by N = 2",
                   hint=lambda got, exp: "divide by the number of captions N, not by the number of "
                   "counted steps" if np.isclose(got, np.log(4)) else "leave out the masked steps"
                   if np.isclose(got, 6 * np.log(4) / 2) else None)
    loss, dx = loss_and_dx(LOSS_X.copy(), LOSS_Y.copy(), LOSS_MASK.copy(), "the loss")
    t.expect_close(loss, LOSS, 1e-8, "the expected loss")
    t.expect_close(dx, LOSS_DX, 1e-8, "the expected dx (zero at the masked steps)")
    numeric = eval_numerical_gradient(lambda v: temporal_softmax_loss(v, LOSS_Y, LOSS_MASK)[0],
                                      LOSS_X.copy(), verbose=False)
    t.expect_close(dx, numeric, 1e-7, "a numerical gradient of your loss")
    loss, _ = loss_and_dx(1e3 * LOSS_X, LOSS_Y.copy(), LOSS_MASK.copy(), "the loss of scores around 1e3")
    if not np.isfinite(loss):
        t.fail("the loss of scores around 1e3 is not finite: subtract each row's maximum first")
    t.ok("finite for scores around 1e3")

    # CS231n's sanity checks: about log(10) per counted step.
    rs = np.random.RandomState(231)
    for (N, T, V, p), low, high in (((100, 1, 10, 1.0), 2.2, 2.4), ((100, 10, 10, 1.0), 22.0, 24.0),
                                    ((5000, 10, 10, 0.1), 2.2, 2.4)):
        x, y, mask = 0.001 * rs.randn(N, T, V), rs.randint(V, size=(N, T)), rs.rand(N, T) <= p
        loss, _ = loss_and_dx(x, y, mask, "the loss")
        if not low <= loss <= high:
            t.fail("the loss of %d captions of %d steps, each step counted with probability %g, is "
                   "%.3f; CS231n expects it between %g and %g" % (N, T, p, loss, low, high))
    t.ok("CS231n's three sanity checks (about 2.3, 23 and 2.3)")


# --------------------------------------------------------------------------------------
# CaptioningRNN
# --------------------------------------------------------------------------------------

SAMPLE_VOCAB = {"<NULL>": 0, "<START>": 1, "<END>": 2, "a": 3, "b": 4, "c": 5}
SAMPLE_CAPTIONS = {"rnn": np.array([[2, 0, 0, 0, 0, 0],
                                    [5, 4, 4, 5, 4, 4],
                                    [2, 0, 0, 0, 0, 0],
                                    [3, 5, 5, 5, 4, 2],
                                    [2, 0, 0, 0, 0, 0]]),
                   "lstm": np.array([[2, 0, 0, 0, 0, 0],
                                     [3, 3, 3, 3, 2, 0],
                                     [4, 4, 4, 4, 4, 4],
                                     [4, 4, 4, 4, 4, 4],
                                     [3, 3, 3, 3, 3, 2]])}


def _linspace_loss(t, cell_type):
    """CS231n's check of the loss: (its expected value, what loss returned)."""
    from cs231n_core.classifiers.rnn import CaptioningRNN

    model = _seeded(t, CaptioningRNN, CAPTIONING_VOCAB, cell_type=cell_type, dtype=np.float64,
                    **CAPTIONING_DIMS)
    features, captions, expected_loss = cs231n_captioning_case(model)
    return expected_loss, t.call(model.loss, features, captions)


def _sample_model(t, cell_type):
    """A small model with fixed parameters (drawn from seed 123) that never says <NULL>
    or <START>, and five images: its captions end after 1 to 6 words, or never."""
    from cs231n_core.classifiers.rnn import CaptioningRNN

    model = _seeded(t, CaptioningRNN, SAMPLE_VOCAB, input_dim=4, wordvec_dim=3, hidden_dim=5,
                    cell_type=cell_type, dtype=np.float64)
    rs = np.random.RandomState(123)
    for name, value in sorted(model.params.items()):
        model.params[name] = 1.5 * rs.randn(*value.shape)
    model.params["b_vocab"][[SAMPLE_VOCAB["<NULL>"], SAMPLE_VOCAB["<START>"]]] -= 10.0
    return model, 2 * rs.randn(5, 4)


def _after_end_hint(got, expected):
    """The hint for captions right up to their <END> but not <NULL> after it."""
    if np.shape(got) == np.shape(expected) and np.array_equal(np.where(expected == 0, 0, got), expected):
        return "after <END>, only <NULL>"
    return None


@public_check("CaptioningRNN")
def _check_captioning_rnn(t):
    from cs231n_core.classifiers.rnn import CaptioningRNN
    from cs231n_core.gradient_check import eval_numerical_gradient

    expected_loss, result = _linspace_loss(t, "rnn")
    loss, grads = _values(t, result, 2, "loss(features, captions)")
    t.expect_close(_scalar(t, loss, "the loss"), expected_loss, 1e-9,
                   "CS231n's expected loss of a vanilla RNN (parameters set to linspaces)")

    # Gradients against numerical ones, on a tiny model whose parameters are all of one
    # scale.
    model = _seeded(t, CaptioningRNN, CAPTIONING_VOCAB, input_dim=4, wordvec_dim=5, hidden_dim=6,
                    dtype=np.float64)
    rs = np.random.RandomState(231)
    for name, value in sorted(model.params.items()):
        model.params[name] = 0.5 * rs.randn(*value.shape)
    features, captions = rs.randn(2, 4), rs.randint(len(CAPTIONING_VOCAB), size=(2, 3))
    _, grads = _values(t, t.call(model.loss, features, captions), 2, "loss(features, captions)")
    _check_grads_dict(t, grads, model.params)
    for name in sorted(model.params):
        numeric = eval_numerical_gradient(lambda _: model.loss(features, captions)[0], model.params[name],
                                          verbose=False)
        t.expect_close(grads[name], numeric, 1e-6, "a numerical gradient of your loss (grads[%r])" % name)

    # Sampling: greedy words, each caption ending at its first <END>, <NULL> after it.
    model, features = _sample_model(t, "rnn")
    captions = t.call(model.sample, features, max_length=6)
    captions = t.expect_array(captions, (5, 6), "the captions of sample(features, max_length=6)", "int")
    t.expect_labels(captions, SAMPLE_CAPTIONS["rnn"], "a small vanilla RNN's captions",
                    hint=_after_end_hint(captions, SAMPLE_CAPTIONS["rnn"]))

    # The LSTM captioning model too, once your LSTM layers work (LSTM_Captioning).
    from cs231n_core.rnn_layers import lstm_forward

    if t.call_other(lstm_forward, np.ones((1, 1, 1)), np.ones((1, 1)), np.ones((1, 4)), np.ones((1, 4)),
                    np.ones(4)) is None:
        t.note("skipped the LSTM's checks: lstm_forward is not implemented yet")
        return
    expected_loss, result = _linspace_loss(t, "lstm")
    loss, _ = _values(t, result, 2, "loss(features, captions)")
    t.expect_close(_scalar(t, loss, "the loss"), expected_loss, 1e-9,
                   "CS231n's expected loss of an LSTM (parameters set to linspaces)")
    model, features = _sample_model(t, "lstm")
    captions = t.call(model.sample, features, max_length=6)
    t.expect_labels(captions, SAMPLE_CAPTIONS["lstm"], "a small LSTM's captions",
                    hint="each step: lstm_step_forward, its cell state carried on")
