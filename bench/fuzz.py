"""Fuzz the parser for longer than the test suite does (tests/test_fuzz.py): mutants of every form.

    python bench/fuzz.py [--seconds 300] [--seed N]

Prints the seed, the mutants per form and outcome, the slowest parse and every failure (an exception other
than Unreadable/NotAReport, or a parse over the per-document time). Exit 1 when anything failed.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import hostile  # noqa: E402
from tests.conftest import SHARED  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--max-doc-seconds", type=float, default=10.0)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    print(f"seed {seed}")
    result = hostile.fuzz(seed, args.seconds, hostile.corpus(SHARED), args.max_doc_seconds)
    forms = sorted({f for f, _ in result.counts})
    outcomes = sorted({o for _, o in result.counts})
    print(f"{'form':<24}" + "".join(f"{o:>14}" for o in outcomes))
    for form in forms:
        print(f"{form:<24}" + "".join(f"{result.counts[(form, o)]:>14}" for o in outcomes))
    print(f"{result.total} mutants in {args.seconds:g} s, slowest parse {result.slowest:.2f} s, "
          f"{len(result.failures)} failures")
    for failure in result.failures:
        print("FAIL", failure)
    return 1 if result.failures else 0


if __name__ == "__main__":
    sys.exit(main())
