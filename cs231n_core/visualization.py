"""Understanding and visualizing CNNs, and style transfer (assignment 3).

CS231n's NetworkVisualization and StyleTransfer notebooks, in PyTorch:

* what a trained network looks at: saliency maps (``compute_saliency_maps``), guided
  backpropagation (``guided_backprop``), occlusion (``occlusion_map``) and Grad-CAM
  (``grad_cam``);
* what it can be made to say: fooling images (``make_fooling_image``), class
  visualizations (``class_visualization_update_step`` inside
  ``create_class_visualization``, with jitter and blur), DeepDream (``deep_dream``)
  and feature inversion (``invert_features``);
* style transfer (Gatys et al.): ``gram_matrix``, ``content_loss``, ``style_loss`` and
  ``tv_loss``, used by ``style_transfer`` (and by texture synthesis, style alone).

Every function works on torch tensors on any device (CPU or GPU) and in any floating
dtype. `model` is an ``nn.Module`` mapping images (N, C, H, W) to class scores (N, K)
(the course's digit classifier, ``pretrained_models.load_digits_classifier()``).
"""
import torch
import torch.nn.functional as F

__all__ = [
    "compute_saliency_maps", "make_fooling_image", "class_visualization_update_step",
    "occlusion_map", "grad_cam", "gram_matrix", "content_loss", "style_loss", "tv_loss",
    "guided_backprop", "jitter", "blur_image", "create_class_visualization",
    "extract_features", "deep_dream", "invert_features", "style_transfer",
]


# --------------------------------------------------------------------------------------
# Saliency, occlusion and Grad-CAM: where does the network look?
# --------------------------------------------------------------------------------------

def compute_saliency_maps(X, y, model):
    """Compute a class saliency map using the model for images X and labels y
    (Simonyan et al., "Deep inside convolutional networks", 2014).

    The saliency of a pixel is the largest absolute value, over the color channels, of
    the gradient of the (unnormalized) score of the correct class with respect to it.

    Input:
    - X: input images; tensor of shape (N, C, H, W)
    - y: labels for X; LongTensor of shape (N,), entries in [0, K)
    - model: a trained CNN mapping X to scores of shape (N, K)

    Returns:
    - saliency: tensor of shape (N, H, W), the saliency maps of the input images,
      without a graph (detached).

    Do not change X: compute the gradient of a copy that requires gradients.
    """
    model.eval()
    saliency = None
    # TODO: make a copy of X that requires gradients; compute the scores, pick each
    # image's correct score (scores.gather), backpropagate their sum, and reduce the
    # absolute value of the image gradient over the channels with a max.
    # BEGIN SOLUTION
    X = X.detach().clone().requires_grad_(True)
    scores = model(X)                                       # (N, K)
    correct = scores.gather(1, y.view(-1, 1)).squeeze(1)    # (N,)
    dX, = torch.autograd.grad(correct.sum(), X)             # (N, C, H, W)
    saliency = dX.abs().amax(dim=1)                         # (N, H, W)
    # END SOLUTION
    return saliency


def guided_backprop(X, y, model):
    """Guided backpropagation (Springenberg et al., "Striving for simplicity", 2015):
    the gradient of the correct scores with respect to X, where every ReLU lets only
    positive gradients through (on top of its usual gate on positive inputs).

    Inputs and model as for compute_saliency_maps (its ReLUs must be nn.ReLU modules).
    Returns a detached tensor of shape (N, C, H, W).
    """
    model.eval()

    def only_positive(module, grad_input, grad_output):
        return (grad_input[0].clamp(min=0),)

    handles = [m.register_full_backward_hook(only_positive) for m in model.modules()
               if isinstance(m, torch.nn.ReLU)]
    try:
        X = X.detach().clone().requires_grad_(True)
        scores = model(X)
        dX, = torch.autograd.grad(scores.gather(1, y.view(-1, 1)).sum(), X)
    finally:
        for handle in handles:
            handle.remove()
    return dX.detach()


