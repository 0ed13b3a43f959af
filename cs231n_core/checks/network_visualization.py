"""Public checks of assignment 3's network visualization targets (visualization.py):
saliency maps, occlusion, Grad-CAM, fooling images and class visualization.

The expected values below were computed once with the reference solution, on a tiny
ConvNet and inputs built with torch.linspace and torch.cos (float64), so that they are
the same on every machine. torch is imported inside each check, so that importing the
checks stays cheap; each check leaves torch's global random numbers as it found them.
"""
import numpy as np

from . import public_check
from .torch_tools import as_numpy, keeps_torch_rng


def _torch():
    import torch

    from cs231n_core import visualization
    return torch, visualization


def _tiny_model(torch):
    """conv 3x3 (2 -> 3 channels, padding 1) - ReLU - flatten - linear to 3 classes, on
    (N, 2, 4, 4) images, with fixed weights; float64, evaluation mode."""
    nn = torch.nn
    f64 = torch.float64
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(48, 3))
    with torch.no_grad():
        model[0].weight.copy_(0.4 * torch.cos(torch.arange(54, dtype=f64)).reshape(3, 2, 3, 3))
        model[0].bias.copy_(torch.tensor([0.1, -0.2, 0.05], dtype=f64))
        model[3].weight.copy_(0.3 * torch.sin(1.7 * torch.arange(144, dtype=f64)).reshape(3, 48))
        model[3].bias.copy_(torch.tensor([0.0, 0.2, -0.1], dtype=f64))
    return model.double().eval()


def _images(torch, n=2):
    return torch.linspace(-1.0, 1.0, n * 32, dtype=torch.float64).reshape(n, 2, 4, 4) * torch.cos(
        torch.arange(n * 32, dtype=torch.float64)).reshape(n, 2, 4, 4)


def _labels(torch):
    return torch.tensor([0, 2])


def _tiny_problem():
    """torch, the visualization module, the tiny model, its images X (2, 2, 4, 4) and
    their labels y (2,)."""
    torch, vis = _torch()
    return torch, vis, _tiny_model(torch), _images(torch), _labels(torch)


# ---- expected values (computed once with the reference; see the module's docstring) ----
SALIENCY = np.array([
    0.22940586282, 0.349226429069, 0.156284936604, 0.180299002248, 0.280721035326,
    0.365603367313, 0.255901621274, 0.2338738788, 0.250137611963, 0.508156339298,
    0.21469536859, 0.31134370147, 0.194872219639, 0.27897937377, 0.0678104730796,
    0.153850334412, 0.196483818929, 0.121517837636, 0.333447865266, 0.126272187471,
    0.279497376213, 0.40688002707, 0.4740412363, 0.149666788137, 0.158060210895,
    0.372857050317, 0.527608241059, 0.288145610205, 0.199404647634, 0.371169031256,
    0.471869984799, 0.212213870661
]).reshape(2, 4, 4)
GRAD_CAM = np.array([
    0.00207504104083, 0.00391981739148, 0, 0, 0, 0, 0, 0.0187717121988, 0.000536305857392,
    0, 0, 0, 0, 0.00175446986009, 0.00867342147548, 0.00107244620787, 0, 0,
    0.0066593412647, 0.00247509074786, 0, 0, 0, 0, 0.00180026068289, 0.0154776549531,
    0.000358763341969, 0, 0, 0, 0, 0.00835446557169
]).reshape(2, 4, 4)
OCCLUSION = np.array([
    0.00451835161744, 0.0220553242514, 0.00477450817932, 0.00891587837757,
    0.00908285486641, 0.00122141383289, 0.018018489897, 0.00729259437669, 0.0235069327846,
    0.0279062978526, 0.025159532079, 0.0274994499269, 0.020033475523, 0.0162865978883,
    0.0223514811672, 0.0196832256558
]).reshape(2, 2, 2, 2)
CLASS_VIS_STEP = np.array([
    -1.0092114369, -0.489820024359, 0.395855805898, 0.820236572115, 0.502790646601,
    -0.296750811988, -0.652846989846, -0.430751962187, 0.0652949881111, 0.509047779723,
    0.462015766591, 0.0688359948406, -0.162166368581, -0.289096903797, -0.19545702233,
    -0.0144410222696, 0.0278688642625, 0.0152547720943, 0.0888236560694, 0.170455017566,
    0.0309835341759, -0.137746888919, -0.332893810231, -0.208215664656, 0.28013702995,
    0.515107965166, 0.255325651235, -0.307564682552, -0.82008603845, -0.549924857413,
    0.324602210866, 0.960292211523, -1.02530528685, -0.462522284366, 0.454220256548,
    0.85842166388, 0.587806018531, -0.322495747265, -0.690749549198, -0.492785262353,
    0.011689462847, 0.493142092795, 0.612138198607, 0.24653578348, -0.077977633626,
    -0.304547756483, -0.350836711482, -0.116452353337, 0.130533890943, 0.0884318980053,
    0.0579355546017, 0.0782034839146, -0.145709777798, -0.186923989804, -0.306940021163,
    -0.121206865103, 0.375749773944, 0.566121990012, 0.140690463247, -0.456153458172,
    -0.897678916396, -0.567610779932, 0.419671872127, 1.00785058035
]).reshape(2, 1, 2, 4, 4)


# --------------------------------------------------------------------------------------
# saliency maps, occlusion and Grad-CAM
# --------------------------------------------------------------------------------------

