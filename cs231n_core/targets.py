"""The course's manifest: every graded section, where its targets' solutions sit, and its points.

Shared by the students' tools (public checks, `cs231n submit`) and the instructor's
(release, graders). It names targets only; it holds no solution.

A section is one graded part of a notebook. Its key names it in every tree:

    cs231n_core/checks/<key>.py                           its public checks
    autograder/graders/<assignment>/test_<key>.py         its hidden grader (SECTION_WEIGHT = points)
    autograder/mistakes/<assignment>/<key>.json           its bank of realistic mistakes
    assignments/<assignment>/<notebook>                   the notebook that teaches it

Each section maps its library files to its targets: a target's name (as graders,
reports and notebooks call it) and the qualified name of the function or class that
holds its solution block. The release strips the solution bodies of the targets of the
released assignment and of every later one; a solution block outside every listed target
is an error, so no reference body can slip through unnoticed. tests/test_manifest.py
proves that every entry resolves in every tree and that no tree holds a file the
manifest does not list.
"""
from collections import namedtuple

Section = namedtuple("Section", "key assignment notebook points files")
Section.__doc__ = """One graded section: key, assignment, notebook (the .ipynb that teaches it),
points (its share of the assignment's 100 autograded points) and files
({library file: {target name: qualified name}}, targets in the order of the notebook's
autograded cells)."""


def _same_names(*names):
    """{name: name}, in the order given: targets whose names are their qualified names
    (a function, a class, or a method written Class.method)."""
    return {name: name for name in names}


