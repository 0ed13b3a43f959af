"""Steps that drive PyTorch code in the worker, built on the trusted side without torch.

Tensors never cross the sandbox's boundary: the worker receives arrays and turns them
into tensors with torch's own ``torch.from_numpy`` (a step like any other), calls the
submission's code on them and sends arrays back (the worker converts a returned tensor
with ``.detach().cpu().numpy()``). Gradients come back the same way, from
``torch.autograd.grad`` run in the worker. Everything here only builds call(...) steps
(submission.py) or reads what they returned: importing it never imports torch.
"""
import numpy as np

from .expect import GradingFailure
from .submission import call, saved


def seed_of(rng):
    """A seed for the worker's torch.manual_seed, drawn from the grading run's rng."""
    return int(rng.integers(2**31))


def tensor(name, array):
    """A step that turns `array` into a tensor saved as `name`, in the worker (sent
    C-contiguous; a 0-d array stays 0-d, as a state_dict's num_batches_tracked must)."""
    array = np.asarray(array)
    return call("torch:from_numpy", np.ascontiguousarray(array) if array.ndim else array, save=name)


def tensors(prefix, arrays):
    """Steps saving each array as a tensor (prefix0, prefix1, ...), and the list of
    saved(...) that stands for them."""
    steps = [tensor("%s%d" % (prefix, i), a) for i, a in enumerate(arrays)]
    return steps, [saved("%s%d" % (prefix, i)) for i in range(len(arrays))]


def leaf(name, array):
    """Steps that make `array` a tensor requiring gradients, saved as `name`."""
    return [tensor(name + "_data", array), call(name + "_data.requires_grad_", save=name)]


def gradient_steps(output, wrt, save, dout=None):
    """Steps that differentiate the saved `output` with respect to the saved tensors
    named in `wrt` and save their gradients (None for one the output does not depend
    on): `output` itself when it is a scalar, else sum(output * dout), which
    backpropagates the upstream gradient `dout` (an array of the output's shape)."""
    steps, loss = [], output
    if dout is not None:
        loss = output + "_loss"
        steps = [tensor(output + "_dout", dout),
                 call("torch:mul", saved(output), saved(output + "_dout"), save=output + "_weighted"),
                 call(output + "_weighted.sum", save=loss)]
    return steps + [call("torch.autograd:grad", saved(loss), [saved(w) for w in wrt],
                         allow_unused=True, save=save)]


def count_steps(module, save):
    """Steps that count the learnable values of the saved `module` into `save`, with
    torch's own parameters_to_vector (works on the meta device too)."""
    return [call(module + ".parameters", save=save + "_parameters"),
            call("torch.nn.utils:parameters_to_vector", saved(save + "_parameters"), save=save + "_vector"),
            call(save + "_vector.numel", save=save)]


def state_steps(module, save):
    """Steps that save a copy of the module's state_dict (later steps may train it)."""
    return [call(module + ".state_dict", save=save + "_live"),
            call("copy:deepcopy", saved(save + "_live"), save=save)]


def state_arrays(state, what=None):
    """A returned state_dict as {name: array}, in the module's order; `what`, if given,
    starts the message of a failure."""
    if not isinstance(state, dict):
        raise GradingFailure("%sstate_dict() did not return a dict of tensors"
                             % ("%s: " % what if what else ""))
    return {name: np.asarray(value) for name, value in state.items()}