def _unchanged(t, X, before, what):
    import torch

    if not torch.equal(X.detach(), before):  # judged by what became of the images
        t.wrong(X.detach().numpy(),
                "%s changed the input images; work on a copy (X.clone())" % what,
                "the input images")
    t.ok("the input images are left as they were")


def _maps(t, maps, name, shape, what):
    """The maps a target returned (a tensor, `name` in a failure) as an array of `shape`."""
    maps = as_numpy(t, maps, name)
    t.expect_array(maps, shape, what, "float")
    return maps


@public_check("compute_saliency_maps")
@keeps_torch_rng
def _check_saliency(t):
    _, vis, model, X, y = _tiny_problem()
    before = X.clone()
    saliency = _maps(t, t.call(vis.compute_saliency_maps, X, y, model), "the saliency maps",
                     (2, 4, 4), "the saliency maps of X (2, 2, 4, 4)")
    if np.any(saliency < 0):
        t.fail("the saliency maps have negative entries; take the absolute value of the gradient")
    t.expect_close(saliency, SALIENCY, 1e-6, "the expected saliency maps",
                   hint=lambda got, exp: "the gradient of the correct class's score (scores.gather), "
                   "absolute value, then the largest over the channels")
    _unchanged(t, X, before, "compute_saliency_maps")


@public_check("occlusion_map")
@keeps_torch_rng
def _check_occlusion(t):
    _, vis, model, X, y = _tiny_problem()
    before = X.clone()
    drops = _maps(t, t.call(vis.occlusion_map, X, y, model, patch_size=2, stride=2),
                  "the occlusion maps", (2, 2, 2),
                  "occlusion maps with patch_size=2, stride=2 on 4x4 images")
    t.expect_close(drops, OCCLUSION[0], 1e-6,
                   "the expected drops of the correct class's probability",
                   hint=lambda got, exp: "the probability before minus the probability with the patch"
                   if np.allclose(got, -exp) else None)
    drops = _maps(t, t.call(vis.occlusion_map, X, y, model, patch_size=3, stride=1, fill_value=0.5),
                  "the occlusion maps", (2, 2, 2),
                  "occlusion maps with patch_size=3, stride=1 on 4x4 images")
    t.expect_close(drops, OCCLUSION[1], 1e-6, "the expected drops with fill_value=0.5")
    _unchanged(t, X, before, "occlusion_map")


@public_check("grad_cam")
@keeps_torch_rng
def _check_grad_cam(t):
    _, vis, model, X, y = _tiny_problem()
    cam = _maps(t, t.call(vis.grad_cam, X, y, model, model[1]), "the Grad-CAM maps", (2, 4, 4),
                "Grad-CAM at the ReLU of output (2, 3, 4, 4)")
    t.expect_close(cam, GRAD_CAM, 1e-6, "the expected Grad-CAM maps",
                   hint=lambda got, exp: "each channel's weight is the mean of its gradient over the "
                   "positions; sum the weighted activations over the channels, then a ReLU")
    if model[1]._forward_hooks:
        t.fail("the forward hook is still registered on the layer; remove it (handle.remove())")
    t.ok("the forward hook was removed")


# --------------------------------------------------------------------------------------
# fooling images and class visualization
# --------------------------------------------------------------------------------------

@public_check("make_fooling_image")
@keeps_torch_rng
def _check_fooling(t):
    torch, vis = _torch()
    from cs231n_core.data_utils import get_data
    from cs231n_core.pretrained_models import load_digits_classifier, preprocess

    model = load_digits_classifier(dtype=torch.float64)
    data = get_data("mnist", num_training=4000, num_validation=500, num_test=500, subtract_mean=False,
                    flatten=False, seed=0)  # the classifier's split: its first three test digits
    X, labels = preprocess(data["X_test"][:3]).double(), data["y_test"][:3]
    before = X.clone()
    for i, target in enumerate((labels + np.array([3, 5, 7])) % 10):
        fooled = t.call(vis.make_fooling_image, X[i:i + 1], target, model)
        image = as_numpy(t, fooled, "the fooling image")
        t.expect_array(image, (1, 1, 28, 28), "the fooling image", "float", report=False)
        label = int(model(torch.from_numpy(image)).argmax())
        if label != target:
            t.fail("the classifier calls the fooling image of a %d a %d, not the target %d"
                   % (int(labels[i]), label, target))
        distance = float(np.linalg.norm(image - X[i:i + 1].numpy()))
        if distance > 40.0:
            t.fail("the fooling image is %.1f away from the original (L2, the digit's own norm is "
                   "about 28); normalized steps that stop as soon as the model is fooled need far "
                   "less" % distance)
        t.ok("a %d becomes a %d, %.1f away from the original (L2)" % (int(labels[i]), target, distance))
    _unchanged(t, X, before, "make_fooling_image")


@public_check("class_visualization_update_step")
@keeps_torch_rng
def _check_class_visualization(t):
    torch, vis = _torch()
    model = _tiny_model(torch)
    img = _images(torch, 1).clone().requires_grad_(True)
    t.call(vis.class_visualization_update_step, img, model, 1, 0.05, 0.5)
    t.expect_close(img.detach().numpy(), CLASS_VIS_STEP[0], 1e-6,
                   "the expected image after one step",
                   hint=lambda got, exp: "ascend score - l2_reg * (squared L2 norm of the image), by "
                   "learning_rate times the gradient divided by its norm")
    t.call(vis.class_visualization_update_step, img, model, 1, 0.05, 0.5)
    t.expect_close(img.detach().numpy(), CLASS_VIS_STEP[1], 1e-6,
                   "the expected image after a second step",
                   hint=lambda got, exp: "did you clear img.grad after the first step?")
