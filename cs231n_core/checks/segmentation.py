"""Public checks of assignment 3's segmentation (segmentation.py: Upsample2x,
SegmentationFCN, mean_iou).

Small hand-made cases whose answers can be worked out on paper (the comments say how).
torch is imported inside each check, so that importing the checks stays cheap; each
check leaves torch's global random numbers as it found them.
"""
import numpy as np

from . import public_check
from .torch_tools import as_numpy, detection_modules, keeps_torch_rng


@public_check("Upsample2x")
@keeps_torch_rng
def _check_upsample(t):
    torch, _, segmentation = detection_modules()
    x = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    nearest = as_numpy(t, t.call(segmentation.Upsample2x("nearest"), x), "nearest upsampling")
    t.expect_close(nearest[0, 0], [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]], 0,
                   "nearest neighbour of [[1, 2], [3, 4]]")
    nails = as_numpy(t, t.call(segmentation.Upsample2x("bed_of_nails"), x), "bed of nails")
    t.expect_close(nails[0, 0], [[1, 0, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0], [0, 0, 0, 0]], 0,
                   "bed of nails of [[1, 2], [3, 4]]")
    big = torch.tensor([[[[1.0, 2, 0, 0], [0, 0, 0, 3], [4, 0, 0, 0], [0, 0, 5, 0]]]])
    pooled, indices = torch.nn.functional.max_pool2d(big, 2, return_indices=True)
    unpooled = as_numpy(t, t.call(segmentation.Upsample2x("max_unpool"), pooled, indices), "max unpooling")
    t.expect_close(unpooled[0, 0], [[0, 2, 0, 0], [0, 0, 0, 3], [4, 0, 0, 0], [0, 0, 5, 0]], 0,
                   "max unpooling puts 2, 3, 4, 5 back where they were")
    layer = t.call(segmentation.Upsample2x, "transposed", 3)
    deconv = getattr(layer, "deconv", None)
    shape = tuple(deconv.weight.shape) if deconv is not None else None
    if shape != (3, 3, 4, 4):
        t.wrong("self.deconv's weight of shape %s" % (shape,),
                "Upsample2x('transposed', 3) needs self.deconv, an nn.ConvTranspose2d(3, 3, kernel_size=4, "
                "stride=2, padding=1)",
                "the transposed convolution's layer")
    out = as_numpy(t, t.call(layer, torch.zeros(2, 3, 5, 6)), "the transposed convolution")
    if out.shape != (2, 3, 10, 12):  # judged by the shape (the values are the layer's random bias)
        t.wrong(np.array(out.shape),
                "the transposed convolution turned (2, 3, 5, 6) into %s, expected (2, 3, 10, 12)" % (out.shape,),
                "the transposed convolution's shape")
    t.ok("the transposed convolution doubles the height and width")


# The learnable layers of SegmentationFCN(num_classes=5, in_channels=2, width=3).
FCN_SHAPES = {"enc1.weight": (3, 2, 3, 3), "enc2.weight": (6, 3, 3, 3), "enc3.weight": (6, 6, 3, 3),
              "enc4.weight": (6, 6, 3, 3), "dec2.weight": (3, 6, 3, 3), "dec1.weight": (3, 3, 3, 3),
              "classifier.weight": (5, 3, 1, 1)}


