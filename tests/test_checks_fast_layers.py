"""The public checks of the fast layers: they fail with one useful sentence on realistic
mistakes, and say what they cannot check while a layer they rely on is not implemented
yet (that they pass on the reference, and report the fast layers not implemented yet:
tests/test_checks.py)."""
import numpy as np

from check_replay import Mistakes, failure_line, not_implemented, run_check, targets_of
from cs231n_core import fast_layers, layers

TARGETS = targets_of("fast_layers")
REFERENCE = {name: getattr(fast_layers, name) for name in TARGETS}


# ---- realistic mistakes, each with what its check must say --------------------------------

MISTAKES = Mistakes()


@MISTAKES.of("conv_forward_fast", "forget to add b")
def conv_forward_without_bias(x, w, b, conv_param):
    return REFERENCE["conv_forward_fast"](x, w, np.zeros_like(b), conv_param)


@MISTAKES.of("conv_forward_fast", "x_cols")
def conv_forward_cache_of_the_naive_layer(x, w, b, conv_param):
    out, cache = REFERENCE["conv_forward_fast"](x, w, b, conv_param)
    return out, cache[:4]


@MISTAKES.of("conv_backward_fast", "drop the padding")
def conv_backward_padded_dx(dout, cache):
    dx, dw, db = REFERENCE["conv_backward_fast"](dout, cache)
    pad = cache[3]["pad"]
    return np.pad(dx, ((0, 0), (0, 0), (pad, pad), (pad, pad))), dw, db


@MISTAKES.of("conv_backward_fast", "db")
def conv_backward_db_over_examples_only(dout, cache):
    dx, dw, _ = REFERENCE["conv_backward_fast"](dout, cache)
    return dx, dw, dout.sum(axis=0)


@MISTAKES.of("conv_backward_fast", "overlap")
def conv_backward_no_overlap_accumulation(dout, cache):
    x, w, b, conv_param, x_cols = cache
    _, dw, db = REFERENCE["conv_backward_fast"](dout, cache)
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    s, p = conv_param["stride"], conv_param["pad"]
    H_out, W_out = dout.shape[2:]
    dx_padded = np.zeros((N, C, H + 2 * p, W + 2 * p))
    for i in range(HH):
        for j in range(WW):  # = instead of +=
            dx_padded[:, :, i:i + s * H_out:s, j:j + s * W_out:s] = np.einsum(
                "fc,nfhw->nchw", w[:, :, i, j], dout)
    return dx_padded[:, :, p:p + H, p:p + W], dw, db


@MISTAKES.of("max_pool_forward_fast", "overlapping")
def pool_forward_ignores_stride(x, pool_param):
    return REFERENCE["max_pool_forward_fast"](x, dict(pool_param, stride=pool_param["pool_height"]))


@MISTAKES.of("max_pool_backward_fast", "only the first")
def pool_backward_to_every_tied_maximum(dout, cache):
    x, pool_param, _ = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    out = layers.max_pool_forward_naive(x, pool_param)[0]
    dx = np.zeros_like(x)
    for i in range(ph):
        for j in range(pw):
            entries = x[:, :, i:i + s * out.shape[2]:s, j:j + s * out.shape[3]:s]
            dx[:, :, i:i + s * out.shape[2]:s, j:j + s * out.shape[3]:s] += \
                np.where(entries == out, dout, 0)
    return dx


test_mistakes_fail_with_a_sentence = MISTAKES.test()


def test_backward_checks_need_the_forward_pass(monkeypatch, capsys):
    monkeypatch.setattr(fast_layers, "conv_forward_fast", not_implemented)
    result, out = run_check(capsys, "conv_backward_fast")
    assert result is False
    assert "implement that first" in failure_line(out, "conv_backward_fast")


def test_comparison_with_the_naive_layer_is_skipped_without_it(monkeypatch, capsys):
    monkeypatch.setattr(layers, "conv_forward_naive", not_implemented)
    result, out = run_check(capsys, "conv_forward_fast")
    assert result is True, out
    assert "[note] conv_forward_fast: skipped the comparison" in out
