#!/usr/bin/env bash
# Install the system packages the course uses, when this machine allows it:
#   dataset-fashion-mnist  the real Fashion-MNIST (offline data)
#   chromium               the browser the book's browser test drives
# Usage: tools/system_deps.sh [data] [browser]
# Installs only what is missing, only as root with apt-get; otherwise it says
# how to get each piece and exits 0 (the tests then report what is missing).
set -u
[ $# -eq 0 ] && set -- data browser
missing=()
for w in "$@"; do
  case "$w" in
    data) [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] \
            || missing+=(dataset-fashion-mnist) ;;
    browser) command -v chromium >/dev/null 2>&1 || missing+=(chromium) ;;
    *) echo "system_deps.sh: unknown argument '$w' (allowed: data, browser)" >&2
       exit 2 ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} with apt-get ..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq "${missing[@]}" >/dev/null
  exit $?
fi
for m in "${missing[@]}"; do
  case "$m" in
    dataset-fashion-mnist) echo "Fashion-MNIST is missing. As root on Debian:" \
      "apt-get install dataset-fashion-mnist; or be online (d2lite downloads it);" \
      "or set D2LITE_DATA to a folder with the four *-ubyte(.gz) files." ;;
    chromium) echo "Chromium is missing: the browser test needs it" \
      "(as root on Debian: apt-get install chromium)." ;;
  esac
done
exit 0
