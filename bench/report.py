"""What a bench section hands back, and the one table `make bench` prints.

Every section runs in its own process (each pins CPUs or sets up Django its own
way) and writes its `Section` as JSON; bench/run.py gathers them into one table.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Row:
    measure: str
    value: float
    unit: str
    ratio: float | None = None  # value / the baseline measured in the same rounds
    against: str = ""  # what the ratio is taken against
    note: str = ""  # a target, a query count, a caveat


@dataclass
class Section:
    number: int
    title: str
    method: list[str]
    rows: list[Row] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)  # where we are behind, and why

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: str | Path) -> Section:
        data = json.loads(Path(path).read_text())
        data["rows"] = [Row(**row) for row in data["rows"]]
        return cls(**data)


def median_ratio(values: Sequence[float], baselines: Sequence[float]) -> float:
    """Median of the per-round ratios: a round slowed by a neighbour slows both sides."""
    return statistics.median(v / b for v, b in zip(values, baselines))


def _figure(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def table(sections: Sequence[Section]) -> str:
    lines = [
        "| § | measure | value | unit | ratio | against | note |",
        "|---|---|---:|---|---:|---|---|",
    ]
    for section in sections:
        for row in section.rows:
            ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
            lines.append(
                f"| {section.number} | {row.measure} | {_figure(row.value)} | {row.unit} "
                f"| {ratio} | {row.against} | {row.note} |"
            )
    return "\n".join(lines)


def methods(sections: Sequence[Section]) -> str:
    parts = []
    for section in sections:
        parts.append(f"**{section.number}. {section.title}**\n")
        parts.extend(f"- {line}" for line in section.method)
        parts.append("")
    return "\n".join(parts)


def findings(sections: Sequence[Section]) -> str:
    lines = [f"- §{s.number}: {finding}" for s in sections for finding in s.findings]
    return "\n".join(lines) if lines else "- Nowhere behind a peer in this run."


def print_section(section: Section) -> None:
    """A section on its own, for running one bench script by hand."""
    print(f"\n## {section.number}. {section.title}\n")
    print(table([section]))
    print()
    print(methods([section]))
    print(findings([section]))


def emit(section: Section, json_path: str | None) -> None:
    """Hand the section to bench/run.py (`--json PATH`), or print it when run by hand."""
    if json_path:
        section.save(json_path)
    else:
        print_section(section)
