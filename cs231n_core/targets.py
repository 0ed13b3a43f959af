"""Which graded targets belong to which assignment, and where each one's solution sits.

Shared by the students' tools (public checks, `cs231n submit`) and the instructor's
(release, graders). It names targets only; it holds no solution.

Each file maps a target's name (as graders, reports and notebooks call it) to the
qualified name of the function or class that holds its solution block. The release
strips the solution bodies of the targets of the released assignment and of every
later one; a solution block outside every listed target is an error, so no
reference body can slip through unnoticed.
"""

ASSIGNMENT_TARGETS = {
    "assignment1": {
        "cs231n_core/classifiers/k_nearest_neighbor.py": {
            "compute_distances_two_loops": "KNearestNeighbor.compute_distances_two_loops",
            "compute_distances_one_loop": "KNearestNeighbor.compute_distances_one_loop",
            "compute_distances_no_loops": "KNearestNeighbor.compute_distances_no_loops",
            "predict_labels": "KNearestNeighbor.predict_labels",
        },
        "cs231n_core/classifiers/linear_svm.py": {
            "svm_loss_naive": "svm_loss_naive",
            "svm_loss_vectorized": "svm_loss_vectorized",
        },
        "cs231n_core/classifiers/softmax.py": {
            "softmax_loss_naive": "softmax_loss_naive",
            "softmax_loss_vectorized": "softmax_loss_vectorized",
        },
        "cs231n_core/classifiers/linear_classifier.py": {
            "LinearClassifier.train": "LinearClassifier.train",
            "LinearClassifier.predict": "LinearClassifier.predict",
        },
        "cs231n_core/layers.py": {
            "affine_forward": "affine_forward",
            "affine_backward": "affine_backward",
            "relu_forward": "relu_forward",
            "relu_backward": "relu_backward",
            "svm_loss": "svm_loss",
            "softmax_loss": "softmax_loss",
        },
        "cs231n_core/classifiers/fc_net.py": {
            "TwoLayerNet": "TwoLayerNet",
        },
        # features.ipynb: the TwoLayerNet's and Solver's hyper-parameters on image features
        "cs231n_core/features_setup.py": {
            "features_net_setup": "features_net_setup",
        },
    },
    "assignment2": {
        # --- fully connected nets, optimizers and dropout ---
        "cs231n_core/classifiers/fc_net.py": {
            "FullyConnectedNet": "FullyConnectedNet",
        },
        # the challenge of FullyConnectedNets.ipynb: the best net's hyper-parameters
        "cs231n_core/fc_challenge.py": {
            "fc_challenge_setup": "fc_challenge_setup",
        },
        "cs231n_core/optim.py": {
            "sgd_momentum": "sgd_momentum",
            "rmsprop": "rmsprop",
            "adam": "adam",
        },
        # ONE entry per file (a repeated key would silently drop the earlier one)
        "cs231n_core/layers.py": {
            # --- dropout (Dropout notebook)
            "dropout_forward": "dropout_forward",
            "dropout_backward": "dropout_backward",
            # --- normalization (BatchNormalization notebook; spatial layers: ConvolutionalNetworks)
            "batchnorm_forward": "batchnorm_forward",
            "batchnorm_backward": "batchnorm_backward",
            "batchnorm_backward_alt": "batchnorm_backward_alt",
            "layernorm_forward": "layernorm_forward",
            "layernorm_backward": "layernorm_backward",
            "spatial_batchnorm_forward": "spatial_batchnorm_forward",
            "spatial_batchnorm_backward": "spatial_batchnorm_backward",
            "spatial_groupnorm_forward": "spatial_groupnorm_forward",
            "spatial_groupnorm_backward": "spatial_groupnorm_backward",
            # --- end of normalization
            # --- convolutional networks (naive layers)
            "conv_forward_naive": "conv_forward_naive",
            "conv_backward_naive": "conv_backward_naive",
            "max_pool_forward_naive": "max_pool_forward_naive",
            "max_pool_backward_naive": "max_pool_backward_naive",
        },
        # --- fast_layers.py: convolution and max pooling vectorized in NumPy ---
        "cs231n_core/fast_layers.py": {
            "conv_forward_fast": "conv_forward_fast",
            "conv_backward_fast": "conv_backward_fast",
            "max_pool_forward_fast": "max_pool_forward_fast",
            "max_pool_backward_fast": "max_pool_backward_fast",
        },
        "cs231n_core/classifiers/cnn.py": {
            "ThreeLayerConvNet": "ThreeLayerConvNet",
        },
        # --- PyTorch (PyTorch.ipynb) ---
        # The module's target is "TorchThreeLayerConvNet": "ThreeLayerConvNet" is the
        # NumPy network of classifiers/cnn.py.
        "cs231n_core/pytorch_models.py": {
            "flatten": "flatten",
            "random_weight": "random_weight",
            "two_layer_fc": "two_layer_fc",
            "three_layer_convnet": "three_layer_convnet",
            "TwoLayerFC": "TwoLayerFC",
            "TorchThreeLayerConvNet": "ThreeLayerConvNet",
            "check_accuracy": "check_accuracy",
            "train": "train",
        },
        # Part V, the open-ended challenge: the network and its training set-up
        "cs231n_core/pytorch_challenge.py": {
            "challenge_setup": "challenge_setup",
        },
        # --- end PyTorch ---
    },
    "assignment3": {
        # ONE entry per file (a repeated key would silently drop the earlier one)
        # --- generative models (Generative notebook) ---
        "cs231n_core/generative.py": {
            "reparametrize": "reparametrize",
            "vae_loss": "vae_loss",
            "VAE": "VAE",
            "CVAE": "CVAE",
            "sample_noise": "sample_noise",
            "discriminator": "discriminator",
            "generator": "generator",
            "discriminator_loss": "discriminator_loss",
            "generator_loss": "generator_loss",
            "ls_discriminator_loss": "ls_discriminator_loss",
            "ls_generator_loss": "ls_generator_loss",
            "build_dc_classifier": "build_dc_classifier",
            "build_dc_generator": "build_dc_generator",
            "MaskedConv2d": "MaskedConv2d",
            "PixelCNN": "PixelCNN",
        },
        # --- end generative models ---
        # --- visualization and style transfer (NetworkVisualization, StyleTransfer) ---
        "cs231n_core/visualization.py": {
            "compute_saliency_maps": "compute_saliency_maps",
            "make_fooling_image": "make_fooling_image",
            "class_visualization_update_step": "class_visualization_update_step",
            "occlusion_map": "occlusion_map",
            "grad_cam": "grad_cam",
            "gram_matrix": "gram_matrix",
            "content_loss": "content_loss",
            "style_loss": "style_loss",
            "tv_loss": "tv_loss",
        },
        # --- end visualization ---
        # --- CNN architectures (CNNArchitectures.ipynb) ---
        "cs231n_core/architectures.py": {
            "alexnet": "alexnet",
            "vgg16": "vgg16",
            "Inception": "Inception",
            "googlenet": "googlenet",
            "BasicBlock": "BasicBlock",
            "Bottleneck": "Bottleneck",
            "resnet18": "resnet18",
            "Fire": "Fire",
            "squeezenet": "squeezenet",
            "receptive_field": "receptive_field",
            "count_params_and_flops": "count_params_and_flops",
            "RandomHorizontalFlip": "RandomHorizontalFlip",
            "RandomCrop": "RandomCrop",
            "ColorJitter": "ColorJitter",
            "conv_fft": "conv_fft",
        },
        # --- end CNN architectures ---
        # --- detection and segmentation (Detection.ipynb) ---
        "cs231n_core/detection.py": {
            "box_iou": "box_iou",
            "nms": "nms",
            "batched_nms": "batched_nms",
            "generate_anchors": "generate_anchors",
            "encode_boxes": "encode_boxes",
            "decode_boxes": "decode_boxes",
            "match_anchors": "match_anchors",
            "DigitDetector": "DigitDetector",
            "detection_loss": "detection_loss",
            "mean_average_precision": "mean_average_precision",
        },
        "cs231n_core/segmentation.py": {
            "Upsample2x": "Upsample2x",
            "SegmentationFCN": "SegmentationFCN",
            "mean_iou": "mean_iou",
        },
        # --- end detection and segmentation ---
    },
}

