#!/bin/bash
# test_ctl_store.sh - sentiroutectl's store commands against what customers
# send: long non-ASCII subjects and names, control characters in listings,
# out-of-range arguments, large stores; eval's gold values.
. "$top_srcdir/tests/tap.sh"
CTL=${SENTIROUTECTL:-$top_builddir/tools/sentiroutectl}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cat > "$T/c.conf" <<'CONF'
store = { sync = false; instance = "t"; };
CONF
ctl() { "$CTL" -c "$T/c.conf" --store "$T/s" "$@" 2>>"$T/log"; }

tap_plan 26

# a subject or name longer than the ticket's field, in a non-Latin script,
# is cut at a character, not inside one (the ticket record is JSON: a cut
# inside a character made the whole ingest fail, the message lost)
subj=$($PY -c 'print("Zamówienie nie dotarło, żądam zwrotu pieniędzy " * 8)')
name=$($PY -c 'print("Ж" * 100)')
echo "Gdzie jest moja paczka?" | ctl ingest --channel email --from anna@example.pl \
  --subject "$subj" --name "$name" > "$T/o"; rc=$?
tap_is "ingest with a 400-byte Polish subject and a long Cyrillic name succeeds" "$rc" 0
ctl tickets --format json > "$T/o"
$PY - "$T/o" <<'PYEOF' 2>>"$T/log"
import json, sys
t = json.load(open(sys.argv[1], encoding="utf-8"))
assert len(t) == 1, t
assert t[0]["subject"].startswith("Zamówienie nie dotarło") and len(t[0]["subject"].encode()) <= 255, t
assert set(t[0]["name"]) == {"Ж"} and len(t[0]["name"].encode()) <= 127, t
PYEOF
tap_is "the ticket keeps the subject and name cut at a character boundary" "$?" 0

# what a customer writes reaches the agent's terminal as text, never as
# escape sequences: ESC/BEL/CR in the body (clear screen, retitle, hide or
# overwrite lines), C1 CSI (U+009B) in the subject
printf 'Hello\033[2J\033]0;pwned\007 agent,\rrefund approved\nsecond line\n' |
  ctl ingest --channel email --from esc@example.com \
  --subject "$(printf 'Invoice \xc2\x9b8m hidden')" > "$T/o"
id=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["ticket"])' "$T/o")
ctl ticket show "$id" > "$T/show"
ctl tickets > "$T/list"
ctrl() { LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]\|\xc2[\x80-\x9f]' "$1"; }
tap_is "ticket show prints no control characters from the message" "$(ctrl "$T/show")" 0
tap_is "tickets prints no control characters from the subject" "$(ctrl "$T/list")" 0
grep -q 'second line' "$T/show" && grep -q 'Hello.*pwned.*refund approved' "$T/show" &&
  grep -q 'Invoice.*8m hidden' "$T/list"
tap_is "the text around them is still shown" "$?" 0

# ticket split --at takes a message number as given: 4294967298 is no
# message of the ticket (it was cut to 32 bits: 2, and split there)
for i in 1 2 3; do echo "line $i" | ctl ingest --channel chat --from split@example.com/web > "$T/o"; done
id=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["ticket"])' "$T/o")
ctl ticket split "$id" --at 4294967298 > "$T/o"; rc=$?
n=$(ctl ticket show "$id" --format json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["transcript"]))')
tap_is "ticket split --at 4294967298 is refused and moves nothing" "$rc $n" "2 3"
ctl ticket split "$id" --at 3 > "$T/o"; rc=$?
n=$(ctl ticket show "$id" --format json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["transcript"]))')
tap_is "ticket split --at 3 moves the last message" "$rc $n" "0 2"

