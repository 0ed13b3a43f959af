"""The landmark CNN architectures and CNNs in practice (assignment 3, CNNArchitectures.ipynb).

Built in PyTorch at their published 1000-class configurations (no weights needed):

* networks, each a function returning an ``nn.Module``: ``alexnet``, ``vgg16``,
  ``googlenet``, ``resnet18``, ``squeezenet``;
* their building blocks, each an ``nn.Module``: ``Inception`` (GoogLeNet), ``BasicBlock``
  and ``Bottleneck`` (ResNet), ``Fire`` (SqueezeNet);
* the "why", made measurable: ``receptive_field`` of a stack of layers and
  ``count_params_and_flops`` of any module;
* practice: augmentation transforms of minibatches (``RandomHorizontalFlip``,
  ``RandomCrop``, ``ColorJitter``, chained by ``Compose``); transfer learning with few
  labels (``transfer_experiment``, given, built on your ``resnet18``);
* ``conv_fft``: convolution by the FFT, in NumPy.

Parameter counts at the published configurations (1000 classes), each checked by counting
(``pytorch_models.count_params``) in tests/test_architectures.py:

    alexnet        61,100,840   torchvision's AlexNet (Krizhevsky's "one weird trick"
                                 variant, 64-192-384-256-256 filters, one tower)
    vgg16         138,357,544   Simonyan & Zisserman 2015, configuration D
    googlenet       6,624,904   torchvision's GoogLeNet without auxiliary heads (batch
                                 normalization, no conv biases, a 3x3 convolution in the
                                 "5x5" branch as torchvision has it)
    resnet18       11,689,512   He et al. 2016, torchvision's resnet18
    squeezenet 1.0  1,248,424   Iandola et al. 2016; 1.1: 1,235,496

The module names inside each network follow torchvision's (``features``,
``classifier``, ``layer1``, ``conv1``, ``bn1``, ``downsample``, ``squeeze``,
``expand1x1``, ...), so that torchvision's pretrained state_dicts load into them.

Shapes: images are ``(N, C, H, W)``; convolution weights ``(F, C, HH, WW)``.
"""
import math
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = [
    "alexnet", "vgg16", "Inception", "googlenet", "BasicBlock", "Bottleneck", "resnet18",
    "Fire", "squeezenet", "receptive_field", "count_params_and_flops",
    "RandomHorizontalFlip", "RandomCrop", "ColorJitter", "Compose", "conv_fft",
    "conv_direct", "PUBLISHED_PARAMS", "small_resnet", "fit", "class_scores", "transfer_experiment",
]

PUBLISHED_PARAMS = {
    "alexnet": 61_100_840, "vgg16": 138_357_544, "googlenet": 6_624_904,
    "resnet18": 11_689_512, "squeezenet1_0": 1_248_424, "squeezenet1_1": 1_235_496,
}


# --------------------------------------------------------------------------------------
# AlexNet and VGG-16: plain stacks of convolutions and pools
# --------------------------------------------------------------------------------------

def alexnet(num_classes=1000):
    """AlexNet as torchvision has it (61,100,840 parameters at 1000 classes).

    features (input 3 x 224 x 224):
      conv 11x11, 64 filters, stride 4, padding 2 - ReLU - max pool 3x3 stride 2
      conv 5x5, 192 filters, padding 2 - ReLU - max pool 3x3 stride 2
      conv 3x3, 384 filters, padding 1 - ReLU
      conv 3x3, 256 filters, padding 1 - ReLU
      conv 3x3, 256 filters, padding 1 - ReLU - max pool 3x3 stride 2     -> 256 x 6 x 6
    avgpool: nn.AdaptiveAvgPool2d((6, 6)), then flatten (nn.Flatten)        -> 9216
    classifier: Dropout(0.5) - Linear 9216->4096 - ReLU - Dropout(0.5) - Linear 4096->4096
      - ReLU - Linear 4096->num_classes

    Every convolution and linear layer has a bias. Returns an nn.Sequential whose
    children are named "features", "avgpool", "flatten", "classifier" (the first and
    last nn.Sequential themselves), mapping (N, 3, 224, 224) to scores (N, num_classes).
    (The paper's two-tower net has 48-128-192-192-128 filters per tower, about 60.97M
    parameters; torchvision's single tower is the one people use.)
    """
    # TODO: build features, avgpool, flatten and classifier as described.
    # BEGIN SOLUTION
    features = nn.Sequential(
        nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2))
    classifier = nn.Sequential(
        nn.Dropout(0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
        nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
        nn.Linear(4096, num_classes))
    return nn.Sequential(OrderedDict([
        ("features", features), ("avgpool", nn.AdaptiveAvgPool2d((6, 6))),
        ("flatten", nn.Flatten()), ("classifier", classifier)]))
    # END SOLUTION


VGG16_CONFIG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
                512, 512, 512, "M"]


