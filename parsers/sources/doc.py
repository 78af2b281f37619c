"""Legacy DOC (and RTF, WPS): converted to DOCX by LibreOffice headless, then read as DOCX.

Starting LibreOffice costs about a second, far more than a conversion, so a process keeps one running for all
its documents (`nianbao parse` of many files, each crawl parse worker): a `Converter` drives it through
office_bridge.py, run by a Python that has LibreOffice's `uno` (Debian's python3-uno). A conversion that takes
too long (a hostile document) kills that LibreOffice, and the next document starts a fresh one; so does a
LibreOffice that died. The LibreOffice dies with the process that uses it. Without a `uno`-capable Python each
document is converted by a LibreOffice of its own (`soffice --convert-to`), as slow as before but the same.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from functools import lru_cache
from pathlib import Path

from ..limits import TooLarge, current
from ..rows import Extract
from . import Unreadable

log = logging.getLogger(__name__)

CONVERT_TIMEOUT = 120
START_TIMEOUT = 90.0  # LibreOffice's first start on a loaded machine
BRIDGE = Path(__file__).with_name("office_bridge.py")
FILTERS = {"docx": "MS Word 2007 XML", "pdf": "writer_pdf_Export", "doc": "MS Word 97"}


def soffice() -> str | None:
    return os.environ.get("NIANBAO_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")


@lru_cache(maxsize=1)
def uno_python() -> str | None:
    """A Python interpreter that can `import uno`: this one, else the system's (python3-uno is built for it)."""
    for candidate in dict.fromkeys([sys.executable, "/usr/bin/python3", shutil.which("python3") or ""]):
        if not candidate or not os.access(candidate, os.X_OK):
            continue
        try:
            probe = subprocess.run([candidate, "-c", "import uno"], capture_output=True, timeout=20, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return candidate
    return None


class ConverterFailed(Exception):
    """The running LibreOffice (or its bridge) died."""


class StartFailed(ConverterFailed):
    """LibreOffice could not be started for conversions through uno (this process converts one by one)."""


class Converter:
    """One LibreOffice kept running for this process's conversions, one conversion at a time."""

    def __init__(self, exe: str, python: str) -> None:
        self.exe, self.python = exe, python
        self.lock = threading.Lock()
        self.proc: subprocess.Popen[bytes] | None = None
        self.office: int | None = None
        self.profile: str | None = None
        self.buffer = b""
        self.starts = 0  # LibreOffices started (the bench and the tests read it)

    def convert(self, src: Path, dst: Path, fmt: str, timeout: float) -> None:
        """`src` converted to `dst` in `fmt`; TooLarge after `timeout` seconds, Unreadable when LibreOffice
        cannot read it, ConverterFailed when LibreOffice died on it."""
        with self.lock:
            try:
                if self.proc is None or self.proc.poll() is not None:
                    self._start()
                assert self.proc is not None and self.proc.stdin is not None
                request = {"src": str(src), "dst": str(dst), "filter": FILTERS[fmt]}
                self.proc.stdin.write((json.dumps(request) + "\n").encode())
                self.proc.stdin.flush()
                reply = self._reply(timeout)
            except BaseException:  # a timeout, a dead bridge, the parse's own alarm mid-conversion: start afresh
                self._kill()
                raise
            if reply is None:
                self._kill()
                raise TooLarge(f"LibreOffice did not convert the document within {timeout:g} s (NIANBAO_MAX_SECONDS)")
            if reply.get("error") == "crashed":
                self._kill()
                raise ConverterFailed("LibreOffice died converting the document")
            if not reply.get("ok"):
                raise Unreadable("LibreOffice could not read the document (corrupt or not a Word file)")

    def close(self) -> None:
        with self.lock:
            self._kill()

    def _start(self) -> None:
        self._kill()
        self.profile = tempfile.mkdtemp(prefix="nianbao-lo-")
        pipe = f"nianbao-{os.getpid()}-{secrets.token_hex(6)}"
        self.proc = subprocess.Popen([self.python, str(BRIDGE), self.exe, self.profile, pipe],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        self.starts += 1
        ready = self._reply(START_TIMEOUT)
        if not ready or not ready.get("ready"):
            raise StartFailed(f"LibreOffice did not start: {(ready or {}).get('error', 'no answer')}")
        self.office = int(ready["office"])

    def _reply(self, timeout: float) -> dict | None:
        """The bridge's next line; None when it did not come within `timeout`; ConverterFailed when it died."""
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise ConverterFailed("the LibreOffice bridge ended")
                self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return json.loads(line)

    def _kill(self) -> None:
        for pid in (self.proc.pid if self.proc else None, self.office):
            if pid:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass
        if self.proc is not None:
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    if stream:
                        stream.close()
                except OSError:
                    pass
            self.proc.wait()
        if self.profile:
            shutil.rmtree(self.profile, ignore_errors=True)
        self.proc, self.office, self.profile, self.buffer = None, None, None, b""


_CONVERTER: tuple[int, Converter | None] | None = None


def converter() -> Converter | None:
    """This process's converter (made on first use; a forked child makes its own), None without uno or when
    it could not start."""
    global _CONVERTER
    if _CONVERTER is not None and _CONVERTER[0] == os.getpid():
        return _CONVERTER[1]
    exe, python = soffice(), uno_python()
    if not exe or not python:
        return None
    made = Converter(exe, python)
    _CONVERTER = (os.getpid(), made)
    atexit.register(made.close)
    return made


def _give_up(exc: Exception) -> None:
    global _CONVERTER
    log.warning("%s: .doc files are converted one LibreOffice each (slower)", exc)
    _CONVERTER = (os.getpid(), None)


def convert(data: bytes, suffix: str, fmt: str = "docx") -> bytes:
    """Convert a document with LibreOffice headless; returns the converted bytes."""
    exe = soffice()
    if not exe:
        raise Unreadable("reading .doc needs LibreOffice (apt-get install libreoffice-writer-nogui)")
    timeout = min(CONVERT_TIMEOUT, current().max_seconds)
    with tempfile.TemporaryDirectory(prefix="nianbao-doc-") as tmp:
        src = Path(tmp) / f"input{suffix}"
        src.write_bytes(data)
        out = Path(tmp) / f"input.{fmt}"
        running = converter()
        if running is None:
            _convert_alone(exe, src, fmt, timeout)
        else:
            try:
                running.convert(src, out, fmt, timeout)
            except StartFailed as exc:  # this process converts one document per LibreOffice from now on
                _give_up(exc)
                _convert_alone(exe, src, fmt, timeout)
            except ConverterFailed as exc:  # once more in a fresh LibreOffice, then the document is unreadable
                log.info("%s; once more in a fresh one", exc)
                try:
                    running.convert(src, out, fmt, timeout)
                except ConverterFailed:
                    raise Unreadable("LibreOffice died reading the document") from None
        if not out.exists() or out.stat().st_size == 0:
            raise Unreadable("LibreOffice could not read the document (corrupt or not a Word file)")
        return out.read_bytes()


def _convert_alone(exe: str, src: Path, fmt: str, timeout: float) -> None:
    """One LibreOffice for one document, in a private profile (when no Python can drive a running one)."""
    profile = src.parent / "profile"
    cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--convert-to", fmt, "--outdir", str(src.parent), str(src)]
    try:
        subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise TooLarge(f"LibreOffice did not convert the document within {timeout:g} s (NIANBAO_MAX_SECONDS)") from None


def extract_doc(data: bytes, name: str = "") -> Extract:
    suffix = Path(name).suffix.lower() if name else ""
    if suffix not in (".doc", ".rtf", ".wps", ".dot"):
        suffix = ".rtf" if data.startswith(b"{\\rtf") else ".doc"
    from .docx import extract_docx

    extract = extract_docx(convert(data, suffix))
    extract.form = "doc"
    return extract
