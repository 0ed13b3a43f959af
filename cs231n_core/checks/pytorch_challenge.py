"""Public check of assignment 2's PyTorch challenge (pytorch_challenge.py, Part V): the
shape of the set-up, and that the grader can rebuild and train it (the hidden grader
measures its accuracy)."""
import numpy as np

from . import public_check
from .torch_tools import as_numpy, keeps_torch_rng


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
    """Not the accuracy (the hidden grader trains and measures it): the set-up's shape,
    that the optimizer moves every learnable value, and that the grader can rebuild the
    network and train it for a few steps on random digits."""
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
            t.fail("%s: the optimizer does not update all the model's learnable parameters: give it "
                   "model.parameters()" % what)
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