def vgg16(num_classes=1000):
    """VGG-16 (configuration D; 138,357,544 parameters at 1000 classes).

    features: for each entry of VGG16_CONFIG, a number v means a 3x3 convolution with v
      filters, padding 1 (keeps the size), followed by a ReLU; "M" means a 2x2 max pool of
      stride 2 (halves the size). Only 3x3 convolutions and 2x2 pools.     -> 512 x 7 x 7
    avgpool: nn.AdaptiveAvgPool2d((7, 7)), then flatten                      -> 25088
    classifier: Linear 25088->4096 - ReLU - Dropout(0.5) - Linear 4096->4096 - ReLU -
      Dropout(0.5) - Linear 4096->num_classes

    Returns an nn.Sequential with children "features", "avgpool", "flatten",
    "classifier", mapping (N, 3, 224, 224) to (N, num_classes).
    """
    # TODO: build the network; loop over VGG16_CONFIG for the features.
    # BEGIN SOLUTION
    layers, channels = [], 3
    for v in VGG16_CONFIG:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(channels, v, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            channels = v
    classifier = nn.Sequential(
        nn.Linear(512 * 7 * 7, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
        nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
        nn.Linear(4096, num_classes))
    return nn.Sequential(OrderedDict([
        ("features", nn.Sequential(*layers)), ("avgpool", nn.AdaptiveAvgPool2d((7, 7))),
        ("flatten", nn.Flatten()), ("classifier", classifier)]))
    # END SOLUTION


# --------------------------------------------------------------------------------------
# GoogLeNet
# --------------------------------------------------------------------------------------

class BasicConv2d(nn.Module):
    """Convolution (no bias) - batch normalization (eps 1e-3) - ReLU: GoogLeNet's unit,
    as torchvision writes it. Attributes: conv, bn."""

    def __init__(self, in_channels, out_channels, **conv_kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **conv_kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)), inplace=True)


class Inception(nn.Module):
    """GoogLeNet's inception module: four branches side by side, concatenated along the
    channels.

    - branch1: BasicConv2d 1x1, ch1x1 filters
    - branch2: nn.Sequential(BasicConv2d 1x1 to ch3x3red, BasicConv2d 3x3 (padding 1) to ch3x3)
    - branch3: nn.Sequential(BasicConv2d 1x1 to ch5x5red,
               BasicConv2d kxk (padding k // 2) to ch5x5), k = branch3_kernel_size
    - branch4: nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
               BasicConv2d 1x1 to pool_proj)

    BasicConv2d(in, out, kernel_size=..., padding=...) is given above. The 1x1
    convolutions before the 3x3 and kxk ones reduce the channels ("bottlenecks"), which
    makes the module cheap. The paper's third branch is a 5x5 convolution; torchvision's,
    whose parameter count we match by default, is a 3x3 (k = 3).

    Input (N, in_channels, H, W); output (N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W),
    the branches concatenated in that order.
    """

    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj,
                 branch3_kernel_size=3):
        super().__init__()
        # TODO: the four branches as attributes branch1 ... branch4.
        # BEGIN SOLUTION
        kernel = branch3_kernel_size
        self.branch1 = BasicConv2d(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(BasicConv2d(in_channels, ch3x3red, kernel_size=1),
                                     BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1))
        self.branch3 = nn.Sequential(BasicConv2d(in_channels, ch5x5red, kernel_size=1),
                                     BasicConv2d(ch5x5red, ch5x5, kernel_size=kernel, padding=kernel // 2))
        self.branch4 = nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
                                     BasicConv2d(in_channels, pool_proj, kernel_size=1))
        # END SOLUTION

    def forward(self, x):
        # TODO: run the four branches on x and concatenate their outputs (channels).
        # BEGIN SOLUTION
        branches = [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)]
        return torch.cat(branches, dim=1)
        # END SOLUTION


# (in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj), Szegedy et al. table 1
GOOGLENET_INCEPTIONS = OrderedDict([
    ("inception3a", (192, 64, 96, 128, 16, 32, 32)),
    ("inception3b", (256, 128, 128, 192, 32, 96, 64)),
    ("maxpool3", None),
    ("inception4a", (480, 192, 96, 208, 16, 48, 64)),
    ("inception4b", (512, 160, 112, 224, 24, 64, 64)),
    ("inception4c", (512, 128, 128, 256, 24, 64, 64)),
    ("inception4d", (512, 112, 144, 288, 32, 64, 64)),
    ("inception4e", (528, 256, 160, 320, 32, 128, 128)),
    ("maxpool4", None),
    ("inception5a", (832, 256, 160, 320, 32, 128, 128)),
    ("inception5b", (832, 384, 192, 384, 48, 128, 128)),
])


