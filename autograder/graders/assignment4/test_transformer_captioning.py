"""Hidden graders of the captioning Transformer (assignment 4, Transformer_Captioning: 30 of
100 points).

Raw points add up to SECTION_WEIGHT, so each is worth one point of the assignment.

The modules are built in the worker with random sizes, loaded (load_state) with states
drawn here by the skeleton's layer names (layer norms and biases included, so that a
block normalized by the wrong layer norm shows) and run in float64 in evaluation mode;
their outputs are compared with NumPy references of the same states
(transformer_common.py) within rounding. Masks are given as bools and as 0/1 integers.
Dropout is judged without random numbers where it can be: in evaluation mode two passes
agree, in training mode two passes differ, and with every dropout probability 1 what
is left is known exactly (the projection's bias for the attention, the chain of layer
norms for a decoder layer). Causality is judged by gradients: the decoder layer's input
gradients of each output position, and the captioner's gradients with respect to the
word embeddings of captions whose words are all different.

A small captioner is trained in the worker with the given train_captioner on captioned
scenes drawn afresh here (scene_captions: one or two digits, each a secret vector in its
slot's block of the features), and sends back its weights and its own greedy captions of
training scenes: its training loss must fall under a bound, its captions must be the
greedy decoding of its weights (computed here, <END> then <NULL> padding), and the BLEU of
the captions that its weights write for held-out scenes (decoded here: the held-out
scenes never enter the worker) must reach a floor calibrated on the reference.
"""
import numpy as np
import pytest

from autograder.graders.graded import graded_on_shared
from autograder.trusted.expect import GradingFailure, expect_array, expect_gradients, wrong
from autograder.trusted.torch_steps import Probes, gradient_steps, seed_of

from .transformer_common import (CAPTIONING, CAPTION_LENGTH, DETACHING, F64_TOL, GRAD_TOL, LAYERS, MAX_DIGITS,
                                 SCENE_WORDS, SLOT_DIM, TRAINING, all_dropped_probe, attention, attention_state,
                                 calibrate, captioning_scores, causal, check_dropout, check_outputs, decoder_layer,
                                 decoder_state, dropout_probes, expect_matches, greedy_captions, history_losses,
                                 linear_state, loaded_module, mean_bleu, norms_only, numerical_gradients,
                                 position_dependence, positional_encoding, random_mask, scene_captions,
                                 trained_state)

SECTION_WEIGHT = 30
WORKER_PRELOAD = ("torch",)  # its checks import torch: the zygote imports it once per run
PE_TOL = 2e-5  # the encoding is computed in float32 (angles up to 64 radians): about 4e-6


# --- MultiHeadAttention ------------------------------------------------------------------

def attention_problem(rng):
    dim = int(rng.choice([8, 12, 16]))
    heads = int(rng.choice([h for h in (2, 4) if dim % h == 0]))
    n, s, t = int(rng.integers(2, 4)), int(rng.integers(3, 6)), int(rng.integers(3, 7))
    state = attention_state(rng, {}, "", dim)
    x, query = rng.normal(size=(n, s, dim)), rng.normal(size=(n, s, dim))
    key, value = rng.normal(size=(n, t, dim)), rng.normal(size=(n, t, dim))
    mask = random_mask(rng, s, t)
    self_mask = random_mask(rng, s, s)
    small = [rng.normal(size=(2, 3, dim)), rng.normal(size=(2, 4, dim)), rng.normal(size=(2, 4, dim))]
    dout = rng.normal(size=(2, 3, dim))
    probes = Probes()
    probes.seed(seed_of(rng))
    attn = loaded_module(probes, LAYERS + "MultiHeadAttention", (dim, heads), state, "attn", dropout=0.5)
    probes.forward(attn, x, x, x, save="self")
    probes.forward(attn, query, key, value, save="cross")
    probes.forward(attn, x, x, x, self_mask, save="self_masked")
    probes.forward(attn, query, key, value, mask.astype(np.int64), save="masked01")
    probes.forward(attn, *small, save="small", grads="grads", dout=dout)
    dropout_probes(probes, attn, query, key, value)
    all_dropped_probe(probes, LAYERS + "MultiHeadAttention", (dim, heads), (query, key, value), state=state)
    return probes.problem({"dim": dim, "heads": heads, "state": state, "x": x, "query": query, "key": key,
                           "value": value, "mask": mask, "self_mask": self_mask, "small": small, "dout": dout,
                           "what": "MultiHeadAttention(%d, %d)" % (dim, heads)})


