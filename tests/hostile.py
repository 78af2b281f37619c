"""Hostile and damaged documents built in a test's tmp_path (shared by the hardening tests and bench/fuzz.py)."""

from __future__ import annotations

import random
import time
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


def pdf(pages: int = 1, content: bytes = b"BT /F1 12 Tf 72 720 Td (hello) Tj ET", flate: bool = True) -> bytes:
    """A valid PDF of `pages` pages sharing one content stream (Flate-compressed when `flate`)."""
    body = zlib.compress(content, 9) if flate else content
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count %d /Kids [%s] >>" % (pages, b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d%s >>\nstream\n" % (len(body), b" /Filter /FlateDecode" if flate else b"") + body + b"\nendstream",
    ]
    objects += [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    ] * pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def zip_bomb_docx(path: Path, docx: bytes, inflated_mb: int) -> Path:
    """A real DOCX with one more part that inflates to `inflated_mb` MB of zeros (a few hundred KB on disk)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        with zipfile.ZipFile(__import__("io").BytesIO(docx)) as src:
            for info in src.infolist():
                out.writestr(info.filename, src.read(info.filename))
        with out.open("word/media/image1.png", "w") as part:
            chunk = bytes(1 << 20)
            for _ in range(inflated_mb):
                part.write(chunk)
    return path


def nested_tables(depth: int, copies: int = 1) -> bytes:
    unit = "<table><tr><td>行政许可 1" * depth + "</td></tr></table>" * depth
    return ("<html><body>" + unit * copies + "</body></html>").encode()


# -- fuzzing ---------------------------------------------------------------------------------------------
def corpus(shared: Path | None = None) -> list[tuple[str, bytes]]:
    """One document of every form: generated text (three layouts), HTML (UTF-8, GBK), DOCX, a small PDF, and
    the real PDF and pages of ../shared when present."""
    from tests.web.render import random_report, to_docx, to_html, to_text

    r = random_report(random.Random(11))
    docs = [(f"text-{layout}", to_text(r, layout).encode()) for layout in ("space", "tab", "cell")]
    docs += [("html-utf-8", to_html(r, "utf-8")), ("html-gbk", to_html(r, "gbk")), ("docx", to_docx(r))]
    docs.append(("pdf-small", pdf(2, b"BT /F1 12 Tf 72 720 Td (2023 nian bao 1 2 3) Tj ET")))
    if shared is not None:
        for path in (shared / "real" / "huaian-2024.pdf", shared / "real" / "pingtan" / "pingtan-gov-2024.html"):
            if path.exists():
                docs.append((path.name, path.read_bytes()))
    return docs


def mutate(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    """One random damage: bytes flipped, the end cut off, or random bytes inserted. Returns (what, bytes).

    A zip container (DOCX) is damaged half the time inside its main part, re-zipped, so that the damage
    reaches the XML reader rather than stopping at the zip's CRC check."""
    if data.startswith(b"PK") and rng.random() < 0.5:
        import io

        src = zipfile.ZipFile(io.BytesIO(data))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                part = src.read(info.filename)
                if info.filename == "word/document.xml":
                    op, part = mutate(rng, part)
                dst.writestr(info.filename, part)
        return f"document.xml {op}", out.getvalue()
    b = bytearray(data)
    op = rng.choice(["flip", "truncate", "insert"])
    if op == "flip":
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
    elif op == "truncate":
        del b[rng.randrange(1, len(b)) :]
    else:
        at = rng.randrange(len(b))
        b[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    return op, bytes(b)


@dataclass
class FuzzResult:
    seed: int
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (form, outcome) → mutants
    failures: list[str] = field(default_factory=list)  # uncaught exceptions and slow parses, replayable
    slowest: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def fuzz(seed: int, seconds: float, docs: list[tuple[str, bytes]], max_doc_seconds: float) -> FuzzResult:
    """Mutants of each document in turn until `seconds` are up: parse each with `parsers.parse_bytes`;
    Unreadable and NotAReport are answers, any other exception (or a parse over `max_doc_seconds`) a failure."""
    from parsers import Limits, NotAReport, Unreadable, parse_bytes

    rng = random.Random(seed)
    result = FuzzResult(seed)
    limits = Limits(max_seconds=max_doc_seconds)
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        form, data = docs[n % len(docs)]
        op, mutant = mutate(rng, data)
        n += 1
        start = time.monotonic()
        try:
            parse_bytes(mutant, limits=limits)
            outcome = "parsed"
        except Unreadable as exc:
            outcome = "too large" if str(exc).startswith("too large") else "unreadable"
        except NotAReport:
            outcome = "not a report"
        except Exception as exc:  # noqa: BLE001 - exactly what the fuzzer looks for
            outcome = "EXCEPTION"
            result.failures.append(f"mutant {n} ({form}, {op}): {type(exc).__name__}: {exc}")
        took = time.monotonic() - start
        result.slowest = max(result.slowest, took)
        if took > max_doc_seconds + 2:
            result.failures.append(f"mutant {n} ({form}, {op}): {took:.1f} s")
        result.counts[(form, outcome)] += 1
    return result
