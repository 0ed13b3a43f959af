"""Hidden graders of the vanilla RNN, the word embedding, the temporal layers and
CaptioningRNN (assignment 4's RNN_Captioning notebook, 30 of 100 points).

Raw points add up to SECTION_WEIGHT, so each is worth one point of the assignment.
Inputs are drawn fresh for every grading run; the reference answers are computed here,
in the trusted process (rnn_common.py: each backward pass fed the cache of the
student's own forward pass; CS231n's tolerances).

CaptioningRNN is checked for both cell types (an LSTM's captioning model needs the LSTM
layers of the LSTM_Captioning notebook: their mistakes say so with "affects"): its loss
and gradients against the reference with the same parameters, against numerical
gradients, its greedy sampling (stopping at <END>, <NULL> after), and two trainings in
the worker with the student's CaptioningSolver on digit captions made here
(cs231n_core/captioning_data.py): overfitting a few captions, and captioning held-out
scenes, scored here (BLEU) by the reference's sample with the weights the worker
trained. The held-out scenes never leave this process.
"""
import numpy as np
import pytest

from autograder.graders.answers import expect_grads, numeric_net_problem, scalar, unpack
from autograder.graders.graded import graded
from autograder.trusted.expect import GradingFailure, expect_at_least, expect_close, expect_labels
from autograder.trusted.submission import call, get, saved
from cs231n_core import rnn_layers
from cs231n_core.classifiers.rnn import CaptioningRNN

from .rnn_common import GRAD_TOL, LAYERS, NUMERIC_TOL, VALUE_TOL, graders_of

SECTION_WEIGHT = 30

NET = "cs231n_core.classifiers.rnn:CaptioningRNN"
SOLVER = "cs231n_core.captioning_solver:CaptioningSolver"
NET_GRAD_TOL = 1e-7  # a whole model's gradients against the reference's: sums of many terms
PARAM_NAMES = ("W_embed", "W_proj", "W_vocab", "Wh", "Wx", "b", "b_proj", "b_vocab")


# --- the layers ------------------------------------------------------------------------

globals().update(graders_of("rnn_step_forward", "rnn_forward", "word_embedding_forward", "temporal_affine_forward"))


# --- temporal_softmax_loss --------------------------------------------------------------

def loss_problem(rng, N, T, V, scale=1.0, keep=0.6):
    """(x, y, mask): random scores, targets and a mask keeping about `keep` of the steps."""
    return (rng.normal(size=(N, T, V)) * scale, rng.integers(0, V, size=(N, T)),
            rng.uniform(size=(N, T)) < keep)


def loss_and_dx(result):
    loss, dx = unpack(result, 2, "temporal_softmax_loss")
    return scalar(loss, "temporal_softmax_loss's loss"), dx


def student_losses(submission, problems):
    """(loss, dx) of the student's temporal_softmax_loss for each (x, y, mask), in one run."""
    names = ["result%d" % i for i in range(len(problems))]
    result = submission.run([call(LAYERS + "temporal_softmax_loss", *problem, save=name)
                             for name, problem in zip(names, problems)], returns=names)
    return [loss_and_dx(result[name]) for name in names]


def check_losses(submission, problems, what):
    for (x, y, mask), (loss, dx), case in zip(problems, student_losses(submission, problems), what):
        expected_loss, expected_dx = rnn_layers.temporal_softmax_loss(x, y, mask)
        expect_close(loss, expected_loss, VALUE_TOL, "temporal_softmax_loss's loss %s" % case)
        expect_close(dx, expected_dx, GRAD_TOL, "temporal_softmax_loss's dx %s" % case)


def random_loss_shape(rng):
    return int(rng.integers(3, 9)), int(rng.integers(3, 9)), int(rng.integers(5, 15))


@pytest.mark.target("temporal_softmax_loss")
@pytest.mark.points(1)
def test_temporal_softmax_loss_values(submission, rng):
    """loss and dx match the reference on random scores and masks"""
    shape = random_loss_shape(rng)
    check_losses(submission, [loss_problem(rng, *shape)], ["for N, T, V = %d, %d, %d" % shape])