def attention_outputs(c):
    x, state, heads = c["x"], c["state"], c["heads"]
    return [("self", attention(state, "", x, x, x, heads), F64_TOL,
             c["what"] + ": self-attention (query = key = value)"),
            ("cross", attention(state, "", c["query"], c["key"], c["value"], heads), F64_TOL,
             c["what"] + ": attention of a query sequence to other keys and values")]


def attention_masked_outputs(c):
    x, state, heads = c["x"], c["state"], c["heads"]
    return [("self_masked", attention(state, "", x, x, x, heads, c["self_mask"]), F64_TOL,
             c["what"] + ": self-attention with a bool mask"),
            ("masked01", attention(state, "", c["query"], c["key"], c["value"], heads, c["mask"]), F64_TOL,
             c["what"] + ": attention with a mask of 0s and 1s")]


def attention_dropped(c):
    n, s = c["query"].shape[:2]
    return (np.broadcast_to(c["state"]["proj.bias"], (n, s, c["dim"])),
            c["what"] + " with dropout 1 in training mode: with every attention weight dropped only proj's bias is "
            "left (dropout belongs on the attention weights, after the softmax)")


test_attention_values = graded_on_shared(
    "MultiHeadAttention", 3, "parameter count; self-attention and attention to another sequence (keys and values "
    "from it) match the reference with the same weights", check_outputs, "MultiHeadAttention", attention_problem,
    attention_outputs)
test_attention_masks = graded_on_shared(
    "MultiHeadAttention", 2, "masked attention (0/False: may not attend), with a bool mask and with a 0/1 mask, "
    "matches the reference", check_outputs, "MultiHeadAttention", attention_problem, attention_masked_outputs, False)
test_attention_dropout = graded_on_shared(
    "MultiHeadAttention", 2, "dropout acts on the attention weights, in training mode only", check_dropout,
    "MultiHeadAttention", attention_problem, attention_dropped)


@pytest.mark.target("MultiHeadAttention")
@pytest.mark.points(1)
def test_attention_gradients(shared):
    """autograd's gradients with respect to query, key and value match central differences of the reference"""
    result, c = shared.get("MultiHeadAttention", attention_problem)
    inputs = [a.copy() for a in c["small"]]
    expected = numerical_gradients(lambda q, k, v: attention(c["state"], "", q, k, v, c["heads"]), inputs, c["dout"])
    expect_gradients(result["grads"], expected, ["query", "key", "value"], c["what"], GRAD_TOL, detaching=DETACHING)


# --- PositionalEncoding --------------------------------------------------------------------

def positional_problem(rng):
    dim, length = 2 * int(rng.integers(3, 9)), int(rng.integers(20, 65))
    n, s = int(rng.integers(2, 4)), int(rng.integers(3, 20))
    x = rng.normal(size=(n, s, dim))
    probes = Probes()
    probes.seed(seed_of(rng))
    encoding = probes.module(LAYERS + "PositionalEncoding", dim, dropout=0.5, max_len=length, label="encoding")
    parameters = probes.function("builtins:list", probes.function(encoding.name + ".parameters"))
    probes.function("builtins:len", parameters, save="parameter_tensors")
    probes.attribute(encoding.name + ".pe", save="pe")
    probes.function(encoding.name + ".double")
    probes.forward(encoding, x, save="out", mode="eval")
    dropout_probes(probes, encoding, x)
    default = probes.module(LAYERS + "PositionalEncoding", dim, label="default")
    probes.attribute(default.name + ".pe.shape", save="default_shape")
    all_dropped_probe(probes, LAYERS + "PositionalEncoding", (dim,), (x,), max_len=length)
    return probes.problem({"dim": dim, "length": length, "x": x,
                           "what": "PositionalEncoding(%d, max_len=%d)" % (dim, length)})


