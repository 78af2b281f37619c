"""Legacy DOC (and RTF, WPS): converted to DOCX by LibreOffice headless, then read as DOCX."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..limits import TooLarge, current
from ..rows import Extract
from . import Unreadable

CONVERT_TIMEOUT = 120


def soffice() -> str | None:
    return os.environ.get("NIANBAO_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")


def convert(data: bytes, suffix: str, fmt: str = "docx") -> bytes:
    """Convert a document with LibreOffice headless in a private profile; returns the converted bytes."""
    exe = soffice()
    if not exe:
        raise Unreadable("reading .doc needs LibreOffice (apt-get install libreoffice-writer-nogui)")
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as tmp:
        src = Path(tmp) / f"input{suffix}"
        src.write_bytes(data)
        profile = Path(tmp) / "profile"
        cmd = [
            exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
            "--convert-to", fmt, "--outdir", str(Path(tmp) / "out"), str(src),
        ]
        timeout = min(CONVERT_TIMEOUT, current().max_seconds)
        try:
            subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise TooLarge(f"LibreOffice did not convert the document within {timeout:g} s (NIANBAO_MAX_SECONDS)") from None
        out = Path(tmp) / "out" / f"input.{fmt}"
        if not out.exists() or out.stat().st_size == 0:
            raise Unreadable("LibreOffice could not read the document (corrupt or not a Word file)")
        return out.read_bytes()


def extract_doc(data: bytes, name: str = "") -> Extract:
    suffix = Path(name).suffix.lower() if name else ""
    if suffix not in (".doc", ".rtf", ".wps", ".dot"):
        suffix = ".rtf" if data.startswith(b"{\\rtf") else ".doc"
    from .docx import extract_docx

    extract = extract_docx(convert(data, suffix))
    extract.form = "doc"
    return extract
