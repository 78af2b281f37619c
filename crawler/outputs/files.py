"""Where a command's `--out FILE` goes, and writing it whole: one rule for export, feed and coverage.

`os.replace` puts a file in place atomically, but it replaces whatever is at the path: a FIFO, a device node
(run as root, `--out /dev/full` would have become a regular file), a symlink. So the path is looked at first:

- a new path, or a regular file: written beside it and renamed over it (a reader never sees half a file);
- a symlink: its final target is written the same way (the link stays; a link to a new path creates it);
- anything else (a directory, FIFO, socket, character or block device, a symlink loop): `NotAFile`, one line
  naming the path and what it is; the CLI exits 2 and nothing at the path is touched.
"""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


class NotAFile(ValueError):
    """The output path holds something that must not be replaced by a file."""


def _what(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def target(out: str | Path) -> Path:
    """The path a file written to `out` must replace: `out` itself, or a symlink's final target. NotAFile when
    that is not a regular file or a new path, or its directory is not a directory."""
    out = Path(out)
    shown = os.fsdecode(out)
    path = out
    if out.is_symlink():
        try:
            path = Path(os.path.realpath(out, strict=True))
        except FileNotFoundError:
            path = Path(os.path.realpath(out))  # a dangling link: its target is created
        except OSError as exc:
            raise NotAFile(f"{shown}: a symlink that cannot be followed ({exc.strerror})") from None
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        parent = path.parent
        if parent.exists() and not parent.is_dir():
            raise NotAFile(f"{shown}: {os.fsdecode(parent)} is not a directory") from None
        return path
    except OSError as exc:
        raise NotAFile(f"{shown}: {exc.strerror}") from None
    if stat.S_ISREG(mode):
        return path
    via = f" (the symlink's target {os.fsdecode(path)})" if path != out else ""
    raise NotAFile(f"{shown}{via} is {_what(mode)}, not a regular file: not replaced")


@contextmanager
def atomic(out: str | Path) -> Iterator[Path]:
    """A temporary path beside the file `out` stands for (see `target`), renamed over it when the block succeeds;
    removed when it fails."""
    path = target(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        yield tmp
        target(out)  # the path may have changed while the file was written: still never over a FIFO or device
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(out: str | Path, data: bytes) -> None:
    with atomic(out) as tmp:
        tmp.write_bytes(data)


def write_text(out: str | Path, text: str) -> None:
    write_bytes(out, text.encode("utf-8"))
