#!/bin/sh
# setup-debian.sh - install what sentiroute needs to build and test on
# Debian 12 (run as root, or it re-runs itself with sudo).
set -e
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != 0 ]; then
    exec sudo "$0" "$@"
fi
pkgs=$(grep -v '^#' "$here/debian-packages.txt" | grep -v '^$' | tr '\n' ' ')
export DEBIAN_FRONTEND=noninteractive
# Postfix asks a question at install time: answer it before it is asked
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections 2>/dev/null || true
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $pkgs
