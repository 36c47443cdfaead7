# tap.sh - tiny TAP helpers for shell tests (sourced)
#   tap_plan N; tap_ok "name" cmd...; tap_is "name" got want; tap_done
TAP_N=0
TAP_FAILED=0
tap_plan() { echo "1..$1"; }
tap_pass() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1"; }
tap_fail() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $1"; shift; for l in "$@"; do echo "# $l"; done; }
tap_ok() { local name=$1; shift; if "$@"; then tap_pass "$name"; else tap_fail "$name" "command failed: $*"; fi; }
tap_is() { if [ "$2" = "$3" ]; then tap_pass "$1"; else tap_fail "$1" "got: $2" "want: $3"; fi; }
tap_done() { exit $((TAP_FAILED > 0)); }
# PY: Debian's python3 (the pyenv one on PATH lacks Debian modules)
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
