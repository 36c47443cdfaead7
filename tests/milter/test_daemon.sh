#!/bin/bash
# test_daemon.sh - sentiroute-milter as a daemon: -n config check, privilege
# drop, pid file, SIGHUP (through the supervisor) and SIGUSR1 reloads that
# take effect without a restart, a bad config kept out, a crashed filter
# restarted, SIGTERM stops everything.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/milter/lib.sh"

tap_plan 31
command -v miltertest >/dev/null || { tap_fail "miltertest is installed (apt-get install miltertest)"; tap_done; }
port=$(free_port)
conf="$WORK/m.conf"
write_conf "$conf" "$port"

# -n: check and exit
out=$("$MILTER" -n -c "$conf" 2>&1); rc=$?
tap_is "-n accepts a good config" "$rc:$(echo "$out" | grep -c OK)" "0:1"
printf 'milter = {\n  socket = "tcp:25";\n};\n' > "$WORK/bad.conf"
out=$("$MILTER" -n -c "$WORK/bad.conf" 2>&1); rc=$?
tap_is "-n rejects a bad socket with exit 78 and the key" "$rc:$(echo "$out" | grep -c 'milter.socket')" "78:1"
printf 'milter = {\n  recipients = ["help@support.test"];\n  colour = 1;\n};\n' > "$WORK/bad2.conf"
out=$("$MILTER" -n -c "$WORK/bad2.conf" 2>&1); rc=$?
tap_is "-n names file:line of an unknown key" "$rc:$(echo "$out" | grep -c 'bad2.conf:3: milter.colour')" "78:1"
write_conf "$WORK/root.conf" "$port" 'user = "";'
sed -i 's/^  user = "nobody";$//' "$WORK/root.conf"
out=$("$MILTER" -n -c "$WORK/root.conf" 2>&1); rc=$?
tap_is "-n as root without a user is refused" "$rc:$(echo "$out" | grep -c 'refuse')" "78:1"
out=$("$MILTER" -n -c "$WORK/nonexistent.conf" 2>&1); rc=$?
tap_is "-n on a missing file" "$rc" "66"

# start, supervised, with a pid file
start_milter "$conf" "$WORK/milter.log" -p "$WORK/milter.pid"
if wait_port "$port" 20; then tap_pass "listens on inet:$port@127.0.0.1"
else tap_fail "listens on inet:$port@127.0.0.1" "$(cat "$WORK/milter.log")"; tap_done; fi
tap_is "pid file holds the supervisor's pid" "$(cat "$WORK/milter.pid" 2>/dev/null)" "$MILTER_PID"
fpid=$(filter_pid "$MILTER_PID")
tap_is "the filter runs as nobody" "$(stat -c %U "/proc/$fpid" 2>/dev/null)" "nobody"

# new@support.test is not a support address yet
mt score.lua "$port" -D rcpt=new@elsewhere.test -D want=untouched
tap_ok "mail to a non-support address passes untouched" grep -q '^PASS' "$WORK/mt.out"

# the store routes urgent mail to "senior" (write_conf's rule)
mt queue.lua "$port" -D rcpt=help@support.test -D want_queue=senior
tap_ok "urgent mail is routed to queue senior" grep -q '^PASS' "$WORK/mt.out"

# SIGHUP: the supervisor reloads (libmilter alone would stop on HUP); the
# file also changes the routing rule's queue
sed -i 's/"care@example.test"/"care@example.test", "new@elsewhere.test"/' "$conf"
sed -i 's/queue = "senior";/queue = "escalations";/' "$conf"
kill -HUP "$MILTER_PID"
for _ in $(seq 50); do [ "$(grep -c 'configuration reloaded' "$WORK/milter.log")" -ge 2 ] && break; sleep 0.1; done
tap_is "SIGHUP reloads in supervisor and filter" "$(grep -c 'configuration reloaded' "$WORK/milter.log")" "2"
mt score.lua "$port" -D rcpt=new@elsewhere.test -D want=scored
tap_ok "after SIGHUP the new recipient is scored, same filter process" \
    bash -c "grep -q '^PASS' '$WORK/mt.out' && [ '$(filter_pid "$MILTER_PID")' = '$fpid' ]"
