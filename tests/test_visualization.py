"""Unit tests of visualization.py and pretrained_models.py (assignment 3): each target
against an independent computation (explicit loops, closed forms of simple networks,
numerical gradients), the helpers on small inputs, the course's trained classifier, and
the graders' NumPy reference network against torch."""
import json

import numpy as np
import pytest
import torch
import torch.nn as nn

from cs231n_core import pretrained_models as pm
from cs231n_core import visualization as vis

f64 = torch.float64


@pytest.fixture(autouse=True)
def _one_thread_and_seed():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def digits():
    """The trained classifier (float64) and 40 held-out MNIST digits."""
    from cs231n_core.data_utils import get_data

    data = get_data("mnist", num_training=4000, num_validation=500, num_test=500,
                    subtract_mean=False, flatten=False, channels_first=True, seed=0)
    model = pm.load_digits_classifier(dtype=f64)
    x = pm.preprocess(data["X_test"][:40]).double()
    return model, x, torch.from_numpy(data["y_test"][:40]), data


def small_convnet(channels=3, classes=4, size=6):
    return nn.Sequential(nn.Conv2d(channels, 5, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(5 * (size // 2) ** 2, classes)).double().eval()


# --- saliency, guided backpropagation ----------------------------------------------------

def test_saliency_of_a_linear_model_is_the_largest_weight_over_channels():
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 5, 4)).double()
    X = torch.randn(6, 3, 4, 5, dtype=f64)
    y = torch.tensor([0, 1, 2, 3, 3, 1])
    before = X.clone()
    saliency = vis.compute_saliency_maps(X, y, model)
    W = model[1].weight.detach().reshape(4, 3, 4, 5)
    assert saliency.shape == (6, 4, 5) and not saliency.requires_grad
    assert torch.allclose(saliency, W[y].abs().amax(dim=1))
    assert torch.equal(X, before)


def test_guided_backprop_only_lets_positive_gradients_through_relus():
    model = small_convnet()
    X, y = torch.randn(3, 3, 6, 6, dtype=f64), torch.tensor([0, 1, 2])
    guided = vis.guided_backprop(X, y, model)
    assert guided.shape == X.shape
    # with one ReLU, guided backprop is the gradient with the ReLU's negative upstream
    # gradients zeroed: recompute it by hand
    Xr = X.clone().requires_grad_(True)
    conv = model[0](Xr)
    hidden = torch.relu(conv)
    hidden.retain_grad()
    model[4](model[3](model[2](hidden))).gather(1, y.view(-1, 1)).sum().backward(retain_graph=True)
    dconv = hidden.grad.clamp(min=0) * (conv > 0)
    expected, = torch.autograd.grad(conv, Xr, dconv)
    assert torch.allclose(guided, expected)
    assert not any(m._backward_hooks for m in model.modules())  # hooks removed


# --- occlusion -------------------------------------------------------------------------------

def test_occlusion_only_matters_where_the_model_looks():
    # the model reads one pixel, (row 5, column 2), of channel 1: only patches covering it
    # change the probability
    linear = nn.Linear(2 * 8 * 8, 3).double()
    with torch.no_grad():
        linear.weight.zero_()
        linear.weight[:, 64 + 5 * 8 + 2] = torch.tensor([2.0, -1.0, 0.5], dtype=f64)
    model = nn.Sequential(nn.Flatten(), linear).eval()
    X = torch.randn(2, 2, 8, 8, dtype=f64) + 1.0
    y = torch.tensor([0, 1])
    drops = vis.occlusion_map(X, y, model, patch_size=3, stride=2, fill_value=0.0)
    assert drops.shape == (2, 3, 3)
    covers = torch.zeros(3, 3, dtype=torch.bool)
    for i in range(3):
        for j in range(3):
            covers[i, j] = 2 * i <= 5 < 2 * i + 3 and 2 * j <= 2 < 2 * j + 3
    assert torch.all(drops[:, ~covers] == 0)
    occluded = X.clone()
    occluded[:, :, 5, 2] = 0.0
    p = torch.softmax(model(X), 1)[[0, 1], y] - torch.softmax(model(occluded), 1)[[0, 1], y]
    assert torch.allclose(drops[:, covers], p[:, None].expand(2, int(covers.sum())))


def test_occlusion_rejects_a_patch_larger_than_the_image():
    with pytest.raises(ValueError, match="patch_size"):
        vis.occlusion_map(torch.zeros(1, 1, 4, 4), torch.tensor([0]), small_convnet(1, 2, 4), patch_size=5)


# --- Grad-CAM --------------------------------------------------------------------------------

def test_grad_cam_of_a_global_average_pooling_net_is_the_class_activation_map():
    # with global average pooling then a linear layer, Grad-CAM's weights are the linear
    # layer's (divided by H' W'): Zhou et al.'s class activation map
    model = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                          nn.Flatten(), nn.Linear(6, 4)).double().eval()
    X, y = torch.randn(5, 3, 7, 6, dtype=f64), torch.tensor([0, 1, 2, 3, 0])
    cam = vis.grad_cam(X, y, model, model[1])
    A = model[1](model[0](X)).detach()
    w = model[4].weight.detach()[y]                                      # (N, K)
    expected = torch.relu((w[:, :, None, None] * A).sum(1)) / (7 * 6)
    assert cam.shape == (5, 7, 6) and not cam.requires_grad
    assert torch.allclose(cam, expected)
    assert not model[1]._forward_hooks  # the hook was removed


# --- fooling images and class visualization ---------------------------------------------------

def test_fooling_images_fool_the_trained_classifier(digits):
    model, x, _, _ = digits
    predictions = model(x[:6]).argmax(1)
    for i in range(6):
        target = int((predictions[i] + 1 + i) % 10)
        image = x[i:i + 1].clone()
        fooled = vis.make_fooling_image(image, target, model)
        assert int(model(fooled).argmax()) == target
        assert torch.equal(image, x[i:i + 1])
        assert float((fooled - image).norm()) < 40.0


def test_class_visualization_step_ascends_the_regularized_score():
    model = small_convnet()
    img = (0.3 * torch.randn(1, 3, 6, 6, dtype=f64)).requires_grad_(True)

    def objective(image):
        with torch.no_grad():
            return float(model(image)[0, 2] - 0.01 * (image * image).sum())

    before, start = objective(img.detach()), img.detach().clone()
    vis.class_visualization_update_step(img, model, 2, 0.01, 1e-3)
    assert objective(img.detach()) > before
    assert img.grad is None or float(img.grad.abs().sum()) == 0.0
    assert float((img.detach() - start).norm()) == pytest.approx(1e-3)


def test_create_class_visualization_raises_the_class_score(digits):
    model = digits[0]
    img = vis.create_class_visualization(3, model, (1, 28, 28), num_iterations=30, dtype=f64,
                                         learning_rate=1.0)
    assert img.shape == (1, 1, 28, 28)
    assert int(model(img).argmax()) == 3


def test_jitter_and_blur():
    X = torch.arange(2 * 3 * 5 * 6, dtype=f64).reshape(2, 3, 5, 6)
    assert torch.equal(vis.jitter(vis.jitter(X, 2, -1), -2, 1), X)
    assert vis.jitter(X, 1, 0)[0, 0, 0, 1] == X[0, 0, 0, 0]
    constant = torch.full((1, 2, 6, 7), 3.0, dtype=f64)
    assert torch.allclose(vis.blur_image(constant, 1.0), constant)
    noisy = torch.randn(1, 1, 16, 16, dtype=f64)
    assert vis.blur_image(noisy, 1.0).shape == noisy.shape
    assert vis.blur_image(noisy, 1.0).std() < noisy.std()


def test_deep_dream_and_feature_inversion_run(digits):
    model, x, _, _ = digits
    dreamed = vis.deep_dream(x[:1], model, pm.layer_index("relu2"), num_iterations=3)
    assert dreamed.shape == x[:1].shape and not torch.equal(dreamed, x[:1])
    layer = pm.layer_index("relu2")
    target = model[:layer + 1](x[:1]).detach()
    inverted = vis.invert_features(target, model, layer, (1, 28, 28), num_iterations=60,
                                   learning_rate=0.1, dtype=f64)
    start = vis.invert_features(target, model, layer, (1, 28, 28), num_iterations=0, dtype=f64)

    def mismatch(image):
        return float(((model[:layer + 1](image) - target) ** 2).sum())

    assert mismatch(inverted) < 0.5 * mismatch(start)


# --- style transfer losses -------------------------------------------------------------------

def test_gram_matrix_against_loops():
    features = torch.randn(2, 3, 4, 5, dtype=f64)
    expected = torch.zeros(2, 3, 3, dtype=f64)
    for n in range(2):
        for c in range(3):
            for d in range(3):
                expected[n, c, d] = (features[n, c] * features[n, d]).sum()
    assert torch.allclose(vis.gram_matrix(features, normalize=False), expected)
    assert torch.allclose(vis.gram_matrix(features), expected / (3 * 4 * 5))


def test_content_and_tv_losses_against_loops_and_gradients():
    current, original = torch.randn(1, 3, 4, 5, dtype=f64), torch.randn(1, 3, 4, 5, dtype=f64)
    assert float(vis.content_loss(0.3, current, original)) == pytest.approx(
        0.3 * sum(float(v) ** 2 for v in (current - original).flatten()))
    img = torch.randn(1, 3, 4, 5, dtype=f64)
    total = 0.0
    for c in range(3):
        for i in range(4):
            for j in range(5):
                if i + 1 < 4:
                    total += float(img[0, c, i + 1, j] - img[0, c, i, j]) ** 2
                if j + 1 < 5:
                    total += float(img[0, c, i, j + 1] - img[0, c, i, j]) ** 2
    assert float(vis.tv_loss(img, 0.7)) == pytest.approx(0.7 * total)
    assert torch.autograd.gradcheck(lambda a: vis.tv_loss(a, 0.7), (img.requires_grad_(),))
    assert torch.autograd.gradcheck(lambda a: vis.content_loss(0.3, a, original),
                                    (current.requires_grad_(),))


def test_style_loss_adds_the_weighted_gram_distances_of_its_layers():
    feats = [torch.randn(1, c, 4, 4, dtype=f64) for c in (2, 3, 4)]
    targets = [vis.gram_matrix(torch.randn(1, c, 4, 4, dtype=f64)) for c in (3, 4)]
    loss = vis.style_loss(feats, [1, 2], targets, [10.0, 2.0])
    expected = sum(w * float(((vis.gram_matrix(feats[layer]) - t) ** 2).sum())
                   for layer, t, w in zip([1, 2], targets, [10.0, 2.0]))
    assert float(loss) == pytest.approx(expected)
    leaves = [f.clone().requires_grad_() for f in feats]
    assert torch.autograd.gradcheck(lambda a, b: vis.style_loss([leaves[0], a, b], [1, 2], targets, [10.0, 2.0]),
                                    (leaves[1], leaves[2]))


def test_style_transfer_lowers_the_loss_on_small_photographs():
    net = pm.style_network(dtype=f64)
    content = torch.rand(1, 3, 16, 16, dtype=f64)
    style = torch.rand(1, 3, 16, 16, dtype=f64)
    layers = [1, 3, 6]
    out = vis.style_transfer(content, style, net, content_layer=6, content_weight=1e-6,
                             style_layers=layers, style_weights=[1e4] * 3, tv_weight=0.0,
                             num_iterations=15, learning_rate=0.05)
    targets = [vis.gram_matrix(f) for f in vis.extract_features(style, net)]

    def style_distance(image):
        feats = vis.extract_features(image, net)
        return float(vis.style_loss(feats, layers, [targets[i] for i in layers], [1.0] * 3))

    assert out.shape == content.shape
    assert style_distance(out) < style_distance(content)


# --- the course's trained networks -------------------------------------------------------------

def test_the_digit_classifier_is_accurate_on_held_out_digits(digits):
    model, _, _, data = digits
    x = pm.preprocess(data["X_test"]).double()
    with torch.no_grad():
        accuracy = float((model(x).argmax(1) == torch.from_numpy(data["y_test"])).double().mean())
    assert accuracy >= 0.95
    assert model.info["test_accuracy"] == pytest.approx(accuracy, abs=0.01)
    assert json.loads(model.info["architecture"]) == json.loads(json.dumps(pm.DIGITS_CNN))
    assert not any(p.requires_grad for p in model.parameters())


def test_preprocess_accepts_the_usual_layouts():
    pixels = np.random.default_rng(0).integers(0, 256, size=(3, 28, 28))
    x = pm.preprocess(pixels)
    assert x.shape == (3, 1, 28, 28) and x.dtype == torch.float32
    assert torch.equal(pm.preprocess(pixels[..., None]), x)
    assert np.allclose(pm.deprocess(x), pixels / 255.0, atol=1e-6)
    with pytest.raises(ValueError, match="images must have shape"):
        pm.preprocess(np.zeros((2, 3, 28, 28)))


def test_style_network_is_the_same_every_time():
    a, b = pm.style_network(seed=0), pm.style_network(seed=0)
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))
    features = vis.extract_features(torch.rand(1, 3, 16, 16), a)
    assert features[-1].shape == (1, 128, 4, 4)