ASSIGNMENTS = sorted(ASSIGNMENT_TARGETS)

# The notebooks of each assignment in the order the assignment teaches them (README.md's
# order), each with the targets of its autograded cells in cell order: reports list
# grades this way. tests/test_notebook_order.py proves it agrees with the notebooks'
# autograded cells (the autograded: tags of assignments/*/*.pct.py), so it cannot drift.
NOTEBOOK_TARGETS = {
    "assignment1": {
        "knn.ipynb": ["compute_distances_two_loops", "predict_labels",
                      "compute_distances_one_loop", "compute_distances_no_loops"],
        "svm.ipynb": ["svm_loss_naive", "svm_loss_vectorized", "LinearClassifier.train",
                      "LinearClassifier.predict"],
        "softmax.ipynb": ["softmax_loss_naive", "softmax_loss_vectorized"],
        "two_layer_net.ipynb": ["affine_forward", "affine_backward", "relu_forward",
                                "relu_backward", "svm_loss", "softmax_loss", "TwoLayerNet"],
        "features.ipynb": ["features_net_setup"],
    },
    "assignment2": {
        "FullyConnectedNets.ipynb": ["FullyConnectedNet", "sgd_momentum", "rmsprop", "adam",
                                     "fc_challenge_setup"],
        "BatchNormalization.ipynb": ["batchnorm_forward", "batchnorm_backward",
                                     "batchnorm_backward_alt", "layernorm_forward",
                                     "layernorm_backward"],
        "Dropout.ipynb": ["dropout_forward", "dropout_backward"],
        "ConvolutionalNetworks.ipynb": [
            "conv_forward_naive", "conv_backward_naive", "max_pool_forward_naive",
            "max_pool_backward_naive", "conv_forward_fast", "conv_backward_fast",
            "max_pool_forward_fast", "max_pool_backward_fast", "ThreeLayerConvNet",
            "spatial_batchnorm_forward", "spatial_batchnorm_backward",
            "spatial_groupnorm_forward", "spatial_groupnorm_backward"],
        "PyTorch.ipynb": ["flatten", "two_layer_fc", "three_layer_convnet", "random_weight",
                          "check_accuracy", "TwoLayerFC", "TorchThreeLayerConvNet", "train",
                          "challenge_setup"],
    },
    "assignment3": {
        "CNNArchitectures.ipynb": [
            "alexnet", "vgg16", "Inception", "googlenet", "BasicBlock", "Bottleneck",
            "resnet18", "Fire", "squeezenet", "receptive_field", "count_params_and_flops",
            "RandomHorizontalFlip", "RandomCrop", "ColorJitter", "conv_fft"],
        "Detection.ipynb": [
            "box_iou", "nms", "batched_nms", "generate_anchors", "encode_boxes",
            "decode_boxes", "match_anchors", "DigitDetector", "detection_loss",
            "mean_average_precision", "Upsample2x", "SegmentationFCN", "mean_iou"],
        "NetworkVisualization.ipynb": ["compute_saliency_maps", "occlusion_map", "grad_cam",
                                       "make_fooling_image", "class_visualization_update_step"],
        "StyleTransfer.ipynb": ["content_loss", "gram_matrix", "style_loss", "tv_loss"],
        "Generative.ipynb": [
            "reparametrize", "vae_loss", "VAE", "CVAE", "sample_noise", "discriminator",
            "generator", "discriminator_loss", "generator_loss", "ls_discriminator_loss",
            "ls_generator_loss", "build_dc_classifier", "build_dc_generator",
            "MaskedConv2d", "PixelCNN"],
    },
}


