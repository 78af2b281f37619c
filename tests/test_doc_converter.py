"""`.doc` files are converted by one LibreOffice kept running for the process (parsers/sources/doc.py): a batch
starts it once, a LibreOffice that died is replaced, a document that takes too long is cut off (LibreOffice
killed, the next document gets a fresh one), and it dies with the process that uses it."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from parsers import Unreadable, parse_bytes
from parsers.sources import doc
from tests.conftest import ROOT, diff, need
from tests.web import render as R


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"  # a zombie nobody reaped is dead too


def _gone(pid: int, within: float = 10) -> bool:
    deadline = time.monotonic() + within
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, dict]]:
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) to read .doc files")
    need(doc.uno_python() is not None, "a Python with LibreOffice's uno module (Debian's python3-uno)")
    out = tmp_path_factory.mktemp("doc")
    paths, wants = [], []
    for i in range(3):
        report = R.random_report(random.Random(f"doc-{i}"), ["2021", "2019"][i % 2])
        paths.append(out / f"r{i}.docx")
        paths[-1].write_bytes(R.to_docx(report))
        wants.append(R.expected(report, frozenset()))
    return list(zip(sorted(R.convert_cached(paths, "doc", out / "doc")), wants, strict=True))


def _parses(path: Path, want: dict) -> None:
    got = parse_bytes(path.read_bytes(), path.name)
    assert diff(got, want) == []


def test_a_batch_of_docs_starts_libreoffice_once(docs) -> None:
    running = doc.converter()
    assert running is not None
    running.close()
    before = running.starts
    for path, want in docs:
        _parses(path, want)
    assert running.starts == before + 1


def test_a_libreoffice_that_died_is_replaced(docs) -> None:
    running = doc.converter()
    _parses(*docs[0])
    office = running.office
    assert office and _alive(office)
    os.killpg(office, signal.SIGKILL)  # as the OOM killer would
    assert _gone(office)
    before = running.starts
    _parses(*docs[1])
    assert running.starts == before + 1 and running.office != office


def test_a_document_that_takes_too_long_is_cut_off(docs, monkeypatch: pytest.MonkeyPatch) -> None:
    running = doc.converter()
    _parses(*docs[0])
    office = running.office
    assert office
    # a hostile RTF: a table of thousands of rows keeps LibreOffice busy for tens of seconds
    rtf = "{\\rtf1\\ansi " + "".join(f"\\trowd\\cellx2000\\cellx4000 \\intbl a{i}\\cell b\\cell\\row " for i in range(4000))
    monkeypatch.setenv("NIANBAO_MAX_SECONDS", "2")
    started = time.monotonic()
    with pytest.raises(Unreadable, match="too large"):
        parse_bytes((rtf + "}").encode(), "table.rtf")
    assert time.monotonic() - started < 10
    assert _gone(office)  # the LibreOffice busy with it was killed, not left running
    monkeypatch.delenv("NIANBAO_MAX_SECONDS")
    _parses(*docs[2])  # and the next document gets a fresh one
    assert running.office != office


CHILD = """
import os, signal, sys
from pathlib import Path
from parsers import parse_bytes
from parsers.sources import doc
path = Path(sys.argv[1])
parse_bytes(path.read_bytes(), path.name)
running = doc.converter()
print(running.office, running.proc.pid, running.profile, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_libreoffice_dies_with_the_process_that_uses_it(docs) -> None:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(docs[0][0])], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    office, bridge, profile = proc.stdout.split()
    assert _gone(int(bridge)) and _gone(int(office))
    assert not Path(profile).exists()


def test_a_libreoffice_that_cannot_start_makes_the_doc_unreadable_not_a_hang(docs, monkeypatch) -> None:
    monkeypatch.setattr(doc, "_CONVERTER", None)  # this process's converter, made afresh with the broken one
    monkeypatch.setenv("NIANBAO_SOFFICE", "/bin/false")
    started = time.monotonic()
    with pytest.raises(Unreadable, match="LibreOffice could not read"):
        parse_bytes(docs[0][0].read_bytes(), docs[0][0].name)
    assert time.monotonic() - started < 15
    assert doc.converter() is None  # one document per LibreOffice from now on, in this process
