"""Assignment 3's PyTorch code on a CUDA device gives what it gives on the CPU.

Every test here is marked `gpu`: on a machine without CUDA, conftest.py deselects them
(and says so in the summary) instead of skipping them. Each builds its inputs on the
CPU in float64, runs the same code on both devices, and compares.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from cs231n_core import architectures, detection, generative, visualization  # noqa: E402
from cs231n_core.pretrained_models import load_digits_classifier  # noqa: E402

pytestmark = pytest.mark.gpu
CUDA = torch.device("cuda")


def scaled_error(a, b):
    a = np.asarray(torch.as_tensor(a).detach().cpu(), dtype=np.float64)
    b = np.asarray(torch.as_tensor(b).detach().cpu(), dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12))


def random_boxes(generator, n):
    corners = torch.rand(n, 2, generator=generator, dtype=torch.float64) * 100
    sides = torch.rand(n, 2, generator=generator, dtype=torch.float64) * 40 + 1
    return torch.cat([corners, corners + sides], dim=1)


def test_box_iou_and_nms_equal_on_cuda_and_cpu():
    generator = torch.Generator().manual_seed(0)
    boxes, scores = random_boxes(generator, 300), torch.rand(300, generator=generator, dtype=torch.float64)
    assert scaled_error(detection.box_iou(boxes.to(CUDA), boxes.to(CUDA)), detection.box_iou(boxes, boxes)) < 1e-12
    keep_gpu = detection.nms(boxes.to(CUDA), scores.to(CUDA), 0.5)
    assert keep_gpu.device.type == CUDA.type
    assert keep_gpu.cpu().tolist() == detection.nms(boxes, scores, 0.5).tolist()


def test_vae_forward_equals_on_cuda_and_cpu():
    torch.manual_seed(0)
    model = generative.VAE(784, latent_size=15).double()
    x = torch.rand(16, 784, dtype=torch.float64)
    model.eval()
    x_hat_cpu, mu, logvar = model(x)  # x_hat depends on the sampled z: only its shape compares
    x_hat_gpu, mu_gpu, logvar_gpu = model.to(CUDA)(x.to(CUDA))
    assert scaled_error(mu_gpu, mu) < 1e-10 and scaled_error(logvar_gpu, logvar) < 1e-10
    assert x_hat_gpu.shape == x_hat_cpu.shape and x_hat_gpu.device.type == CUDA.type


def test_saliency_and_grad_cam_equal_on_cuda_and_cpu():
    model = load_digits_classifier(dtype=torch.float64)
    generator = torch.Generator().manual_seed(0)
    X = torch.rand(4, 1, 28, 28, generator=generator, dtype=torch.float64)
    y = torch.tensor([0, 3, 5, 9])
    saliency = visualization.compute_saliency_maps(X, y, model)
    layer = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)][-1]
    cam = visualization.grad_cam(X, y, model, layer)
    model.to(CUDA)
    assert scaled_error(visualization.compute_saliency_maps(X.to(CUDA), y.to(CUDA), model), saliency) < 1e-10
    assert scaled_error(visualization.grad_cam(X.to(CUDA), y.to(CUDA), model, layer), cam) < 1e-10


def test_resnet18_forward_equals_on_cuda_and_cpu():
    torch.manual_seed(0)
    model = architectures.resnet18(num_classes=5, in_channels=1, widths=(8, 16, 32, 64), stem=False)
    model = model.double().eval()
    x = torch.rand(2, 1, 28, 28, dtype=torch.float64)
    expected = model(x)
    assert scaled_error(model.to(CUDA)(x.to(CUDA)), expected) < 1e-10
