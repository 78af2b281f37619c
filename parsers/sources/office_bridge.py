"""The other end of parsers.sources.doc's converter: run (never imported) by a Python that has LibreOffice's
`uno` module (Debian's python3-uno), which nianbao's own interpreter usually has not.

    python3 office_bridge.py SOFFICE PROFILE_DIR PIPE_NAME

Starts one headless LibreOffice listening on a named pipe, then converts document after document: one JSON
request per line on stdin ({"src", "dst", "filter"}), one JSON reply per line on stdout ({"ok": true} or
{"error": "…"}); the first line out is {"ready": true, "office": PID}. It ends, and ends LibreOffice, when
stdin closes or when its parent dies (a watchdog notices within half a second, even mid-conversion).
Standard library and uno only: this file runs under another interpreter than the rest of nianbao.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

START_TIMEOUT = 60.0


def main() -> None:
    soffice, profile, pipe = sys.argv[1:4]
    parent = os.getppid()
    office = subprocess.Popen(
        [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--invisible", "--nologo",
         "--norestore", "--nodefault", "--nolockcheck", f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def end(code: int) -> None:
        """LibreOffice killed, its profile removed (the parent may be gone and unable to), and out."""
        try:
            os.killpg(office.pid, signal.SIGKILL)
            office.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(profile, ignore_errors=True)
        os._exit(code)

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                end(0)
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True).start()

    import uno
    from com.sun.star.beans import PropertyValue

    def props(**values: object) -> tuple:
        out = []
        for name, value in values.items():
            p = PropertyValue()
            p.Name, p.Value = name, value
            out.append(p)
        return tuple(out)

    def reply(message: dict) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except Exception as exc:  # noqa: BLE001 - NoConnectException until LibreOffice listens
            if office.poll() is not None or time.monotonic() > deadline:
                reply({"error": f"LibreOffice did not start: {exc}"})
                end(1)
            time.sleep(0.05)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    reply({"ready": True, "office": office.pid})

    for line in sys.stdin:
        request = json.loads(line)
        try:
            # no macros, no updating of links (a document must not make LibreOffice fetch anything)
            doc = desktop.loadComponentFromURL(
                uno.systemPathToFileUrl(request["src"]), "_blank", 0,
                props(Hidden=True, ReadOnly=True, MacroExecutionMode=0, UpdateDocMode=0))
            if doc is None:
                reply({"error": "unreadable"})
                continue
            try:
                doc.storeToURL(uno.systemPathToFileUrl(request["dst"]), props(FilterName=request["filter"]))
            finally:
                doc.close(True)
            reply({"ok": True})
        except Exception as exc:  # noqa: BLE001 - a document LibreOffice cannot read, or LibreOffice died
            if office.poll() is not None:
                reply({"error": "crashed", "detail": str(exc)[:200]})
                end(3)
            reply({"error": "unreadable", "detail": f"{type(exc).__name__}: {str(exc)[:200]}"})
    end(0)


if __name__ == "__main__":
    main()