@pytest.mark.target("temporal_softmax_loss")
@pytest.mark.points(1)
def test_temporal_softmax_loss_mask(submission, rng):
    """masked steps add nothing to the loss and get no gradient, whatever their scores"""
    x, y, mask = loss_problem(rng, *random_loss_shape(rng))
    mask[0] = False                                # a caption of padding only
    wild = x.copy()
    wild[~mask] = rng.normal(size=(int(np.sum(~mask)), x.shape[2])) * 50
    (loss, dx), (wild_loss, wild_dx) = student_losses(submission, [(x, y, mask), (wild, y, mask)])
    expected_loss, _ = rnn_layers.temporal_softmax_loss(x, y, mask)
    expect_close(loss, expected_loss, VALUE_TOL, "temporal_softmax_loss's loss with a mask")
    expect_close(wild_loss, expected_loss, VALUE_TOL, "temporal_softmax_loss's loss when the masked steps' "
                 "scores change (they must not count)")
    expect_close(np.where(mask[..., None], 0.0, wild_dx), np.zeros_like(dx), GRAD_TOL,
                 "temporal_softmax_loss's dx at the masked steps (must be zero)")


@pytest.mark.target("temporal_softmax_loss")
@pytest.mark.points(1)
def test_temporal_softmax_loss_numerical(submission, rng):
    """dx matches a numerical gradient of the loss"""
    from cs231n_core.gradient_check import eval_numerical_gradient

    x, y, mask = loss_problem(rng, 3, 4, 5)
    numeric = eval_numerical_gradient(lambda v: rnn_layers.temporal_softmax_loss(v, y, mask)[0], x.copy(),
                                      verbose=False)
    _, dx = student_losses(submission, [(x, y, mask)])[0]
    expect_close(dx, numeric, NUMERIC_TOL, "temporal_softmax_loss's dx against a numerical gradient")


@pytest.mark.target("temporal_softmax_loss")
@pytest.mark.points(1)
def test_temporal_softmax_loss_edges(submission, rng):
    """scores around 1e3 (numerically stable), one caption of one step, two words, every step counted"""
    check_losses(submission, [loss_problem(rng, 4, 3, 6, scale=1e3), loss_problem(rng, 1, 1, 4, keep=2.0),
                              loss_problem(rng, 5, 4, 2, keep=2.0)],
                 ["for scores around 1e3", "for one caption of one step", "for two words, every step counted"])


# --- CaptioningRNN ----------------------------------------------------------------------

def small_vocabulary(V):
    """{"<NULL>": 0, "<START>": 1, "<END>": 2, "w3": 3, ...} of V words."""
    return dict({"<NULL>": 0, "<START>": 1, "<END>": 2}, **{"w%d" % i: i for i in range(3, V)})


def random_captions(rng, N, T, V):
    """Captions (N, T): <START>, words, <END> after 1 to T - 2 words, <NULL> after it."""
    captions = np.zeros((N, T), dtype=np.int64)
    captions[:, 0] = 1
    for row in captions:
        length = int(rng.integers(1, T - 1))
        row[1:length + 1] = rng.integers(3, V, size=length)
        row[length + 1] = 2
    return captions


def random_params(rng, cell_type, D, W, H, V):
    gates = 4 if cell_type == "lstm" else 1
    params = {"W_embed": rng.normal(size=(V, W)), "W_proj": rng.normal(size=(D, H)) / np.sqrt(D),
              "b_proj": rng.normal(size=H) * 0.1, "Wx": rng.normal(size=(W, gates * H)) / np.sqrt(W),
              "Wh": rng.normal(size=(H, gates * H)) / np.sqrt(H), "b": rng.normal(size=gates * H) * 0.1,
              "W_vocab": rng.normal(size=(H, V)) / np.sqrt(H), "b_vocab": rng.normal(size=V) * 0.1}
    return {k: v * rng.uniform(0.7, 1.5) for k, v in params.items()}


def reference_net(params, cell_type, vocabulary):
    W, H = params["Wx"].shape[0], params["Wh"].shape[0]
    net = CaptioningRNN(vocabulary, input_dim=params["W_proj"].shape[0], wordvec_dim=W, hidden_dim=H,
                        cell_type=cell_type, dtype=np.float64)
    net.params = {k: v.copy() for k, v in params.items()}
    return net


