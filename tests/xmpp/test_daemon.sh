#!/bin/bash
# test_daemon.sh - sentiroute-xmpp as a daemon, without an XMPP server:
# options, the configuration check (-n) and its errors, root without a
# user, the pid file, reconnect backoff against a closed port, SIGHUP,
# SIGUSR1, SIGTERM; every xmpp key documented in the man page.
. "$top_srcdir/tests/tap.sh"
BRIDGE="$top_builddir/plugins/xmpp/sentiroute-xmpp"
MAN="$top_srcdir/plugins/xmpp/sentiroute-xmpp.8"
tap_plan 16

d=$(mktemp -d /tmp/srxdaemon.XXXXXX)
chmod 755 "$d"
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT

secret="$d/secret"
printf 'daemon-s3cret\n' > "$secret"
chmod 600 "$secret"
chown nobody "$secret"
mkdir "$d/store" "$d/run"
chown nobody "$d/store" "$d/run"
# a port nobody listens on: bind port 0, read it back, close
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

conf() {  # conf FILE EXTRA: a configuration with EXTRA inside the xmpp group
    cat > "$1" <<EOF
store = { path = "$d/store"; sync = false; };
xmpp = { domain = "support.example.com"; port = $port; secret_file = "$secret";
  reconnect_min = 0.1; reconnect_max = 0.4; $2 };
EOF
}

out=$("$BRIDGE" -V 2>&1)
tap_ok "-V prints the version" grep -q "^sentiroute-xmpp 0.1.0" <<< "$out"

"$BRIDGE" -x >/dev/null 2>&1
tap_is "an unknown option exits 64" "$?" 64

conf "$d/good.conf" 'agents = ["alice@example.com Alice: general"]; hours = { timezone = "Europe/Berlin"; open = ["mon-fri 09:00-17:00"]; };'
out=$("$BRIDGE" -n -c "$d/good.conf" 2>&1)
tap_is "-n accepts a good configuration" "$?:$out" "0:sentiroute-xmpp: configuration $d/good.conf OK"

out=$("$BRIDGE" -n -c "$top_srcdir/config/sentiroute.conf" 2>&1)
rc=$?
tap_ok "-n on the sample (no secret file) exits 78 naming xmpp.secret_file" \
    test "$rc" = 78 -a -n "$(grep 'xmpp.secret_file' <<< "$out")"

check_bad() {  # check_bad NAME EXTRA PATTERN
    conf "$d/bad.conf" "$2"
    out=$("$BRIDGE" -n -c "$d/bad.conf" 2>&1)
    rc=$?
    if [ "$rc" = 78 ] && grep -q -- "$3" <<< "$out"; then tap_pass "$1"; else tap_fail "$1" "rc $rc: $out"; fi
}
check_bad "-n: a bad agent entry is named" 'agents = ["alice"];' 'xmpp.agents'
check_bad "-n: bad business hours are named" 'hours = { open = ["mon-fri 9-5"]; };' 'xmpp.hours'
check_bad "-n: an unknown key names file and line" 'colour = "red";' 'bad.conf:3: xmpp.colour: unknown key'

chmod 644 "$secret"
out=$("$BRIDGE" -n -c "$d/good.conf" 2>&1)
rc=$?
chmod 600 "$secret"
if [ "$rc" = 78 ] && grep -q "readable by others" <<< "$out" && ! grep -q "daemon-s3cret" <<< "$out"; then
    tap_pass "-n: a secret file others can read is refused (and not shown)"
else
    tap_fail "-n: a secret file others can read is refused" "rc $rc: $out"
fi

if [ "$(id -u)" = 0 ]; then
    out=$("$BRIDGE" -c "$d/good.conf" 2>&1)
    rc=$?
    if [ "$rc" = 64 ] && grep -q "refusing to run as root" <<< "$out"; then
        tap_pass "as root without a user: refuses to run"
    else
        tap_fail "as root without a user: refuses to run" "rc $rc: $out"
    fi
else
    tap_pass "as root without a user: refuses to run (not root here: nothing to drop)"
fi

# the daemon against a closed port: it retries with growing, capped delays
"$BRIDGE" -c "$d/good.conf" -u nobody -p "$d/run/pid" > "$d/log" 2>&1 &
pid=$!
for _ in $(seq 100); do
    [ "$(grep -c 'retrying in' "$d/log")" -ge 5 ] && break
    sleep 0.1
done
tap_is "the pid file holds the daemon's pid" "$(cat "$d/run/pid" 2>/dev/null)" "$pid"
tap_is "it runs as the user it dropped to" "$(ps -o user= -p "$pid" | tr -d ' ')" "nobody"
delays=$(grep -o 'retrying in [0-9.]*s' "$d/log" | head -5 | awk '{print $3}' | tr '\n' ' ')
tap_is "reconnect delays double up to reconnect_max" "$delays" "0.1s 0.2s 0.4s 0.4s 0.4s "

kill -HUP "$pid"
for _ in $(seq 50); do grep -q "configuration reloaded" "$d/log" && break; sleep 0.1; done
tap_ok "SIGHUP reloads" grep -q "configuration reloaded" "$d/log"
kill -USR1 "$pid"
for _ in $(seq 50); do grep -q "stats: connected=0" "$d/log" && break; sleep 0.1; done
tap_ok "SIGUSR1 logs the counters" grep -q "stats: connected=0 connects=0" "$d/log"
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
if [ "$rc" = 0 ] && [ ! -e "$d/run/pid" ]; then
    tap_pass "SIGTERM: exit 0, pid file removed"
else
    tap_fail "SIGTERM: exit 0, pid file removed" "rc $rc" "$(tail -3 "$d/log")"
fi

# every key of the xmpp section is documented in the man page
missing=""
keys=$("$top_builddir/tools/sentiroutectl" configtest --dump 2>/dev/null |
    awk '/^xmpp = \{/{x=1} x && /=/ {sub(/^ */,""); split($0,a," "); print a[1]} /^};/{x=0}' |
    grep -v -e '^xmpp$' -e '^bot$' -e '^hours$' -e '^texts$' -e '^webhook$')
for k in $keys; do
    grep -q -- "$k" "$MAN" || missing="$missing $k"
done
tap_is "the man page documents every xmpp key ($(wc -w <<< "$keys") keys)" "$missing" ""
tap_done
