"""Crawl an imitation web with `nianbao crawl` as a user would, and score what was stored against the web's
truth: recall and precision per CMS family, pages fetched per report found, browser renders per site, and each
site's status. Shared by tests/test_discovery.py and bench/discovery.py."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass
class FamilyScore:
    found: int = 0
    total: int = 0
    sites: int = 0

    @property
    def recall(self) -> float:
        return self.found / self.total if self.total else 1.0


@dataclass
class Score:
    families: dict[str, FamilyScore] = field(default_factory=lambda: defaultdict(FamilyScore))
    stored: int = 0
    wrong: list[str] = field(default_factory=list)  # stored documents that are not reports of the truth
    missed: dict[str, list[str]] = field(default_factory=dict)  # site name → document URLs not stored
    lines: dict[str, str] = field(default_factory=dict)  # site netloc → its line of the crawl's result table
    pages: int = 0
    renders: int = 0
    seconds: float = 0.0
    returncode: int = 0
    stderr: str = ""

    @property
    def found(self) -> int:
        return sum(f.found for f in self.families.values())

    @property
    def total(self) -> int:
        return sum(f.total for f in self.families.values())

    @property
    def recall(self) -> float:
        return self.found / self.total if self.total else 1.0

    @property
    def precision(self) -> float:
        return (self.stored - len(self.wrong)) / self.stored if self.stored else 1.0

    def table(self) -> str:
        rows = [f"{'family':<10} {'sites':>5} {'found':>6} {'total':>6} {'recall':>7}"]
        for name, f in sorted(self.families.items()):
            rows.append(f"{name:<10} {f.sites:>5} {f.found:>6} {f.total:>6} {100 * f.recall:>6.1f}%")
        rows.append(f"{'all':<10} {sum(f.sites for f in self.families.values()):>5} {self.found:>6} {self.total:>6} "
                    f"{100 * self.recall:>6.1f}%   precision {100 * self.precision:.1f}% ({len(self.wrong)} wrong); "
                    f"{self.pages / max(self.found, 1):.2f} pages per report found, "
                    f"{self.renders / max(len(self.lines), 1):.2f} renders per site; {self.seconds:.0f} s")
        return "\n".join(rows)


def crawl(web: Any, db: Path, *extra: str, timeout: float = 1800) -> Score:
    """`nianbao crawl` of every site of `web` into `db`, then `nianbao export`, scored against the truth."""
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db), "--allow-private", "--delay", "0.01",
         "--no-progress", *extra, "--start-url", *[s.start_url for s in web.sites]],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    score = Score(seconds=time.monotonic() - t0, returncode=proc.returncode, stderr=proc.stderr[-3000:])
    out = db.with_suffix(".jsonl")
    subprocess.run([sys.executable, "-m", "crawler.cli", "export", "--db", str(db), "--format", "jsonl", "--out",
                    str(out)], capture_output=True, text=True, timeout=300, cwd=ROOT, check=True)
    stored = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    documents = {r["provenance"]["document_url"] for r in stored}
    truth = {r.document_url for s in web.sites for r in s.reports}
    score.stored = len(stored)
    score.wrong = sorted(documents - truth)
    for line in proc.stdout.splitlines():
        if line.startswith("127."):
            score.lines[line.split()[0]] = line
            score.pages += int(line.split()[1])
            m = re.search(r"(\d+) rendered", line)
            score.renders += int(m.group(1)) if m else 0
    for site in web.sites:
        fam = score.families[site.family]
        fam.sites += 1
        fam.total += len(site.reports)
        missed = [r.document_url for r in site.reports if r.document_url not in documents]
        fam.found += len(site.reports) - len(missed)
        if missed:
            score.missed[site.name] = missed
    return score


def explain(web: Any, score: Score, limit: int = 12) -> str:
    """The sites that lost reports: their line of the result table, their drawn variant, a missed URL."""
    out = []
    for site in web.sites:
        if site.name in score.missed and len(out) < limit:
            netloc = site.start_url.split("/")[2]
            out.append(f"{site.family} {site.name} (index {getattr(site, 'variant', {}).get('index')}): "
                       f"missed {len(score.missed[site.name])}/{len(site.reports)}, e.g. {score.missed[site.name][0]}\n"
                       f"    {score.lines.get(netloc, '(no result line)')}\n    variant {getattr(site, 'variant', None)}")
    return "\n".join(out)
