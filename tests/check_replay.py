"""What the tests of the public checks share: the manifest's targets and where their code is
bound, a stand-in for a target not written yet, run a target's public checks and read what
they printed, tables of hand-written mistakes with the test that each fails saying why
(and the model subclasses that make mistakes the networks' sections share), and replay a
mistake of the hidden graders' bank on a private copy of the reference source (the
reference module itself is left as it is)."""
import importlib
import inspect
import re
from pathlib import Path

import pytest

from autograder.mistakes import mutated_module as bank_mutated_module
from cs231n_core.checks import check
from cs231n_core.targets import SECTIONS, section_targets

ROOT = Path(__file__).resolve().parent.parent


def targets_of(*keys):
    """The target names of the manifest's sections with these keys, in the manifest's order."""
    chosen = [section for section in SECTIONS if section.key in keys]
    assert len(chosen) == len(keys), "unknown section in %s" % (keys,)
    return [name for section in chosen for name in section_targets(section)]


def target_locations():
    """{target: (owner, name)} for every target of the manifest: its code is bound to the
    attribute name of owner (its module, or for a method its class)."""
    locations = {}
    for section in SECTIONS:
        for path, targets in section.files.items():
            module = importlib.import_module(path[:-len(".py")].replace("/", "."))
            for target, qualname in targets.items():
                *outer, name = qualname.split(".")
                owner = module
                for part in outer:
                    owner = getattr(owner, part)
                locations[target] = owner, name
    return locations


def function_targets():
    """(target, owner, name) of each target of the manifest that is a function or a method
    (not a class), as target_locations() places it."""
    return [(target, owner, name) for target, (owner, name) in target_locations().items()
            if not inspect.isclass(getattr(owner, name))]


def not_implemented(*args, **kwargs):
    """Stands in for a function or method not written yet, as the students' release has it."""
    raise NotImplementedError("write your code here")


def run_check(capsys, target):
    """check(target)'s result and what it printed to stdout (it prints nothing to stderr)."""
    result = check(target)
    out = capsys.readouterr()
    assert out.err == ""  # nbgrader gives 0 points to a test cell that writes to stderr
    return result, out.out


class Mistakes(list):
    """The hand-written mistakes of a test file: functions or classes that stand in for a
    target, each with a regular expression that the [FAIL] line of the target's public
    checks must match once the mistake is patched in. @MISTAKES.of(targets, expected) adds
    the function or class it decorates, MISTAKES.add(targets, bug, expected) one made
    otherwise (targets: a name or a list of names), as one pytest.param(target, bug,
    expected) a target, named after the mistake; MISTAKES.test() is the test that each
    fails so."""

    def of(self, targets, expected):
        def add(bug):
            self.add(targets, bug, expected)
            return bug
        return add

    def add(self, targets, bug, expected):
        targets = [targets] if isinstance(targets, str) else targets
        for target in targets:
            name = bug.__name__ if len(targets) == 1 else "%s-%s" % (bug.__name__, target)
            self.append(pytest.param(target, bug, expected, id=name))

    def test(self):
        """A test function over these mistakes: each, patched in where the manifest binds its
        target, makes the target's public checks fail with a line that says why."""
        locations = target_locations()

        @pytest.mark.parametrize("target, bug, expected", self)
        def test_mistake_fails_saying_why(monkeypatch, capsys, target, bug, expected):
            monkeypatch.setattr(*locations[target], bug)
            assert_fails_saying(capsys, target, expected)
        return test_mistake_fails_saying_why


def labelled_loss_changed(net_class):
    """Decorator: a subclass of the model class net_class, named after the decorated
    change(net, loss, grads), whose loss given labels is what change makes of the
    reference's (loss, grads); without labels, its scores are the reference's."""
    def subclass(change):
        def loss(self, X, y=None):
            if y is None:
                return net_class.loss(self, X)
            return change(self, *net_class.loss(self, X, y))
        return type(change.__name__, (net_class,), {"loss": loss, "__doc__": change.__doc__})
    return subclass


def reg_missing_from_grad(net_class, weight):
    """The subclass of the model class net_class whose gradient of weight (a key of params)
    lacks the regularization's reg * W."""
    @labelled_loss_changed(net_class)
    def RegMissingFromGrad(net, loss, grads):
        grads[weight] = grads[weight] - net.reg * net.params[weight]
        return loss, grads
    return RegMissingFromGrad


def grads_without_labels(net_class):
    """The subclass of the model class net_class whose loss without labels returns
    (scores, {}), where CS231n's returns the scores alone."""
    def loss(self, X, y=None):
        if y is None:
            return net_class.loss(self, X), {}
        return net_class.loss(self, X, y)
    return type("GradsWithoutLabels", (net_class,), {"loss": loss})


def assert_fails_saying(capsys, target, expected):
    """Run target's public checks: they fail, and its one [FAIL] line matches the regular
    expression expected."""
    result, out = run_check(capsys, target)
    assert result is False, out
    assert re.search(expected, failure_line(out, target)), out


def failure_line(out, target):
    """The one [FAIL] line of target in the printed text."""
    fails = [line for line in out.splitlines() if line.startswith("[FAIL] %s: " % target)]
    assert len(fails) == 1, out
    return fails[0]


def mutated_module(mistake, name=None):
    """The reference file of a mistake of the bank (its "file", relative to the project)
    with the mistake applied, run as a new module object (named mutated_<file name>
    unless a name is given)."""
    return bank_mutated_module(mistake, str(ROOT), name or "mutated_" + Path(mistake["file"]).stem)


def patch_in_mistake(monkeypatch, mistake, module, names):
    """Patch module's functions and classes of these names with those of a copy of its
    reference source with a mistake of the bank applied (mutated_module)."""
    mutated = mutated_module(mistake)
    for name in names:
        monkeypatch.setattr(module, name, getattr(mutated, name))


def assert_bank_mistake_fails(capsys, monkeypatch, mistake, module, names, max_line=None):
    """Patch a mistake of the bank into module (patch_in_mistake) and run its target's
    public checks: they fail, with a [FAIL] line last (or just before the [hint] that
    names a known mistake), shorter than max_line characters when given."""
    patch_in_mistake(monkeypatch, mistake, module, names)
    result, out = run_check(capsys, mistake["target"])
    assert result is False, "%s passes the public checks of %s" % (mistake["id"], mistake["target"])
    lines = out.strip().splitlines()
    if lines[-1].startswith("[hint]"):  # a known mistake named after the failure
        lines.pop()
    assert lines[-1].startswith("[FAIL]"), lines[-1]
    assert max_line is None or len(lines[-1]) < max_line, lines[-1]
