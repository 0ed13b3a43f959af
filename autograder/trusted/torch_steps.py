"""Steps that drive PyTorch code in the worker, built on the trusted side without torch.

Tensors never cross the sandbox's boundary: the worker receives arrays and turns them
into tensors with torch's own ``torch.from_numpy`` (a step like any other), calls the
submission's code on them and sends arrays back (the worker converts a returned tensor
with ``.detach().cpu().numpy()``). Gradients come back the same way, from
``torch.autograd.grad`` run in the worker. Everything here only builds call(...) steps
(submission.py), alone or as the named probes of `Probes`, or reads what they returned:
importing it never imports torch.
"""
import numpy as np

from .expect import GradingFailure
from .submission import call, get, saved


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


def load_state_steps(module, state):
    """Steps that load `state`, a dict of arrays, into the saved `module` (strict: a missing
    or extra entry fails), each array sent as a tensor."""
    names = {key: "%s_state%d" % (module, i) for i, key in enumerate(sorted(state))}
    return ([tensor(name, state[key]) for key, name in names.items()]
            + [call(module + ".load_state_dict", {key: saved(name) for key, name in names.items()})])


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


class Probes:
    """The steps of one worker run, built from named probes, and the names it returns.

        probes = Probes()
        probes.seed(seed_of(rng))
        model = probes.module(GEN + "discriminator", input_size=64, count="count", state="state")
        probes.forward(model, x, save="logits", dtype="double", mode="eval")
        probes.function(GEN + "generator_loss", logits, save="loss", grads="grads")
        return probes.problem(context)       # (steps, returns, context), for shared.get

    An array given as an input becomes a tensor in the worker; an answer saved under a
    name the grader gives (`save=`, `count=`, `state=`, `grads=`) comes back under that
    name; everything else stays in the worker. Each probe returns saved(...) of what it
    made, so that a later probe can take it as an argument.
    """

    def __init__(self):
        self.steps, self.returns = [], []
        self._names = 0

    def problem(self, context=None):
        """(steps, returns, context): what a problem function gives the `shared` fixture."""
        return self.steps, self.returns, context

    def _name(self, save, label=None):
        """`save`, returned to the grader; or `label` or a fresh name, which stays in the
        worker."""
        if save is not None:
            self.returns.append(save)
            return save
        if label is not None:
            return label
        self._names += 1
        return "_probe%d" % self._names

    def _inputs(self, args, wrt, as_tensors=True):
        """Arrays among `args` as tensors, leaves where their position is in `wrt`; the
        leaves' names."""
        inputs, leaves = [], []
        for position, arg in enumerate(args):
            if isinstance(arg, np.ndarray) and as_tensors:
                name = self._name(None)
                self.steps += leaf(name, arg) if position in wrt else [tensor(name, arg)]
                leaves += [name] if position in wrt else []
                arg = saved(name)
            inputs.append(arg)
        return inputs, leaves

    def seed(self, seed):
        """torch.manual_seed(seed) in the worker (`seed` from seed_of(rng))."""
        self.steps.append(call("torch:manual_seed", seed))

    def tensor(self, array):
        """`array` as a tensor in the worker, for probes that share one input tensor."""
        name = self._name(None)
        self.steps.append(tensor(name, array))
        return saved(name)

    def attribute(self, path, save=None):
        """An attribute of a module or of something saved ("torch:float64"), kept in the
        worker or, with `save`, returned under that name."""
        name = self._name(save)
        self.steps.append(get(path, save=name))
        return saved(name)

    def function(self, path, *args, save=None, label=None, grads=None, wrt=None, of=None, dout=None,
                 as_tensors=True, **kwargs):
        """Call `path` ("module:function", or "name.method" of something saved) with
        `args`, arrays as tensors (as NumPy arrays with as_tensors=False). `label` names an
        output that stays in the worker (an error raised by calling it, a module's forward
        pass, names it). `grads` saves autograd's gradients of the output (its attribute
        `of`, if given) with respect to the array arguments at the positions `wrt` (default:
        all): of the output itself when it is a scalar, else of sum(output * dout)."""
        wrt = range(len(args)) if wrt is None else wrt
        inputs, leaves = self._inputs(args, wrt if grads is not None else (), as_tensors)
        output = self._name(save, label)
        self.steps.append(call(path, *inputs, save=output, **kwargs))
        if grads is not None:
            differentiated = output if of is None else self.attribute("%s.%s" % (output, of)).name
            self.steps += gradient_steps(differentiated, leaves, save=self._name(grads), dout=dout)
        return saved(output)

    def attributes(self, value, names):
        """Save the attributes `names` of a saved value (e.g. a named tuple's fields),
        each under its own name."""
        for name in names:
            self.steps.append(get("%s.%s" % (value.name, name), save=self._name(name)))

    def module(self, path, *args, count=None, state=None, **kwargs):
        """Build the module path(*args, **kwargs) (`label` names it in the worker, as for
        function()); `count` saves its number of learnable values, `state` a copy of its
        state_dict (taken now: later probes may train it)."""
        module = self.function(path, *args, **kwargs)
        if count is not None:
            self.count(module, count)
        if state is not None:
            self.state(module, state)
        return module

    def count(self, module, save):
        """Save the module's number of learnable values now."""
        self.steps += count_steps(module.name, self._name(save))

    def load_state(self, module, state):
        """Load `state`, a dict of arrays, into the module (strict)."""
        self.steps += load_state_steps(module.name, state)

    def forward(self, module, *inputs, save, dtype=None, mode=None, grads=None, dout=None):
        """The output of `module` on `inputs`, after module.double() (dtype "double") and
        module.eval() or .train() (mode) if asked; `grads` as for function()."""
        for method in (dtype, mode):
            if method is not None:
                self.steps.append(call("%s.%s" % (module.name, method)))
        return self.function(module.name, *inputs, save=save, grads=grads, dout=dout)

    def state(self, module, save):
        """Save a copy of the module's state_dict now (after training, say)."""
        self.steps += state_steps(module.name, self._name(save))
