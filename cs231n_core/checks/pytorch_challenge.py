"""Public check of assignment 2's PyTorch challenge (pytorch_challenge.py, Part V): the
shape of the set-up, and that the grader can rebuild and train it (the hidden grader
measures its accuracy)."""
import numpy as np

from . import public_check
from .numpy_tools import _ten_clusters
from .torch_tools import as_numpy, keeps_torch_rng


CLUSTER_EPOCHS = 5     # at most this many epochs of the set-up on the clusters
CLUSTER_FLOOR = 0.5    # of the clusters classified: the reference 87%, the bank's set-ups that
                       # do not learn 16% at most


def _described(setup):
    """A set-up as text, the answer of a failure about it: the network's layers, the
    optimizer's settings and how many tensors each of its groups updates, the scheduler,
    the epochs and the minibatch size."""
    optimizer = setup.get("optimizer")
    groups = [dict({k: v for k, v in group.items() if k != "params"}, tensors=len(group["params"]))
              for group in getattr(optimizer, "param_groups", [])]
    return "%s | %s %s | %s | epochs %r, batch_size %r" % (
        setup.get("model"), type(optimizer).__name__, groups, type(setup.get("scheduler")).__name__,
        setup.get("epochs"), setup.get("batch_size"))


def _torch():
    import torch

    from cs231n_core import pytorch_models
    return torch, pytorch_models


# --------------------------------------------------------------------------------------
# challenge_setup (Part V)
# --------------------------------------------------------------------------------------

@public_check("challenge_setup")
@keeps_torch_rng
def _check_challenge_setup(t):
    """Not the accuracy on the digits (the hidden grader trains and measures it): the
    set-up's shape, that the optimizer moves every learnable value, that the grader can
    rebuild the network and train it for a few steps on random digits, and that it learns
    ten clusters of images."""
    torch, _ = _torch()
    from cs231n_core import pytorch_challenge as challenge

    for in_channels, size in ((1, (8, 8)), (3, (32, 32))):
        what = "challenge_setup(%d, %s, 10)" % (in_channels, size)
        torch.manual_seed(0)
        setup = t.call(challenge.challenge_setup, in_channels, size, 10)
        keys = {"model", "optimizer", "scheduler", "epochs", "batch_size", "augment"}
        if not isinstance(setup, dict) or set(setup) != keys:
            t.fail("%s must return a dict with the keys %s" % (what, sorted(keys)))
        if not 1 <= int(setup["epochs"]) <= challenge.MAX_EPOCHS or int(setup["batch_size"]) < 1:
            t.fail("%s: epochs must be 1 to %d and batch_size at least 1" % (what, challenge.MAX_EPOCHS))
        model, optimizer = setup["model"], setup["optimizer"]
        model.eval()
        with torch.no_grad():
            scores = as_numpy(t, t.call(model, torch.zeros(2, in_channels, *size)), what + "'s scores")
        if scores.shape != (2, 10):
            t.fail("%s: the model maps 2 images to scores of shape %s, expected (2, 10)" % (what, scores.shape))
        optimized = {id(p) for group in optimizer.param_groups for p in group["params"]}
        if any(p.requires_grad and id(p) not in optimized for p in model.parameters()):
            t.wrong(_described(setup), "%s: the optimizer does not update all the model's learnable "
                    "parameters: give it model.parameters()" % what, "every parameter optimized")
        exported = t.call(challenge.export_model, model)
        rebuilt = t.call(challenge.model_from_layers, exported["layers"])
        if sum(p.numel() for p in rebuilt.parameters()) > challenge.MAX_PARAMS:
            t.fail("%s: more than %d learnable values" % (what, challenge.MAX_PARAMS))
        t.ok("%s: scores of shape (2, 10), every parameter optimized, rebuilt from its layers" % what)
    X = np.linspace(-1, 1, 64 * 64, dtype=np.float32).reshape(64, 1, 8, 8)
    small = dict(t.call(challenge.challenge_setup, 1, (8, 8), 10), epochs=1)
    trained = t.call(challenge.train_challenge, small, X, np.arange(64) % 10)
    if not all(bool(torch.isfinite(p).all()) for p in trained.parameters()):
        t.fail("one epoch of training on 64 images made some weights infinite or NaN: is the learning "
               "rate too large?")
    t.ok("one epoch of training on 64 images keeps every weight finite")

    # The set-up learns: trained on ten clusters of images, it classifies them.
    torch.manual_seed(0)
    setup = t.call(challenge.challenge_setup, 1, (8, 8), 10)
    epochs = min(int(setup["epochs"]), CLUSTER_EPOCHS)
    X, y = _ten_clusters(320, (1, 8, 8))  # noisy 8x8 images around ten random ones
    X = X.astype(np.float32)
    trained = t.call(challenge.train_challenge, dict(setup, epochs=epochs), X, y)
    with torch.no_grad():
        scores = as_numpy(t, t.call(trained, torch.from_numpy(X)), "the trained network's scores", double=True)
    accuracy = float(np.mean(np.argmax(scores, axis=1) == y))
    if not accuracy >= CLUSTER_FLOOR:
        t.wrong(_described(setup), "after %d epochs the network classifies only %.0f%% of ten clusters "
                "of noisy images (a network that does not learn: about 10%%); is the learning rate, "
                "the weight decay or the dropout off?" % (epochs, 100 * accuracy),
                "the accuracy on ten clusters")
    t.ok("%d epochs of the set-up classify %.0f%% of ten clusters of images" % (epochs, 100 * accuracy))