@pytest.mark.target("PositionalEncoding")
@pytest.mark.points(2)
def test_positional_encoding_buffer(shared):
    """the buffer pe (1, max_len, D): sines in even columns, cosines in odd ones, exponents 0, 0, 2, 2, ...; no parameters"""
    result, c = shared.get("PositionalEncoding", positional_problem)
    if int(np.asarray(result["parameter_tensors"])) != 0:
        raise wrong(result["parameter_tensors"], "%s has learnable parameters; the encoding is a fixed buffer "
                    "(self.register_buffer), never trained" % c["what"], c["what"] + ": parameter tensors")
    expected = positional_encoding(c["length"], c["dim"])[None]
    expect_matches(result, "pe", expected, PE_TOL, c["what"] + ": the buffer pe")
    shape = tuple(int(np.asarray(v)) for v in result["default_shape"])
    if shape != (1, 5000, c["dim"]):
        raise wrong(np.array(shape), "PositionalEncoding(%d): pe has shape %s, expected (1, 5000, %d) "
                    "(max_len=5000 by default)" % (c["dim"], shape, c["dim"]), "the default pe's shape")


def encoding_outputs(c):
    expected = c["x"] + positional_encoding(c["length"], c["dim"])[None, :c["x"].shape[1]]
    return [("out", expected, PE_TOL, c["what"] + ": the output in evaluation mode")]


test_positional_encoding_forward = graded_on_shared(
    "PositionalEncoding", 1, "forward adds the encoding of the first S positions to x (N, S, D)", check_outputs,
    "PositionalEncoding", positional_problem, encoding_outputs, False)
test_positional_encoding_dropout = graded_on_shared(
    "PositionalEncoding", 1, "dropout after adding the encoding, in training mode only", check_dropout,
    "PositionalEncoding", positional_problem,
    lambda c: (np.zeros(c["x"].shape), c["what"] + " with dropout 1 in training mode (everything is dropped)"))


# --- TransformerDecoderLayer ----------------------------------------------------------------

def decoder_problem(rng):
    dim, heads, hidden = int(rng.choice([8, 12])), 2, int(rng.integers(16, 33))
    n, t, tm = 2, int(rng.integers(4, 7)), int(rng.integers(2, 5))
    state = decoder_state(rng, {}, "", dim, hidden)
    tgt, memory = rng.normal(size=(n, t, dim)), rng.normal(size=(n, tm, dim))
    mask = random_mask(rng, t, t)
    probes = Probes()
    probes.seed(seed_of(rng))
    layer = loaded_module(probes, LAYERS + "TransformerDecoderLayer", (dim, heads, hidden), state, "layer",
                          dropout=0.5)
    probes.forward(layer, tgt, memory, causal(t), save="causal_out")
    probes.forward(layer, tgt, memory, save="open_out")
    probes.forward(layer, tgt, memory, mask, save="masked_out")
    for position in range(t):
        dout = np.zeros((n, t, dim))
        dout[:, position] = rng.normal(size=(n, dim))
        probes.function(layer.name, tgt, memory, causal(t), grads="dependence%d" % position, wrt=(0, 1), dout=dout)
    dropout_probes(probes, layer, tgt, memory)
    all_dropped_probe(probes, LAYERS + "TransformerDecoderLayer", (dim, heads, hidden), (tgt, memory), state=state)
    return probes.problem({"state": state, "heads": heads, "tgt": tgt, "memory": memory, "mask": mask,
                           "what": "TransformerDecoderLayer(%d, %d, %d)" % (dim, heads, hidden)})


def decoder_outputs(c):
    t = c["tgt"].shape[1]
    return [(name, decoder_layer(c["state"], "", c["tgt"], c["memory"], c["heads"], mask), F64_TOL,
             "%s %s (evaluation mode)" % (c["what"], how))
            for name, mask, how in (("causal_out", causal(t), "with a causal mask"),
                                    ("open_out", None, "without a mask"),
                                    ("masked_out", c["mask"], "with a random mask"))]


test_decoder_layer_values = graded_on_shared(
    "TransformerDecoderLayer", 3, "self-attention (with and without a mask), cross-attention to the memory and the "
    "feed-forward block, each with its dropout, residual and layer norm, match the reference", check_outputs,
    "TransformerDecoderLayer", decoder_problem, decoder_outputs)
test_decoder_layer_dropout = graded_on_shared(
    "TransformerDecoderLayer", 2, "dropout on each sublayer's output before the residual, in training mode only",
    check_dropout, "TransformerDecoderLayer", decoder_problem,
    lambda c: norms_only(c, ("norm_self", "norm_cross", "norm_ffn"), "tgt"))


