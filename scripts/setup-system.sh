#!/bin/sh
# System pieces salesbook needs beyond Python packages, installed once with apt where missing:
#   fonts-noto-cjk       a CJK font, so PDFs never print boxes instead of Chinese
#   libharfbuzz-subset0  WeasyPrint's fast font subsetting (without it PDFs are ~48x slower)
#   poppler-utils        pdftotext/pdftoppm, used by the tests to read PDFs back
#   fontconfig           fc-list, to find the installed fonts
set -eu

missing=""
command -v fc-list >/dev/null 2>&1 || missing="$missing fontconfig"
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list ':lang=zh' family 2>/dev/null | head -n 1)" ]; then
    missing="$missing fonts-noto-cjk"
fi
if ! ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset\.so\.0'; then
    missing="$missing libharfbuzz-subset0"
fi
command -v pdftotext >/dev/null 2>&1 || missing="$missing poppler-utils"
[ -z "$missing" ] && exit 0

echo "salesbook: installing system packages:$missing"
if ! command -v apt-get >/dev/null 2>&1; then
    echo "salesbook: no apt-get here; please install the equivalents of:$missing" >&2
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
