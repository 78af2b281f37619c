"""The environment variables storage reads, and their defaults (declared with the others in crawler/config.py's
ENVIRONMENT, which takes these defaults from here; storage sits below the crawler, so it reads its own)."""

from __future__ import annotations

import os

DB_URL_DEFAULT = "sqlite:///nianbao.db"
BLOB_DIR_DEFAULT = "nianbao-docs"


def db_url() -> str:
    """$NIANBAO_DB, else the default store."""
    return os.environ.get("NIANBAO_DB") or DB_URL_DEFAULT


def blob_dir() -> str:
    """$NIANBAO_BLOBS, else `nianbao-docs`: where a store that is not a SQLite file keeps the documents."""
    return os.environ.get("NIANBAO_BLOBS") or BLOB_DIR_DEFAULT
