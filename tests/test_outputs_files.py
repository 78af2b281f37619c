"""`--out` of export, feed and coverage (crawler.outputs.files) and `dump --out`: a new path or a regular file is
replaced whole, a symlink's target is written and the link kept, and a FIFO, a directory or a symlink to
either is refused with exit 2 and one line, the thing at the path left as it was."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.test_feed import _store_with_events

COMMANDS = {  # the command's arguments before --out, and a text its output must hold
    "export": (("export", "--format", "jsonl"), '"organ"'),
    "feed": (("feed",), "<feed"),
    "coverage": (("coverage", "--format", "csv", "--today", "2027-01-01"), "county,division_code"),
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("outputs") / "n.db"
    _store_with_events(path).close()
    return str(path)


def _run(db: str, command: str, out: Path) -> tuple[int, str]:
    args, _ = COMMANDS[command]
    proc = run_cli(*args, "--db", db, "--out", str(out))
    assert "Traceback" not in proc.stderr
    return proc.returncode, proc.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_new_path_and_regular_file_are_written_whole(db: str, tmp_path: Path, command: str) -> None:
    out = tmp_path / "sub" / "out.file"
    assert _run(db, command, out)[0] == 0
    out.write_text("old")
    code, err = _run(db, command, out)
    assert code == 0, err
    assert COMMANDS[command][1] in out.read_text(encoding="utf-8")
    assert [p.name for p in out.parent.iterdir()] == ["out.file"]  # no temporary file left beside it


@pytest.mark.parametrize("command", COMMANDS)
def test_a_symlink_to_a_file_writes_the_file_and_keeps_the_link(db: str, tmp_path: Path, command: str) -> None:
    real = tmp_path / "data" / "real.txt"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    code, err = _run(db, command, link)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert COMMANDS[command][1] in real.read_text(encoding="utf-8")


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def _directory(tmp_path: Path) -> Path:
    path = tmp_path / "dir"
    path.mkdir()
    (path / "keep").write_text("kept")
    return path


def _link_to_fifo(tmp_path: Path) -> Path:
    link = tmp_path / "link-to-pipe"
    link.symlink_to(_fifo(tmp_path))
    return link


def _link_loop(tmp_path: Path) -> Path:
    a, b = tmp_path / "a", tmp_path / "b"
    a.symlink_to(b)
    b.symlink_to(a)
    return a


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("make, what", [(_fifo, "is a FIFO"), (_directory, "is a directory"),
                                        (_link_to_fifo, "(the symlink's target"), (_link_loop, "cannot be followed")])
def test_special_paths_are_refused_and_left_alone(db: str, tmp_path: Path, command: str, make, what: str) -> None:
    out = make(tmp_path)
    before = {p.name: (p.lstat().st_mode, p.lstat().st_ino) for p in tmp_path.iterdir()}
    code, err = _run(db, command, out)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith(f"nianbao: --out: {out}") and what in err, err
    assert {p.name: (p.lstat().st_mode, p.lstat().st_ino) for p in tmp_path.iterdir()} == before
    if make is _link_to_fifo:
        assert stat.S_ISFIFO((tmp_path / "pipe").stat().st_mode)
    if make is _directory:
        assert (out / "keep").read_text() == "kept"


def test_dump_into_a_symlink_writes_its_target_and_refuses_a_fifo(db: str, tmp_path: Path) -> None:
    real = tmp_path / "release"
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    proc = run_cli("dump", "--db", db, "--out", str(link), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and (real / "manifest.json").is_file()
    assert run_cli("dump", "--verify", str(real)).returncode == 0
    pipe = _fifo(tmp_path)
    proc = run_cli("dump", "--db", db, "--out", str(pipe), "--no-progress")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and str(pipe) in proc.stderr
    assert stat.S_ISFIFO(pipe.lstat().st_mode) and not list(tmp_path.glob(".pipe.partial-*"))


def test_the_write_checks_the_path_again(tmp_path: Path) -> None:
    """The path is looked at again when the file is written (it may have changed since the options were read):
    the writers refuse a FIFO whoever calls them, and the thing stays."""
    from crawler.outputs.export import export
    from crawler.outputs.feed import write_feed
    from crawler.outputs.files import NotAFile, write_text

    pipe = _fifo(tmp_path)
    for write in (lambda: write_text(pipe, "x"), lambda: export(lambda: [], "csv", pipe),
                  lambda: write_feed([], pipe)):
        with pytest.raises(NotAFile, match="is a FIFO"):
            write()
        assert stat.S_ISFIFO(pipe.lstat().st_mode) and sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]
