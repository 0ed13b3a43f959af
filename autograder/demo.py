"""`cs231n demo`: the whole life of assignment 1 on embedded real data, in one folder.

1. the instructor's edition (this project) releases assignment 1 to students;
2. the release is checked: no reference body, no hidden test in it;
3. three students hand in: the model solution, the untouched release, and one with
   planted mistakes from the mistake bank;
4. `grade-course` grades them with the hidden graders, each submission in a sandbox,
   fills nbgrader's gradebook and writes feedback HTML;
5. a score table per student and per target, and where everything is.
"""
import os
import shutil
import time

from . import course, mistakes, release

ASSIGNMENT = "assignment1"
MARKER = ".cs231n-demo"
PLANTED = ["no_loops_sign", "predict_counter_most_common"]  # from the mistake bank


def _fresh_folder(out):
    """Create `out`, replacing an earlier demo's folder but never anything else."""
    if os.path.exists(out):
        if not os.path.exists(os.path.join(out, MARKER)):
            raise SystemExit("cs231n demo: %s exists and was not made by the demo; "
                             "choose another --out" % out)
        shutil.rmtree(out)
    os.makedirs(out)
    open(os.path.join(out, MARKER), "w").close()


def _say(step, text):
    print("\n[%s] %s" % (step, text), flush=True)


def main(out="demo_output"):
    started = time.monotonic()
    out = os.path.abspath(out)
    _fresh_folder(out)
    course_dir = os.path.join(out, "course")
    submitted = os.path.join(course_dir, "submitted")

    _say(1, "Instructor's edition: %s (reference bodies between solution markers, "
            "hidden graders in autograder/graders/)" % release.PROJECT_ROOT)
    student_release = os.path.join(out, "release", ASSIGNMENT)
    stripped = release.release(ASSIGNMENT, student_release)
    print("    students' release written to %s" % student_release)
    print("    %d targets stripped to `raise NotImplementedError`: %s"
          % (len(stripped), ", ".join(q.split(".")[-1] for _, q in stripped)))

    _say(2, "Leak check passed: no reference body, no solution marker and no hidden test "
            "anywhere in the release (notebooks, .py files)")

    _say(3, "Three students hand in %s" % ASSIGNMENT)
    model = os.path.join(submitted, "ada_model", ASSIGNMENT)
    release.release(ASSIGNMENT, model, solutions=True)
    print("    ada_model:     the model solution (cs231n release --solutions)")
    shutil.copytree(student_release, os.path.join(submitted, "ben_untouched", ASSIGNMENT))
    print("    ben_untouched: the release as it was handed out")
    buggy = os.path.join(submitted, "cho_mistakes", ASSIGNMENT)
    shutil.copytree(model, buggy)
    bank = {m["id"]: m for m in mistakes.load_bank(ASSIGNMENT)}
    for mistake_id in PLANTED:
        mistakes.apply_mistake(buggy, bank[mistake_id])
        print("    cho_mistakes:  planted %s in %s (%s)"
              % (mistake_id, bank[mistake_id]["target"], bank[mistake_id]["why"]))

    _say(4, "Grading the course folder with the hidden graders (2 at a time, each in a sandbox)")
    reports = course.grade_course(course_dir, ASSIGNMENT, workers=2, progress=True)
    any_report = next(iter(reports.values()))
    print("    isolation: %s" % any_report.isolation)

    _say(5, "Scores per target")
    targets = list(any_report.by_target())
    width = max(len(t) for t in targets + ["total"])
    students = list(reports)
    print("    %-*s  %s" % (width, "target", "  ".join("%13s" % s for s in students)))
    for target in targets:
        cells = ["%6.2f/%6.2f" % reports[s].by_target()[target] for s in students]
        print("    %-*s  %s" % (width, target, "  ".join("%13s" % c for c in cells)))
    print("    %-*s  %s" % (width, "total", "  ".join("%13.2f" % reports[s].score for s in students)))

    gradebook = course.gradebook_scores(course_dir, ASSIGNMENT)
    print("\n    nbgrader gradebook (%s):" % os.path.join(course_dir, "gradebook.db"))
    for student in students:
        print("      %-14s %6.2f" % (student, gradebook.get(student, float("nan"))))

    _say(6, "Where everything is")
    print("    students' release:  %s" % student_release)
    print("    course folder:      %s" % course_dir)
    print("    gradebook:          %s (formgrader: cd %s && jupyter lab, then Nbgrader > Formgrader)"
          % (os.path.join(course_dir, "gradebook.db"), course_dir))
    print("    results.json:       %s" % os.path.join(course_dir, course.RESULTS, ASSIGNMENT, "<student>.json"))
    for student in students:
        print("    feedback of %-15s %s" % (student + ":", course.feedback_path(course_dir, ASSIGNMENT, student)))
    print("\nDemo finished in %.0f s." % (time.monotonic() - started))
    expected = {"ada_model": 100.0, "ben_untouched": 0.0}
    wrong = {s: reports[s].score for s, v in expected.items() if abs(reports[s].score - v) > 1e-6}
    if wrong or not 0 < reports["cho_mistakes"].score < 100:
        print("UNEXPECTED SCORES: %s" % {s: r.score for s, r in reports.items()})
        return 1
    return 0
