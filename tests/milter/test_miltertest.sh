#!/bin/bash
# test_miltertest.sh - protocol edge cases against the real daemon, driven
# by miltertest (OpenDKIM's MTA simulator): aborts mid-message, many
# recipients, connection reuse, forged headers, a body over the scan cap.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/milter/lib.sh"

scripts="abort.lua many_rcpts.lua reuse.lua spoof.lua spoofmany.lua bigbody.lua"
tap_plan $((16 + 3 * HAVE_TICKETS))

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

# automatic mail (out-of-office, bounces, bulk: RFC 3834) is not scored,
# gets no ticket and no routing, only X-Sentiment-Skipped; near misses
# ("Auto-Submitted: no", "Precedence: first-class") are scored
if mt automatic.lua "$port" && grep -q '^PASS' "$WORK/mt.out"; then
    tap_pass "automatic mail skipped (null sender, Auto-Submitted, Precedence, X-Autoreply, multipart/report), the rest scored"
    sed 's/^/# /' "$WORK/mt.out"
else
    tap_fail "automatic mail skipped (null sender, Auto-Submitted, Precedence, X-Autoreply, multipart/report), the rest scored" \
        "$(cat "$WORK/mt.out")" "$(grep AUTO "$WORK/milter.log" | tail -6)"
fi
tap_is "each skipped message logged with its queue id and reason, none of them scored" \
    "$(grep -c 'AUTO[0-9]*: automatic mail ([a-z-]*), not scored' "$WORK/milter.log"):$(grep -c 'AUTO02: automatic mail (auto-submitted), not scored' "$WORK/milter.log"):$(grep -c 'AUTO02: score=' "$WORK/milter.log")" \
    "21:1:0"

# a requester with a blank in a quoted local part: scored, no ticket, a
# log line (no answer could be mailed to it)
if [ "$HAVE_TICKETS" = 1 ]; then
    if mt quoted.lua "$port" && grep -q '^PASS' "$WORK/mt.out" &&
        grep -q 'QUOTE2: envelope sender ""john doe"@example.test" has a blank.*not used as requester' "$WORK/milter.log" &&
        grep -q 'QUOTE3: From address ""john smith"@example.net" has a blank.*not used as requester' "$WORK/milter.log"; then
        tap_pass "quoted local part with a blank: scored, no ticket, logged"
        sed 's/^/# /' "$WORK/mt.out"
    else
        tap_fail "quoted local part with a blank: scored, no ticket, logged" "$(cat "$WORK/mt.out")" "$(grep QUOTE "$WORK/milter.log" | tail -6)"
    fi
fi

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

# the failure policy when the filter's own contexts cannot be allocated
# (tests/milter/libfailalloc.so: its calloc fails while $WORK/oom exists,
# for the connection context from 1 byte, for the message's from 200)
SHIM="$top_builddir/tests/milter/.libs/libfailalloc.so"
for policy in tempfail accept; do
    p=$(free_port)
    write_conf "$WORK/oom-$policy.conf" "$p" "on_error = \"$policy\";"
    LD_PRELOAD="$SHIM" SRM_FAILALLOC="$WORK/oom" start_milter "$WORK/oom-$policy.conf" "$WORK/oom-$policy.log"
    wait_port "$p" 20
    for stage in connect mail; do
        if [ "$stage" = connect ]; then min=1; at=connect; else min=200; at="MAIL FROM"; fi
        [ "$policy" = tempfail ] && said=tempfail || said="accepted unexamined"
        echo "$min" > "$WORK/oom"
        mt oom.lua "$p" -D want="$policy" -D stage="$stage"
        rm -f "$WORK/oom"
        if grep -q '^PASS' "$WORK/mt.out" && grep -q "out of memory at $at; $said" "$WORK/oom-$policy.log"; then
            tap_pass "no memory at $stage, on_error = $policy"
        else
            tap_fail "no memory at $stage, on_error = $policy" "$(cat "$WORK/mt.out")" "$(grep -i 'memory\|error' "$WORK/oom-$policy.log" | tail -3)"
        fi
    done
    stop_pid "$MILTER_PID" 20
done

# the failure policy, with a store that fills up (1 MiB map)
if [ "$HAVE_TICKETS" = 1 ]; then
    for policy in tempfail accept; do
        rm -rf "$STORE"
        p=$(free_port)
        STORE_KEYS="map_size_mb = 1;" write_conf "$WORK/$policy.conf" "$p" "on_error = \"$policy\";"
        start_milter "$WORK/$policy.conf" "$WORK/$policy.log"
        wait_port "$p" 20
        mt storefull.lua "$p" -D want="$policy"
        if grep -q '^PASS' "$WORK/mt.out" && grep -q "ticket not stored.*$policy\|ticket not stored.*without" "$WORK/$policy.log"; then
            tap_pass "store full, on_error = $policy: $(grep -o 'FULL[0-9]*: .*' "$WORK/mt.out")"
        else
            tap_fail "store full, on_error = $policy" "$(cat "$WORK/mt.out")" "$(grep -i 'error\|ticket' "$WORK/$policy.log" | tail -3)"
        fi
        stop_pid "$MILTER_PID" 20
    done
fi
tap_done
