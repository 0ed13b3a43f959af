"""Which graded targets belong to which assignment (DESIGN.md's table).

Shared by the students' tools (public checks, `cs231n submit`) and the instructor's
(release, graders). It names targets only; it holds no solution.

The release strips the solution bodies of the targets of the released assignment and
of every later one; a solution block outside every listed target is an
error, so no reference body can slip through unnoticed.
"""

ASSIGNMENT_TARGETS = {
    "assignment1": {
        "cs231n_core/classifiers/k_nearest_neighbor.py": [
            "KNearestNeighbor.compute_distances_two_loops",
            "KNearestNeighbor.compute_distances_one_loop",
            "KNearestNeighbor.compute_distances_no_loops",
            "KNearestNeighbor.predict_labels",
        ],
    },
    "assignment2": {},
    "assignment3": {},
}

ASSIGNMENTS = sorted(ASSIGNMENT_TARGETS)


def assignment_of(relative_path, qualname):
    """The assignment whose target is `qualname` (or encloses it) in that file, or None."""
    parts = qualname.split(".")
    for assignment, files in ASSIGNMENT_TARGETS.items():
        names = files.get(relative_path, ())
        for depth in range(len(parts), 0, -1):
            if ".".join(parts[:depth]) in names:
                return assignment
    return None


def target_names(assignment):
    """Short target names of one assignment, e.g. "compute_distances_no_loops"."""
    return [qualname.split(".")[-1] if "." in qualname else qualname
            for names in ASSIGNMENT_TARGETS[assignment].values() for qualname in names]
