"""The Solver: trains classification models with minibatch gradient descent.

A Solver performs stochastic gradient descent with one of the update rules
defined in cs231n_core/optim.py (or any callable with the same interface).

It accepts training and validation data and labels, so it can periodically
check classification accuracy on both, to watch for overfitting.

To train a model, construct a Solver with the model, the dataset and options
(learning rate, batch size, ...), then call its train() method. During training
the instance variable solver.loss_history holds the loss of every iteration,
and solver.train_acc_history and solver.val_acc_history hold the accuracies on
the training and validation sets, checked at the first iteration and at the
end of every epoch. When train() returns, model.params holds the parameters
that did best on the validation set (also kept in solver.best_params).

Example usage:

    data = {
      "X_train": # training data
      "y_train": # training labels
      "X_val": # validation data
      "y_val": # validation labels
    }
    model = MyAwesomeModel(hidden_size=100, reg=10)
    solver = Solver(model, data,
                    update_rule="sgd",
                    optim_config={"learning_rate": 1e-4},
                    lr_decay=0.95,
                    num_epochs=5, batch_size=200,
                    print_every=100)
    solver.train()

A Solver works on a model object that follows this API:

- model.params is a dictionary mapping string parameter names to numpy arrays
  holding the parameter values.

- model.loss(X, y=None) computes the training-time loss and gradients, and the
  test-time classification scores, with these inputs and outputs:

  Inputs:
  - X: array of minibatch data of shape (N, d_1, ..., d_k).
  - y: array of labels of shape (N,); y[i] is the label of X[i].

  Returns:
  If y is None, a test-time forward pass:
  - scores: array of shape (N, C); scores[i, c] is the score of X[i] for
    class c.

  If y is not None, a training-time forward and backward pass:
  - loss: scalar, the loss.
  - grads: dictionary with the same keys as model.params, mapping each
    parameter name to the gradient of the loss with respect to it.

Randomness: minibatches (and the subsamples used to check accuracy) are drawn
from NumPy's global random state, so np.random.seed(...) before train() makes a
run reproducible.
"""
import os
import pickle

import numpy as np

from cs231n_core import optim
from cs231n_core.file_utils import write_then_replace


