#!/usr/bin/env bash
# Install the system packages the course uses, when this machine allows it:
#   dataset-fashion-mnist  the real Fashion-MNIST (offline data)
#   chromium               the browser the book's browser test drives
# Usage: tools/system_deps.sh [data] [browser]
# Installs only what is missing, only as root with apt-get; otherwise it says
# how to get each piece and exits 0 (the tests then report what is missing).
set -u
want=("$@")
[ ${#want[@]} -eq 0 ] && want=(data browser)
missing=()
for w in "${want[@]}"; do
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
    dataset-fashion-mnist) cat <<'MSG' ;;
Fashion-MNIST is not installed system-wide. Any one of these works:
  - as root on Debian/Ubuntu: apt-get install dataset-fashion-mnist
  - be online: d2lite downloads it with torchvision (checksums verified)
  - put the four *-ubyte(.gz) files in a folder and set D2LITE_DATA=/that/folder
MSG
    chromium) echo "Chromium is missing: the browser test needs it" \
                   "(as root on Debian: apt-get install chromium)." ;;
  esac
done
exit 0