def student_net_steps(params, cell_type, vocabulary):
    """Steps that build the student's net in float64 and give it these parameters."""
    return [call(NET, vocabulary, input_dim=params["W_proj"].shape[0], wordvec_dim=params["Wx"].shape[0],
                 hidden_dim=params["Wh"].shape[0], cell_type=cell_type, dtype="float64", save="net"),
            call("net.params.update", params)]


def student_loss(submission, params, cell_type, vocabulary, features, captions):
    result = submission.run(student_net_steps(params, cell_type, vocabulary)
                            + [call("net.loss", features, captions, save="result")], returns=["result"])
    loss, grads = unpack(result["result"], 2, "CaptioningRNN.loss(features, captions)")
    return scalar(loss, "CaptioningRNN.loss's loss"), grads


def check_net_loss(submission, rng, cell_type):
    N, T, D, W, H, V = (int(rng.integers(3, 7)), int(rng.integers(4, 9)), int(rng.integers(4, 9)),
                        int(rng.integers(3, 7)), int(rng.integers(4, 8)), int(rng.integers(6, 12)))
    vocabulary = small_vocabulary(V)
    params = random_params(rng, cell_type, D, W, H, V)
    features, captions = rng.normal(size=(N, D)), random_captions(rng, N, T, V)
    expected_loss, expected_grads = reference_net(params, cell_type, vocabulary).loss(features, captions)
    loss, grads = student_loss(submission, params, cell_type, vocabulary, features, captions)
    what = "CaptioningRNN(cell_type=%r).loss on %d captions of %d words (<NULL>-padded)" % (cell_type, N, T)
    expect_close(loss, expected_loss, VALUE_TOL, what + ": the loss")
    expect_grads(grads, expected_grads, NET_GRAD_TOL, what, PARAM_NAMES)


globals().update({"test_net_loss_" + cell_type: graded(
    "CaptioningRNN", 1, "%s's loss and gradients match the reference with the same parameters" % model,
    check_net_loss, cell_type) for cell_type, model in (("rnn", "a vanilla RNN"),
                                                        ("lstm", "an LSTM (needs the LSTM layers)"))})


@pytest.mark.target("CaptioningRNN")
@pytest.mark.points(1)
def test_net_numerical_gradients(submission, rng):
    """a vanilla RNN's gradients match numerical gradients of the loss"""
    vocabulary = small_vocabulary(6)

    def draw():
        params = random_params(rng, "rnn", 4, 3, 5, 6)
        features, captions = rng.normal(size=(2, 4)), random_captions(rng, 2, 5, 6)
        return reference_net(params, "rnn", vocabulary), features, captions, params

    (_, features, captions, params), expected, numeric = numeric_net_problem(draw, PARAM_NAMES, NUMERIC_TOL)
    _, grads = student_loss(submission, params, "rnn", vocabulary, features, captions)
    expect_grads(grads, numeric, NUMERIC_TOL, "CaptioningRNN.loss's gradients against numerical ones",
                 PARAM_NAMES)


# Sampling: a model whose captions end at different steps, or never.
SAMPLE_TRIES = 50


def sample_problem(rng, cell_type, max_length):
    """(params, vocabulary, features, the reference's captions), drawn until the captions
    end at two different steps or more and one of them never ends."""
    vocabulary = small_vocabulary(8)
    for _ in range(SAMPLE_TRIES):
        params = random_params(rng, cell_type, 5, 4, 6, 8)
        params = {k: v * 2 for k, v in params.items()}
        params["b_vocab"][:2] -= 10.0            # no <NULL> or <START> as a word
        params["b_vocab"][2] += rng.uniform(0, 1.5)
        features = rng.normal(size=(8, 5)) * 2
        captions = reference_net(params, cell_type, vocabulary).sample(features, max_length=max_length)
        ends = {int(np.argmax(row == 2)) if np.any(row == 2) else max_length for row in captions}
        if len(ends) >= 3 and max_length in ends:
            return params, vocabulary, features, captions
    raise RuntimeError("no sampling problem with captions of several lengths in %d draws" % SAMPLE_TRIES)