mt queue.lua "$port" -D rcpt=help@support.test -D want_queue=escalations
tap_ok "after SIGHUP the changed routing rule routes the next message, no restart" \
    bash -c "grep -q '^PASS' '$WORK/mt.out' && [ '$(filter_pid "$MILTER_PID")' = '$fpid' ]"

# a broken file: kept out, the running config stays
cp "$conf" "$WORK/good.conf"
sed -i 's/^  socket = /  on_error = "explode";\n  socket = /' "$conf"
kill -HUP "$MILTER_PID"
for _ in $(seq 50); do grep -q 'reload failed' "$WORK/milter.log" && break; sleep 0.1; done
mt score.lua "$port" -D rcpt=new@elsewhere.test -D want=scored
tap_ok "a bad config is refused and the running one kept" \
    bash -c "grep -q 'reload failed, keeping the running configuration.*milter.on_error' '$WORK/milter.log' && grep -q '^PASS' '$WORK/mt.out'"

# SIGUSR1 straight to the filter reloads too (as opendkim)
cp "$WORK/good.conf" "$conf"
sed -i 's/, "new@elsewhere.test"//' "$conf"
before=$(grep -c 'configuration reloaded' "$WORK/milter.log")
kill -USR1 "$fpid"
for _ in $(seq 50); do [ "$(grep -c 'configuration reloaded' "$WORK/milter.log")" -gt "$before" ] && break; sleep 0.1; done
mt score.lua "$port" -D rcpt=new@elsewhere.test -D want=untouched
tap_ok "SIGUSR1 to the filter reloads (recipient gone again)" grep -q '^PASS' "$WORK/mt.out"

# a reload while a connection stays open (Postfix keeps one milter
# connection per SMTP session): the message in flight finishes as it
# began, the next message on that connection follows the new file
cp "$conf" "$WORK/before.conf"
mkdir -p "$WORK/sync"
mt reload_conn.lua "$port" -D sync="$WORK/sync" &
mtpid=$!
for _ in $(seq 100); do [ -e "$WORK/sync/inflight" ] && break; sleep 0.1; done
sed -i 's/"help@support.test"/"new@elsewhere.test"/' "$conf"
before=$(grep -c 'configuration reloaded' "$WORK/milter.log")
kill -USR1 "$fpid"
for _ in $(seq 50); do [ "$(grep -c 'configuration reloaded' "$WORK/milter.log")" -gt "$before" ] && break; sleep 0.1; done
touch "$WORK/sync/go"
wait "$mtpid"
if grep -q '^PASS' "$WORK/mt.out"; then
    tap_pass "reload with a connection open: in-flight message as begun, next message as reloaded"
    sed 's/^/# /' "$WORK/mt.out"
else
    tap_fail "reload with a connection open: in-flight message as begun, next message as reloaded" \
        "$(cat "$WORK/mt.out")"
fi
cp "$WORK/before.conf" "$conf"
kill -USR1 "$fpid"
for _ in $(seq 50); do [ "$(grep -c 'configuration reloaded' "$WORK/milter.log")" -gt "$((before + 1))" ] && break; sleep 0.1; done

# the filter dies: the supervisor starts a new one
kill -KILL "$fpid"
for _ in $(seq 100); do
    n=$(filter_pid "$MILTER_PID"); [ -n "$n" ] && [ "$n" != "$fpid" ] && break; sleep 0.1
done
wait_port "$port" 20
mt score.lua "$port" -D rcpt=help@support.test -D want=scored
tap_ok "a killed filter is restarted and scores again" \
    bash -c "grep -q 'killed by signal 9; restarting' '$WORK/milter.log' && grep -q '^PASS' '$WORK/mt.out'"

# SIGTERM while a message is half sent: the filter finishes that message
# (headers and ticket) before it stops; libmilter alone would drop it
mkdir -p "$WORK/tsync"
mt term_inflight.lua "$port" -D sync="$WORK/tsync" -D have_tickets="$HAVE_TICKETS" &
mtpid=$!
for _ in $(seq 100); do [ -e "$WORK/tsync/inflight" ] && break; sleep 0.1; done
kill -TERM "$MILTER_PID"
wait "$mtpid"
if grep -q '^PASS' "$WORK/mt.out"; then
    tap_pass "SIGTERM with a message in flight: the message is finished first"
    sed 's/^/# /' "$WORK/mt.out"
