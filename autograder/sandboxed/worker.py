"""The sandboxed worker: runs a submission's code on inputs the grader sends.

Run as ``python worker.py PRISTINE WORKDIR RESULT_FD`` with this folder's ``protocol.py``
beside it. It copies the submission's pristine copy PRISTINE (read-only) to WORKDIR (in
the sandbox's own size-capped /tmp), reads one request from stdin, imports the
submission's ``cs231n_core`` from WORKDIR,
runs the request's steps, and writes one response to file descriptor RESULT_FD. It knows no
reference value and no held-out label; whatever the submission does here can only
spoil its own answers, which the trusted grader checks.

A request header looks like::

    {"steps": [
        {"call": "cs231n_core.classifiers.k_nearest_neighbor:KNearestNeighbor", "save": "knn"},
        {"call": "knn.train", "args": [{"array": "X"}, {"array": "y"}]},
        {"call": "knn.compute_distances_no_loops", "args": [{"array": "Xte"}],
         "save": "dists", "repeat": 3}],
     "returns": ["dists"]}

``call`` names either ``module:qualname`` or ``saved_name.attribute.path``; ``get``
instead of ``call`` reads the attribute without calling it. Arguments are JSON values,
``{"array": key}`` for an array of the request, or ``{"saved": name}``.
"""
import importlib
import os
import shutil
import sys
import time
import traceback

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # -I leaves it out
import protocol  # noqa: E402  (its neighbour in the sandbox's runtime folder)

NUMERIC_KINDS = "biufc"  # bool, int, uint, float, complex


class BadReturn(Exception):
    """The submission returned something that cannot be sent back as plain arrays."""


def resolve(path, saved):
    """Find the object named by `path` ("module:qualname" or "saved.attr.attr")."""
    if ":" in path:
        module_name, qualname = path.split(":", 1)
        obj = importlib.import_module(module_name)
        parts = qualname.split(".")
    else:
        first, *parts = path.split(".")
        if first not in saved:
            raise KeyError("nothing saved under %r" % first)
        obj = saved[first]
    for part in parts:
        obj = getattr(obj, part)
    return obj


def materialize(value, arrays, saved):
    """Turn a JSON argument into the Python value the submission receives."""
    if isinstance(value, dict) and "array" in value:
        return np.array(arrays[value["array"]])  # a private copy per call
    if isinstance(value, dict) and "saved" in value:
        return saved[value["saved"]]
    if isinstance(value, list):
        return [materialize(v, arrays, saved) for v in value]
    if isinstance(value, dict) and "dict" in value:
        return {k: materialize(v, arrays, saved) for k, v in value["dict"].items()}
    return value


def to_plain_array(value, where):
    """Convert a returned value to a plain numeric ndarray, or refuse it."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        value = value.detach().cpu().numpy()
    if isinstance(value, (bool, int, float, complex, np.generic)):
        return np.array(value)
    if type(value) is not np.ndarray:
        kind = type(value).__name__
        raise BadReturn("%s is a %s, expected a numpy array or a number" % (where, kind))
    if value.dtype.kind not in NUMERIC_KINDS:
        raise BadReturn("%s has dtype %s, expected numbers" % (where, value.dtype))
    return np.array(value, copy=True)


def pack(value, where, out_arrays):
    """Describe `value` for the response, storing its arrays in out_arrays."""
    if value is None:
        return {"kind": "none"}
    if isinstance(value, (tuple, list)) and not isinstance(value, np.ndarray):
        items = [pack(v, "%s[%d]" % (where, i), out_arrays) for i, v in enumerate(value)]
        return {"kind": "tuple", "items": items}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise BadReturn("%s is a dict with non-string keys" % where)
        return {"kind": "dict",
                "items": {k: pack(v, "%s[%r]" % (where, k[:40]), out_arrays) for k, v in value.items()}}
    key = "r%d" % len(out_arrays)
    out_arrays[key] = to_plain_array(value, where)
    return {"kind": "array", "key": key}


def submission_traceback(exc, keep=4000):
    """The traceback's frames in the submission's own files, paths made relative."""
    workdir = os.getcwd() + os.sep
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(workdir)]
    text = "".join(traceback.format_list(frames)) + "".join(traceback.format_exception_only(exc))
    return text.replace(workdir, "")[-keep:]


def run_steps(header, arrays):
    saved, times = {}, {}
    for index, step in enumerate(header["steps"]):
        path = step.get("call") or step.get("get")
        try:
            func = resolve(path, saved)
            if "get" in step:
                result = func
            else:
                args = [materialize(a, arrays, saved) for a in step.get("args", [])]
                kwargs = {k: materialize(v, arrays, saved) for k, v in step.get("kwargs", {}).items()}
                best = None
                for _ in range(max(1, int(step.get("repeat", 1)))):
                    start = time.perf_counter()
                    result = func(*args, **kwargs)
                    elapsed = time.perf_counter() - start
                    best = elapsed if best is None else min(best, elapsed)
                times[str(index)] = best
        except BaseException as exc:  # SystemExit and KeyboardInterrupt included
            return {"ok": False, "step": index, "target": path,
                    "error": type(exc).__name__[:200], "message": str(exc)[:2000],
                    "traceback": submission_traceback(exc)}, {}
        if "save" in step:
            saved[step["save"]] = result
    out_arrays = {}
    try:
        returns = {name: pack(saved[name], name, out_arrays) for name in header.get("returns", [])}
    except BadReturn as exc:
        return {"ok": False, "step": None, "target": None, "error": "BadReturn",
                "message": str(exc)[:2000], "traceback": ""}, {}
    return {"ok": True, "returns": returns, "times": times}, out_arrays


def make_workdir(pristine, workdir):
    """The check's own working copy of the submission, made before any of its code runs."""
    shutil.copytree(pristine, workdir, symlinks=True)


def main():
    pristine, workdir, result_fd = sys.argv[1], sys.argv[2], int(sys.argv[3])
    result_file = os.fdopen(result_fd, "wb")  # opened before any submission code runs
    header, arrays = protocol.decode(sys.stdin.buffer.read())
    make_workdir(pristine, workdir)
    os.environ["HOME"] = workdir
    os.chdir(workdir)
    sys.path.insert(0, workdir)
    response, out_arrays = run_steps(header, arrays)
    result_file.write(protocol.encode(response, out_arrays))
    result_file.close()
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown: atexit hooks a submission may have set


if __name__ == "__main__":
    main()
