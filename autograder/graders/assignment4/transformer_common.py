"""Shared by the graders of the transformers (test_transformer_captioning.py,
test_vision_transformer.py): random states by the skeleton's layer names, NumPy
references of every layer (float64), greedy decoding, and the captioned scenes a
captioner is trained on (scored with the instructor's BLEU, captioning_data.bleu_score).

Not a test module (pytest collects only test_*.py). Tensors never cross the sandbox's
boundary: the worker builds the submission's modules, loads the states drawn here
(load_state: the skeleton's names and shapes, strict), runs them in float64 and sends
arrays back; the references are computed here, in NumPy, from the same states (the
trusted process never imports torch for these graders).
"""
import numpy as np
from scipy.special import erf

from autograder.trusted.expect import GradingFailure, expect_array, expect_count, expect_near, wrong
from autograder.trusted.torch_steps import state_arrays
from cs231n_core.captioning_data import bleu_score
from cs231n_core.checks.fingerprint import fingerprint, is_informative

LAYERS = "cs231n_core.transformer_layers:"
CAPTIONING = "cs231n_core.classifiers.transformer:"
TRAINING = "cs231n_core.transformer_training:"
F64_TOL = 1e-9       # float64 modules against the NumPy reference: rounding only
GRAD_TOL = 1e-6      # autograd's float64 gradients against central differences (h = 1e-6)
DETACHING = ".detach(), .item(), .data, NumPy, torch.no_grad()"  # ways of cutting a graph


# --- random states, named as the skeleton names the layers -------------------------------
# Each adds the entries of one layer under `prefix` to `state` and returns it.

def linear_state(rng, state, prefix, n_out, n_in):
    state[prefix + "weight"] = rng.normal(size=(n_out, n_in)) / np.sqrt(n_in)
    state[prefix + "bias"] = rng.normal(size=n_out) * 0.1
    return state


def norm_state(rng, state, prefix, dim):
    state[prefix + "weight"] = rng.uniform(0.5, 1.5, dim)
    state[prefix + "bias"] = rng.normal(size=dim) * 0.2
    return state


def attention_state(rng, state, prefix, dim):
    for name in ("key", "query", "value", "proj"):
        linear_state(rng, state, prefix + name + ".", dim, dim)
    return state


def ffn_state(rng, state, prefix, dim, hidden):
    linear_state(rng, state, prefix + "fc1.", hidden, dim)
    linear_state(rng, state, prefix + "fc2.", dim, hidden)
    return state


def decoder_state(rng, state, prefix, dim, hidden):
    attention_state(rng, state, prefix + "self_attn.", dim)
    attention_state(rng, state, prefix + "cross_attn.", dim)
    ffn_state(rng, state, prefix + "ffn.", dim, hidden)
    for name in ("norm_self", "norm_cross", "norm_ffn"):
        norm_state(rng, state, prefix + name + ".", dim)
    return state


def encoder_state(rng, state, prefix, dim, hidden):
    attention_state(rng, state, prefix + "self_attn.", dim)
    ffn_state(rng, state, prefix + "ffn.", dim, hidden)
    for name in ("norm_self", "norm_ffn"):
        norm_state(rng, state, prefix + name + ".", dim)
    return state


def learnable_count(state):
    """Entries of a state that are parameters (not the positional encoding's buffer)."""
    return sum(int(v.size) for k, v in state.items() if not k.endswith(".pe"))


# --- NumPy references ----------------------------------------------------------------------

def linear(state, prefix, x):
    return x @ state[prefix + "weight"].T + state[prefix + "bias"]