@pytest.mark.target("TransformerDecoderLayer")
@pytest.mark.points(1)
def test_decoder_layer_causal(shared):
    """with a causal mask no output position depends on a later one, and every position sees the memory (by gradients)"""
    result, c = shared.get("TransformerDecoderLayer", decoder_problem)
    t = c["tgt"].shape[1]
    grads = [result["dependence%d" % p] for p in range(t)]
    for grad in grads:
        if not isinstance(grad, tuple) or len(grad) != 2 or grad[0] is None or grad[1] is None:
            raise GradingFailure("%s: no gradient reaches tgt or memory; is the graph cut (%s)?"
                                 % (c["what"], DETACHING))
    depends = position_dependence([g[0] for g in grads], c["what"])
    if not np.array_equal(depends, causal(t)):
        later = int(np.sum(depends & ~causal(t)))
        raise GradingFailure("%s with a causal mask: %s" % (
            c["what"], "%d output positions depend on later tgt positions" % later if later else
            "an output position ignores an earlier tgt position"))
    sees_memory = np.abs(np.asarray([g[1] for g in grads])).sum(axis=(1, 2, 3)) > 0
    if not sees_memory.all():
        raise GradingFailure("%s: %d output positions do not depend on the memory; the cross-attention "
                             "takes its keys and values from memory" % (c["what"], int((~sees_memory).sum())))


# --- CaptioningTransformer: a forward pass with given weights -------------------------------

def captioning_words(rng):
    count = int(rng.integers(7, 11))
    names = ["<NULL>", "<START>", "<END>", "<UNK>"] + ["w%d" % i for i in range(count - 4)]
    order = rng.permutation(count - 1) + 1  # <NULL> stays 0, the rest in a random order
    return {name: (0 if name == "<NULL>" else int(order[i - 1])) for i, name in enumerate(names)}


def captioning_state(rng, words, input_dim, dim, num_layers, max_length):
    state = {}
    linear_state(rng, state, "visual_projection.", dim, input_dim)
    state["embedding.weight"] = rng.normal(size=(len(words), dim))
    state["positional_encoding.pe"] = positional_encoding(max_length, dim)[None]
    for layer in range(num_layers):
        decoder_state(rng, state, "transformer.layers.%d." % layer, dim, 2048)
    linear_state(rng, state, "output.", len(words), dim)
    return state


CAPTIONER = {"heads": 2, "layers": 2, "max_length": 12}


def captioning_problem(rng):
    words = captioning_words(rng)
    input_dim, dim = int(rng.integers(5, 9)), int(rng.choice([8, 12]))
    state = captioning_state(rng, words, input_dim, dim, CAPTIONER["layers"], CAPTIONER["max_length"])
    n, t = int(rng.integers(2, 4)), int(rng.integers(4, 8))
    features, captions = rng.normal(size=(n, input_dim)), rng.integers(0, len(words), (n, t))
    distinct = rng.permutation(np.arange(1, len(words)))[:6][None]  # one caption, every word different
    distinct_features = rng.normal(size=(1, input_dim))
    probes = Probes()
    probes.seed(seed_of(rng))
    model = loaded_module(probes, CAPTIONING + "CaptioningTransformer", (words, input_dim, dim), state, "model",
                          num_heads=CAPTIONER["heads"], num_layers=CAPTIONER["layers"],
                          max_length=CAPTIONER["max_length"])
    probes.forward(model, features, captions, save="scores")
    weight = probes.attribute(model.name + ".embedding.weight")
    for position in range(distinct.shape[1]):
        scores = probes.function(model.name, distinct_features, distinct, label="scores%d" % position)
        dout = np.zeros((1, distinct.shape[1], len(words)))
        dout[0, position] = rng.normal(size=len(words))
        probes.steps += gradient_steps(scores.name, [weight.name], save="embedding%d" % position, dout=dout)
        probes.returns.append("embedding%d" % position)
    return probes.problem({"words": words, "state": state, "features": features, "captions": captions,
                           "distinct": distinct[0],
                           "what": "CaptioningTransformer(V=%d, input_dim=%d, wordvec_dim=%d, num_heads=%d, "
                                   "num_layers=%d)" % (len(words), input_dim, dim, CAPTIONER["heads"],
                                                       CAPTIONER["layers"])})


def captioning_outputs(c):
    expected = captioning_scores(c["state"], c["features"], c["captions"], CAPTIONER["heads"], CAPTIONER["layers"])
    return [("scores", expected, F64_TOL, c["what"] + ": the scores (N, T, V) in evaluation mode")]


