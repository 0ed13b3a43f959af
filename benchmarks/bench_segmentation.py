"""Semantic segmentation on digit scenes: the sliding-window baseline against the fully
convolutional networks, in cost and in quality; the FCN with skip connections against
the one without.

    python benchmarks/bench_segmentation.py [--cost-only] [--epochs 12] [--modes nearest,transposed]
                                            [--slide-test 100 (0: no sliding window)]

1. Cost: seconds per 64x64 image of the sliding window (a PatchClassifier on the 25x25
   patch around each pixel), of SegmentationFCN and of SkipFCN, and their ratios,
   measured in the same run with the same number of threads (the output shapes are
   asserted equal).
2. Quality (unless --cost-only): SegmentationFCN and SkipFCN trained alike (Adam, the
   notebook's learning rate, 12 epochs: at the notebook's 5 neither has learnt the
   digits' classes yet) for each upsampling mode, and the sliding window trained on
   sampled pixels; the mean IoU over the 11 classes on the held-out scenes (the
   sliding window on the first --slide-test of them only: it is slow) and each class's
   IoU. Training times are CPU seconds of this process (one thread: they do not grow
   when other work shares the machine).
"""
import argparse
import time

import numpy as np
import torch

from cs231n_core.detection_data import SEGMENTATION_CLASSES, make_digit_scenes
from cs231n_core.segmentation import (UPSAMPLING_MODES, PatchClassifier, SegmentationFCN, SkipFCN, mean_iou,
                                      predict_masks, sliding_window_segment, train_patch_classifier,
                                      train_segmentation)
from timing import best_of_each


def cost(images, repeat):
    """Seconds per image of each way to segment `images`, and the ratios."""
    torch.manual_seed(0)
    models = {"sliding window (25x25 patches)": PatchClassifier(),
              "SegmentationFCN (transposed)": SegmentationFCN(),
              "SkipFCN (transposed)": SkipFCN()}
    slider = models["sliding window (25x25 patches)"]
    runs = {name: (lambda m=model: (sliding_window_segment(m, images) if m is slider else m(images)))
            for name, model in models.items()}
    with torch.no_grad():
        shapes = {name: tuple(run().shape) for name, run in runs.items()}
        assert len(set(shapes.values())) == 1, shapes
        times = best_of_each(runs, repeat)
    base = times["SegmentationFCN (transposed)"]
    print("cost per %dx%d image (%d images, %d thread(s)); scores of the same shape %s"
          % (images.shape[-2], images.shape[-1], images.shape[0], torch.get_num_threads(),
             shapes[next(iter(shapes))][1:]))
    for name, seconds in times.items():
        print("  %-32s %10.2f ms   %8.1fx SegmentationFCN's time" % (name, 1e3 * seconds / images.shape[0],
                                                                   seconds / base))


def quality(train, test, epochs, modes, slide_test):
    rows = []
    for mode in modes:
        for model_class in (SegmentationFCN, SkipFCN):
            torch.manual_seed(0)
            model = model_class(num_classes=11, width=16, upsampling=mode)
            start = time.process_time()
            train_segmentation(model, train, epochs=epochs, learning_rate=2e-3, progress=False)
            seconds = time.process_time() - start
            miou, iou = mean_iou(predict_masks(model, test["images"]), test["masks"], 11)
            rows.append(("%s (%s)" % (model_class.__name__, mode), miou, iou, seconds, len(test["masks"])))
    if slide_test > 0:
        torch.manual_seed(0)
        slider = PatchClassifier()
        start = time.process_time()
        train_patch_classifier(slider, train, epochs=epochs, progress=False)
        seconds = time.process_time() - start
        images = torch.as_tensor(test["images"][:slide_test])
        predicted = sliding_window_segment(slider, images).argmax(dim=1)
        miou, iou = mean_iou(predicted, test["masks"][:slide_test], 11)
        rows.append(("sliding window (25x25)", miou, iou, seconds, slide_test))

    print("mean IoU over the 11 classes on held-out scenes, %d epochs, %d training scenes"
          % (epochs, len(train["masks"])))
    print("  %-30s %8s %10s %7s   IoU per class (%s)" % ("model", "mIoU", "train CPU s", "scenes",
                                                        " ".join(SEGMENTATION_CLASSES)))
    for name, miou, iou, seconds, scenes in rows:
        print("  %-30s %8.3f %10.0f %7d   %s" % (name, miou, seconds, scenes, " ".join("%.2f" % v for v in iou)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cost-only", action="store_true")
    parser.add_argument("--modes", default=",".join(UPSAMPLING_MODES))
    for option, default in (("train", 2000), ("test", 500), ("slide-test", 100), ("epochs", 12), ("threads", 1),
                            ("repeat", 3)):
        parser.add_argument("--" + option, type=int, default=default)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    test = make_digit_scenes(args.test, "test", seed=0)
    cost(torch.as_tensor(test["images"][:8]), args.repeat)
    if not args.cost_only:
        train = make_digit_scenes(args.train, "train", seed=0)
        quality(train, test, args.epochs, args.modes.split(","), args.slide_test)


if __name__ == "__main__":
    main()
