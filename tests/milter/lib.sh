# lib.sh - helpers for the milter's script tests (source after tests/tap.sh)
#   WORK is a private temp dir (0755, removed at exit); every process a
#   test starts is killed by PID in cleanup.
MILTER="$top_builddir/plugins/milter/sentiroute-milter"
LUADIR="$top_srcdir/tests/milter/lua"
SAMPLES="$top_srcdir/config/samples/mail"
WORK=$(mktemp -d /tmp/srmilter-test.XXXXXX)
chmod 755 "$WORK"
PIDS=""

cleanup() {
    for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
    for p in $PIDS; do
        for _ in $(seq 100); do
            [ -d "/proc/$p" ] || break
            [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = Z ] && break
            sleep 0.1
        done
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    [ -n "${PEERDIR:-}" ] && [ -f "$PEERDIR/etc/main.cf" ] && postfix -c "$PEERDIR/etc" stop >/dev/null 2>&1
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

# free_port - a port nobody listens on (bind port 0, read it back)
free_port() {
    $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT SECONDS - until something accepts on 127.0.0.1:PORT
wait_port() {
    local i
    for i in $(seq $(($2 * 10))); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# wait_closed PORT SECONDS - until nothing accepts there any more
wait_closed() {
    local i
    for i in $(seq $(($2 * 10))); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

# exited PID - is the process gone (or a zombie)?
exited() {
    [ ! -d "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# HAVE_TICKETS: 1 when the milter was built with the store (issue 4)
HAVE_TICKETS=$("$MILTER" -V 2>/dev/null | grep -c '+tickets')
STORE="$WORK/store"

# write_conf FILE PORT [EXTRA-MILTER-KEYS] - a config for the milter; with
# the store: a store in $STORE and a rule sending urgent mail to "senior"
# with a copy to senior@support.test
write_conf() {
    if [ "$HAVE_TICKETS" = 1 ]; then
        mkdir -p "$STORE"
        chown nobody "$STORE"
        cat > "$1.store" <<CONF
store = { path = "$STORE"; sync = false; ${STORE_KEYS:-} };
route = {
  rules = (
    { name = "urgent-to-senior"; label = "urgent"; queue = "senior"; priority = "high";
      add_recipient = "senior@support.test"; handoff = true; }
  );
};
CONF
        if [ -n "${HOOK_PORT:-}" ]; then
            head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$WORK/hook.secret"
            chmod 600 "$WORK/hook.secret"
            cat >> "$1.store" <<CONF
handoff = {
  method = "webhook";
  backoff_base = 0.2;
  webhook = { url = "http://127.0.0.1:$HOOK_PORT/hook"; secret_file = "$WORK/hook.secret"; };
};
CONF
        fi
    else
        : > "$1.store"
    fi
    cat "$1.store" - > "$1" <<CONF
log = { level = "debug"; sink = "stderr"; };
milter = {
  socket = "inet:$2@127.0.0.1";
  user = "nobody";
  recipients = ["help@support.test", "care@example.test"];
  domains = ["vip.support.test"];
  $3
};
CONF
}

# start_milter CONF LOG [ARGS] - run the milter in the foreground as our
# child; MILTER_PID is the supervisor (or the filter with -S)
start_milter() {
    local conf=$1 log=$2
    shift 2
    "$MILTER" -f -c "$conf" "$@" > "$log" 2>&1 &
    MILTER_PID=$!
    PIDS="$PIDS $MILTER_PID"
}

# stop_pid PID SECONDS - SIGTERM, wait; 0 when it exited in time (then
# STOP_STATUS is its exit status, when it was our child)
stop_pid() {
    local i
    kill -TERM "$1" 2>/dev/null
    for i in $(seq $(($2 * 10))); do
        exited "$1" && { wait "$1" 2>/dev/null; STOP_STATUS=$?; return 0; }
        sleep 0.1
    done
    return 1
}

# filter_pid SUPERVISOR - the filter process (the supervisor's child)
filter_pid() {
    local c
    c=$(cat "/proc/$1/task/$1/children" 2>/dev/null)
    echo "${c%% *}"
}

# mt SCRIPT PORT [-D k=v ...] - run a miltertest script, output in $WORK/mt.out
mt() {
    local script=$1 port=$2
    shift 2
    timeout 60 miltertest -D port="$port" -D luadir="$LUADIR" "$@" -s "$LUADIR/$script" \
        > "$WORK/mt.out" 2>&1
}