@public_check("SegmentationFCN")
@keeps_torch_rng
def _check_segmentation_fcn(t):
    torch, _, segmentation = detection_modules()
    for mode in segmentation.UPSAMPLING_MODES:
        torch.manual_seed(0)
        model = t.call(segmentation.SegmentationFCN, num_classes=5, in_channels=2, width=3, upsampling=mode)
        scores = as_numpy(t, t.call(model, torch.zeros(2, 2, 8, 12)), "the scores (%s)" % mode)
        if scores.shape != (2, 5, 8, 12):
            t.fail("SegmentationFCN(upsampling=%r) gave scores of shape %s for images (2, 2, 8, 12), expected "
                   "(2, 5, 8, 12)" % (mode, scores.shape))
        names = sorted(name for name, _ in model.named_parameters())
        needed = ["classifier.weight", "dec1.weight", "dec2.weight", "enc1.weight", "enc2.weight", "enc3.weight",
                  "enc4.weight"]
        missing = [n for n in needed if n not in names]
        if missing:
            t.fail("SegmentationFCN(upsampling=%r) lacks the layers %s" % (mode, missing))
    t.ok("all four upsamplings give scores of shape (N, classes, H, W) with the docstring's layers")
    model = t.call(segmentation.SegmentationFCN, num_classes=5, in_channels=2, width=3, upsampling="nearest")
    for name, shape in FCN_SHAPES.items():
        got = tuple(dict(model.named_parameters())[name].shape)
        if got != shape:
            t.wrong("%s of shape %s" % (name, got),
                    "SegmentationFCN(num_classes=5, in_channels=2, width=3): %s has shape %s, expected %s"
                    % (name, got, shape),
                    "the layers' shapes")
    t.ok("the layers have the docstring's shapes (3x3 convolutions, a 1x1 classifier)")
    # Every layer copies input channel 0 at its kernel's centre, so that the network's
    # value at a pixel follows one number through its ReLUs: the image's channel 0 counts
    # (i * 12 + j) / 24 - 1; the two poolings keep each 4 x 4 block's largest, 63/24 to
    # 71/24 in the bottom row of blocks (below 1 in the top row); enc4's bias -1 and
    # dec2's bias -1 take 2 away, the ReLUs clip the top row to 0, and dec1's bias +1
    # adds 1: 1 in the top row, 39/24, 43/24, 47/24 below. The classifier adds its
    # biases -2, -1, 0, 1, 2 to make the 5 scores.
    model.double()
    with torch.no_grad():
        for layer in (model.enc1, model.enc2, model.enc3, model.enc4, model.dec2, model.dec1, model.classifier):
            centre = layer.weight.shape[-1] // 2
            layer.weight.zero_()
            layer.weight[:, 0, centre, centre] = 1.0
            layer.bias.zero_()
        model.enc4.bias.fill_(-1.0)
        model.dec2.bias.fill_(-1.0)
        model.dec1.bias.fill_(1.0)
        model.classifier.bias.copy_(torch.tensor([-2.0, -1.0, 0.0, 1.0, 2.0]))
    image = torch.zeros(1, 2, 8, 12, dtype=torch.float64)
    image[0, 0] = torch.arange(96.0, dtype=torch.float64).reshape(8, 12) / 24 - 1
    scores = as_numpy(t, t.call(model, image), "the scores of a counting image")
    blocks = np.kron([[1.0, 1.0, 1.0], [39 / 24, 43 / 24, 47 / 24]], np.ones((4, 4)))
    t.expect_close(scores[0], blocks[None] + np.array([-2.0, -1.0, 0.0, 1.0, 2.0])[:, None, None], 1e-12,
                   "the scores of a network set to follow channel 0 through its ReLUs (worked out by hand)")


@public_check("mean_iou")
@keeps_torch_rng
def _check_mean_iou(t):
    _, _, segmentation = detection_modules()
    targets = np.array([[[0, 0, 1], [1, 2, 2]]])
    predictions = np.array([[[0, 1, 1], [1, 2, 0]]])
    # class 0: 1 pixel in both of 3 in either; class 1: 2 of 3; class 2: 1 of 2; class 3 nowhere
    result = t.call(segmentation.mean_iou, predictions, targets, 4)
    if not isinstance(result, tuple) or len(result) != 2:
        t.fail("mean_iou must return a pair (mean IoU, IoU per class)")
    miou, iou = float(result[0]), np.asarray(result[1], dtype=np.float64)
    if iou.shape != (4,) or not np.isnan(iou[3]) or np.isnan(iou[:3]).any():
        t.fail("the IoU per class must have shape (4,) with NaN only for class 3 (it appears nowhere); got %s"
               % iou.tolist())
    t.expect_close(iou[:3], [1 / 3, 2 / 3, 1 / 2], 1e-12,
                   "the IoUs worked out by hand (1/3, 2/3, 1/2)")
    t.expect_close(miou, 1.5 / 3, 1e-12, "the mean IoU (classes that appear somewhere)")
    # the last pixel ignored: class 0 is now 1 of 2 pixels, class 1 2 of 3, class 2 1 of 1
    targets[0, 1, 2] = 255
    result = t.call(segmentation.mean_iou, predictions, targets, 4, ignore_index=255)
    t.expect_close(np.asarray(result[1], dtype=np.float64)[:3], [1 / 2, 2 / 3, 1.0], 1e-12,
                   "the IoUs with the last pixel ignored (ignore_index=255), worked out by hand (1/2, 2/3, 1)")
