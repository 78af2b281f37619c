"""The `nianbao` command."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_INTERNAL, EXIT_UNREADABLE, EXIT_CHECKS, EXIT_NOT_REPORT = 0, 1, 2, 3, 4


def _error(msg: str) -> None:
    print(f"nianbao: {msg}", file=sys.stderr)


def _pad(text: str, width: int) -> str:
    """Pad to a display width (CJK characters take two columns in a terminal)."""
    import unicodedata

    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - shown)


def _summary_line(name: str, report: dict[str, Any]) -> str:
    checks = report.get("checks") or []
    failed = [c["rule"] for c in checks if not c["ok"]]
    req = report.get("requests") or {}
    new = (req.get("new") or {}).get("total")
    handled = (req.get("handled_total") or {}).get("total")
    return (
        f"{_pad(name, 38)}{str(report.get('year')):<5} {str(report.get('template')):<5} "
        f"{_pad(report.get('organ') or '?', 18)}new={new!s:<6} handled={handled!s:<6} "
        f"checks {len(checks) - len(failed)}/{len(checks)} ok"
        + (f"  FAILED: {', '.join(failed[:4])}{' …' if len(failed) > 4 else ''}" if failed else "")
    )


def cmd_parse(args: argparse.Namespace) -> int:
    from parsers import NotAReport, Unreadable, parse_file

    paths: list[str] = args.paths
    many = len(paths) > 1
    errors: set[int] = set()
    any_check_failed = False
    if args.summary:
        print(f"{'file':<38}{'year':<5} {'form':<5} {'organ':<18}requests / checks")
    for path in paths:
        try:
            report = parse_file(path)
        except Unreadable as exc:
            _error(f"{path}: unreadable: {exc}")
            errors.add(EXIT_UNREADABLE)
            continue
        except NotAReport as exc:
            _error(f"{path}: not an annual report on government information disclosure: {exc}")
            errors.add(EXIT_NOT_REPORT)
            continue
        except Exception as exc:  # a bug must still give one line, not a traceback
            _error(f"{path}: internal error: {type(exc).__name__}: {exc}")
            errors.add(EXIT_INTERNAL)
            continue
        any_check_failed |= any(not c["ok"] for c in report.get("checks") or [])
        if args.summary:
            print(_summary_line(Path(path).name, report))
        else:
            indent = 2 if args.pretty else None
            print(json.dumps(report, ensure_ascii=False, indent=indent if not many else None), flush=True)
    for code in (EXIT_UNREADABLE, EXIT_NOT_REPORT, EXIT_INTERNAL):
        if code in errors:
            return code
    return EXIT_CHECKS if args.check and any_check_failed else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nianbao",
        description="Find, parse and store Chinese county governments' annual reports on government information disclosure.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser(
        "parse",
        help="parse report documents (HTML, PDF, DOCX, DOC, text) into nianbao.report/1 JSON",
        description="Parse each file into the nianbao.report/1 object: one JSON object for one file, JSON Lines "
        "for several. Exit 0 parsed, 2 unreadable input, 3 a check failed (with --check), 4 not an annual report.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--pretty", action="store_true", help="indent the JSON (one file)")
    p.add_argument("--check", action="store_true", help="exit 3 when any of the form's checks fails")
    p.add_argument("--summary", action="store_true", help="print one readable line per file instead of JSON")
    p.set_defaults(func=cmd_parse)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