test_captioning_scores = graded_on_shared(
    "CaptioningTransformer", 3, "forward: embedded words plus positional encoding, decoded against the projected "
    "features with a causal mask, then scored: matches the reference with the same weights", check_outputs,
    "CaptioningTransformer", captioning_problem, captioning_outputs)


@pytest.mark.target("CaptioningTransformer")
@pytest.mark.points(2)
def test_captioning_causal(shared):
    """the scores at a position depend on the words up to it only (gradients reach exactly their embeddings)"""
    result, c = shared.get("CaptioningTransformer", captioning_problem)
    distinct = c["distinct"]
    for position in range(len(distinct)):
        grads = result["embedding%d" % position]
        if not isinstance(grads, tuple) or len(grads) != 1 or grads[0] is None:
            raise GradingFailure("%s: no gradient reaches the word embeddings; is the graph cut (%s)?"
                                 % (c["what"], DETACHING))
        reached = np.abs(np.asarray(grads[0])).sum(axis=1) > 0
        if reached[distinct[position + 1:]].any():
            raise wrong(grads[0], "%s: the scores at a position depend on later words; mask them in the "
                        "decoder's self-attention (a lower-triangular tgt_mask)" % c["what"],
                        c["what"] + ": no later word reached")
        if not reached[distinct[:position + 1]].all():
            raise wrong(grads[0], "%s: the scores at a position ignore an earlier word or the word itself"
                        % c["what"], c["what"] + ": every earlier word reached")


# --- CaptioningTransformer: trained in the worker on captioned scenes --------------------------

TRAIN = {"scenes": 200, "held_out": 200, "wordvec_dim": 32, "heads": 2, "layers": 1, "max_length": 8,
         "epochs": 40, "batch_size": 32, "learning_rate": 1e-2, "sampled": 40}
# Calibrated on the reference (this project's cs231n_core through the sandboxed worker, one
# core) over the grading seeds 0-19, with
#     .venv/bin/python -m autograder.graders.assignment4.test_transformer_captioning 0-19
# (calibrate, transformer_common.py), min / mean (sd) / max over the 20 seeds:
#     training loss, mean of the last 10 iterations (dropout on)  0.214 / 0.364 (0.087) / 0.569
#     held-out BLEU of the captions its weights write               0.701 / 0.828 (0.060) / 0.910
#     worker CPU (torch's import included)                          4.8 / 5.2 / 6.0 s
# The bound is 5 standard deviations above the reference's mean loss (the loss starts near
# log(15) = 2.7), the floor 3.8 below its mean BLEU; the best caption that ignores the
# image (the same for every scene, "one and eight") scores 0.27.
LOSS_BOUND = 0.8
BLEU_FLOOR = 0.6


def captioner_training_problem(rng):
    slots = rng.normal(size=(MAX_DIGITS, 10, SLOT_DIM))  # the scenes' secret digit vectors
    features, captions = scene_captions(rng, TRAIN["scenes"], slots)
    held_features, held_captions = scene_captions(rng, TRAIN["held_out"], slots)
    sampled = features[:TRAIN["sampled"]]
    probes = Probes()
    probes.seed(seed_of(rng))
    model = probes.module(CAPTIONING + "CaptioningTransformer", SCENE_WORDS, features.shape[1], TRAIN["wordvec_dim"],
                          num_heads=TRAIN["heads"], num_layers=TRAIN["layers"], max_length=TRAIN["max_length"],
                          label="model")
    probes.function(TRAINING + "train_captioner", model, features.astype(np.float32), captions,
                    epochs=TRAIN["epochs"], batch_size=TRAIN["batch_size"], learning_rate=TRAIN["learning_rate"],
                    seed=seed_of(rng), progress=False, as_tensors=False, save="history")
    probes.state(model, "state")
    probes.function(model.name + ".double")
    probes.function(model.name + ".sample", sampled, max_length=CAPTION_LENGTH + 2, as_tensors=False,
                    save="samples")
    probes.attribute(model.name + ".training", save="training_after")
    return probes.problem({"sampled": sampled, "held_features": held_features, "held_captions": held_captions})


TRAINED_WHAT = "CaptioningTransformer trained with train_captioner on captioned scenes"


def trained_captioner(shared):
    """(result, context) of the training run, once the captioner's forward pass is right."""
    try:  # a captioner whose forward pass is wrong is not worth a training run
        test_captioning_scores(shared)
        test_captioning_causal(shared)
    except GradingFailure:
        raise GradingFailure("CaptioningTransformer: not trained on captioned scenes until its forward pass "
                             "is right (see the checks above)") from None
    return shared.get("CaptioningTransformer training", captioner_training_problem)