# In the order the assignments teach them (README.md's order).
SECTIONS = (
    # ---- assignment1 ----
    Section("knn", "assignment1", "knn.ipynb", 20, {
        "cs231n_core/classifiers/k_nearest_neighbor.py": {
            "compute_distances_two_loops": "KNearestNeighbor.compute_distances_two_loops",
            "predict_labels": "KNearestNeighbor.predict_labels",
            "compute_distances_one_loop": "KNearestNeighbor.compute_distances_one_loop",
            "compute_distances_no_loops": "KNearestNeighbor.compute_distances_no_loops",
        },
    }),
    Section("svm", "assignment1", "svm.ipynb", 25, {
        "cs231n_core/classifiers/linear_svm.py": _same_names(
            "svm_loss_naive", "svm_loss_vectorized"),
        "cs231n_core/classifiers/linear_classifier.py": _same_names(
            "LinearClassifier.train", "LinearClassifier.predict"),
    }),
    Section("softmax", "assignment1", "softmax.ipynb", 20, {
        "cs231n_core/classifiers/softmax.py": _same_names(
            "softmax_loss_naive", "softmax_loss_vectorized"),
    }),
    Section("two_layer_net", "assignment1", "two_layer_net.ipynb", 25, {
        "cs231n_core/layers.py": _same_names(
            "affine_forward", "affine_backward", "relu_forward", "relu_backward", "svm_loss",
            "softmax_loss"),
        "cs231n_core/classifiers/fc_net.py": _same_names("TwoLayerNet"),
    }),
    Section("features", "assignment1", "features.ipynb", 10, {
        "cs231n_core/features_setup.py": _same_names("features_net_setup"),
    }),
    # ---- assignment2 ----
    Section("fc_nets", "assignment2", "FullyConnectedNets.ipynb", 17, {
        "cs231n_core/classifiers/fc_net.py": _same_names("FullyConnectedNet"),
        "cs231n_core/optim.py": _same_names("sgd_momentum", "rmsprop", "adam"),
    }),
    Section("fc_challenge", "assignment2", "FullyConnectedNets.ipynb", 3, {
        "cs231n_core/fc_challenge.py": _same_names("fc_challenge_setup"),
    }),
    Section("batchnorm", "assignment2", "BatchNormalization.ipynb", 30, {
        "cs231n_core/layers.py": _same_names(
            "batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt",
            "layernorm_forward", "layernorm_backward"),
    }),
    Section("dropout", "assignment2", "Dropout.ipynb", 10, {
        "cs231n_core/layers.py": _same_names("dropout_forward", "dropout_backward"),
    }),
    Section("cnn", "assignment2", "ConvolutionalNetworks.ipynb", 18, {
        "cs231n_core/layers.py": _same_names(
            "conv_forward_naive", "conv_backward_naive", "max_pool_forward_naive",
            "max_pool_backward_naive"),
        "cs231n_core/classifiers/cnn.py": _same_names("ThreeLayerConvNet"),
    }),
    Section("fast_layers", "assignment2", "ConvolutionalNetworks.ipynb", 6, {
        "cs231n_core/fast_layers.py": _same_names(
            "conv_forward_fast", "conv_backward_fast", "max_pool_forward_fast",
            "max_pool_backward_fast"),
    }),
    Section("spatial_norm", "assignment2", "ConvolutionalNetworks.ipynb", 6, {
        "cs231n_core/layers.py": _same_names(
            "spatial_batchnorm_forward", "spatial_batchnorm_backward", "spatial_groupnorm_forward",
            "spatial_groupnorm_backward"),
    }),
    Section("pytorch", "assignment2", "PyTorch.ipynb", 7, {
        "cs231n_core/pytorch_models.py": {
            "flatten": "flatten",
            "two_layer_fc": "two_layer_fc",
            "three_layer_convnet": "three_layer_convnet",
            "random_weight": "random_weight",
            "check_accuracy": "check_accuracy",
            "TwoLayerFC": "TwoLayerFC",
            "TorchThreeLayerConvNet": "ThreeLayerConvNet",
            "train": "train",
        },
    }),
    Section("pytorch_challenge", "assignment2", "PyTorch.ipynb", 3, {
        "cs231n_core/pytorch_challenge.py": _same_names("challenge_setup"),
    }),
    # ---- assignment3 ----
    Section("architectures", "assignment3", "CNNArchitectures.ipynb", 12, {
        "cs231n_core/architectures.py": _same_names(
            "alexnet", "vgg16", "Inception", "googlenet", "BasicBlock", "Bottleneck", "resnet18",
            "Fire", "squeezenet"),
    }),
    Section("cnn_practice", "assignment3", "CNNArchitectures.ipynb", 8, {
        "cs231n_core/architectures.py": _same_names(
            "receptive_field", "count_params_and_flops", "RandomHorizontalFlip", "RandomCrop",
            "ColorJitter", "conv_fft"),
    }),
    Section("detection", "assignment3", "Detection.ipynb", 10, {
        "cs231n_core/detection.py": _same_names(
            "box_iou", "nms", "batched_nms", "generate_anchors", "encode_boxes", "decode_boxes",
            "match_anchors"),
    }),
    Section("detector", "assignment3", "Detection.ipynb", 6, {
        "cs231n_core/detection.py": _same_names(
            "DigitDetector", "detection_loss", "mean_average_precision"),
    }),
    Section("segmentation", "assignment3", "Detection.ipynb", 6, {
        "cs231n_core/segmentation.py": _same_names("Upsample2x", "SegmentationFCN", "mean_iou"),
    }),
    Section("roi_ops", "assignment3", "TwoStageDetection.ipynb", 6, {
        "cs231n_core/roi_ops.py": _same_names("roi_pool", "roi_align"),
    }),
    Section("two_stage", "assignment3", "TwoStageDetection.ipynb", 10, {
        "cs231n_core/two_stage.py": _same_names(
            "rpn_targets", "rpn_loss", "rpn_proposals", "roi_targets", "box_head_loss", "mask_loss",
            "paste_masks"),
    }),
    Section("network_visualization", "assignment3", "NetworkVisualization.ipynb", 12, {
        "cs231n_core/visualization.py": _same_names(
            "compute_saliency_maps", "occlusion_map", "grad_cam", "make_fooling_image",
            "class_visualization_update_step"),
    }),
    Section("style_transfer", "assignment3", "StyleTransfer.ipynb", 8, {
        "cs231n_core/visualization.py": _same_names(
            "content_loss", "gram_matrix", "style_loss", "tv_loss"),
    }),
    Section("vae", "assignment3", "Generative.ipynb", 7, {
        "cs231n_core/generative.py": _same_names("reparametrize", "vae_loss", "VAE", "CVAE"),
    }),
    Section("gan", "assignment3", "Generative.ipynb", 10, {
        "cs231n_core/generative.py": _same_names(
            "sample_noise", "discriminator", "generator", "discriminator_loss", "generator_loss",
            "ls_discriminator_loss", "ls_generator_loss", "build_dc_classifier",
            "build_dc_generator"),
    }),
    Section("pixelcnn", "assignment3", "Generative.ipynb", 5, {
        "cs231n_core/generative.py": _same_names("MaskedConv2d", "PixelCNN"),
    }),
    # ---- assignment4 ----
    Section("rnn_captioning", "assignment4", "RNN_Captioning.ipynb", 30, {
        "cs231n_core/rnn_layers.py": _same_names(
            "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
            "word_embedding_forward", "word_embedding_backward", "temporal_affine_forward",
            "temporal_affine_backward", "temporal_softmax_loss"),
        "cs231n_core/classifiers/rnn.py": _same_names("CaptioningRNN"),
    }),
    Section("lstm_captioning", "assignment4", "LSTM_Captioning.ipynb", 20, {
        "cs231n_core/rnn_layers.py": _same_names(
            "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward"),
    }),
    Section("transformer_captioning", "assignment4", "Transformer_Captioning.ipynb", 30, {
        "cs231n_core/transformer_layers.py": _same_names(
            "MultiHeadAttention", "PositionalEncoding", "TransformerDecoderLayer"),
        "cs231n_core/classifiers/transformer.py": _same_names("CaptioningTransformer"),
    }),
    Section("vision_transformer", "assignment4", "VisionTransformer.ipynb", 20, {
        "cs231n_core/transformer_layers.py": _same_names(
            "PatchEmbedding", "TransformerEncoderLayer", "VisionTransformer"),
    }),
)