def googlenet(num_classes=1000, branch3_kernel_size=3):
    """GoogLeNet without its auxiliary classifiers (6,624,904 parameters at 1000 classes
    with torchvision's 3x3 third branch; branch3_kernel_size=5 gives the paper's 5x5).

    An nn.Sequential with these children (names as in torchvision):
      conv1: BasicConv2d 7x7, 64 filters, stride 2, padding 3
      maxpool1: MaxPool2d(3, stride 2, ceil_mode=True)
      conv2: BasicConv2d 1x1, 64 filters;  conv3: BasicConv2d 3x3, 192 filters, padding 1
      maxpool2: MaxPool2d(3, stride 2, ceil_mode=True)
      then GOOGLENET_INCEPTIONS in order: an Inception for each tuple; "maxpool3" is
      MaxPool2d(3, stride 2, ceil_mode=True) and "maxpool4" MaxPool2d(2, stride 2,
      ceil_mode=True)                                                   -> 1024 x 7 x 7
      avgpool: AdaptiveAvgPool2d((1, 1)); flatten; dropout: Dropout(0.2);
      fc: Linear 1024->num_classes
    Maps (N, 3, 224, 224) to (N, num_classes).
    """
    # TODO: build the stem, the inception modules and the head, in order.
    # BEGIN SOLUTION
    layers = [
        ("conv1", BasicConv2d(3, 64, kernel_size=7, stride=2, padding=3)),
        ("maxpool1", nn.MaxPool2d(3, stride=2, ceil_mode=True)),
        ("conv2", BasicConv2d(64, 64, kernel_size=1)),
        ("conv3", BasicConv2d(64, 192, kernel_size=3, padding=1)),
        ("maxpool2", nn.MaxPool2d(3, stride=2, ceil_mode=True))]
    for name, config in GOOGLENET_INCEPTIONS.items():
        if name == "maxpool3":
            layers.append((name, nn.MaxPool2d(3, stride=2, ceil_mode=True)))
        elif name == "maxpool4":
            layers.append((name, nn.MaxPool2d(2, stride=2, ceil_mode=True)))
        else:
            layers.append((name, Inception(*config, branch3_kernel_size=branch3_kernel_size)))
    layers += [("avgpool", nn.AdaptiveAvgPool2d((1, 1))), ("flatten", nn.Flatten()),
               ("dropout", nn.Dropout(0.2)), ("fc", nn.Linear(1024, num_classes))]
    return nn.Sequential(OrderedDict(layers))
    # END SOLUTION


# --------------------------------------------------------------------------------------
# ResNet
# --------------------------------------------------------------------------------------

def _shortcut(in_channels, out_channels, stride):
    """The projection shortcut: 1x1 convolution (no bias, given stride) and batch norm."""
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False),
                         nn.BatchNorm2d(out_channels))


class BasicBlock(nn.Module):
    """ResNet's basic residual block (ResNet-18 and -34):

        out = ReLU(bn2(conv2(ReLU(bn1(conv1(x))))) + shortcut(x))

    - conv1: 3x3, in_channels -> out_channels, stride `stride`, padding 1, no bias; bn1
    - conv2: 3x3, out_channels -> out_channels, stride 1, padding 1, no bias; bn2
    - shortcut: the identity when stride == 1 and in_channels == out_channels;
      otherwise self.downsample = nn.Sequential(1x1 conv in->out with stride `stride`,
      no bias; BatchNorm2d(out)) (torchvision's option B). Without it, self.downsample
      is None.

    Input (N, in_channels, H, W); output (N, out_channels, H', W') with
    H' = (H - 1) // stride + 1 (same for W).
    """
    expansion = 1

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        # TODO: conv1, bn1, conv2, bn2 and downsample as described.
        # BEGIN SOLUTION
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = _shortcut(in_channels, out_channels, stride)
        # END SOLUTION

    def forward(self, x):
        # TODO: the residual branch, the shortcut, their sum and the final ReLU.
        # BEGIN SOLUTION
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return F.relu(out + identity)
        # END SOLUTION


