"""Damaged documents of every form (seeded mutator, ~20 s): the parser answers with a report, Unreadable or
NotAReport, never another exception, and never takes long. NIANBAO_FUZZ_SEED=N replays a run;
`python bench/fuzz.py` runs longer."""

from __future__ import annotations

import os
import random

from tests import hostile
from tests.conftest import SHARED

SECONDS = float(os.environ.get("NIANBAO_FUZZ_SECONDS", "20"))
MAX_DOC_SECONDS = 10.0


def test_fuzzed_documents_never_crash_or_hang() -> None:
    seed = int(os.environ.get("NIANBAO_FUZZ_SEED") or random.SystemRandom().randrange(1 << 32))
    print(f"fuzz seed {seed} (replay: NIANBAO_FUZZ_SEED={seed})")
    docs = hostile.corpus(SHARED)
    assert {form.split("-")[0] for form, _ in docs} >= {"text", "html", "docx", "pdf"}
    result = hostile.fuzz(seed, SECONDS, docs, MAX_DOC_SECONDS)
    print(f"{result.total} mutants, slowest {result.slowest:.2f} s: {dict(result.counts)}")
    assert result.total >= len(docs), "every form was fuzzed"
    assert result.failures == [], f"seed {seed}: " + "; ".join(result.failures[:5])