def layer_norm(state, prefix, x, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    normed = (x - mean) / np.sqrt(var + eps)
    return normed if prefix is None else normed * state[prefix + "weight"] + state[prefix + "bias"]


def gelu(x):
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def softmax(scores):
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def attention(state, prefix, query, key, value, heads, mask=None):
    """Multi-head attention of query (N, S, E) to key and value (N, T, E); mask (S, T),
    0 where a query may not attend. Returns the output (N, S, E)."""
    n, s, e = query.shape
    t = key.shape[1]
    size = e // heads

    def split(x, name, length):
        return linear(state, prefix + name + ".", x).reshape(n, length, heads, size).transpose(0, 2, 1, 3)

    q, k, v = split(query, "query", s), split(key, "key", t), split(value, "value", t)
    scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(size)
    if mask is not None:
        scores = np.where(np.asarray(mask) != 0, scores, -np.inf)
    merged = (softmax(scores) @ v).transpose(0, 2, 1, 3).reshape(n, s, e)
    return linear(state, prefix + "proj.", merged)


def feed_forward(state, prefix, x):
    return linear(state, prefix + "fc2.", gelu(linear(state, prefix + "fc1.", x)))


def post_norm(state, prefix, block, x, sublayer_output):
    """A block's output: the layer norm norm_<block> of the residual sum."""
    return layer_norm(state, "%snorm_%s." % (prefix, block), x + sublayer_output)


def decoder_layer(state, prefix, tgt, memory, heads, mask=None):
    x = post_norm(state, prefix, "self", tgt, attention(state, prefix + "self_attn.", tgt, tgt, tgt, heads, mask))
    x = post_norm(state, prefix, "cross", x, attention(state, prefix + "cross_attn.", x, memory, memory, heads))
    return post_norm(state, prefix, "ffn", x, feed_forward(state, prefix + "ffn.", x))


def encoder_layer(state, prefix, src, heads, mask=None):
    x = post_norm(state, prefix, "self", src, attention(state, prefix + "self_attn.", src, src, src, heads, mask))
    return post_norm(state, prefix, "ffn", x, feed_forward(state, prefix + "ffn.", x))


def positional_encoding(length, dim):
    """CS231n's encoding (length, dim): sin(i * 10000^(-j/dim)) in even columns j, cos of
    the same angle as the column before in odd ones."""
    position = np.arange(length)[:, None]
    exponent = (np.arange(dim) // 2 * 2)[None, :] / dim
    angle = position * 10000.0 ** (-exponent)
    return np.where(np.arange(dim)[None, :] % 2 == 0, np.sin(angle), np.cos(angle))


def causal(length):
    return np.tril(np.ones((length, length), dtype=bool))


def captioning_scores(state, features, captions, heads, num_layers):
    """CaptioningTransformer's scores (N, T, V) of captions (N, T) given features (N, D)."""
    T = captions.shape[1]
    x = state["embedding.weight"][captions] + state["positional_encoding.pe"][0, :T]
    memory = linear(state, "visual_projection.", features)[:, None, :]
    for layer in range(num_layers):
        x = decoder_layer(state, "transformer.layers.%d." % layer, x, memory, heads, causal(T))
    return linear(state, "output.", x)


def greedy_captions(state, features, heads, num_layers, words, max_length):
    """(captions (N, max_length), the smallest gap between the best and the second-best
    score of any word chosen): greedy decoding from <START>, <END> ends a caption and
    <NULL> fills the rest of it."""
    n = len(features)
    partial = np.full((n, 1), words["<START>"])
    captions = np.full((n, max_length), words["<NULL>"])
    finished = np.zeros(n, dtype=bool)
    gap = np.inf
    for step in range(max_length):
        scores = captioning_scores(state, features, partial, heads, num_layers)[:, -1]
        best = scores.argmax(axis=1)
        top2 = np.sort(scores, axis=1)[:, -2:]
        if (~finished).any():
            gap = min(gap, float(np.min((top2[:, 1] - top2[:, 0])[~finished])))
        best = np.where(finished, words["<NULL>"], best)
        captions[:, step] = best
        finished |= best == words["<END>"]
        if finished.all():
            break
        partial = np.concatenate([partial, best[:, None]], axis=1)
    return captions, gap


def patch_embedding(state, prefix, images, patch):
    """(N, num_patches, E): patches row by row, each flattened as (C, P, P), projected."""
    n, c, h, w = images.shape
    patches = images.reshape(n, c, h // patch, patch, w // patch, patch).transpose(0, 2, 4, 1, 3, 5)
    return linear(state, prefix + "proj.", patches.reshape(n, (h // patch) * (w // patch), c * patch * patch))


def vit_scores(state, images, patch, heads, num_layers):
    """VisionTransformer's class scores (N, K) of images (N, C, H, W)."""
    x = patch_embedding(state, "patch_embed.", images, patch)
    x = x + state["positional_encoding.pe"][0, :x.shape[1]]
    for layer in range(num_layers):
        x = encoder_layer(state, "transformer.layers.%d." % layer, x, heads)
    return linear(state, "head.", x.mean(axis=1))


def numerical_gradients(f, inputs, dout, h=1e-6):
    """Central differences of sum(f(*inputs) * dout) with respect to each input."""
    grads = []
    for i, x in enumerate(inputs):
        grad = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            old = x[index]
            x[index] = old + h
            plus = np.sum(f(*inputs) * dout)
            x[index] = old - h
            minus = np.sum(f(*inputs) * dout)
            x[index] = old
            grad[index] = (plus - minus) / (2 * h)
        grads.append(grad)
    return grads


def position_dependence(grads, what):
    """(T_out, T_in) bool from the input gradients of one output position per example
    group: grads (T_out, N, T_in, E), the gradient of a random projection of output
    position t (first axis)."""
    grads = np.asarray(grads)
    scale = np.abs(grads).max()
    if not scale > 0:
        raise GradingFailure("%s: no gradient reaches the input" % what)
    return np.abs(grads).sum(axis=(1, 3)) > 1e-12 * scale


# --- the worker's answers ------------------------------------------------------------------

def expect_output(result, name, shape, what):
    value = result[name]
    if isinstance(value, tuple):
        raise GradingFailure("%s: returned a tuple, expected one tensor" % what)
    return expect_array(value, shape, what)


def expect_matches(result, name, expected, tol, what):
    """The worker's answer `name` is one array of expected's shape, within `tol` of it
    (expect_near)."""
    expect_near(expect_output(result, name, expected.shape, what), expected, tol, what)


def check_outputs(shared, target, problem, references, count=True):
    """The outputs of the shared run of `target` match their references: references(c),
    for the run's context c, lists (the worker's answer's name, the expected array, the
    tolerance, what it is); with count, first the module's parameter count is that of
    the state it was loaded with."""
    result, c = shared.get(target, problem)
    if count:
        expect_count(result["count"], learnable_count(c["state"]), c["what"])
    for name, expected, tol, what in references(c):
        expect_matches(result, name, expected, tol, what)


def check_dropout(shared, target, problem, left_when_dropped):
    """Dropout in training mode only (dropout_probes' four passes), and what is left when
    every dropout probability is 1: left_when_dropped(c) gives (expected, what)."""
    result, c = shared.get(target, problem)
    expect_dropout_behaviour(result, c["what"])
    expected, what = left_when_dropped(c)
    try:
        expect_matches(result, "dropped", expected, F64_TOL, what)
    except GradingFailure as failure:
        if failure.failure is None or is_informative(fingerprint(failure.failure[1])):
            raise
        # All zeros (a dropout on the whole output) tell nothing of where the dropout
        # acts; with the first pass in training mode at dropout 0.5 they do.
        raise wrong((result["dropped"], result["train_a"]), str(failure), what + ": where the dropout acts") \
            from None


def norms_only(c, norms, source):
    """What a layer leaves when every dropout probability is 1: its input through its
    layer norms, one after the other."""
    expected = c[source]
    for norm in norms:
        expected = layer_norm(c["state"], norm + ".", expected)
    return (expected, "%s with dropout 1 in training mode: with every sublayer's output dropped only the residual "
            "path and the layer norms (%s) are left" % (c["what"], ", ".join(norms)))


def history_losses(history, what):
    """The losses of a trainer's history ({"loss": [...]}) as a float array."""
    if not isinstance(history, dict) or "loss" not in history:
        raise GradingFailure("%s: the trainer returned no loss history" % what)
    losses = np.array([float(np.asarray(v)) for v in history["loss"]])
    if not np.all(np.isfinite(losses)):
        raise GradingFailure("%s: the training loss became NaN or infinite" % what)
    return losses


def random_mask(rng, rows, cols):
    """A random (rows, cols) bool mask in which every row lets at least one key through."""
    mask = rng.random((rows, cols)) < 0.6
    mask[np.arange(rows), rng.integers(0, cols, rows)] = True
    return mask


def loaded_module(probes, path, args, state, label, **kwargs):
    """The module path(*args, **kwargs) in the worker (kept under `label`), its parameter
    count saved as "count", then in float64, loaded with `state` and in evaluation mode."""
    module = probes.module(path, *args, count="count", label=label, **kwargs)
    probes.function(module.name + ".double")
    probes.load_state(module, state)
    probes.function(module.name + ".eval")
    return module


def dropout_probes(probes, module, *inputs):
    """Two forward passes in evaluation mode, then two in training mode, of the module
    on the same inputs (eval_a, eval_b, train_a, train_b)."""
    for name, mode in (("eval_a", "eval"), ("eval_b", None), ("train_a", "train"), ("train_b", None)):
        probes.forward(module, *inputs, save=name, mode=mode)


def all_dropped_probe(probes, path, args, inputs, state=None, **kwargs):
    """The output ("dropped") of path(*args, dropout=1.0, **kwargs) on `inputs` in float64
    and training mode, loaded with `state` when given."""
    dropped = probes.module(path, *args, dropout=1.0, label="dropped", **kwargs)
    probes.function(dropped.name + ".double")
    if state is not None:
        probes.load_state(dropped, state)
    probes.forward(dropped, *inputs, save="dropped", mode="train")


def expect_dropout_behaviour(result, what):
    """Two passes in evaluation mode agree; two in training mode differ."""
    if not np.array_equal(result["eval_a"], result["eval_b"]):
        raise wrong((result["eval_a"], result["eval_b"]),
                    "%s: two forward passes in evaluation mode differ; dropout must be off "
                    "after model.eval() (use the module's nn.Dropout layers)" % what, "two passes in evaluation mode")
    if np.array_equal(result["train_a"], result["train_b"]):
        raise wrong((result["train_a"], result["train_b"]),
                    "%s: two forward passes in training mode with dropout 0.5 are the same; "
                    "dropout is not applied in training mode" % what, "two passes in training mode")


def trained_state(result, what):
    state = state_arrays(result["state"], what)
    for name, value in state.items():
        if value.dtype.kind != "f" or not np.all(np.isfinite(value)):
            raise GradingFailure("%s: the trained weights %s are not finite numbers" % (what, name))
    return {name: value.astype(np.float64) for name, value in state.items()}


# --- captioned scenes and BLEU ---------------------------------------------------------------

DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
SCENE_WORDS = {word: i for i, word in enumerate(("<NULL>", "<START>", "<END>", "<UNK>") + DIGIT_NAMES + ("and",))}
SLOT_DIM = 8     # features of one digit's slot
MAX_DIGITS = 2   # digits per scene
CAPTION_LENGTH = 2 * MAX_DIGITS + 1  # <START>, the words, <END>


def scene_captions(rng, count, slots, noise=0.1):
    """`count` scenes of 1 or 2 digits: features (count, MAX_DIGITS * SLOT_DIM), each digit's
    secret vector (slots[slot, digit]) in its slot's block plus noise, and captions (count,
    CAPTION_LENGTH + 1) such as "<START> three and seven <END>", padded with <NULL>."""
    features = np.zeros((count, MAX_DIGITS * SLOT_DIM))
    captions = np.full((count, CAPTION_LENGTH + 1), SCENE_WORDS["<NULL>"])
    for i in range(count):
        digits = rng.integers(0, 10, int(rng.integers(1, MAX_DIGITS + 1)))
        words = ["<START>"]
        for slot, digit in enumerate(digits):
            features[i, slot * SLOT_DIM:(slot + 1) * SLOT_DIM] = slots[slot, digit]
            words += (["and"] if slot else []) + [DIGIT_NAMES[digit]]
        words.append("<END>")
        captions[i, :len(words)] = [SCENE_WORDS[w] for w in words]
    return features + rng.normal(size=features.shape) * noise, captions


def caption_words(row, words=SCENE_WORDS):
    """The words of a caption row (ints) up to <END>, without <START> and <NULL>."""
    out = []
    for word in np.asarray(row).tolist():
        if word == words["<END>"]:
            break
        if word not in (words["<START>"], words["<NULL>"]):
            out.append(int(word))
    return out


def mean_bleu(sampled, references):
    """The average BLEU of sampled caption rows against reference caption rows (CS231n's
    unigram BLEU, captioning_data.bleu_score, one reference per scene)."""
    return float(np.mean([bleu_score([caption_words(r)], caption_words(s), max_n=1)
                          for s, r in zip(sampled, references)]))


# --- calibration of the training checks (run by hand, never by the grading) -------------------

def calibrate(key, build, measures, argv):
    """Grade this project's own cs231n_core (the reference) on the training problem `build`
    (shared run `key`) of each grading seed of argv[1] ("0-19"), through the sandboxed
    worker, printing each seed's `measures` ({name: function(result, context) -> float})
    and the worker's CPU time, then their min, mean, standard deviation and max: the
    figures behind a training check's threshold."""
    import os
    import tempfile

    from autograder.trusted.shared_runs import SharedRuns
    from autograder.trusted.submission import Submission

    first, _, last = (argv[1] if len(argv) > 1 else "0-9").partition("-")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    table = {name: [] for name in list(measures) + ["worker CPU s"]}
    with tempfile.TemporaryDirectory() as scratch_root:
        submission = Submission(root, scratch_root, preload=("torch",))
        try:
            for seed in range(int(first), int(last or first) + 1):
                result, context = SharedRuns(submission, seed).get(key, build)
                row = {name: measure(result, context) for name, measure in measures.items()}
                row["worker CPU s"] = submission.last_outcome.cpu_s
                print("seed %3d: %s" % (seed, ", ".join("%s %.3f" % item for item in row.items())), flush=True)
                for name, value in row.items():
                    table[name].append(value)
        finally:
            submission.close()
    for name, values in table.items():
        values = np.array(values)
        print("%-14s min %.3f  mean %.3f (sd %.3f)  max %.3f" % (name, values.min(), values.mean(), values.std(),
                                                                values.max()))
