#!/bin/sh
# What the test suite needs from the system besides Python: Debian's Chromium (the browser
# tests drive it; a browser is never downloaded), CJK fonts (readable screenshots of Chinese
# pages), poppler-utils (pdftoppm and pdftotext, to look inside the PDFs we print) and
# PgBouncer (the tests run the app through it, in front of their own PostgreSQL primary and
# standby; those are made with the PostgreSQL tools the PostgreSQL run needs anyway).
#
# `make test` runs this first. Where something is missing it installs the packages with
# apt-get when it runs as root; where it cannot, it says so on one line and carries on: the
# browser and PDF tests then skip, naming the same packages (tests/system_packages.py).
set -u

PACKAGES="chromium fonts-noto-cjk poppler-utils pgbouncer"
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"

missing() {
  [ -x "$CHROMIUM" ] || echo chromium
  if command -v fc-list >/dev/null 2>&1; then
    [ -n "$(fc-list ':lang=zh' family 2>/dev/null)" ] || echo fonts-noto-cjk
  fi
  { command -v pdftoppm && command -v pdftotext; } >/dev/null 2>&1 || echo poppler-utils
  { command -v pgbouncer || [ -x /usr/sbin/pgbouncer ]; } >/dev/null 2>&1 || echo pgbouncer
}

absent=$(missing | tr '\n' ' ' | sed 's/ $//')
[ -z "$absent" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "make test: installing $absent with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq $PACKAGES >/dev/null; then
    exit 0
  fi
fi
echo "make test: $absent not installed (apt-get install $PACKAGES as root); the tests that need them will skip"