def occlusion_map(X, y, model, patch_size=7, stride=1, fill_value=0.0):
    """Occlusion sensitivity (Zeiler and Fergus, "Visualizing and understanding
    convolutional networks", 2014): slide a grey square over each image and record how
    much the probability of the correct class drops.

    Inputs:
    - X: input images; tensor of shape (N, C, H, W)
    - y: labels for X; LongTensor of shape (N,)
    - model: a trained CNN mapping X to scores of shape (N, K)
    - patch_size: side P of the square patch, in pixels
    - stride: step S between two positions of the patch
    - fill_value: the value written into every channel of the occluded pixels (0 is the
      mean, grey, for normalized images)

    Returns:
    - drops: tensor of shape (N, H_out, W_out), H_out = 1 + (H - P) // S and
      W_out = 1 + (W - P) // S; drops[n, i, j] is p(y[n] | X[n]) minus the same softmax
      probability when the pixels X[n, :, i*S:i*S+P, j*S:j*S+P] are all set to
      fill_value (positive where hiding the region hurts the prediction). No graph.

    A loop over the patch's positions is fine: each pass sends the whole minibatch
    through the model (no loop over the images).
    """
    N, C, H, W = X.shape
    if not 1 <= patch_size <= min(H, W) or stride < 1:
        raise ValueError("need 1 <= patch_size <= min(H, W) = %d and stride >= 1, got "
                         "patch_size=%r, stride=%r" % (min(H, W), patch_size, stride))
    model.eval()
    drops = None
    # TODO: compute p(y | X) once; then, for each position (i, j) of the patch, occlude
    # a copy of X and store the drop of the correct class's probability.
    # BEGIN SOLUTION
    num_rows = 1 + (H - patch_size) // stride
    num_cols = 1 + (W - patch_size) // stride
    drops = X.new_zeros((N, num_rows, num_cols))
    rows = torch.arange(N, device=X.device)
    with torch.no_grad():
        original = F.softmax(model(X), dim=1)[rows, y]           # (N,)
        for i in range(num_rows):
            for j in range(num_cols):
                top, left = stride * i, stride * j
                occluded = X.clone()
                occluded[:, :, top:top + patch_size, left:left + patch_size] = fill_value
                probs = F.softmax(model(occluded), dim=1)[rows, y]
                drops[:, i, j] = original - probs
    # END SOLUTION
    return drops


def grad_cam(X, y, model, layer):
    """Grad-CAM (Selvaraju et al., "Grad-CAM: visual explanations from deep networks
    via gradient-based localization", 2017).

    With A the activations of `layer` for X, of shape (N, K, H', W'), and s the score of
    the correct class, each channel k gets the weight alpha[n, k], the mean over the
    H' x W' positions of ds[n] / dA[n, k]; the map is ReLU(sum_k alpha[n, k] A[n, k]).

    Inputs:
    - X: input images; tensor of shape (N, C, H, W)
    - y: labels for X; LongTensor of shape (N,)
    - model: a trained CNN mapping X to scores of shape (N, K_classes)
    - layer: an nn.Module inside model whose output has shape (N, K, H', W') (usually
      the ReLU after the last convolution)

    Returns:
    - cam: tensor of shape (N, H', W'), at the layer's resolution (upsample it with
      F.interpolate to show it over the image), without a graph.

    Hint: layer.register_forward_hook(fn) calls fn(module, inputs, output) during the
    forward pass: keep `output` there (and remove the hook afterwards, in a finally).
    torch.autograd.grad(s.sum(), A) then gives dA.
    """
    model.eval()
    cam = None
    # TODO: keep the layer's output with a forward hook, compute the scores, the
    # gradient of the correct scores with respect to the activations, the channels'
    # weights and the map.
    # BEGIN SOLUTION
    stored = {}

    def keep_output(module, inputs, output):
        stored["A"] = output

    handle = layer.register_forward_hook(keep_output)
    try:
        # an input that requires gradients puts the layer's output into the graph, even
        # when the model's weights are frozen
        scores = model(X.detach().requires_grad_(True))
    finally:
        handle.remove()
    if "A" not in stored:
        raise ValueError("`layer` was not used by the model's forward pass")
    A = stored["A"]                                            # (N, K, H', W')
    correct = scores.gather(1, y.view(-1, 1)).sum()
    dA, = torch.autograd.grad(correct, A)                      # (N, K, H', W')
    alpha = dA.mean(dim=(2, 3), keepdim=True)                  # (N, K, 1, 1)
    cam = F.relu((alpha * A).sum(dim=1)).detach()              # (N, H', W')
    # END SOLUTION
    return cam