else
    tap_fail "SIGTERM with a message in flight: the message is finished first" \
        "$(cat "$WORK/mt.out")" "$(grep -v debug "$WORK/milter.log" | tail -5)"
fi

# SIGTERM: clean stop, pid file gone, port closed
if stop_pid "$MILTER_PID" 20; then tap_pass "SIGTERM stops supervisor and filter"
else tap_fail "SIGTERM stops supervisor and filter" "$(tail -5 "$WORK/milter.log")"; fi
# the filter itself stopped, not killed by the TERM: its threads started
# before smfi_main (reloader, outbox worker) must not take the signal
tap_is "SIGTERM: the filter stops cleanly ('stopped' logged)" \
    "$(grep -c ': stopped$' "$WORK/milter.log")" "1"
tap_ok "pid file removed, port closed" bash -c "[ ! -e '$WORK/milter.pid' ] && (! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null)"

# -S: no supervisor, still reloads on USR1 and stops on TERM
port2=$(free_port)
write_conf "$WORK/s.conf" "$port2"
start_milter "$WORK/s.conf" "$WORK/s.log" -S
wait_port "$port2" 20
kill -USR1 "$MILTER_PID"
for _ in $(seq 50); do grep -q 'configuration reloaded' "$WORK/s.log" && break; sleep 0.1; done
mt score.lua "$port2" -D rcpt=help@support.test -D want=scored
ok=$(grep -c 'configuration reloaded' "$WORK/s.log"):$(grep -c '^PASS' "$WORK/mt.out")
stop_pid "$MILTER_PID" 20 && ok="$ok:stopped"
tap_is "-S: USR1 reloads, scores, TERM stops" "$ok" "1:1:stopped"
tap_is "-S: TERM is a clean stop (exit 0, 'stopped' logged), not death by the signal" \
    "${STOP_STATUS:-}:$(grep -c ': stopped$' "$WORK/s.log")" "0:1"

# keys a reload cannot apply are named in the log, not silently ignored:
# the store opens only at startup, libmilter's timeout is set once
port4=$(free_port)
write_conf "$WORK/t.conf" "$port4" "tickets = false;"
start_milter "$WORK/t.conf" "$WORK/t.log" -S
wait_port "$port4" 20
sed -i 's/tickets = false;/tickets = true; timeout = 100;/' "$WORK/t.conf"
kill -USR1 "$MILTER_PID"
for _ in $(seq 50); do grep -q 'configuration reloaded' "$WORK/t.log" && break; sleep 0.1; done
ok=$(grep -c 'milter.tickets.*restart' "$WORK/t.log"):$(grep -c 'milter.timeout.*restart' "$WORK/t.log")
stop_pid "$MILTER_PID" 20
tap_is "reload: milter.tickets turned on and milter.timeout changed are logged as needing a restart" \
    "$ok" "1:1"

# milter.automatic: -n checks it; a reload switches automatic mail
# (out-of-office, bounces) between skipped and scored
write_conf "$WORK/a-bad.conf" "$port" 'automatic = "maybe";'
out=$("$MILTER" -n -c "$WORK/a-bad.conf" 2>&1); rc=$?
write_conf "$WORK/a-good.conf" "$port" 'automatic = "score";'
"$MILTER" -n -c "$WORK/a-good.conf" > /dev/null 2>&1; rc2=$?
tap_is "-n accepts milter.automatic = \"score\", rejects \"maybe\" with exit 78 and the key" \
    "$rc2:$rc:$(echo "$out" | grep -c 'milter.automatic.*skip')" "0:78:1"
