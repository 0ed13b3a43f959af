"""What a grading run produces: Gradescope's results.json, a score table, feedback HTML.

Only the graders' student-facing messages appear here; instructor-only details (the
seed, internal grader tracebacks) go under "extra_data", which Gradescope stores but
does not show.
"""
import html
import json
import os
import tempfile


def results_json(report):
    """The contract's Gradescope results.json as a dict."""
    tests = []
    for record in report.records:
        tests.append({
            "name": "%s: %s" % (record["target"], record["description"]),
            "score": round(record["score"], 4),
            "max_score": round(record["max_score"], 4),
            "status": "passed" if record["passed"] else "failed",
            "output": record["message"],
            "tags": [record["target"]],
            "visibility": "visible",
        })
    internal = [{"name": r["target"], "detail": r["detail"]} for r in report.records
                if r.get("grader_error")]
    return {
        "score": report.score,
        "execution_time": report.execution_time,
        "output": "%s: %.2f / %.2f points. Isolation: %s.%s"
                  % (report.assignment, report.score, report.max_score, report.isolation,
                     grader_error_note(report)),
        "tests": tests,
        "extra_data": {"seed": report.seed, "assignment": report.assignment,
                       "internal_errors": internal},
    }


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
    """A plain-text table of points per target, then the failed tests' messages."""
    rows = [(target, score, maximum) for target, (score, maximum) in report.by_target().items()]
    width = max([len(r[0]) for r in rows] + [len("total")])
    lines = ["%s  %s" % (report.assignment, report.submission),
             "%-*s  %7s  %7s" % (width, "target", "score", "max"),
             "-" * (width + 18)]
    for target, score, maximum in rows:
        lines.append("%-*s  %7.2f  %7.2f" % (width, target, score, maximum))
    lines.append("-" * (width + 18))
    lines.append("%-*s  %7.2f  %7.2f" % (width, "total", report.score, report.max_score))
    failures = [r for r in report.records if not r["passed"]]
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
"""


def feedback_html(report, student=""):
    """Per-student feedback: the score per target and each failed check's message."""
    title = "Feedback: %s%s" % (report.assignment, (" for " + student) if student else "")
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>%s</title><style>%s</style>"
           "</head><body>" % (html.escape(title), FEEDBACK_STYLE),
           "<h1>%s</h1>" % html.escape(title),
           "<p>Score: <b>%.2f / %.2f</b></p>" % (report.score, report.max_score),
           "<table><tr><th>target</th><th>score</th><th>max</th></tr>"]
    for target, (score, maximum) in report.by_target().items():
        out.append("<tr><td>%s</td><td>%.2f</td><td>%.2f</td></tr>" % (html.escape(target), score, maximum))
    out.append("</table><h2>Checks</h2><table><tr><th>check</th><th>points</th><th>result</th></tr>")
    for record in report.records:
        status = "passed" if record["passed"] else "failed"
        message = ("<pre>%s</pre>" % html.escape(record["message"])) if record["message"] else ""
        out.append("<tr><td>%s: %s%s</td><td>%.2f / %.2f</td><td class='%s'>%s</td></tr>" % (
            html.escape(record["target"]), html.escape(record["description"]), message,
            record["score"], record["max_score"], status, status))
    out.append("</table></body></html>")
    return "\n".join(out)