# Modules of cs231n_core/checks/ that are no section: what the sections' checks share.
CHECK_HELPERS = ("__init__", "compare", "diagnosis", "fingerprint", "generative_tools", "linear_tools",
                 "mismatch", "norm_tools", "numpy_tools", "rnn_tools", "torch_tools",
                 "transformer_tools")


def sections(assignment=None):
    """The sections of one assignment (default: all), in teaching order."""
    return [s for s in SECTIONS if assignment is None or s.assignment == assignment]


def section_targets(section):
    """Target names of one section, in the order of its notebook's autograded cells."""
    return [name for targets in section.files.values() for name in targets]


def _assignment_targets():
    """{assignment: {library file: {target name: qualified name}}}, merged over sections."""
    table = {}
    for section in SECTIONS:
        files = table.setdefault(section.assignment, {})
        for path, targets in section.files.items():
            files.setdefault(path, {}).update(targets)
    return table


# What the release strips and reports attribute, per assignment: {file: {target: qualname}}.
ASSIGNMENT_TARGETS = _assignment_targets()

ASSIGNMENTS = sorted(ASSIGNMENT_TARGETS)

# The notebooks of each assignment in the order the assignment teaches them (README.md's
# order), each with the targets of its autograded cells in cell order: reports list
# grades this way. It is kept apart from SECTIONS because a notebook may interleave its
# sections' cells (ConvolutionalNetworks grades the fast layers before ThreeLayerConvNet).
# tests/test_notebooks.py proves it agrees with the notebooks' autograded cells (the
# autograded: tags of assignments/*/*.pct.py), and tests/test_manifest.py that each
# notebook's cells are exactly its sections' targets.
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
        "TwoStageDetection.ipynb": [
            "roi_pool", "roi_align", "rpn_targets", "rpn_loss", "rpn_proposals", "roi_targets",
            "box_head_loss", "mask_loss", "paste_masks"],
        "NetworkVisualization.ipynb": ["compute_saliency_maps", "occlusion_map", "grad_cam",
                                       "make_fooling_image", "class_visualization_update_step"],
        "StyleTransfer.ipynb": ["content_loss", "gram_matrix", "style_loss", "tv_loss"],
        "Generative.ipynb": [
            "reparametrize", "vae_loss", "VAE", "CVAE", "sample_noise", "discriminator",
            "generator", "discriminator_loss", "generator_loss", "ls_discriminator_loss",
            "ls_generator_loss", "build_dc_classifier", "build_dc_generator",
            "MaskedConv2d", "PixelCNN"],
    },
    "assignment4": {
        "RNN_Captioning.ipynb": [
            "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
            "word_embedding_forward", "word_embedding_backward", "temporal_affine_forward",
            "temporal_affine_backward", "temporal_softmax_loss", "CaptioningRNN"],
        "LSTM_Captioning.ipynb": ["lstm_step_forward", "lstm_step_backward", "lstm_forward",
                                  "lstm_backward"],
        "Transformer_Captioning.ipynb": ["MultiHeadAttention", "PositionalEncoding",
                                         "TransformerDecoderLayer", "CaptioningTransformer"],
        "VisionTransformer.ipynb": ["PatchEmbedding", "TransformerEncoderLayer", "VisionTransformer"],
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
