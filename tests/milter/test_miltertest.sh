#!/bin/bash
# test_miltertest.sh - protocol edge cases against the real daemon, driven
# by miltertest (OpenDKIM's MTA simulator): aborts mid-message, many
# recipients, connection reuse, forged headers, a body over the scan cap.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/milter/lib.sh"

scripts="abort.lua many_rcpts.lua reuse.lua spoof.lua bigbody.lua"
tap_plan 9

command -v miltertest >/dev/null || { tap_fail "miltertest is installed (apt-get install miltertest)"; tap_done; }
port=$(free_port)
write_conf "$WORK/m.conf" "$port" "max_scan_bytes = 65536;"
start_milter "$WORK/m.conf" "$WORK/milter.log"
if wait_port "$port" 20; then tap_pass "milter listens on inet:$port@127.0.0.1"
else tap_fail "milter listens on inet:$port@127.0.0.1" "$(cat "$WORK/milter.log")"; tap_done; fi

for s in $scripts; do
    if mt "$s" "$port" && grep -q '^PASS' "$WORK/mt.out"; then
        tap_pass "miltertest $s"
        sed 's/^/# /' "$WORK/mt.out"
    else
        tap_fail "miltertest $s" "$(cat "$WORK/mt.out")" "$(tail -20 "$WORK/milter.log")"
    fi
done

# three connections at once, each scoring: the threads share nothing
par=""
for i in 1 2 3; do
    (mt reuse.lua "$port"; echo $? > "$WORK/par.$i") &
    par="$par $!"
done
wait $par
ok=1; for i in 1 2 3; do [ "$(cat "$WORK/par.$i")" = 0 ] || ok=0; done
tap_is "three concurrent connections" "$ok" 1

tap_ok "the filter is still alive" kill -0 "$(filter_pid "$MILTER_PID")"
if stop_pid "$MILTER_PID" 20; then tap_pass "SIGTERM stops it"
else tap_fail "SIGTERM stops it" "$(tail -5 "$WORK/milter.log")"; fi
tap_done