@pytest.mark.target("CaptioningRNN")
@pytest.mark.points(2)
def test_net_sample(submission, rng):
    """sample: the greedy words of both cell types, each caption ending at its <END>, <NULL> after it"""
    max_length = int(rng.integers(6, 12))
    problems = {cell_type: sample_problem(rng, cell_type, max_length) for cell_type in ("rnn", "lstm")}
    for cell_type, (params, vocabulary, features, expected) in problems.items():
        result = submission.run(student_net_steps(params, cell_type, vocabulary)
                                + [call("net.sample", features, max_length=max_length, save="captions")],
                                returns=["captions"])
        expect_labels(result["captions"], expected, "the captions of CaptioningRNN(cell_type=%r).sample("
                      "features, max_length=%d) (the words, <END>, then <NULL>)" % (cell_type, max_length))


# Training in the worker: digit captions made here from the run's seed
# (captioning_data.make_captioned_scenes), the features standardized as
# load_digit_captions does; the student's CaptioningRNN and CaptioningSolver train in the
# worker, in float32 as CS231n's notebooks do.
TRAIN_DIMS = {"wordvec_dim": 64, "hidden_dim": 128}
SOLVER_CONFIG = {"update_rule": "adam", "optim_config": {"learning_rate": 1e-2}, "batch_size": 20,
                 "verbose": False}


def digit_captions(seed, num_scenes, split, captions_per_image):
    from cs231n_core.captioning_data import make_captioned_scenes

    return make_captioned_scenes(num_scenes, split=split, seed=seed, captions_per_image=captions_per_image)


def solver_data(scenes, features):
    return {"train_captions": scenes["captions"], "train_image_idxs": scenes["image_idxs"],
            "train_features": features}


def train_steps(vocabulary, data, cell_type, seed, solver_config, name):
    """Steps that train the student's CaptioningRNN (saved as `name`) with the student's
    CaptioningSolver (saved as `name` + "_solver")."""
    return [call("numpy.random:seed", seed),
            call(NET, vocabulary, input_dim=data["train_features"].shape[1], cell_type=cell_type, save=name,
                 **TRAIN_DIMS),
            call(SOLVER, saved(name), data, save=name + "_solver", **solver_config),
            call(name + "_solver.train")]


# Overfitting: 40 scenes with one caption each, 100 epochs of 2 minibatches of 20 (200
# Adam steps at a constant learning rate), 0.7 s (vanilla RNN) and 2 s (LSTM) of CPU
# time. Calibrated on the reference over the seeds 0-19 (scenes and initialization): the
# median loss of the last 10 steps (a median: Adam's rare spikes do not count), min /
# mean / max, vanilla RNN 0.013 / 0.050 / 0.46, LSTM 0.022 / 0.10 / 0.30, from about 28
# at the start; a model that learns nothing stays above 10. Required: below
# OVERFIT_MAX_LOSS, twice the reference's worst seed.
OVERFIT = {"scenes": 40, "num_epochs": 100}
OVERFIT_MAX_LOSS = 1.0


@pytest.mark.target("CaptioningRNN")
@pytest.mark.points(1)
def test_net_overfits_small_data(submission, rng):
    """a vanilla RNN and an LSTM trained with the CaptioningSolver overfit 40 digit captions (final loss below 1.0)"""
    from cs231n_core.captioning_data import caption_vocabulary, standardize_features

    vocabulary = caption_vocabulary()[0]
    scenes = digit_captions(int(rng.integers(2**31)), OVERFIT["scenes"], "train", 1)
    data = solver_data(scenes, *standardize_features(scenes["features"]))
    config = dict(SOLVER_CONFIG, num_epochs=OVERFIT["num_epochs"], lr_decay=1.0)
    steps, returns = [], []
    for cell_type in ("rnn", "lstm"):
        steps += train_steps(vocabulary, data, cell_type, int(rng.integers(2**31)), config, cell_type)
        steps.append(get(cell_type + "_solver.loss_history", save=cell_type + "_losses"))
        returns.append(cell_type + "_losses")
    result = submission.run(steps, returns=returns)
    for cell_type in ("rnn", "lstm"):
        losses = np.asarray([float(v) for v in result[cell_type + "_losses"]], dtype=np.float64)
        what = "CaptioningRNN(cell_type=%r) trained %d epochs on %d captions" % (
            cell_type, OVERFIT["num_epochs"], OVERFIT["scenes"])
        if losses.size < 10 or not np.all(np.isfinite(losses)):
            raise GradingFailure("%s: the solver's loss_history holds %d values%s" % (
                what, losses.size, "" if np.all(np.isfinite(losses)) else ", some not finite"))
        final = float(np.median(losses[-10:]))
        if not final < OVERFIT_MAX_LOSS:
            raise GradingFailure("%s: the median loss of the last 10 steps is %.3f, expected below %g (the "
                                 "reference reaches 0.5 or less)" % (what, final, OVERFIT_MAX_LOSS))


