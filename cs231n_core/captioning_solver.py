"""The CaptioningSolver: trains captioning models with minibatch gradient descent.

The captioning counterpart of cs231n_core.solver.Solver, as in CS231n: it draws
minibatches of (captions, image features) from data in the layout of load_coco_data
(cs231n_core/captioning_data.py: load_digit_captions or load_coco_data) and updates the
model's parameters with one of the update rules of cs231n_core/optim.py. There is no
accuracy to check: the loss of every iteration is kept in solver.loss_history.

Example usage:

    data = load_digit_captions()
    model = CaptioningRNN(data["word_to_idx"], input_dim=data["train_features"].shape[1])
    solver = CaptioningSolver(model, data, update_rule="adam",
                              optim_config={"learning_rate": 5e-3},
                              lr_decay=0.995, num_epochs=50, batch_size=25,
                              verbose="progress")
    solver.train()

A CaptioningSolver works on a model object that follows this API:

- model.params is a dictionary mapping string parameter names to numpy arrays.
- model.loss(features, captions) returns (loss, grads): the scalar loss of a minibatch
  of image features (N, D) and captions (N, T), and the gradient of every parameter,
  keyed as model.params.

Randomness: minibatches are drawn from NumPy's global random state, so
np.random.seed(...) before train() makes a run reproducible.
"""
from cs231n_core.captioning_data import sample_coco_minibatch
from cs231n_core.solver import Solver


class CaptioningSolver(Solver):
    """Trains a captioning model with minibatch SGD-style updates; see the module
    docstring.

    Required arguments:
    - model: a model object conforming to the API described above.
    - data: a dictionary in the layout of load_coco_data, with at least
      "train_captions" (M, T), "train_image_idxs" (M,) and "train_features" (N, D).

    Optional keyword arguments:
    - update_rule: the name of an update rule in cs231n_core/optim.py (default "sgd"),
      or a callable next_w, config = rule(w, dw, config).
    - optim_config: a dictionary of hyperparameters passed to the update rule (each
      parameter gets its own copy). Every rule takes "learning_rate".
    - lr_decay: the learning rate is multiplied by this after each epoch (default 1.0).
    - batch_size: size of the minibatches (default 100).
    - num_epochs: the number of epochs to train for (default 10); an epoch is as many
      minibatches as the training captions fill.
    - print_every: print the training loss every print_every iterations (default 10).
    - verbose: True prints the loss as in CS231n, False prints nothing, and the string
      "progress" shows a tqdm progress bar over iterations instead.
    """

    def __init__(self, model, data, **kwargs):
        self.model = model
        self.data = data
        self._read_options(kwargs)
        self._reset()

    def _reset(self):
        """Set up the book-keeping of a fresh optimization."""
        self.epoch = 0
        self.loss_history = []
        self.optim_configs = {p: dict(self.optim_config) for p in self.model.params}

    def _step(self):
        """One gradient update on a minibatch of captions (drawn with replacement, as
        CS231n) and the features of their images."""
        captions, features, _ = sample_coco_minibatch(self.data, batch_size=self.batch_size,
                                                      split="train")
        loss, grads = self.model.loss(features, captions)
        self.loss_history.append(float(loss))
        self._update(grads)

    def train(self):
        """Run optimization to train the model."""
        self._run(self.data["train_captions"].shape[0])