class Bottleneck(nn.Module):
    """ResNet's bottleneck residual block (ResNet-50 and deeper):

        out = ReLU(bn3(conv3(ReLU(bn2(conv2(ReLU(bn1(conv1(x)))))))) + shortcut(x))

    - conv1: 1x1, in_channels -> width, no bias; bn1  (squeezes the channels)
    - conv2: 3x3, width -> width, stride `stride`, padding 1, no bias; bn2
    - conv3: 1x1, width -> out_channels, no bias; bn3  (expands them again)
    - shortcut: identity when stride == 1 and in_channels == out_channels, else
      self.downsample = nn.Sequential(1x1 conv in->out, stride `stride`, no bias;
      BatchNorm2d(out)); None otherwise.

    The stride sits on the 3x3 convolution (torchvision's "ResNet v1.5"). In ResNet-50,
    out_channels = 4 * width. Input (N, in_channels, H, W); output
    (N, out_channels, (H - 1) // stride + 1, (W - 1) // stride + 1).
    """
    expansion = 4

    def __init__(self, in_channels, width, out_channels, stride=1):
        super().__init__()
        # TODO: conv1, bn1, conv2, bn2, conv3, bn3 and downsample.
        # BEGIN SOLUTION
        self.conv1 = nn.Conv2d(in_channels, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, out_channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = _shortcut(in_channels, out_channels, stride)
        # END SOLUTION

    def forward(self, x):
        # TODO: the three convolutions of the residual branch, the shortcut, the sum, ReLU.
        # BEGIN SOLUTION
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return F.relu(out + identity)
        # END SOLUTION


def resnet18(num_classes=1000, in_channels=3, widths=(64, 128, 256, 512), stem=True):
    """ResNet-18 (11,689,512 parameters at 1000 classes), an nn.Sequential of:

      conv1: 7x7, in_channels -> widths[0], stride 2, padding 3, no bias; bn1; relu;
      maxpool: MaxPool2d(3, stride 2, padding 1)                      (224 -> 56)
      layer1 ... layer4: each an nn.Sequential of two BasicBlocks; layer k's first block
        goes from the previous width to widths[k-1] with stride 2 (stride 1 in layer1),
        its second keeps width and size                              -> 512 x 7 x 7
      avgpool: AdaptiveAvgPool2d((1, 1)); flatten; fc: Linear widths[3]->num_classes

    With stem=False, conv1 is a 3x3 convolution of stride 1 (padding 1) and maxpool the
    identity: the small ResNet of the notebook for small images. widths scales the net.
    """
    # TODO: the stem, the four stages of BasicBlocks and the head.
    # BEGIN SOLUTION
    if stem:
        conv1 = nn.Conv2d(in_channels, widths[0], kernel_size=7, stride=2, padding=3, bias=False)
        maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
    else:
        conv1 = nn.Conv2d(in_channels, widths[0], kernel_size=3, stride=1, padding=1, bias=False)
        maxpool = nn.Identity()
    layers = [("conv1", conv1), ("bn1", nn.BatchNorm2d(widths[0])), ("relu", nn.ReLU(inplace=True)),
              ("maxpool", maxpool)]
    channels = widths[0]
    for k, width in enumerate(widths):
        stride = 1 if k == 0 else 2
        stage = nn.Sequential(BasicBlock(channels, width, stride), BasicBlock(width, width, 1))
        layers.append(("layer%d" % (k + 1), stage))
        channels = width
    layers += [("avgpool", nn.AdaptiveAvgPool2d((1, 1))), ("flatten", nn.Flatten()),
               ("fc", nn.Linear(channels, num_classes))]
    return nn.Sequential(OrderedDict(layers))
    # END SOLUTION


# --------------------------------------------------------------------------------------
# SqueezeNet
# --------------------------------------------------------------------------------------

class Fire(nn.Module):
    """SqueezeNet's fire module: a 1x1 "squeeze" convolution to few channels, then two
    "expand" convolutions side by side, 1x1 and 3x3 (padding 1), concatenated:

        s = ReLU(squeeze(x))
        out = cat([ReLU(expand1x1(s)), ReLU(expand3x3(s))], channels)

    All three convolutions have biases. Attributes: squeeze, expand1x1, expand3x3 (the
    nn.Conv2d layers). Input (N, in_channels, H, W); output
    (N, expand1x1_channels + expand3x3_channels, H, W).
    """

    def __init__(self, in_channels, squeeze_channels, expand1x1_channels, expand3x3_channels):
        super().__init__()
        # TODO: the three convolutions.
        # BEGIN SOLUTION
        self.squeeze = nn.Conv2d(in_channels, squeeze_channels, kernel_size=1)
        self.expand1x1 = nn.Conv2d(squeeze_channels, expand1x1_channels, kernel_size=1)
        self.expand3x3 = nn.Conv2d(squeeze_channels, expand3x3_channels, kernel_size=3, padding=1)
        # END SOLUTION

    def forward(self, x):
        # TODO: squeeze, then both expansions, concatenated along the channels.
        # BEGIN SOLUTION
        s = F.relu(self.squeeze(x))
        return torch.cat([F.relu(self.expand1x1(s)), F.relu(self.expand3x3(s))], dim=1)
        # END SOLUTION


def squeezenet(version="1.0", num_classes=1000):
    """SqueezeNet 1.0 (1,248,424 parameters) or 1.1 (1,235,496), as torchvision builds it.

    features, with Fire(in, squeeze, expand1x1, expand3x3) and M = MaxPool2d(3, stride 2,
    ceil_mode=True):
      1.0: conv 7x7, 96 filters, stride 2 - ReLU - M - Fire(96, 16, 64, 64) -
           Fire(128, 16, 64, 64) - Fire(128, 32, 128, 128) - M - Fire(256, 32, 128, 128) -
           Fire(256, 48, 192, 192) - Fire(384, 48, 192, 192) - Fire(384, 64, 256, 256) - M -
           Fire(512, 64, 256, 256)
      1.1: conv 3x3, 64 filters, stride 2 - ReLU - M - Fire(64, 16, 64, 64) -
           Fire(128, 16, 64, 64) - M - Fire(128, 32, 128, 128) - Fire(256, 32, 128, 128) - M -
           Fire(256, 48, 192, 192) - Fire(384, 48, 192, 192) - Fire(384, 64, 256, 256) -
           Fire(512, 64, 256, 256)
    classifier: Dropout(0.5) - conv 1x1 512->num_classes (bias) - ReLU -
      AdaptiveAvgPool2d((1, 1)); then flatten. No fully connected layer at all.
    An nn.Sequential with children "features", "classifier", "flatten";
    (N, 3, 224, 224) -> (N, num_classes).
    """
    # TODO: both versions' features and the classifier.
    # BEGIN SOLUTION
    if version == "1.0":
        features = nn.Sequential(
            nn.Conv2d(3, 96, kernel_size=7, stride=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, ceil_mode=True),
            Fire(96, 16, 64, 64), Fire(128, 16, 64, 64), Fire(128, 32, 128, 128),
            nn.MaxPool2d(3, stride=2, ceil_mode=True),
            Fire(256, 32, 128, 128), Fire(256, 48, 192, 192), Fire(384, 48, 192, 192),
            Fire(384, 64, 256, 256),
            nn.MaxPool2d(3, stride=2, ceil_mode=True),
            Fire(512, 64, 256, 256))
    elif version == "1.1":
        features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=3, stride=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, ceil_mode=True),
            Fire(64, 16, 64, 64), Fire(128, 16, 64, 64),
            nn.MaxPool2d(3, stride=2, ceil_mode=True),
            Fire(128, 32, 128, 128), Fire(256, 32, 128, 128),
            nn.MaxPool2d(3, stride=2, ceil_mode=True),
            Fire(256, 48, 192, 192), Fire(384, 48, 192, 192), Fire(384, 64, 256, 256),
            Fire(512, 64, 256, 256))
    else:
        raise ValueError("unknown SqueezeNet version %r: use '1.0' or '1.1'" % (version,))
    classifier = nn.Sequential(nn.Dropout(0.5), nn.Conv2d(512, num_classes, kernel_size=1),
                               nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1)))
    return nn.Sequential(OrderedDict([("features", features), ("classifier", classifier),
                                      ("flatten", nn.Flatten())]))
    # END SOLUTION


