"""What the public checks of assignment 4's transformers share (the captioning Transformer
and the Vision Transformer): the modules, CS231n's seeded values, and two probes that
need no stored numbers, dependence by gradients and dropout with p = 1.

torch is imported inside each function, so that importing the checks stays cheap.
"""
import numpy as np

from .torch_tools import as_numpy, keeps_torch_rng

# Each check starts from torch.manual_seed(231), as CS231n's notebook cells do, so that
# modules built in CS231n's order hold CS231n's weights.
seeded = keeps_torch_rng(seed=231)

# CS231n's printed values are compared entry by entry (relative error); float32 outputs
# stored to 8 digits agree to about 1e-6, so 1e-4 leaves room for another BLAS.
VALUE_TOL = 1e-4


def modules():
    """torch, cs231n_core.transformer_layers and cs231n_core.classifiers.transformer."""
    import torch

    from cs231n_core import transformer_layers
    from cs231n_core.classifiers import transformer
    return torch, transformer_layers, transformer


def forward(t, module, *args, **kwargs):
    """module(*args) through t.call, named by the module's class."""
    return t.call(module.forward, *args, **kwargs)


def expect_values(t, out, expected, what, tol=VALUE_TOL):
    """The output of a module matches stored numbers (CS231n's, for the same seed)."""
    t.expect_close(as_numpy(t, out, what, double=True), np.asarray(expected), tol, what)


def check_cs231n_module(t, cls, args, draw, expected, what, before=None):
    """A cell of CS231n's notebook: the module cls(*args) (built first: CS231n's seeded
    weights) in evaluation mode, then its inputs draw(); its output on them matches
    `expected`, and a second pass gives the same output. before(inputs), if given, runs
    checks first (ones whose failure says more than a wrong value). Returns (module,
    inputs)."""
    import torch

    module = t.call(cls, *args)
    module.eval()
    inputs = draw()
    if before is not None:
        with torch.random.fork_rng(devices=[]):  # the draws after it stay as they were
            before(inputs)
    expect_values(t, forward(t, module, *inputs), expected, what)
    expect_deterministic_in_eval(t, module, inputs, type(module).__name__)
    return module, inputs


def expect_dependence(t, out, inputs, expected, sentence, ok_line):
    """The positions of `out` depend on those of `inputs` exactly as the bool matrix
    `expected` says (by gradients, see dependence); else fail with `sentence`."""
    import torch

    if not np.array_equal(dependence(torch, out, inputs), expected):
        t.fail(sentence)
    t.ok(ok_line)


def expect_deterministic_in_eval(t, module, args, what):
    """Two forward passes in evaluation mode give the same output (dropout is off)."""
    module.eval()
    first, second = as_numpy(t, forward(t, module, *args), what), as_numpy(t, forward(t, module, *args), what)
    if not np.array_equal(first, second):
        t.fail("%s: two forward passes in evaluation mode differ; dropout must be off after "
               "model.eval() (use the nn.Dropout layers, not F.dropout with training=True)" % what)
    t.ok("%s: dropout is off in evaluation mode" % what)


def layer_norm(torch, x):
    """Layer norm of the last dimension with weight 1 and bias 0 (nn.LayerNorm's start)."""
    return torch.nn.functional.layer_norm(x, x.shape[-1:])


def expect_all_dropped(t, module, args, expected, what, sentence):
    """In training mode with every dropout probability 1, the module's output is
    `expected` (a tensor): what is left when the sublayers' outputs and the attention
    weights are all dropped; `sentence` says where dropout belongs."""
    module.train()
    out = as_numpy(t, forward(t, module, *args), what, double=True)
    if out.shape != tuple(expected.shape) or not np.allclose(out, expected.detach().double().numpy(),
                                                            atol=1e-5):
        t.fail("%s: %s" % (what, sentence))
    t.ok("%s: dropout where it belongs" % what)


def dependence(torch, out, inputs):
    """(T_out, T_in) bool: position t of `out` (N, T_out, ...) depends on position s of
    `inputs` (N, T_in, ...), by the gradients of a fixed random projection of each
    output position (a plain sum of a layer norm's outputs is constant)."""
    generator = torch.Generator().manual_seed(0)
    depends = np.zeros((out.shape[1], inputs.shape[1]), dtype=bool)
    for position in range(out.shape[1]):
        weights = torch.randn(out[:, position].shape, generator=generator, dtype=out.dtype)
        grad = torch.autograd.grad((out[:, position] * weights).sum(), inputs, retain_graph=True,
                                   allow_unused=True)[0]
        if grad is not None:
            depends[position] = grad.abs().reshape(grad.shape[0], grad.shape[1], -1).sum(dim=(0, 2)).numpy() > 0
    return depends