# --------------------------------------------------------------------------------------
# Fooling images and class visualization: gradient ascent on the image
# --------------------------------------------------------------------------------------

def make_fooling_image(X, target_y, model, learning_rate=1.0, max_iter=100):
    """Generate a fooling image that is close to X, but that the model classifies
    as target_y (Szegedy et al., "Intriguing properties of neural networks", 2014).

    Inputs:
    - X: input image; tensor of shape (1, C, H, W)
    - target_y: an integer in the range [0, K)
    - model: a trained CNN
    - learning_rate: the length (L2 norm) of each step
    - max_iter: the most steps to take

    Returns:
    - X_fooling: tensor of shape (1, C, H, W), an image that is close to X, but that is
      classified as target_y by the model (detached). X itself is not changed.

    Perform gradient ascent on the score of the target class, stopping as soon as the
    model is fooled. Each step moves the image by the normalized gradient:

        dX = learning_rate * g / ||g||_2

    where g is the gradient of the target score with respect to the image. You should
    be able to fool the digit classifier in fewer than 100 steps.
    """
    model.eval()
    X_fooling = None
    # TODO: make a copy of X that requires gradients (X.clone()), then gradient ascent:
    # check the prediction before each step and stop once it is target_y.
    # BEGIN SOLUTION
    X_fooling = X.detach().clone().requires_grad_(True)
    for _ in range(max_iter):
        scores = model(X_fooling)
        if int(scores[0].argmax()) == int(target_y):
            break
        g, = torch.autograd.grad(scores[0, target_y], X_fooling)
        with torch.no_grad():
            X_fooling += learning_rate * g / g.norm()
    # END SOLUTION
    return X_fooling.detach()


def class_visualization_update_step(img, model, target_y, l2_reg, learning_rate):
    """One step of class visualization (Simonyan et al., 2014; Yosinski et al.,
    "Understanding neural networks through deep visualization", 2015).

    Gradient ascent on the regularized score of the target class,

        S_y(I) - l2_reg * ||I||_2^2

    (the squared L2 norm of the whole image), with a step normalized like the fooling
    images': img += learning_rate * g / ||g||_2, g the gradient of that objective.

    Inputs:
    - img: tensor of shape (1, C, H, W) that requires gradients, updated in place
    - model: a trained CNN
    - target_y: an integer in the range [0, K)
    - l2_reg: strength of the L2 regularization
    - learning_rate: how big a step to take

    Returns nothing. Leave img.grad zeroed (or None) for the next step: the caller
    calls this again and again, with jitter and blur in between (see
    create_class_visualization).
    """
    # TODO: the objective, its gradient, the update (inside torch.no_grad()), and
    # clear the gradient.
    # BEGIN SOLUTION
    objective = model(img)[0, target_y] - l2_reg * (img * img).sum()
    objective.backward()
    with torch.no_grad():
        img += learning_rate * img.grad / img.grad.norm()
        img.grad.zero_()
    # END SOLUTION


def jitter(X, ox, oy):
    """Randomly-chosen translation of images, rolled around the edges.

    Inputs:
    - X: tensor of shape (N, C, H, W)
    - ox, oy: integers giving the number of pixels to jitter along the W and H axes

    Returns: a new tensor of shape (N, C, H, W)
    """
    return torch.roll(X, shifts=(int(oy), int(ox)), dims=(2, 3))


