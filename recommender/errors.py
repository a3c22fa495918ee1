"""Input errors that name where the problem is (line, column or field) and why."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One problem in the input: where it is and what is wrong."""

    reason: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"field '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.reason}" if prefix else self.reason


class InputError(ValueError):
    """Bad input; carries every issue found, not just the first."""

    def __init__(self, issues: list[Issue] | Issue, source: str | None = None):
        self.issues = [issues] if isinstance(issues, Issue) else list(issues)
        self.source = source
        super().__init__(self.render())

    def render(self, limit: int = 50) -> str:
        head = f"{self.source}: " if self.source else ""
        lines = [str(i) for i in self.issues[:limit]]
        more = len(self.issues) - limit
        if more > 0:
            lines.append(f"... and {more} more")
        if len(lines) == 1:
            return head + lines[0]
        return head + f"{len(self.issues)} problems\n  " + "\n  ".join(lines)
