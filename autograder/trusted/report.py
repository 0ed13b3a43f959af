"""What a grading run produces: Gradescope's results.json, a score table, feedback HTML.

All three list grades as the assignment teaches them: each notebook in order with its
points, then its targets in the order of its autograded cells (GradeReport.by_notebook).
Only the graders' student-facing messages appear here; instructor-only details (the
seed, internal grader tracebacks) go under "extra_data", which Gradescope stores but
does not show.
"""
import html
import json
import os
import tempfile


def results_json(report):
    """The contract's Gradescope results.json as a dict: one test per check, in the
    notebooks' order, tagged with its target and then its notebook."""
    tests = []
    for record in report.ordered_records():
        notebook = report.notebook_of(record["target"])
        tests.append({
            "name": "%s: %s" % (record["target"], record["description"]),
            "score": round(record["score"], 4),
            "max_score": round(record["max_score"], 4),
            "status": "passed" if record["passed"] else "failed",
            "output": record["message"],
            "tags": [record["target"]] + ([notebook] if notebook else []),
            "visibility": "visible",
        })
    internal = [{"name": r["target"], "detail": r["detail"]} for r in report.records
                if r.get("grader_error")]
    return {
        "score": report.score,
        "execution_time": report.execution_time,
        "output": "%s: %.2f / %.2f points. Isolation: %s.%s\n\n%s"
                  % (report.assignment, report.score, report.max_score, report.isolation,
                     grader_error_note(report), notebook_summary(report)),
        "tests": tests,
        "extra_data": {"seed": report.seed, "assignment": report.assignment,
                       "internal_errors": internal},
    }


NO_CELL = "no autograded cell"


def notebook_rows(report):
    """[(notebook label, score, max_score or None, [(target, score, max_score)])] in the
    assignment's order; max_score is None for a notebook with no autograded cell."""
    rows = []
    for notebook, targets in report.by_notebook():
        score = sum(s for s, _ in targets.values())
        maximum = sum(m for _, m in targets.values()) if targets else None
        rows.append((notebook or "other", score, maximum,
                     [(target, s, m) for target, (s, m) in targets.items()]))
    return rows


def notebook_summary(report):
    """Lines of points per notebook, in the assignment's order."""
    rows = notebook_rows(report)
    width = max(len(row[0]) for row in rows) if rows else 0
    lines = ["Points per notebook:"]
    for notebook, score, maximum, _ in rows:
        points = NO_CELL if maximum is None else "%.2f / %.2f" % (score, maximum)
        lines.append("  %-*s  %s" % (width, notebook, points))
    return "\n".join(lines)


def grader_error_note(report):
    """A sentence on the checks that failed for a reason of the grader, or ""."""
    errors = report.grader_errors
    if not errors:
        return ""
    return (" %d check(s) could not be graded because of a fault of the grader, not of the "
            "submission (%s); their points are not a verdict: the instructor must grade again."
            % (len(errors), ", ".join(sorted({r["target"] for r in errors}))))


def write_atomic(path, text):
    """Write text to path so that readers see the old file or the new one, never half."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def write_results_json(report, path):
    write_atomic(path, json.dumps(results_json(report), indent=2) + "\n")


def score_table(report):
    """A plain-text table of points per notebook and, under each, per target (in the
    assignment's order), then the failed tests' messages."""
    rows = notebook_rows(report)
    labels = [row[0] for row in rows] + ["  " + t[0] for row in rows for t in row[3]]
    width = max(len(label) for label in labels + ["notebook / target", "total"])
    lines = ["%s  %s" % (report.assignment, report.submission),
             "%-*s  %7s  %7s" % (width, "notebook / target", "score", "max"),
             "-" * (width + 18)]
    for notebook, score, maximum, targets in rows:
        if maximum is None:
            lines.append("%-*s  %s" % (width, notebook, NO_CELL))
            continue
        lines.append("%-*s  %7.2f  %7.2f" % (width, notebook, score, maximum))
        for target, target_score, target_max in targets:
            lines.append("%-*s  %7.2f  %7.2f" % (width, "  " + target, target_score, target_max))
    lines.append("-" * (width + 18))
    lines.append("%-*s  %7.2f  %7.2f" % (width, "total", report.score, report.max_score))
    failures = [r for r in report.ordered_records() if not r["passed"]]
    if failures:
        lines.append("")
        lines.append("Failed checks:")
        for record in failures:
            first = record["message"].strip().splitlines()[0] if record["message"].strip() else ""
            lines.append("  %s: %s\n      %s" % (record["target"], record["description"], first))
    note = grader_error_note(report)
    if note:
        lines += ["", "GRADER ERROR:" + note]
    return "\n".join(lines)


FEEDBACK_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; }
table { border-collapse: collapse; width: 100%; }
td, th { border-bottom: 1px solid #ddd; padding: .35rem .5rem; text-align: left; }
.passed { color: #176317; } .failed { color: #a11; }
pre { background: #f6f6f6; padding: .5rem; white-space: pre-wrap; }
tr.notebook th { background: #eef2f7; } td.target { padding-left: 1.5rem; }
"""


def feedback_html(report, student=""):
    """Per-student feedback: the score per notebook and per target, in the assignment's
    order, then each check's result and message under its notebook."""
    title = "Feedback: %s%s" % (report.assignment, (" for " + student) if student else "")
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>%s</title><style>%s</style>"
           "</head><body>" % (html.escape(title), FEEDBACK_STYLE),
           "<h1>%s</h1>" % html.escape(title),
           "<p>Score: <b>%.2f / %.2f</b></p>" % (report.score, report.max_score),
           "<table><tr><th>notebook / target</th><th>score</th><th>max</th></tr>"]
    for notebook, score, maximum, targets in notebook_rows(report):
        if maximum is None:
            out.append("<tr class='notebook'><th>%s</th><td colspan='2'>%s</td></tr>"
                       % (html.escape(notebook), NO_CELL))
            continue
        out.append("<tr class='notebook'><th>%s</th><th>%.2f</th><th>%.2f</th></tr>"
                   % (html.escape(notebook), score, maximum))
        for target, target_score, target_max in targets:
            out.append("<tr><td class='target'>%s</td><td>%.2f</td><td>%.2f</td></tr>"
                       % (html.escape(target), target_score, target_max))
    out.append("</table><h2>Checks</h2><table><tr><th>check</th><th>points</th><th>result</th></tr>")
    notebook = object()  # no check's notebook: the first check opens a section
    for record in report.ordered_records():
        if report.notebook_of(record["target"]) != notebook:
            notebook = report.notebook_of(record["target"])
            out.append("<tr class='notebook'><th colspan='3'>%s</th></tr>" % html.escape(notebook or "other"))
        status = "passed" if record["passed"] else "failed"
        message = ("<pre>%s</pre>" % html.escape(record["message"])) if record["message"] else ""
        out.append("<tr><td>%s: %s%s</td><td>%.2f / %.2f</td><td class='%s'>%s</td></tr>" % (
            html.escape(record["target"]), html.escape(record["description"]), message,
            record["score"], record["max_score"], status, status))
    out.append("</table></body></html>")
    return "\n".join(out)
