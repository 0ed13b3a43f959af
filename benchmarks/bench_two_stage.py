"""Two stages against one: Mask R-CNN (cs231n_core.two_stage) and the single-stage
DigitDetector (cs231n_core.detection), trained on the same digit scenes and measured on
the same held-out scenes: box mAP@0.5, mask AP@0.5, training time and prediction time.

    python benchmarks/bench_two_stage.py [--train 2000 --test 500 --epochs 10 --two-stage-epochs 4]

Both train with Adam at the notebook's learning rate on the CPU with the same number of
threads; the single-stage detector with the notebook's settings (batch 32, 10 epochs),
Mask R-CNN with batches of 16. The times are measured in the same run.
"""
import argparse
import time

import numpy as np
import torch

from cs231n_core.detection import DigitDetector, mean_average_precision, predict_scenes, train_detector
from cs231n_core.detection_data import make_digit_scenes
from cs231n_core.two_stage import (MaskRCNN, mask_average_precision, predict_instances, scene_instance_masks,
                                   train_two_stage)


def timed(func):
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for option, default in (("train", 2000), ("test", 500), ("epochs", 10), ("two-stage-epochs", 4), ("threads", 1)):
        parser.add_argument("--" + option, type=int, default=default)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    train = make_digit_scenes(args.train, "train", seed=0)
    test = make_digit_scenes(args.test, "test", seed=0)
    rows = []

    torch.manual_seed(0)
    single = DigitDetector(num_classes=10, width=16)
    _, train_seconds = timed(lambda: train_detector(single, train, epochs=args.epochs, batch_size=32,
                                                    learning_rate=2e-3, seed=0, progress=False))
    found, predict_seconds = timed(lambda: predict_scenes(single, test["images"]))
    box_map, _ = mean_average_precision(found["boxes"], found["scores"], found["labels"], test["boxes"],
                                        test["labels"], 10)
    rows.append(("DigitDetector (one stage)", args.epochs, box_map, float("nan"), train_seconds, predict_seconds))

    torch.manual_seed(0)
    two = MaskRCNN(num_classes=10, width=16)
    _, train_seconds = timed(lambda: train_two_stage(two, train, epochs=args.two_stage_epochs, batch_size=16,
                                                     learning_rate=2e-3, seed=0, progress=False))
    found = predict_instances(two, test["images"])
    box_map, box_ap = mean_average_precision(found["boxes"], found["scores"], found["labels"], test["boxes"],
                                             test["labels"], 10)
    mask_map, mask_ap = mask_average_precision(found["masks"], found["scores"], found["labels"],
                                               scene_instance_masks(test), test["labels"], 10)
    rows.append(("MaskRCNN (two stages)", args.two_stage_epochs, box_map, mask_map, train_seconds,
                 found["seconds"]))

    print("digit scenes: %d training, %d held-out; %d thread(s)" % (args.train, args.test, args.threads))
    print("  %-26s %6s %9s %9s %10s %14s" % ("model", "epochs", "box mAP", "mask AP", "train s",
                                            "predict ms/img"))
    for name, epochs, boxes, masks, train_s, predict_s in rows:
        print("  %-26s %6d %9.3f %9.3f %10.1f %14.2f" % (name, epochs, boxes, masks, train_s,
                                                      1e3 * predict_s / args.test))
    print("  MaskRCNN per digit: box AP %s" % np.round(box_ap, 3))
    print("                      mask AP %s" % np.round(mask_ap, 3))


if __name__ == "__main__":
    main()
