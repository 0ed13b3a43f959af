"""The PyTorch models on a CUDA device give what they give on the CPU.

Every test here is marked `gpu`: on a machine without CUDA, conftest.py deselects them
(and says so in the summary) instead of skipping them.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from cs231n_core import pytorch_models as pm  # noqa: E402

pytestmark = pytest.mark.gpu
CUDA = torch.device("cuda")
CPU = torch.device("cpu")


def scaled_error(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12))


def test_choose_device_picks_cuda():
    assert pm.choose_device().type == "cuda"
    assert pm.choose_device(prefer_gpu=False).type == "cpu"


def test_random_weight_lives_on_the_device():
    w = pm.random_weight((30, 20), device=CUDA)
    assert w.device.type == "cuda" and w.requires_grad and w.is_leaf and w.dtype == torch.float32
    assert pm.zero_weight((5,), device=CUDA).device.type == "cuda"


def test_barebones_functions_equal_on_cuda_and_cpu():
    torch.manual_seed(0)
    x = torch.randn(8, 3, 32, 32, dtype=torch.float64)
    params = [pm.random_weight(s, dtype=torch.float64) for s in ((6, 3, 5, 5),)] + [
        pm.zero_weight((6,), dtype=torch.float64), pm.random_weight((9, 6, 3, 3), dtype=torch.float64),
        pm.zero_weight((9,), dtype=torch.float64), pm.random_weight((9 * 32 * 32, 10), dtype=torch.float64),
        pm.zero_weight((10,), dtype=torch.float64)]
    cpu = pm.three_layer_convnet(x, params)
    gpu = pm.three_layer_convnet(x.to(CUDA), [p.detach().to(CUDA) for p in params])
    assert gpu.device.type == "cuda"
    assert scaled_error(gpu.cpu(), cpu.detach()) < 1e-10
    w1, w2 = torch.randn(3 * 32 * 32, 50, dtype=torch.float64), torch.randn(50, 10, dtype=torch.float64)
    assert scaled_error(pm.two_layer_fc(x.to(CUDA), [w1.to(CUDA), w2.to(CUDA)]).cpu(),
                        pm.two_layer_fc(x, [w1, w2])) < 1e-10


def test_modules_equal_on_cuda_and_cpu():
    torch.manual_seed(0)
    x = torch.randn(16, 3, 32, 32)
    for model in (pm.TwoLayerFC(3 * 32 * 32, 100, 10), pm.ThreeLayerConvNet(3, 12, 8, 10)):
        model = model.double()
        cpu = model(x.double()).detach()
        gpu = model.to(CUDA)(x.double().to(CUDA)).detach().cpu()
        assert scaled_error(gpu, cpu) < 1e-10


def small_problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 3, 8, 8)).astype(np.float32)
    y = (X[:, 0].mean(axis=(1, 2)) > 0).astype(np.int64) + 2 * (X[:, 1].mean(axis=(1, 2)) > 0)
    return X, y


def trained(device, X, y):
    torch.manual_seed(0)
    model = pm.ThreeLayerConvNet(3, 8, 6, 4, image_size=8).double()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loader = pm.as_loader((X.astype(np.float64), y), batch_size=32, shuffle=True, seed=0)
    history = pm.train(model, optimizer, loader, epochs=2, device=device, progress=False)
    return model, optimizer, history


def test_training_on_cuda_equals_training_on_cpu():
    X, y = small_problem()
    cpu_model, _, cpu_history = trained(CPU, X, y)
    gpu_model, _, gpu_history = trained(CUDA, X, y)
    assert next(gpu_model.parameters()).device.type == "cuda"
    assert np.allclose(gpu_history["loss"], cpu_history["loss"], rtol=1e-8, atol=1e-10)
    for (name, a), (_, b) in zip(cpu_model.state_dict().items(), gpu_model.state_dict().items()):
        assert scaled_error(b.cpu(), a) < 1e-8, name
    assert pm.check_accuracy((X.astype(np.float64), y), gpu_model, CUDA) == \
        pm.check_accuracy((X.astype(np.float64), y), cpu_model, CPU)


def test_checkpoint_saved_on_cuda_reloads_on_cpu(tmp_path):
    X, y = small_problem()
    gpu_model, gpu_optimizer, _ = trained(CUDA, X, y)
    path = tmp_path / "model.pt"
    pm.save_checkpoint(str(path), gpu_model, gpu_optimizer, epoch=2, note="gpu")
    model = pm.ThreeLayerConvNet(3, 8, 6, 4, image_size=8).double()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    info = pm.load_checkpoint(str(path), model, optimizer)  # the model's device: the CPU
    assert info == {"epoch": 2, "extra": {"note": "gpu"}}
    assert all(p.device.type == "cpu" for p in model.parameters())
    for (name, a), (_, b) in zip(gpu_model.state_dict().items(), model.state_dict().items()):
        assert torch.equal(a.cpu(), b), name
    momentum = optimizer.state_dict()["state"]
    assert momentum and all(s["momentum_buffer"].device.type == "cpu" for s in momentum.values())
    # and training goes on from there on the CPU
    pm.train(model, optimizer, (X.astype(np.float64), y), epochs=1, progress=False)
