"""An image captioning model: a recurrent network conditioned on image features
(assignment 4).

Its API is the one cs231n_core.captioning_solver.CaptioningSolver trains: learnable
parameters in the dictionary self.params, and loss(features, captions) -> (loss, grads)
with grads keyed like self.params.
"""
import numpy as np

from cs231n_core.rnn_layers import (lstm_backward, lstm_forward, lstm_step_forward, rnn_backward,
                                    rnn_forward, rnn_step_forward, temporal_affine_backward,
                                    temporal_affine_forward, temporal_softmax_loss,
                                    word_embedding_backward, word_embedding_forward)


class CaptioningRNN:
    """A CaptioningRNN produces captions from image features with a recurrent network.

    The image features of dimension D are projected to the RNN's initial hidden state
    (of dimension H); the words of the caption, from a vocabulary of V words, are
    embedded as vectors of dimension W; the RNN (a vanilla RNN or an LSTM) runs over
    them, and at every time step an affine layer turns the hidden state into scores
    over the vocabulary. Minibatches of N captions of length T.

    There is no regularization.

    The learnable parameters are stored in the dictionary self.params:
    - W_proj: (D, H) and b_proj: (H,), the projection of the features to h0.
    - W_embed: (V, W), the word vectors.
    - Wx: (W, H) and Wh: (H, H) for a vanilla RNN, (W, 4H) and (H, 4H) for an LSTM;
      b: (H,) or (4H,), the recurrent network's parameters.
    - W_vocab: (H, V) and b_vocab: (V,), the hidden states to scores.
    """

    def __init__(self, word_to_idx, input_dim=512, wordvec_dim=128, hidden_dim=128,
                 cell_type="rnn", dtype=np.float32):
        """Construct a new CaptioningRNN instance.

        Inputs:
        - word_to_idx: a dictionary of the vocabulary: V entries, each word mapped to a
          unique integer in the range [0, V). It must hold "<NULL>"; sample needs
          "<START>" and stops at "<END>".
        - input_dim: dimension D of the input image features.
        - wordvec_dim: dimension W of the word vectors.
        - hidden_dim: dimension H of the hidden state of the RNN.
        - cell_type: "rnn" or "lstm".
        - dtype: numpy datatype of the parameters (float32 to train, float64 to check
          gradients numerically).

        The weights are drawn from np.random.randn in this order, as CS231n draws them:
        W_embed (scaled by 1/100), W_proj, Wx, Wh, W_vocab (each scaled by 1/sqrt of its
        number of rows); the biases start at zero.
        """
        if cell_type not in {"rnn", "lstm"}:
            raise ValueError('Invalid cell_type "%s"' % cell_type)

        self.cell_type = cell_type
        self.dtype = dtype
        self.word_to_idx = word_to_idx
        self.idx_to_word = {i: w for w, i in word_to_idx.items()}
        self.params = {}

        vocab_size = len(word_to_idx)

        self._null = word_to_idx["<NULL>"]
        self._start = word_to_idx.get("<START>", None)
        self._end = word_to_idx.get("<END>", None)

        # Word vectors.
        self.params["W_embed"] = np.random.randn(vocab_size, wordvec_dim) / 100

        # The projection of the image features to the initial hidden state.
        self.params["W_proj"] = np.random.randn(input_dim, hidden_dim) / np.sqrt(input_dim)
        self.params["b_proj"] = np.zeros(hidden_dim)

        # The recurrent network: an LSTM has four gates' worth of weights.
        dim_mul = {"lstm": 4, "rnn": 1}[cell_type]
        self.params["Wx"] = np.random.randn(wordvec_dim, dim_mul * hidden_dim) / np.sqrt(wordvec_dim)
        self.params["Wh"] = np.random.randn(hidden_dim, dim_mul * hidden_dim) / np.sqrt(hidden_dim)
        self.params["b"] = np.zeros(dim_mul * hidden_dim)

        # From hidden states to scores over the vocabulary.
        self.params["W_vocab"] = np.random.randn(hidden_dim, vocab_size) / np.sqrt(hidden_dim)
        self.params["b_vocab"] = np.zeros(vocab_size)

        for name, value in self.params.items():
            self.params[name] = value.astype(self.dtype)

    def loss(self, features, captions):
        """Training-time loss and gradients of the model.

        The model reads the caption shifted by one: its input at step t is word t of
        the caption (starting with <START>), and it must predict word t + 1 (ending
        with <END>). Steps whose target is <NULL> do not count.

        Inputs:
        - features: array of shape (N, D), the input image features.
        - captions: integer array of shape (N, T + 1), the ground-truth captions, each
          element in the range 0 <= y[i, t] < V.

        Returns a tuple of:
        - loss: scalar, the temporal softmax loss.
        - grads: dictionary with the keys of self.params, grads[k] the gradient of the
          loss with respect to self.params[k].
        """
        # The captions, shifted: captions_in holds everything but the last word and is
        # what the RNN reads; captions_out holds everything but the first word and is
        # what it must predict. Steps where captions_out is <NULL> are masked out.
        captions_in = captions[:, :-1]
        captions_out = captions[:, 1:]
        mask = captions_out != self._null

        W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
        W_embed = self.params["W_embed"]
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

        loss, grads = 0.0, {}
        # TODO: implement the forward and backward passes of the CaptioningRNN with the
        # layers of cs231n_core/rnn_layers.py:
        # (1) an affine transform of the features to the initial hidden state h0, (N, H);
        # (2) word_embedding_forward of captions_in, (N, T, W);
        # (3) rnn_forward or lstm_forward (by self.cell_type), (N, T, H);
        # (4) temporal_affine_forward to the scores over the vocabulary, (N, T, V);
        # (5) temporal_softmax_loss of the scores against captions_out, with the mask.
        # Then back through all of them, storing each gradient in grads under the name
        # of its parameter.
        # BEGIN SOLUTION
        h0 = features @ W_proj + b_proj                                 # (N, H)
        words, embed_cache = word_embedding_forward(captions_in, W_embed)  # (N, T, W)
        if self.cell_type == "rnn":
            h, rnn_cache = rnn_forward(words, h0, Wx, Wh, b)            # (N, T, H)
        else:
            h, rnn_cache = lstm_forward(words, h0, Wx, Wh, b)
        scores, scores_cache = temporal_affine_forward(h, W_vocab, b_vocab)  # (N, T, V)
        loss, dscores = temporal_softmax_loss(scores, captions_out, mask)

        dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, scores_cache)
        backward = rnn_backward if self.cell_type == "rnn" else lstm_backward
        dwords, dh0, grads["Wx"], grads["Wh"], grads["b"] = backward(dh, rnn_cache)
        grads["W_embed"] = word_embedding_backward(dwords, embed_cache)
        grads["W_proj"] = features.T @ dh0
        grads["b_proj"] = np.sum(dh0, axis=0)
        # END SOLUTION
        return loss, grads

    def sample(self, features, max_length=30):
        """Greedy captions of images: at each step, the word of the highest score.

        The initial hidden state is the projection of the features, and the first
        input word is <START>. At each step the RNN (one step of a vanilla RNN or of an
        LSTM, whose cell state starts at zero) reads the word vector of the previous
        word and scores the vocabulary; the word of the highest score is the next word
        of the caption and the next input. A caption that has produced <END> is done:
        its remaining places hold <NULL>.

        Inputs:
        - features: array of shape (N, D), the input image features.
        - max_length: the maximum length T of the captions.

        Returns:
        - captions: integer array of shape (N, max_length), the sampled captions
          (without <START>: captions[:, 0] is the first sampled word), each ending at
          its first <END> and padded with <NULL> after it.
        """
        N = features.shape[0]
        captions = self._null * np.ones((N, max_length), dtype=np.int32)

        W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
        W_embed = self.params["W_embed"]
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

        # TODO: implement test-time sampling, one time step at a time with
        # rnn_step_forward or lstm_step_forward: embed the previous word (<START> at
        # first), take one step, score the vocabulary with an affine transform of the
        # hidden state, and take the word of the highest score. Once a caption has
        # produced <END>, its later words stay <NULL>; stop early when every caption is
        # done.
        # BEGIN SOLUTION
        h = features @ W_proj + b_proj                 # (N, H)
        c = np.zeros_like(h)
        word = np.full(N, self._start)
        done = np.zeros(N, dtype=bool)
        for t in range(max_length):
            x = W_embed[word]                          # (N, W)
            if self.cell_type == "rnn":
                h, _ = rnn_step_forward(x, h, Wx, Wh, b)
            else:
                h, c, _ = lstm_step_forward(x, h, c, Wx, Wh, b)
            word = np.argmax(h @ W_vocab + b_vocab, axis=1)   # (N,)
            captions[:, t] = np.where(done, self._null, word)
            done |= word == self._end
            if done.all():
                break
        # END SOLUTION
        return captions