@pytest.mark.target("CaptioningTransformer")
@pytest.mark.points(2)
def test_captioning_overfits(shared):
    """trained in the worker on 200 captioned scenes, its training loss falls under the bound"""
    result, _ = trained_captioner(shared)
    losses = history_losses(result["history"], TRAINED_WHAT)
    iterations = TRAIN["epochs"] * -(-TRAIN["scenes"] // TRAIN["batch_size"])
    if len(losses) != iterations:
        raise GradingFailure("%s: %d losses recorded, expected %d" % (TRAINED_WHAT, len(losses), iterations))
    final = float(losses[-10:].mean())
    if not final <= LOSS_BOUND:
        raise GradingFailure("%s: the training loss ends at %.3f (mean of the last 10 iterations), above the "
                             "%.2f that the reference stays below" % (TRAINED_WHAT, final, LOSS_BOUND))


@pytest.mark.target("CaptioningTransformer")
@pytest.mark.points(3)
def test_captioning_sample(shared):
    """sample is greedy decoding in evaluation mode: the best word at each step, <END> ends a caption and <NULL> pads it; the module's mode is restored"""
    result, context = trained_captioner(shared)
    state = trained_state(result, TRAINED_WHAT)
    what = TRAINED_WHAT + ": sample(features, max_length=%d)" % (CAPTION_LENGTH + 2)
    samples = expect_array(result["samples"], (TRAIN["sampled"], CAPTION_LENGTH + 2), what)
    if samples.dtype.kind not in "iu":
        raise wrong(samples, "%s: dtype %s, expected integer word indices" % (what, samples.dtype),
                    what + ": dtype")
    expected, gap = greedy_captions(state, context["sampled"], TRAIN["heads"], TRAIN["layers"], SCENE_WORDS,
                                    CAPTION_LENGTH + 2)
    differ = np.any(samples != expected, axis=1)
    if differ.any() and gap > 1e-9:  # a near tie between two words may go either way
        after_end = [caption[np.argmax(caption == SCENE_WORDS["<END>"]) + 1:] for caption in samples
                     if (caption == SCENE_WORDS["<END>"]).any()]
        if any((rest != SCENE_WORDS["<NULL>"]).any() for rest in after_end):
            raise wrong(samples, "%s: words follow <END> in %d of %d captions; once a caption has written "
                        "<END>, fill the rest of it with <NULL>" % (what, int(differ.sum()), len(differ)),
                        what + ": <NULL> after <END>")
        raise wrong(samples, "%s: %d of %d captions differ from the greedy decoding of the model's own weights "
                    "(from <START>, the highest-scoring word at each step, in evaluation mode)"
                    % (what, int(differ.sum()), len(differ)), what + ": greedy decoding")
    if not bool(np.asarray(result["training_after"])):
        # The flag as text: False, a zero, would tell the diagnosis nothing.
        raise wrong("training after sample: False", "%s: the model was in training mode before sample and not "
                    "after; put it back in the mode it was in" % what, what + ": the mode restored")


@pytest.mark.target("CaptioningTransformer")
@pytest.mark.points(2)
def test_captioning_held_out_bleu(shared):
    """the captions that the trained weights write for held-out scenes reach the BLEU floor"""
    result, context = trained_captioner(shared)
    bleu = held_out_bleu(result, context)
    if not bleu >= BLEU_FLOOR:
        raise GradingFailure("%s: the captions its weights write for %d held-out scenes have BLEU %.3f, below "
                             "the %.2f that the reference reaches" % (TRAINED_WHAT, TRAIN["held_out"], bleu,
                                                                      BLEU_FLOOR))


def held_out_bleu(result, context):
    """The BLEU of the captions that the trained weights write for the held-out scenes."""
    decoded, _ = greedy_captions(trained_state(result, TRAINED_WHAT), context["held_features"], TRAIN["heads"],
                                 TRAIN["layers"], SCENE_WORDS, CAPTION_LENGTH + 2)
    return mean_bleu(decoded, context["held_captions"])


if __name__ == "__main__":
    import sys

    calibrate("CaptioningTransformer training", captioner_training_problem,
              {"loss": lambda result, _: float(history_losses(result["history"], TRAINED_WHAT)[-10:].mean()),
               "held-out BLEU": held_out_bleu}, sys.argv)