# Captioning held-out scenes: trained on BLEU["train"] scenes of the training digits (4
# captions each), 15 epochs of minibatches of 50 (about 345 Adam steps, about 2 s of CPU
# time); its captions of BLEU["held_out"] scenes of the test digits (never sent to the
# worker) are sampled here by the reference with the worker's weights and scored with
# CS231n's unigram BLEU against all the grammar's captions of each scene. Calibrated on
# the reference over the seeds 0-19 (scenes and initialization): mean BLEU 0.631 (sd
# 0.028), min / max BLEU_RANGE; a model that does not look at the image (features set to
# zero) scores 0.29 to 0.53, by the one caption it learns. Required: BLEU_MIN,
# BLEU_MARGIN below the reference's worst seed (3.4 standard deviations below its mean).
BLEU = {"train": 300, "held_out": 100, "num_epochs": 15, "batch_size": 50, "lr_decay": 0.95}
BLEU_RANGE = (0.574, 0.715)
BLEU_MARGIN = 0.04
BLEU_MIN = BLEU_RANGE[0] - BLEU_MARGIN


def trained_params(result, name, expected, what):
    """The worker's trained parameters: the reference's keys and shapes, finite numbers."""
    params = result[name]
    if not isinstance(params, dict) or sorted(params) != sorted(expected):
        raise GradingFailure("%s: params must have the keys %s" % (what, ", ".join(sorted(expected))))
    for key, value in params.items():
        if np.shape(value) != np.shape(expected[key]) or not np.all(np.isfinite(value)):
            raise GradingFailure("%s: params[%r] must be finite numbers of shape %s"
                                 % (what, key, np.shape(expected[key])))
    return {key: np.asarray(value, dtype=np.float64) for key, value in params.items()}


def held_out_bleu(rng):
    """(data for the worker, a scorer of trained parameters -> mean BLEU on held-out scenes)."""
    from cs231n_core.captioning_data import (CAPTION_LENGTH, bleu_score, caption_vocabulary, decode_captions,
                                             standardize_features)

    vocabulary, idx_to_word = caption_vocabulary()
    seed = int(rng.integers(2**31))
    train = digit_captions(seed, BLEU["train"], "train", 4)
    held_out = digit_captions(seed, BLEU["held_out"], "test", 1)
    train_features, held_out_features = standardize_features(train["features"], held_out["features"])

    def score(params):
        net = reference_net(params, "rnn", vocabulary)
        sampled = decode_captions(net.sample(held_out_features, max_length=CAPTION_LENGTH), idx_to_word)
        return float(np.mean([bleu_score(r, s) for r, s in zip(held_out["references"], sampled)]))
    return solver_data(train, train_features), score


@pytest.mark.target("CaptioningRNN")
@pytest.mark.points(1)
def test_net_captions_held_out_scenes(submission, rng):
    """a vanilla RNN trained on digit captions captions held-out scenes with the calibrated BLEU"""
    from cs231n_core.captioning_data import caption_vocabulary

    vocabulary = caption_vocabulary()[0]
    data, score = held_out_bleu(rng)
    config = dict(SOLVER_CONFIG, num_epochs=BLEU["num_epochs"], batch_size=BLEU["batch_size"],
                  lr_decay=BLEU["lr_decay"])
    result = submission.run(train_steps(vocabulary, data, "rnn", int(rng.integers(2**31)), config, "net")
                            + [get("net.params", save="params")], returns=["params"])
    what = "the CaptioningRNN trained on %d digit scenes" % BLEU["train"]
    expected = CaptioningRNN(vocabulary, input_dim=data["train_features"].shape[1], **TRAIN_DIMS).params
    value = score(trained_params(result, "params", expected, what))
    expect_at_least(value, BLEU_MIN, "BLEU of %s on %d held-out scenes" % (what, BLEU["held_out"]),
                    " (the reference reaches %.2f to %.2f; margin %.2f)" % (BLEU_RANGE + (BLEU_MARGIN,)))
