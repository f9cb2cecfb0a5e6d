#!/usr/bin/env bash
# Install Debian's chromium for the admin's browser tests (Playwright drives /usr/bin/chromium;
# `playwright install` is not needed). Safe to run again and again.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "browser: chromium ready at /usr/bin/chromium"
  exit 0
fi
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }
if command -v apt-get >/dev/null 2>&1; then
  as_root apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
else
  echo "browser: install chromium at /usr/bin/chromium with your package manager" >&2
  exit 1
fi
echo "browser: chromium installed at /usr/bin/chromium"
