#!/usr/bin/env bash
# Set-up on a fresh machine, idempotent: Debian packages nianbao needs, a virtualenv in .venv, nianbao in it.
# Sourced by scripts/demo.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

need_deb=()
command -v soffice >/dev/null 2>&1 || need_deb+=(libreoffice-writer-nogui)   # .doc reading, test fixtures
/usr/bin/python3 -c "import uno" >/dev/null 2>&1 || need_deb+=(python3-uno)  # one LibreOffice kept running for .doc
command -v pdftoppm >/dev/null 2>&1 || need_deb+=(poppler-utils)
[ -x /usr/bin/chromium ] || need_deb+=(chromium)                                # scrapy-playwright's browser
fc-list 2>/dev/null | grep -qi -E "wqy|noto.*cjk|droid.*fallback" || need_deb+=(fonts-wqy-zenhei)  # CJK glyphs in PDFs
# OCR of scans: opencv-python (a rapidocr_onnxruntime dependency) loads libGL and GLib at import
ldconfig -p 2>/dev/null | grep -q "libGL.so.1" || need_deb+=(libgl1)
ldconfig -p 2>/dev/null | grep -q "libgthread-2.0.so.0" || need_deb+=(libglib2.0-0)
if [ ${#need_deb[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_deb[*]}" >&2
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_deb[@]}"; } >/tmp/nianbao-apt.log 2>&1 \
      || { echo "setup: apt-get failed (see /tmp/nianbao-apt.log); install ${need_deb[*]} by hand" >&2; exit 1; }
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_deb[@]}"
  else
    echo "setup: please install the Debian packages: ${need_deb[*]} (needs root)" >&2; exit 1
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.nianbao-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python packages into .venv" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v -E "^WARNING: Location" >&2 || true
  .venv/bin/python -c "import parsers, crawler, storage, scrapy, pdfplumber, docx, bs4, sqlalchemy, pytest, cv2, rapidocr_onnxruntime, pypdfium2" \
    || { echo "setup: Python packages failed to install" >&2; exit 1; }
  touch "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"