def assignment_of(relative_path, qualname):
    """The assignment whose target is `qualname` (or encloses it) in that file, or None."""
    parts = qualname.split(".")
    for assignment, files in ASSIGNMENT_TARGETS.items():
        qualnames = set(files.get(relative_path, {}).values())
        for depth in range(len(parts), 0, -1):
            if ".".join(parts[:depth]) in qualnames:
                return assignment
    return None


def target_names(assignment):
    """Target names of one assignment, e.g. "compute_distances_no_loops"."""
    return [name for targets in ASSIGNMENT_TARGETS[assignment].values() for name in targets]


def qualnames(assignment, relative_path):
    """The qualified names of the targets of one file."""
    return list(ASSIGNMENT_TARGETS[assignment].get(relative_path, {}).values())


def grade_cell_id(target):
    """The nbgrader grade_id of a target's autograded cell (letters, digits, _ and -)."""
    return target.replace(".", "-")


def notebooks(assignment):
    """The notebooks of one assignment in the order it teaches them, e.g. "knn.ipynb"."""
    return list(NOTEBOOK_TARGETS.get(assignment, {}))


def teaching_order(assignment):
    """{target: (notebook, (notebook's position, cell's position))}: where each graded
    target of the assignment is taught, and a key that sorts targets in that order."""
    order = {}
    for n, (notebook, targets) in enumerate(NOTEBOOK_TARGETS.get(assignment, {}).items()):
        for c, target in enumerate(targets):
            order[target] = (notebook, (n, c))
    return order