port5=$(free_port)
write_conf "$WORK/a.conf" "$port5" 'automatic = "score";'
start_milter "$WORK/a.conf" "$WORK/a.log" -S
wait_port "$port5" 20
mt automatic.lua "$port5" -D mode=score
ok=$(grep -c '^PASS' "$WORK/mt.out")
tap_is "milter.automatic = \"score\": automatic mail is scored as before" "$ok" "1"
[ "$ok" = 1 ] || sed 's/^/# /' "$WORK/mt.out"
sed -i 's/automatic = "score";/automatic = "skip";/' "$WORK/a.conf"
kill -USR1 "$MILTER_PID"
for _ in $(seq 50); do grep -q 'configuration reloaded' "$WORK/a.log" && break; sleep 0.1; done
mt automatic.lua "$port5" -D mode=skip
ok=$(grep -c '^PASS' "$WORK/mt.out")
stop_pid "$MILTER_PID" 20
tap_is "reload to milter.automatic = \"skip\": the next automatic mail is skipped" "$ok" "1"
[ "$ok" = 1 ] || sed 's/^/# /' "$WORK/mt.out"

# in the background (no -f) with relative -c and -p, as typed in a shell:
# the daemon's chdir("/") must not lose them - the pid file where asked,
# and SIGHUP reloading the same file
port3=$(free_port)
write_conf "$WORK/r.conf" "$port3"
(cd "$WORK" && "$MILTER" -c r.conf -p r.pid) > "$WORK/r.out" 2>&1
wait_port "$port3" 20
for _ in $(seq 50); do [ -s "$WORK/r.pid" ] && break; sleep 0.1; done
rpid=$(cat "$WORK/r.pid" 2>/dev/null)
[ -n "$rpid" ] && PIDS="$PIDS $rpid"
sed -i 's/"care@example.test"/"care@example.test", "new@elsewhere.test"/' "$WORK/r.conf"
[ -n "$rpid" ] && kill -HUP "$rpid"
ok=0
for _ in $(seq 30); do
    mt score.lua "$port3" -D rcpt=new@elsewhere.test -D want=scored
    grep -q '^PASS' "$WORK/mt.out" && { ok=1; break; }
    sleep 0.2
done
[ -n "$rpid" ] && stop_pid "$rpid" 20
tap_is "daemon with relative -c/-p: pid file written, SIGHUP reloads the file" \
    "$([ -n "$rpid" ] && echo pid):$ok" "pid:1"

# a unix socket, handed to the user the filter runs as
write_conf "$WORK/u.conf" 1
sed -i "s|socket = \"inet:1@127.0.0.1\"|socket = \"unix:$WORK/milter.sock\"|" "$WORK/u.conf"
start_milter "$WORK/u.conf" "$WORK/u.log"
for _ in $(seq 100); do [ -S "$WORK/milter.sock" ] && break; sleep 0.1; done
tap_is "unix socket owned by the milter's user, mode 0660" \
    "$(stat -c '%U %a' "$WORK/milter.sock" 2>/dev/null)" "nobody 660"
mt score.lua 0 -D sockspec="unix:$WORK/milter.sock" -D rcpt=help@support.test -D want=scored
ok=$(grep -c '^PASS' "$WORK/mt.out")
stop_pid "$MILTER_PID" 20 && ok="$ok:stopped"
tap_is "scores over the unix socket, stops on TERM" "$ok" "1:stopped"

# a secret file root alone may read: the start (as root) reads it, every
# reload (as nobody) would fail; the filter says so when it starts
port5=$(free_port)
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$WORK/root.secret"
chmod 600 "$WORK/root.secret"
write_conf "$WORK/sec.conf" "$port5"
cat >> "$WORK/sec.conf" <<CONF
handoff = {
  method = "webhook";
  webhook = { url = "http://127.0.0.1:9/hook"; secret_file = "$WORK/root.secret"; };
};
CONF
start_milter "$WORK/sec.conf" "$WORK/sec.log" -S
wait_port "$port5" 20
for _ in $(seq 50); do grep -q 'reloads will fail' "$WORK/sec.log" && break; sleep 0.1; done
ok=$(grep -c 'reloads will fail: as uid.*secret_file: cannot read.*service user' "$WORK/sec.log"):$(grep -c "$(cat "$WORK/root.secret")" "$WORK/sec.log")
stop_pid "$MILTER_PID" 20
tap_is "a secret only root can read: the start warns that reloads will fail (no secret in the log)" "$ok" "1:0"
tap_done