class Solver:
    """Trains a model with minibatch SGD-style updates; see the module docstring.

    Required arguments:
    - model: a model object conforming to the API described above.
    - data: a dictionary of training and validation data with keys:
      - "X_train": array of shape (N_train, d_1, ..., d_k) of training images
      - "X_val": array of shape (N_val, d_1, ..., d_k) of validation images
      - "y_train": array of shape (N_train,) of labels for the training images
      - "y_val": array of shape (N_val,) of labels for the validation images

    Optional keyword arguments:
    - update_rule: the name of an update rule in cs231n_core/optim.py
      (default "sgd"), or a callable next_w, config = rule(w, dw, config).
    - optim_config: a dictionary of hyperparameters passed to the update rule
      (each parameter gets its own copy). Every rule takes "learning_rate".
    - lr_decay: the learning rate is multiplied by this after each epoch
      (default 1.0).
    - batch_size: size of the minibatches used to compute loss and gradient
      during training (default 100).
    - num_epochs: the number of epochs to run for during training (default 10).
    - num_train_samples: number of training samples used to check training
      accuracy (default 1000; None uses the whole training set).
    - num_val_samples: number of validation samples used to check validation
      accuracy (default None, the whole validation set).
    - checkpoint_name: if not None, save a pickled checkpoint to
      "<checkpoint_name>_epoch_<epoch>.pkl" at every accuracy check.
    - print_every: print the training loss every print_every iterations
      (default 10).
    - verbose: True prints progress as in CS231n, False prints nothing, and
      the string "progress" shows a tqdm progress bar over iterations instead.
    """

    def __init__(self, model, data, **kwargs):
        self.model = model
        self.X_train = data["X_train"]
        self.y_train = data["y_train"]
        self.X_val = data["X_val"]
        self.y_val = data["y_val"]

        # Unpack keyword arguments
        self.num_train_samples = kwargs.pop("num_train_samples", 1000)
        self.num_val_samples = kwargs.pop("num_val_samples", None)
        self.checkpoint_name = kwargs.pop("checkpoint_name", None)
        self._read_options(kwargs)

        self._reset()

    def _read_options(self, kwargs):
        """Pop the options of the optimization from kwargs (update_rule, optim_config,
        lr_decay, batch_size, num_epochs, print_every, verbose; the subclasses take
        them too) and resolve the update rule; any argument left over is an error."""
        self.update_rule = kwargs.pop("update_rule", "sgd")
        self.optim_config = kwargs.pop("optim_config", {})
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)
        self.print_every = kwargs.pop("print_every", 10)
        self.verbose = kwargs.pop("verbose", True)

        # Throw an error if there are extra keyword arguments
        if len(kwargs) > 0:
            extra = ", ".join('"%s"' % k for k in list(kwargs.keys()))
            raise ValueError("Unrecognized arguments %s" % extra)

        # Replace a string update rule with the function of that name in optim
        if isinstance(self.update_rule, str):
            rule = getattr(optim, self.update_rule, None)
            if self.update_rule.startswith("_") or not callable(rule):
                raise ValueError('Invalid update_rule "%s"' % self.update_rule)
            self.update_rule = rule
        elif not callable(self.update_rule):
            raise ValueError(
                "update_rule must be a name in cs231n_core.optim or a callable, "
                "got %r" % (self.update_rule,)
            )

    def _reset(self):
        """Set up book-keeping variables for optimization. Don't call this
        manually."""
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []

        # Make a deep copy of the optim_config for each parameter
        self.optim_configs = {}
        for p in self.model.params:
            d = {k: v for k, v in self.optim_config.items()}
            self.optim_configs[p] = d

    def _step(self):
        """Make a single gradient update. This is called by train() and should
        not be called manually."""
        # Make a minibatch of training data (drawn with replacement, as CS231n)
        num_train = self.X_train.shape[0]
        batch_mask = np.random.choice(num_train, self.batch_size)
        X_batch = self.X_train[batch_mask]
        y_batch = self.y_train[batch_mask]

        # Compute loss and gradient
        loss, grads = self.model.loss(X_batch, y_batch)
        self.loss_history.append(float(loss))
        self._update(grads)

    def _update(self, grads):
        """Update every parameter of the model with the update rule, given the
        gradients of the loss (grads, keyed as model.params)."""
        for p, w in self.model.params.items():
            dw = grads[p]
            config = self.optim_configs[p]
            next_w, next_config = self.update_rule(w, dw, config)
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config

    def _save_checkpoint(self):
        """Pickle the model and the training state to
        "<checkpoint_name>_epoch_<epoch>.pkl", atomically (a reader never sees
        a half-written file)."""
        if self.checkpoint_name is None:
            return
        checkpoint = {
            "model": self.model,
            "update_rule": getattr(self.update_rule, "__name__", repr(self.update_rule)),
            "lr_decay": self.lr_decay,
            "optim_config": self.optim_config,
            "batch_size": self.batch_size,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "epoch": self.epoch,
            "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
        }
        filename = "%s_epoch_%d.pkl" % (self.checkpoint_name, self.epoch)
        if self.verbose is True:
            print('Saving checkpoint to "%s"' % filename)
        # Write a temporary file next to the target, then rename it over the
        # target (os.replace is atomic on one file system).
        tmp = "%s.tmp-%d" % (filename, os.getpid())
        write_then_replace(filename, tmp, lambda: open(tmp, "wb"),
                           lambda f: pickle.dump(checkpoint, f))

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Check the accuracy of the model on the provided data.

        Inputs:
        - X: array of data, of shape (N, d_1, ..., d_k).
        - y: array of labels, of shape (N,).
        - num_samples: if not None, subsample the data (with replacement, from
          NumPy's global random state) and only test the model on num_samples
          datapoints.
        - batch_size: split X and y into batches of this size to avoid using
          too much memory.

        Returns:
        - acc: scalar giving the fraction of instances that were correctly
          classified by the model.
        """
        # Maybe subsample the data
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = np.random.choice(N, num_samples)
            N = num_samples
            X = X[mask]
            y = y[mask]

        # Compute predictions in batches
        num_batches = N // batch_size
        if N % batch_size != 0:
            num_batches += 1
        y_pred = []
        for i in range(num_batches):
            start = i * batch_size
            end = (i + 1) * batch_size
            scores = self.model.loss(X[start:end])
            y_pred.append(np.argmax(scores, axis=1))
        y_pred = np.hstack(y_pred)
        acc = float(np.mean(y_pred == y))

        return acc

    def train(self):
        """Run optimization to train the model."""
        self._run(self.X_train.shape[0], self._check_accuracies)

        # At the end of training swap the best params into the model (copies, so
        # that further training cannot change best_params in place).
        if self.best_params:
            self.model.params = {k: v.copy() for k, v in self.best_params.items()}

    def _run(self, num_train, check=None):
        """The optimization loop: num_epochs epochs of num_train // batch_size steps
        (at least one), each step's loss printed or shown, the learning rates decayed
        at the end of each epoch, then check(t, epoch_end, last_it, printing, bar)
        after step t when a check is given."""
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch

        # verbose="progress": a tqdm bar instead of printed lines
        show_bar = isinstance(self.verbose, str) and self.verbose == "progress"
        printing = bool(self.verbose) and not show_bar
        bar = None
        if show_bar:
            from tqdm.auto import tqdm

            bar = tqdm(total=num_iterations, desc="Training", unit="it")

        try:
            for t in range(num_iterations):
                self._step()

                # Maybe print training loss
                if printing and t % self.print_every == 0:
                    print(
                        "(Iteration %d / %d) loss: %f"
                        % (t + 1, num_iterations, self.loss_history[-1])
                    )
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss="%.4f" % self.loss_history[-1], refresh=False)

                # At the end of every epoch, increment the epoch counter and
                # decay the learning rate.
                epoch_end = (t + 1) % iterations_per_epoch == 0
                if epoch_end:
                    self.epoch += 1
                    for k in self.optim_configs:
                        if "learning_rate" in self.optim_configs[k]:
                            self.optim_configs[k]["learning_rate"] *= self.lr_decay
                if check is not None:
                    check(t, epoch_end, t == num_iterations - 1, printing, bar)
        finally:
            if bar is not None:
                bar.close()

    def _check_accuracies(self, t, epoch_end, last_it, printing, bar):
        """Check train and val accuracy on the first iteration, the last iteration,
        and at the end of each epoch, and keep the best parameters."""
        if t == 0 or last_it or epoch_end:
            train_acc = self.check_accuracy(
                self.X_train, self.y_train, num_samples=self.num_train_samples
            )
            val_acc = self.check_accuracy(
                self.X_val, self.y_val, num_samples=self.num_val_samples
            )
            self.train_acc_history.append(train_acc)
            self.val_acc_history.append(val_acc)
            self._save_checkpoint()

            if printing:
                print(
                    "(Epoch %d / %d) train acc: %f; val_acc: %f"
                    % (self.epoch, self.num_epochs, train_acc, val_acc)
                )
            if bar is not None:
                bar.set_postfix(
                    loss="%.4f" % self.loss_history[-1],
                    train_acc="%.3f" % train_acc,
                    val_acc="%.3f" % val_acc,
                )

            # Keep track of the best model (the first check always counts,
            # so best_params is never empty after training)
            if val_acc > self.best_val_acc or not self.best_params:
                self.best_val_acc = val_acc
                self.best_params = {}
                for k, v in self.model.params.items():
                    self.best_params[k] = v.copy()