# --------------------------------------------------------------------------------------
# Measuring: receptive fields, parameters and multiply-adds
# --------------------------------------------------------------------------------------

def receptive_field(layers):
    """The receptive field of one output unit of a stack of layers, in input pixels.

    Input:
    - layers: a list of (kernel_size, stride) or (kernel_size, stride, dilation) tuples,
      first layer first (convolutions and pools alike; padding does not matter).

    Returns:
    - an int: the height (= width) of the input window that one unit of the last
      layer sees. 1 for an empty list.

    Each layer widens the field by (effective kernel - 1) times the distance, in input
    pixels, between neighbouring units of its input (the product of the strides before
    it); a dilation d spreads a kernel k over d * (k - 1) + 1 pixels. Three 3x3
    convolutions of stride 1 see 7 x 7, like one 7x7.
    """
    field = 1
    # TODO: loop over the layers, keeping the field and the jump between units.
    # BEGIN SOLUTION
    jump = 1
    for layer in layers:
        kernel, stride = int(layer[0]), int(layer[1])
        dilation = int(layer[2]) if len(layer) > 2 else 1
        field += dilation * (kernel - 1) * jump
        jump *= stride
    # END SOLUTION
    return field


def count_params_and_flops(model, input_shape):
    """Learnable parameters and multiply-adds of one forward pass of `model` on one
    example of shape input_shape (C, H, W) (or (D,) for a fully connected net).

    Returns (params, macs), two ints:
    - params: the number of learnable values (weights and biases of every layer,
      batch norm's gamma and beta included; its running averages are no parameters);
    - macs: multiply-adds of the nn.Conv2d and nn.Linear layers only (the convention of
      the papers' tables; everything else is free), biases not counted:
      a Conv2d costs  C_out * H_out * W_out * (C_in / groups) * KH * KW,
      a Linear costs  in_features * out_features per input row.

    Count by running the model once on zeros of shape (1, *input_shape), on the device
    and dtype of its parameters, in evaluation mode and without gradients, with forward
    hooks (module.register_forward_hook) on the Conv2d and Linear modules that read each
    output's shape. Remove the hooks and restore the model's mode afterwards.
    (Multiply-adds are often called FLOPs; one multiply-add is two floating-point
    operations.)
    """
    params, macs = 0, 0
    # TODO: count the parameters; then the multiply-adds with forward hooks.
    # BEGIN SOLUTION
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    counted = [0]

    def conv_hook(module, inputs, output):
        per_output = (module.in_channels // module.groups) * module.kernel_size[0] * module.kernel_size[1]
        counted[0] += output.numel() * per_output

    def linear_hook(module, inputs, output):
        counted[0] += output.numel() * module.in_features

    hooks = []
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            hooks.append(module.register_forward_hook(conv_hook))
        elif isinstance(module, nn.Linear):
            hooks.append(module.register_forward_hook(linear_hook))
    first = next(model.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    dtype = first.dtype if first is not None else torch.float32
    mode_before = model.training
    model.eval()
    try:
        with torch.inference_mode():
            model(torch.zeros((1,) + tuple(input_shape), device=device, dtype=dtype))
    finally:
        for hook in hooks:
            hook.remove()
        model.train(mode_before)
    macs = counted[0]
    # END SOLUTION
    return int(params), int(macs)


# --------------------------------------------------------------------------------------
# Data augmentation: transforms of a minibatch (x, y), composable
# --------------------------------------------------------------------------------------

def _generator(seed):
    """A torch.Generator of its own under a seed; None (torch's global one) without."""
    return torch.Generator().manual_seed(int(seed)) if seed is not None else None


class Compose:
    """Apply transforms of (x, y) one after the other."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x, y):
        for transform in self.transforms:
            x, y = transform(x, y)
        return x, y


class RandomHorizontalFlip:
    """Mirror images left-right, each with probability p, only where that keeps the label.

    A mirrored 3 is no 3, but a mirrored 0, 1 or 8 still is; a mirrored cat is a cat.
    `classes` lists the labels whose images may be flipped (None: every label).

    __call__(x, y) with x of shape (N, C, H, W) (a float tensor) and y of shape (N,)
    (labels) returns (x_out, y): x_out a new tensor (x itself unchanged), the labels
    unchanged. Each image whose label is in `classes` is flipped when a uniform draw
    from torch.rand (with self.generator) is below p; one draw per image, for all N.
    The generator is seeded by `seed` (None: torch's global generator), so that a seed
    makes the transform reproducible.
    """

    def __init__(self, p=0.5, classes=None, seed=None):
        self.p = float(p)
        self.classes = None if classes is None else [int(c) for c in classes]
        self.generator = _generator(seed)

    def __call__(self, x, y):
        # TODO: choose the images to flip and flip them (the last axis is the width).
        # BEGIN SOLUTION
        flip = torch.rand(x.shape[0], generator=self.generator) < self.p
        if self.classes is not None:
            allowed = torch.isin(torch.as_tensor(y).cpu(), torch.tensor(self.classes))
            flip &= allowed
        flip = flip.to(x.device)
        out = x.clone()
        out[flip] = x[flip].flip(-1)
        return out, y
        # END SOLUTION


class RandomCrop:
    """Pad each image with `padding` zeros on every side, then crop it back to H x W at a
    random offset of its own: the image shifts by up to `padding` pixels either way.

    __call__(x, y), x of shape (N, C, H, W), returns (x_out, y), x_out of the same shape:
    x_out[n] = padded[n, :, top:top + H, left:left + W] with top and left drawn uniformly
    from 0 ... 2 * padding (torch.randint with self.generator: all the tops, then all
    the lefts). The labels are unchanged.
    """

    def __init__(self, padding=4, seed=None):
        self.padding = int(padding)
        self.generator = _generator(seed)

    def __call__(self, x, y):
        # TODO: pad (F.pad), draw the offsets and gather each image's window.
        # BEGIN SOLUTION
        p = self.padding
        n, _, height, width = x.shape
        padded = F.pad(x, (p, p, p, p), value=0.0)
        tops = torch.randint(0, 2 * p + 1, (n,), generator=self.generator)
        lefts = torch.randint(0, 2 * p + 1, (n,), generator=self.generator)
        out = torch.empty_like(x)
        for i in range(n):
            top, left = int(tops[i]), int(lefts[i])
            out[i] = padded[i, :, top:top + height, left:left + width]
        return out, y
        # END SOLUTION


class ColorJitter:
    """Random brightness, contrast and saturation per image, for images in [0, 1].

    For each image, draw factors uniformly: b in [max(0, 1 - brightness), 1 + brightness],
    c in [max(0, 1 - contrast), 1 + contrast], s in [max(0, 1 - saturation), 1 + saturation]
    (torch.rand with self.generator, N draws for b, then N for c, then N for s), and apply,
    in this order:
      brightness:  x = b * x
      contrast:    x = m + c * (x - m), m the mean of the image's gray levels (a number)
      saturation:  x = g + s * (x - g), g the gray image (one value per pixel), only for
                   3-channel images
    and clip the result to [0, 1]. Gray: 0.299 R + 0.587 G + 0.114 B for three
    channels, the image itself for one. A factor of 0 turns its effect off.

    __call__(x, y), x of shape (N, C, H, W), returns (x_out, y), labels unchanged.
    """

    def __init__(self, brightness=0.0, contrast=0.0, saturation=0.0, seed=None):
        self.brightness, self.contrast, self.saturation = float(brightness), float(contrast), float(saturation)
        self.generator = _generator(seed)

    def _factors(self, n, amount, like):
        low, high = max(0.0, 1.0 - amount), 1.0 + amount
        u = torch.rand(n, generator=self.generator, dtype=torch.float64)
        return (low + (high - low) * u).to(like).reshape(n, 1, 1, 1)

    def __call__(self, x, y):
        # TODO: draw the three factors and apply them in order; then clip.
        # BEGIN SOLUTION
        n, channels = x.shape[0], x.shape[1]
        b = self._factors(n, self.brightness, x)
        c = self._factors(n, self.contrast, x)
        s = self._factors(n, self.saturation, x)
        out = x * b
        mean = _gray(out).mean(dim=(1, 2, 3), keepdim=True)
        out = mean + c * (out - mean)
        if channels == 3:
            gray = _gray(out)
            out = gray + s * (out - gray)
        return out.clamp(0.0, 1.0), y
        # END SOLUTION


def _gray(x):
    """Gray levels (N, 1, H, W) of images (N, C, H, W), C = 1 or 3."""
    if x.shape[1] == 1:
        return x
    r, g, b = x[:, 0:1], x[:, 1:2], x[:, 2:3]
    return 0.299 * r + 0.587 * g + 0.114 * b


# --------------------------------------------------------------------------------------
# Transfer learning with few labels (given: helpers built on your resnet18)
# --------------------------------------------------------------------------------------

def small_resnet(num_classes=5, in_channels=1, widths=(8, 16, 32, 64)):
    """Your resnet18 without its ImageNet stem and narrow, for small images (digits).

    Maps images (N, in_channels, H, W), any H, W >= 1, to scores (N, num_classes); its
    last layer is `fc`, an nn.Linear(widths[-1], num_classes).
    """
    return resnet18(num_classes=num_classes, in_channels=in_channels, widths=widths, stem=False)


def _images(X):
    """Images (N, C, H, W) as a float32 tensor (from an array or a tensor)."""
    X = torch.as_tensor(X)
    if X.dim() != 4:
        raise ValueError("images must have shape (N, C, H, W), got %s" % (tuple(X.shape),))
    return X.float()


def _labels(y, n):
    """Labels (n,) as an int64 tensor (from an array or a tensor)."""
    y = torch.as_tensor(y).long()
    if y.shape != (n,):
        raise ValueError("labels must have shape (%d,), one per image, got %s" % (n, tuple(y.shape)))
    return y


def fit(model, X, y, epochs, lr, batch_size=64, seed=0, progress=False, device=None):
    """Train `model` with Adam on the softmax cross-entropy of its scores.

    Inputs:
    - model: an nn.Module mapping (N, C, H, W) to scores (N, K)
    - X: images of shape (N, C, H, W) (a float array or tensor)
    - y: labels of shape (N,), integers in 0 ... K - 1
    - epochs: passes over the data; each in a random order drawn from a
      torch.Generator seeded by `seed`, so that a seed makes the order reproducible
    - lr: Adam's learning rate
    - batch_size: examples per step (the last minibatch of an epoch may be smaller)
    - progress: False, or a label for a tqdm progress bar over the epochs
    - device: where to train (e.g. torch.device("cuda")); None keeps the model where it is

    Returns the model, trained in place and left in training mode.
    """
    if device is not None:
        model.to(device)
    device = next(model.parameters()).device
    X = _images(X).to(device)
    y = _labels(y, len(X)).to(device)
    generator = torch.Generator().manual_seed(int(seed))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    epochs = range(int(epochs))
    if progress:
        from tqdm.auto import tqdm  # imported only when asked: graders never draw bars

        epochs = tqdm(epochs, desc=str(progress), unit="epoch")
    for _ in epochs:
        order = torch.randperm(len(y), generator=generator)
        for start in range(0, len(y), batch_size):
            index = order[start:start + batch_size].to(device)
            loss = F.cross_entropy(model(X[index]), y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def class_scores(model, X, batch_size=256):
    """Scores of shape (N, K), a float64 NumPy array, of `model` in evaluation mode on
    images X of shape (N, C, H, W), computed on the model's device; the model is left in
    evaluation mode."""
    X = _images(X).to(next(model.parameters()).device)
    model.eval()
    with torch.no_grad():
        scores = [model(X[start:start + batch_size]) for start in range(0, len(X), batch_size)]
    return torch.cat(scores).cpu().double().numpy()


def transfer_experiment(X_first, y_first, X_few, y_few, X_eval, pretrain_epochs, finetune_epochs,
                        seed=0, pretrain_lr=3e-3, finetune_lr=1e-3, finetune_batch_size=16,
                        progress=False, device=None):
    """Fine-tuning against training from scratch, with few labels.

    1. Pretrain a small_resnet on the first task (X_first, y_first): pretrain_epochs at
       pretrain_lr, minibatches of 64.
    2. Fine-tune: keep its layers, replace its last layer `fc` by a new one for the
       second task's classes, and train the whole net on the few labelled examples
       (X_few, y_few): finetune_epochs at finetune_lr, minibatches of finetune_batch_size.
    3. Baseline: a fresh small_resnet trained from scratch on the same few examples,
       with the same epochs, learning rate and minibatches.

    Inputs (arrays or tensors):
    - X_first: images of the first task, shape (N1, C, H, W); y_first: labels (N1,) in
      0 ... K1 - 1
    - X_few: the few labelled images of the second task, shape (N2, C, H, W); y_few:
      labels (N2,) in 0 ... K2 - 1
    - X_eval: held-out images of the second task, shape (M, C, H, W) (no labels needed)
    - pretrain_epochs, finetune_epochs: passes over X_first and over X_few
    - seed: seeds the initial weights (torch.manual_seed) and the minibatch orders, so
      that the whole experiment is reproducible on the CPU
    - progress: True shows a progress bar over the epochs of each of the three trainings
    - device: where the nets train (e.g. torch.device("cuda")); None: the CPU

    Returns (fine_tuned_scores, scratch_scores): two float64 NumPy arrays of shape
    (M, K2), the two nets' class scores on X_eval (in evaluation mode).
    """
    X_first, X_few, X_eval = _images(X_first), _images(X_few), _images(X_eval)
    y_first, y_few = _labels(y_first, len(X_first)), _labels(y_few, len(X_few))
    channels = X_first.shape[1]
    first_classes, second_classes = int(y_first.max()) + 1, int(y_few.max()) + 1

    torch.manual_seed(seed)
    pretrained = fit(small_resnet(first_classes, channels), X_first, y_first, pretrain_epochs,
                     pretrain_lr, batch_size=64, seed=seed, progress=progress and "pretrain",
                     device=device)
    torch.manual_seed(seed + 1)
    fine_tuned = pretrained
    fine_tuned.fc = nn.Linear(fine_tuned.fc.in_features, second_classes)  # a new head
    fit(fine_tuned, X_few, y_few, finetune_epochs, finetune_lr, finetune_batch_size, seed=seed + 1,
        progress=progress and "fine-tune", device=device)

    torch.manual_seed(seed + 2)
    scratch = fit(small_resnet(second_classes, channels), X_few, y_few, finetune_epochs, finetune_lr,
                  finetune_batch_size, seed=seed + 1, progress=progress and "from scratch", device=device)
    return class_scores(fine_tuned, X_eval), class_scores(scratch, X_eval)


# --------------------------------------------------------------------------------------
# Convolution by the FFT (NumPy)
# --------------------------------------------------------------------------------------

def conv_fft(x, w, b, conv_param):
    """The forward pass of a convolutional layer computed with the FFT (NumPy).

    The same layer as conv_forward_naive (CS231n's cross-correlation):
        out[n, f, i, j] = b[f] + sum_{c, k, l} xpad[n, c, i * stride + k, j * stride + l] * w[f, c, k, l]

    Inputs:
    - x: input data of shape (N, C, H, W)
    - w: filter weights of shape (F, C, HH, WW)
    - b: biases, of shape (F,)
    - conv_param: dict with "stride" and "pad" (zeros on every side)

    Returns:
    - out: output of shape (N, F, H', W'), H' = 1 + (H + 2 * pad - HH) // stride,
      W' = 1 + (W + 2 * pad - WW) // stride, in x's floating dtype.

    By the convolution theorem, a convolution is a product of Fourier transforms; a
    cross-correlation is a convolution with the kernel flipped. Transform the padded
    images and the flipped kernels at the padded size (np.fft.rfft2 with s=...), multiply
    and sum over the channels in frequency space, transform back (np.fft.irfft2); the
    products that wrap around the borders land only in the first HH - 1 rows and WW - 1
    columns, which the valid output skips. Then keep every stride-th position.
    """
    stride, pad = int(conv_param["stride"]), int(conv_param["pad"])
    N, C, H, W = x.shape
    F_, C_w, HH, WW = w.shape
    if C_w != C:
        raise ValueError("x has %d channels but w expects %d" % (C, C_w))
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    out = None
    # TODO: pad, transform, multiply and sum over channels, transform back, crop, stride.
    # BEGIN SOLUTION
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Hp, Wp = xpad.shape[2], xpad.shape[3]
    X = np.fft.rfft2(xpad, s=(Hp, Wp))                          # (N, C, Hp, Wp // 2 + 1)
    K = np.fft.rfft2(w[:, :, ::-1, ::-1], s=(Hp, Wp))           # (F, C, Hp, Wp // 2 + 1)
    Y = np.einsum("nchw,fchw->nfhw", X, K)
    full = np.fft.irfft2(Y, s=(Hp, Wp))                          # circular convolution
    valid = full[:, :, HH - 1:, WW - 1:]                          # no wrap-around here
    out = valid[:, :, ::stride, ::stride][:, :, :H_out, :W_out] + b.reshape(1, -1, 1, 1)
    # END SOLUTION
    return np.ascontiguousarray(out).astype(np.result_type(x.dtype, np.float32), copy=False)


def conv_direct(x, w, b, conv_param):
    """The same convolution computed directly, by summing shifted copies of the input
    (one term per kernel position): the reference for conv_fft, NumPy, no FFT."""
    stride, pad = int(conv_param["stride"]), int(conv_param["pad"])
    N, C, H, W = x.shape
    F_, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F_, H_out, W_out), dtype=np.result_type(x.dtype, w.dtype))
    for k in range(HH):
        for l in range(WW):
            window = xpad[:, :, k:k + stride * H_out:stride, l:l + stride * W_out:stride]
            out += np.einsum("nchw,fc->nfhw", window, w[:, :, k, l])
    return out + b.reshape(1, -1, 1, 1)
