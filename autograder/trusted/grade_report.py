"""What one grading run found: a GradeReport holds each check's record (plugin.py) and
lists them in the order the assignment teaches its targets, which report.py follows
for results.json, the score table and feedback HTML."""
from dataclasses import dataclass, field

from cs231n_core.targets import notebooks, teaching_order


@dataclass
class GradeReport:
    assignment: str
    submission: str
    seed: int
    isolation: str
    records: list = field(default_factory=list)  # one dict per test, see plugin.py
    execution_time: float = 0.0

    @property
    def score(self):
        return round(sum(r["score"] for r in self.records), 4)

    @property
    def grader_errors(self):
        """The records of checks that failed for a reason of the grader or the host
        (after one more try), not of the submission: their 0 is no verdict."""
        return [r for r in self.records if r.get("grader_error")]

    @property
    def max_score(self):
        return round(sum(r["max_score"] for r in self.records), 4)

    def by_target(self):
        """{target: (score, max_score)} in the graders' order."""
        table = {}
        for record in self.records:
            score, maximum = table.get(record["target"], (0.0, 0.0))
            table[record["target"]] = (score + record["score"], maximum + record["max_score"])
        return table

    def _position(self, target):
        """Where the assignment teaches `target`: (notebook or None, sort key). A target
        of no notebook (none, in a consistent course) sorts after every notebook."""
        return teaching_order(self.assignment).get(target, (None, (len(notebooks(self.assignment)), 0)))

    def by_notebook(self):
        """[(notebook, {target: (score, max_score)})] in the order the assignment teaches
        them: its notebooks in order (cs231n_core.targets.NOTEBOOK_TARGETS), each with its
        targets in the order of its autograded cells. A notebook with no autograded cell
        comes with {}; targets of no notebook come last, under None."""
        table = self.by_target()
        groups = {notebook: {} for notebook in notebooks(self.assignment)}
        for target in sorted(table, key=lambda t: self._position(t)[1]):
            groups.setdefault(self._position(target)[0], {})[target] = table[target]
        return list(groups.items())

    def notebook_of(self, target):
        """The notebook whose autograded cell grades `target`, or None."""
        return self._position(target)[0]

    def ordered_records(self):
        """The records in the order of by_notebook; one target's checks stay in the
        graders' order (sorted() is stable)."""
        return sorted(self.records, key=lambda r: self._position(r["target"])[1])