def test_graders_numpy_network_equals_torch():
    """The hidden graders' reference (NumPy layers) agrees with torch's layers, on the
    held-out classifier and on the random RGB nets they draw."""
    from autograder.graders.assignment3 import vis_common as common

    rng = np.random.default_rng(3)
    spec, params, _ = common.load_held_out()
    assert [tuple(e) for e in spec] == [(k, n, tuple(a)) for k, n, a in pm.DIGITS_CNN]
    rgb = common.small_rgb_spec(12, 12, 7)
    for spec, params, shape in ((spec, params, (3, 1, 28, 28)),
                                (rgb, common.random_params(rng, rgb), (3, 3, 12, 12))):
        x = rng.normal(size=shape)
        y = np.array([0, 4, 6])
        net = pm.build_network(spec).double().eval()
        net.load_state_dict({k: torch.from_numpy(v) for k, v in params.items()})
        xt = torch.from_numpy(x).requires_grad_(True)
        scores = net(xt)
        dx, = torch.autograd.grad(scores.gather(1, torch.from_numpy(y).view(-1, 1)).sum(), xt)
        reference_dx, outputs, _ = common.score_gradient(spec, params, x, y)
        assert np.allclose(outputs[-1], scores.detach().numpy(), rtol=0, atol=1e-10)
        assert np.allclose(reference_dx, dx.numpy(), rtol=0, atol=1e-10)