# ticket commands take one ticket: 'ticket close 12 13 14' closed 12 only
# and exited 0, 'ticket handoff ID "text"' dropped the reason
for i in 1 2; do echo "close me $i" | ctl ingest --channel chat --from close$i@example.com/web > "$T/o$i"; done
a=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["ticket"])' "$T/o1")
b=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["ticket"])' "$T/o2")
ctl ticket close "$a" "$b" > /dev/null; rc=$?
st=$(ctl tickets --format json | $PY -c 'import json,sys; print(" ".join(t["status"] for t in json.load(sys.stdin) if t["id"] in ('"$a,$b"')))')
tap_is "ticket close with two ids is a usage error and closes neither" "$rc $st" "2 new new"
ctl ticket handoff "$a" "customer asked twice" > /dev/null; rc1=$?
ctl ticket reply "$a" --author > /dev/null < /dev/null; rc2=$?
ctl ticket show "$a" --format xml > /dev/null; rc3=$?
tap_is "ticket handoff/reply/show with a stray or incomplete option exit 2" "$rc1 $rc2 $rc3" "2 2 2"
n=$(ctl outbox list --format json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')
tap_is "and queue nothing" "$n" 0

# tickets --limit on a large store holds the limit, not the store: 20,000
# tickets, the 5 newest (every ticket was read into memory, ~2 KB each, and
# the list sorted, before the limit applied)
$PY -c '
import json
for i in range(20000):
    print(json.dumps({"channel": "chat", "from": "v%d@example.com/web" % i, "text": "where is my order %d" % i}))
' > "$T/big.jsonl"
"$CTL" -c "$T/c.conf" --store "$T/big" ingest --jsonl < "$T/big.jsonl" > /dev/null 2>>"$T/log"
$PY - "$CTL" "$T/c.conf" "$T/big" > "$T/o" 2>>"$T/log" <<'PYEOF'
import json, resource, subprocess, sys
ctl, conf, store = sys.argv[1:4]
# the store's pages are mapped and count in RSS: the same walk matching no
# ticket is the baseline
subprocess.run([ctl, "-c", conf, "--store", store, "tickets", "--status", "closed"],
               capture_output=True, text=True)
base = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
p = subprocess.run([ctl, "-c", conf, "--store", store, "tickets", "--limit", "5", "--format", "json"],
                   capture_output=True, text=True)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss - base
ids = [t["id"] for t in json.loads(p.stdout)]
p2 = subprocess.run([ctl, "-c", conf, "--store", store, "tickets", "--limit", "3", "--sort", "id",
                     "--reverse", "--format", "json"], capture_output=True, text=True)
ids2 = [t["id"] for t in json.loads(p2.stdout)]
print(p.returncode, rss, ids, ids2)
PYEOF
read rc rss ids < "$T/o"
tap_is "tickets --limit 5 on 20,000 tickets: the 5 newest" "$rc $ids" "0 [20000, 19999, 19998, 19997, 19996] [20000, 19999, 19998]"
tap_ok "tickets --limit 5 on 20,000 tickets takes under 8 MB more than a walk that keeps none (+$rss KB)" test "$rss" -lt 8000

# numbers and formats are checked: '--limit ten' listed every ticket,
# 'outbox run --timeout 5m' ran for 5 seconds, '--format xml' printed a table
codes=""
for args in "tickets --limit ten" "tickets --limit -1" "tickets --limit 5x" \
            "outbox run --max many" "outbox run --timeout 5m" "outbox run --timeout -3" \
            "outbox list --format xml"; do
  ctl $args > /dev/null; codes="$codes $?"
done
tap_is "bad numbers and formats of tickets/outbox options exit 2" "$codes" " 2 2 2 2 2 2 2"

# tickets --format json prints as it goes: no more memory than the table
# (the whole list was built as one JSON tree and then as one string, about
# 6 KB a ticket on top of the table's 2 KB); the output is unchanged JSON
$PY - "$CTL" "$T/c.conf" "$T/big" > "$T/o" 2>>"$T/log" <<'PYEOF'
import json, resource, subprocess, sys
ctl, conf, store = sys.argv[1:4]
subprocess.run([ctl, "-c", conf, "--store", store, "tickets"], capture_output=True, text=True)
base = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
p = subprocess.run([ctl, "-c", conf, "--store", store, "tickets", "--format", "json"],
                   capture_output=True, text=True)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss - base
t = json.loads(p.stdout)
ok = p.returncode == 0 and len(t) == 20000 and t[0]["id"] == 20000 and t[-1]["id"] == 1
print(int(ok), rss, p.stdout[:40].replace("\n", "|"))
PYEOF
read ok rss head < "$T/o"
tap_is "tickets --format json lists all 20,000 as an indented JSON array" "$ok $head" '1 [| {|  "id": 20000,|  "channel": "chat",'
tap_ok "tickets --format json takes under 8 MB more than the table (+$rss KB)" test "$rss" -lt 8000

# outbox list --format json likewise, on 20,000 pending handoffs
echo s3cret > "$T/wh.secret"; chmod 600 "$T/wh.secret"
cat > "$T/wh.conf" <<CONF
store = { sync = false; instance = "t"; };
handoff = { method = "webhook";
            webhook = { url = "https://hooks.example.invalid/x"; secret_file = "$T/wh.secret"; }; };
route = { rules = ( { name = "all"; handoff = true; } ); };
CONF
"$CTL" -c "$T/wh.conf" --store "$T/bigwh" ingest --jsonl < "$T/big.jsonl" > /dev/null 2>>"$T/log"
$PY - "$CTL" "$T/wh.conf" "$T/bigwh" > "$T/o" 2>>"$T/log" <<'PYEOF'
import json, resource, subprocess, sys
ctl, conf, store = sys.argv[1:4]
subprocess.run([ctl, "-c", conf, "--store", store, "outbox", "list"], capture_output=True, text=True)
base = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
p = subprocess.run([ctl, "-c", conf, "--store", store, "outbox", "list", "--format", "json"],
                   capture_output=True, text=True)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss - base
j = json.loads(p.stdout)
ok = p.returncode == 0 and len(j) == 20000 and j[0]["id"] == 1 and j[-1]["state"] == "pending"
print(int(ok), rss, p.stdout[:24].replace("\n", "|"))
PYEOF
read ok rss head < "$T/o"
tap_is "outbox list --format json lists all 20,000 jobs as an indented JSON array" "$ok $head" '1 [| {|  "id": 1,|  "kind"'
tap_ok "outbox list --format json takes under 8 MB more than the table (+$rss KB)" test "$rss" -lt 8000

# profiles import of a CSV as Excel saves it ("CSV UTF-8": a byte order
# mark before the header, CRLF, quoted fields): the BOM made the first
# column "\uFEFFemail" and every row "has no email"
printf '\xef\xbb\xbfEmail,Name,Profile_ID,Order_Value,VIP\r\n"ann@example.com","Smith, Ann",C-1,120.5,yes\r\n' > "$T/excel.csv"
ctl profiles import "$T/excel.csv" > "$T/o"; rc=$?
ctl profiles show ann@example.com > "$T/p"
$PY -c 'import json,sys; p=json.load(open(sys.argv[1])); assert p["name"]=="Smith, Ann" and p["order_value"]==120.5 and p["vip"], p' "$T/p" 2>>"$T/log"
tap_is "profiles import reads a CSV with a UTF-8 byte order mark" "$rc $?" "0 0"

# root's sentiroutectl (profiles import before the first start, a ticket
# reply) in a store directory the service user owns leaves the store
# usable by that user: data.mdb and lock.mdb were created root's, 0640,
# and the milter (running as the directory's owner) could not open it
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null && id nobody > /dev/null 2>&1; then
  O=$(mktemp -d); chmod 755 "$O"; mkdir "$O/store"; chown nobody "$O/store"
  cp "$T/c.conf" "$O/c.conf"; chmod 644 "$O/c.conf"
  printf 'email,name\nann@example.com,Ann\n' > "$O/p.csv"
  "$CTL" -c "$O/c.conf" --store "$O/store" profiles import "$O/p.csv" > /dev/null 2>>"$T/log"
  # nobody may not reach the build tree (CI clones into a 0700 mktemp
  # directory): the program and its library go where nobody can run them
  mkdir "$O/bin"
  if [ -x "$top_builddir/tools/.libs/sentiroutectl" ]; then
    cp "$top_builddir/tools/.libs/sentiroutectl" "$top_builddir"/core/.libs/libsentiroute.so* "$O/bin/"
  else
    cp "$CTL" "$O/bin/sentiroutectl"
  fi
  chmod -R a+rX "$O/bin"
  echo "Hello, where is my parcel?" | LD_LIBRARY_PATH="$O/bin" \
    setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
    "$O/bin/sentiroutectl" -c "$O/c.conf" --store "$O/store" ingest --channel email \
    --from ann@example.com > /dev/null 2>>"$T/log"
  tap_is "after root's profiles import the directory's owner can still write the store" "$?" 0
  rm -rf "$O"
else
  tap_pass "after root's profiles import the directory's owner can still write the store # SKIP not root"
fi

# ... but nothing the directory's owner plants there makes root give away
# another file: writer.lock as a symlink to a root file got that file
# chowned to the service user (e.g. /etc/shadow)
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null && id nobody > /dev/null 2>&1; then
  O=$(mktemp -d); chmod 755 "$O"; mkdir "$O/store"; chown nobody "$O/store"
  echo "root only" > "$O/victim"; chmod 600 "$O/victim"
  setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups ln -s "$O/victim" "$O/store/writer.lock"
  setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups ln -s "$O/victim" "$O/store/lock.mdb"
  "$CTL" -c "$T/c.conf" --store "$O/store" rescore > /dev/null 2>>"$T/log"
  tap_is "a symlink planted in the store directory does not get root's file chowned" \
    "$(stat -c %U "$O/victim") $(cat "$O/victim")" "root root only"
  rm -rf "$O"
else
  tap_pass "a symlink planted in the store directory does not get root's file chowned # SKIP not root"
fi

# ticket reply reads the whole reply or sends nothing: past 1 MiB it was
# cut there and queued, exit 0, the customer getting the first MiB
before=$(ctl outbox list --format json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')
$PY -c 'import sys; sys.stdout.write("".join("log line %06d\n" % i for i in range(110000)))' |
  ctl ticket reply "$a" > /dev/null; rc=$?
after=$(ctl outbox list --format json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')
tap_is "a reply over 1 MiB is refused (exit 1) and nothing is queued" "$rc $after" "1 $before"

# exit status 74 (documented) when there is no store to read
"$CTL" -c "$T/c.conf" --store "$T/none" tickets > /dev/null 2>&1; rc2=$?
grep -q '74 the store cannot' "$top_srcdir/README.md"
tap_is "tickets on a missing store exits 74, as the README says" "$rc2 $?" "74 0"

# eval: a gold value that is no finite number ("nan" from a spreadsheet's
# empty cell, "inf") is an error naming the line; it was scored as neutral
# and set pearson_r to 0 for the whole file
printf '1.5\tI love it\nnan\tgreat\n-2\tawful\n' > "$T/nan.tsv"
"$CTL" eval --json "$T/nan.tsv" > "$T/o" 2> "$T/err"; rc=$?
grep -q 'nan.tsv:2' "$T/err"
tap_is "eval refuses a nan gold value, naming file:line" "$rc $?" "1 0"

# tickets --lang matches the code whatever its case (tickets carry "pl")
n1=$(ctl tickets --lang pl --format json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')
n2=$(ctl tickets --lang PL --format json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')
tap_is "tickets --lang PL lists what --lang pl lists" "$n2" "$n1"

# ticket show streams the transcript message by message: a ticket of
# 1500 messages of 40 kB (60 MB) is shown in full with 32 MiB of data
# memory (RLIMIT_DATA: heap, not LMDB's read-only map), and its peak RSS
# stays within the store's size (the map's pages) plus 40 MiB.  The whole
# transcript was read into memory first (text: 178 MB, JSON: 420 MB RSS
# for 80 MB), and killed by SIGSEGV under the limit
$PY - "$T" > "$T/big.jsonl" <<'PYEOF'
import json, sys
for i in range(1500):
    print(json.dumps({"channel": "chat", "from": "long@example.com",
                      "text": "message %d: " % i + "my order is late again, where is it? " * 1100}))
PYEOF
"$CTL" -c "$T/c.conf" --store "$T/s" ingest --jsonl < "$T/big.jsonl" > "$T/o" 2> /dev/null
big=$(tail -1 "$T/o" | $PY -c 'import json,sys; print(json.load(sys.stdin)["ticket"])')
for fmt in text json; do
  $PY - "$CTL" "$T" "$big" "$fmt" <<'PYEOF' >> "$T/log" 2>&1
import json, os, resource, subprocess, sys
ctl, d, tid, fmt = sys.argv[1:]
def limit():
    resource.setrlimit(resource.RLIMIT_DATA, (32 << 20, 32 << 20))
out = open(os.path.join(d, "show." + fmt), "wb")
p = subprocess.Popen([ctl, "-c", d + "/c.conf", "--store", d + "/s", "ticket", "show", tid,
                      "--format", fmt], stdout=out, stderr=subprocess.PIPE, preexec_fn=limit)
err = p.stderr.read()
_, status, ru = os.wait4(p.pid, 0)
out.close()
store = os.path.getsize(os.path.join(d, "s", "data.mdb"))
print("%s: status %d, maxrss %d kB, store %d kB, %s" % (fmt, status, ru.ru_maxrss, store >> 10, err[-300:]))
ok = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
ok = ok and ru.ru_maxrss * 1024 < store + (40 << 20)
want = [json.loads(l)["text"] for l in open(os.path.join(d, "big.jsonl"))]
data = open(os.path.join(d, "show." + fmt), encoding="utf-8").read()
if fmt == "json":
    got = [m["text"] for m in json.loads(data)["transcript"]]
    ok = ok and got == want
else:
    ok = ok and all(("\n#%d " % (i + 1)) in data and w in data for i, w in enumerate(want))
    ok = ok and data.endswith(want[-1] + "\n\n")
sys.exit(0 if ok else 1)
PYEOF
  tap_is "ticket show --format $fmt of a 60 MB transcript: complete in 32 MiB of heap, RSS within the store + 40 MiB" "$?" 0
done

[ $TAP_FAILED -gt 0 ] && sed 's/^/# /' "$T/log"
tap_done
