"""The content-addressed document store: raw bytes on disk under their sha256, one `documents` row each.

A document's file is renamed into place complete before any row refers to it, so a reader (or a process
killed mid-write) never leaves a partial file under a real name.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from sqlalchemy import Connection, select

from storage import env
from storage.models import Document
from storage.session import Database, sqlite_file


def default_blob_dir(url: str) -> Path:
    """Beside a SQLite file (`nianbao.db.docs`); else $NIANBAO_BLOBS, or `nianbao-docs`."""
    file = sqlite_file(url)
    if file is not None:
        file = file.resolve()
        return file.with_name(file.name + ".docs")
    return Path(env.blob_dir()).resolve()


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, fsync, then rename: readers never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex}")
    try:
        with tmp.open("xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class Documents:
    def __init__(self, db: Database, blob_dir: str | Path | None = None) -> None:
        self.db = db
        self.dir = Path(blob_dir).resolve() if blob_dir is not None else default_blob_dir(db.url)

    def path(self, sha256: str) -> Path:
        return self.dir / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes, content_type: str | None = None, filename: str | None = None, *,
            sha256: str | None = None) -> str:
        """Store bytes under their sha256 (file first, then the row) and return the sha256.

        A caller that has hashed the bytes already passes `sha256` (it is trusted, not checked again).
        """
        sha = sha256 or hashlib.sha256(data).hexdigest()
        path = self.path(sha)
        if not path.is_file():
            _write_atomically(path, data)
        with self.db.engine.begin() as conn:
            self.ensure_row(conn, sha, len(data), content_type, filename)
        return sha

    def ensure_row(self, conn: Connection, sha256: str, size: int, content_type: str | None,
                   filename: str | None = None) -> None:
        """The document's row, inserted unless it is there (in the caller's transaction)."""
        conn.execute(self.db.insert(Document)
                     .values(sha256=sha256, size=size, content_type=content_type, filename=filename)
                     .on_conflict_do_nothing(index_elements=["sha256"]))

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def known(self, sha256: str) -> bool:
        """Whether these bytes are already stored (whether or not a report was parsed from them)."""
        with self.db.engine.connect() as conn:
            return conn.scalar(select(Document.sha256).where(Document.sha256 == sha256)) is not None

    def rows(self, conn: Connection) -> list[dict[str, object]]:
        """Every document row, by sha256 (in the caller's transaction, e.g. one snapshot with the reports)."""
        stmt = select(Document.sha256, Document.size, Document.content_type, Document.filename,
                      Document.first_seen_at).order_by(Document.sha256)
        return [dict(r._mapping) for r in conn.execute(stmt)]