def blur_image(X, sigma=1.0):
    """Gaussian blur of each channel of X (N, C, H, W), edges reflected; a new tensor."""
    if sigma <= 0:
        return X.clone()
    radius = max(1, int(round(3 * sigma)))
    t = torch.arange(-radius, radius + 1, device=X.device, dtype=X.dtype)
    kernel = torch.exp(-t * t / (2 * sigma * sigma))
    kernel = kernel / kernel.sum()
    C = X.shape[1]
    radius = min(radius, X.shape[2] - 1, X.shape[3] - 1)
    kernel = kernel[kernel.numel() // 2 - radius: kernel.numel() // 2 + radius + 1]
    kernel = kernel / kernel.sum()
    padded = F.pad(X, (radius, radius, radius, radius), mode="reflect")
    out = F.conv2d(padded, kernel.view(1, 1, 1, -1).repeat(C, 1, 1, 1), groups=C)
    return F.conv2d(out, kernel.view(1, 1, -1, 1).repeat(C, 1, 1, 1), groups=C)


def _iterations(num_iterations, progress, what):
    """range(num_iterations), under a tqdm bar labelled `what` when progress is true
    (the notebooks' long runs; graders never draw bars)."""
    if not progress:
        return range(num_iterations)
    from tqdm.auto import tqdm

    return tqdm(range(num_iterations), desc=what, unit="step")


def create_class_visualization(target_y, model, image_shape, l2_reg=1e-3, learning_rate=0.5,
                               num_iterations=200, blur_every=10, sigma=0.5, max_jitter=2,
                               clamp=None, seed=0, device=None, dtype=torch.float32,
                               show_every=0, callback=None, progress=False):
    """Generate an image that maximizes the score of target_y under the model:
    class_visualization_update_step, with a random jitter before each step (undone
    after it) and a blur every `blur_every` steps, which keep the image smooth.

    Inputs:
    - target_y: integer in [0, K), the class to visualize
    - model: a trained CNN
    - image_shape: (C, H, W) of the model's inputs
    - l2_reg, learning_rate: as in class_visualization_update_step
    - num_iterations, blur_every, sigma (of the blur), max_jitter (pixels)
    - clamp: optional (low, high) the pixels are kept in after each step
    - seed: seed of the random start and the jitter
    - callback: optional function(t, img) called every `show_every` steps
    - progress: show a progress bar over the steps

    Returns: the image, a detached tensor of shape (1, C, H, W).
    """
    generator = torch.Generator().manual_seed(seed)
    img = (0.1 * torch.randn((1,) + tuple(image_shape), generator=generator)).to(device=device, dtype=dtype)
    img.requires_grad_(True)
    for t in _iterations(num_iterations, progress, "class %d" % target_y):
        ox, oy = torch.randint(-max_jitter, max_jitter + 1, (2,), generator=generator).tolist()
        with torch.no_grad():
            img.copy_(jitter(img, ox, oy))
        class_visualization_update_step(img, model, target_y, l2_reg, learning_rate)
        with torch.no_grad():
            img.copy_(jitter(img, -ox, -oy))
            if clamp is not None:
                img.clamp_(*clamp)
            if blur_every and t % blur_every == blur_every - 1:
                img.copy_(blur_image(img, sigma))
        if callback is not None and show_every and (t % show_every == 0 or t == num_iterations - 1):
            callback(t, img.detach())
    return img.detach()


# --------------------------------------------------------------------------------------
# Features, DeepDream and feature inversion
# --------------------------------------------------------------------------------------

def extract_features(x, cnn):
    """The output of every layer of a sequential CNN (CS231n's extract_features).

    Inputs:
    - x: tensor of shape (N, C, H, W)
    - cnn: an nn.Sequential

    Returns: a list, features[i] the output of layer i, of shape (N, C_i, H_i, W_i).
    """
    features = []
    prev_feat = x
    for module in cnn:
        next_feat = module(prev_feat)
        features.append(next_feat)
        prev_feat = next_feat
    return features


def deep_dream(img, model, layer, num_iterations=20, learning_rate=0.02, max_jitter=4,
               clamp=None, seed=0, progress=False):
    """DeepDream (Mordvintsev et al., 2015): amplify whatever `layer` (an index into the
    nn.Sequential `model`) sees in img: gradient ascent on half the sum of its squared
    activations, with steps normalized by the gradient's mean absolute value (so
    learning_rate is about how much each pixel moves) and a random jitter.

    Inputs:
    - img: tensor of shape (1, C, H, W); any H and W (the convolutions slide)
    - model: an nn.Sequential
    - layer: index of the layer whose activations are amplified
    - progress: show a progress bar over the steps
    Returns: the dreamed image, a detached tensor of shape (1, C, H, W).
    """
    generator = torch.Generator().manual_seed(seed)
    features = model[:layer + 1]
    img = img.detach().clone()
    for _ in _iterations(num_iterations, progress, "DeepDream, layer %d" % layer):
        ox, oy = torch.randint(-max_jitter, max_jitter + 1, (2,), generator=generator).tolist()
        shifted = jitter(img, ox, oy).requires_grad_(True)
        activations = features(shifted)
        g, = torch.autograd.grad(0.5 * (activations * activations).sum(), shifted)
        with torch.no_grad():
            shifted += learning_rate * g / (g.abs().mean() + 1e-12)
            img = jitter(shifted, -ox, -oy)
            if clamp is not None:
                img.clamp_(*clamp)
    return img.detach()


def invert_features(target_features, model, layer, image_shape, num_iterations=200,
                    learning_rate=0.05, tv_weight=1e-2, seed=0, device=None, dtype=torch.float32,
                    progress=False):
    """Feature inversion (Mahendran and Vedaldi, "Understanding deep image
    representations by inverting them", 2015): find an image whose activations at
    `layer` match target_features, starting from noise, by Adam on

        ||phi(img) - target_features||^2 / ||target_features||^2 + tv_loss(img, tv_weight)

    Inputs:
    - target_features: tensor, the activations of model[:layer + 1] for some image
    - model: an nn.Sequential; layer: an index into it
    - image_shape: (C, H, W)
    - progress: show a progress bar over the steps
    Returns: the reconstruction, a detached tensor of shape (1, C, H, W).
    """
    generator = torch.Generator().manual_seed(seed)
    features = model[:layer + 1]
    img = (0.1 * torch.randn((1,) + tuple(image_shape), generator=generator)).to(device=device, dtype=dtype)
    img.requires_grad_(True)
    optimizer = _Adam(img, learning_rate)
    target = target_features.detach()
    scale = (target * target).sum().clamp(min=1e-12)
    for _ in _iterations(num_iterations, progress, "inverting layer %d" % layer):
        optimizer.zero_grad()
        difference = features(img) - target
        loss = (difference * difference).sum() / scale + tv_loss(img, tv_weight)
        loss.backward()
        optimizer.step()
    return img.detach()


# --------------------------------------------------------------------------------------
# Style transfer (Gatys et al., "Image style transfer using convolutional neural
# networks", 2016)
# --------------------------------------------------------------------------------------

class _Adam:
    """Adam (Kingma and Ba, 2015) on one tensor, as torch.optim.Adam([x], lr) with its
    defaults: the few lines of the update, without torch.optim's one-off start-up cost
    (it imports torch's compiler on first use, about a second of CPU)."""

    def __init__(self, x, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
        self.x, self.learning_rate = x, learning_rate
        self.beta1, self.beta2, self.eps, self.t = beta1, beta2, eps, 0
        self.m, self.v = torch.zeros_like(x), torch.zeros_like(x)

    def zero_grad(self):
        self.x.grad = None

    @torch.no_grad()
    def step(self):
        self.t += 1
        g = self.x.grad
        self.m.mul_(self.beta1).add_(g, alpha=1 - self.beta1)
        self.v.mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
        m_hat = self.m / (1 - self.beta1 ** self.t)
        v_hat = self.v / (1 - self.beta2 ** self.t)
        self.x.sub_(self.learning_rate * m_hat / (v_hat.sqrt() + self.eps))


def content_loss(content_weight, content_current, content_original):
    """Compute the content loss for style transfer.

    Inputs:
    - content_weight: scalar giving the weighting for the content loss.
    - content_current: features of the current image; a tensor of shape (1, C_l, H_l, W_l).
    - content_original: features of the content image, a tensor of shape (1, C_l, H_l, W_l).

    Returns:
    - scalar content loss: content_weight * sum((content_current - content_original)^2),
      a 0-dimensional tensor through which gradients flow to content_current.
    """
    # TODO: one line.
    # BEGIN SOLUTION
    difference = content_current - content_original
    return content_weight * (difference * difference).sum()
    # END SOLUTION


def gram_matrix(features, normalize=True):
    """Compute the Gram matrix from features.

    Inputs:
    - features: tensor of shape (N, C, H, W) giving features for a batch of N images.
    - normalize: optional, whether to normalize the Gram matrix.
      If True, divide the Gram matrix by the number of neurons (H * W * C).

    Returns:
    - gram: tensor of shape (N, C, C) giving the (optionally normalized) Gram matrices
      for the N input images: gram[n, c, d] = sum over positions of
      features[n, c] * features[n, d].

    No loops: one batched matrix product.
    """
    # TODO: reshape the features to (N, C, H * W) and multiply them with their transpose
    # (torch.bmm or @).
    # BEGIN SOLUTION
    N, C, H, W = features.shape
    flat = features.reshape(N, C, H * W)                # (N, C, H*W)
    gram = torch.bmm(flat, flat.transpose(1, 2))        # (N, C, C)
    if normalize:
        gram = gram / (H * W * C)
    return gram
    # END SOLUTION


def style_loss(feats, style_layers, style_targets, style_weights):
    """Computes the style loss at a set of layers.

    Inputs:
    - feats: list of the features at every layer of the current image, as produced by
      the extract_features function.
    - style_layers: list of layer indices into feats giving the layers to include in
      the style loss.
    - style_targets: list of the same length as style_layers, where style_targets[i] is
      a tensor giving the Gram matrix (gram_matrix, normalized) of the source style
      image computed at layer style_layers[i].
    - style_weights: list of the same length as style_layers, where style_weights[i] is
      a scalar giving the weight for the style loss at layer style_layers[i].

    Returns:
    - style_loss: a 0-dimensional tensor, the sum over i of style_weights[i] times the
      sum of squared differences between the current image's normalized Gram matrix at
      layer style_layers[i] and style_targets[i].

    Hint: a loop over the style layers is fine; use gram_matrix.
    """
    # TODO: add up the weighted losses of the style layers.
    # BEGIN SOLUTION
    loss = 0.0
    for layer, target, weight in zip(style_layers, style_targets, style_weights):
        difference = gram_matrix(feats[layer]) - target
        loss = loss + weight * (difference * difference).sum()
    return loss
    # END SOLUTION


def tv_loss(img, tv_weight):
    """Compute total variation loss.

    Inputs:
    - img: tensor of shape (1, 3, H, W) holding an input image.
    - tv_weight: scalar giving the weight w_t to use for the TV loss.

    Returns:
    - loss: a 0-dimensional tensor, tv_weight times the sum of the squared differences
      between horizontally and between vertically neighbouring pixels, over every
      channel.

    No loops.
    """
    # TODO: the differences between neighbours are differences of shifted slices of img.
    # BEGIN SOLUTION
    down = img[:, :, 1:, :] - img[:, :, :-1, :]
    right = img[:, :, :, 1:] - img[:, :, :, :-1]
    return tv_weight * ((down * down).sum() + (right * right).sum())
    # END SOLUTION


def style_transfer(content_image, style_image, cnn, content_layer, content_weight,
                   style_layers, style_weights, tv_weight, num_iterations=200,
                   learning_rate=0.05, init_random=False, seed=0, callback=None, show_every=0,
                   progress=False):
    """Gatys et al.'s style transfer by Adam on the pixels of a new image.

    Inputs:
    - content_image, style_image: tensors of shape (1, 3, H, W) and (1, 3, H', W'),
      normalized like the cnn's inputs.
    - cnn: an nn.Sequential feature extractor (pretrained_models.style_network()).
    - content_layer: index of the layer of the content loss; content_weight its weight.
    - style_layers, style_weights: lists of layer indices and weights of the style loss.
    - tv_weight: weight of the total-variation loss.
    - init_random: start from noise instead of the content image (with content_weight
      0, this is texture synthesis).
    - callback: optional function(t, img) called every `show_every` iterations.
    - progress: show a progress bar over the iterations.

    Returns: the image, a detached tensor of shape (1, 3, H, W).
    """
    with torch.no_grad():
        content_target = extract_features(content_image, cnn)[content_layer].clone()
        style_feats = extract_features(style_image, cnn)
        style_targets = [gram_matrix(style_feats[i]).clone() for i in style_layers]
    if init_random:
        generator = torch.Generator().manual_seed(seed)
        img = torch.randn(content_image.shape, generator=generator).to(content_image)
    else:
        img = content_image.detach().clone()
    img.requires_grad_(True)
    optimizer = _Adam(img, learning_rate)
    for t in _iterations(num_iterations, progress, "style transfer"):
        if t == int(num_iterations * 0.9):
            optimizer.learning_rate = learning_rate * 0.1  # a smaller step for the last tenth
        optimizer.zero_grad()
        feats = extract_features(img, cnn)
        loss = (content_loss(content_weight, feats[content_layer], content_target)
                + style_loss(feats, style_layers, style_targets, style_weights)
                + tv_loss(img, tv_weight))
        loss.backward()
        optimizer.step()
        if callback is not None and show_every and (t % show_every == 0 or t == num_iterations - 1):
            callback(t, img.detach())
    return img.detach()
