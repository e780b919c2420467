"""What an import found or did: counts of created, updated and skipped records and the problems,
row by row (the first ``writer.MAX_PROBLEMS`` of them).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    row: int  # the spreadsheet row number (the header is row 1 when it is the first row)
    column: str  # the column as named in the file ('' for the whole row)
    message: str


@dataclass
class Totals:
    create: int = 0
    update: int = 0
    skip: int = 0


@dataclass
class ImportReport:
    layout: str  # "template" or "siak"
    rows: int = 0
    residents: Totals = field(default_factory=Totals)
    families: Totals = field(default_factory=Totals)
    problems: list[Problem] = field(default_factory=list)  # the first writer.MAX_PROBLEMS
    problem_count: int = 0  # all of them
    committed: bool = False

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def summary(self) -> str:
        r, f = self.residents, self.families
        return (
            f"{self.rows} rows ({self.layout} layout): residents {r.create} to create, {r.update} to update, "
            f"{r.skip} unchanged; families {f.create} to create, {f.update} to update, {f.skip} unchanged; "
            f"{self.problem_count} problem(s)"
        )
