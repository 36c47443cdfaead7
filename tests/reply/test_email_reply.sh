#!/bin/bash
# test_email_reply.sh - an agent's reply by email, end to end.
# Part 1, the real path: a customer's mail goes through a private Postfix on
# 127.0.0.1 and sentiroute-milter into a ticket; `sentiroutectl ticket
# reply` queues the answer; the milter's own outbox worker sends it through
# that Postfix (the relay), which delivers it to a Maildir: To, decoded
# Subject "Re: ...", In-Reply-To/References, From, body, the Bcc archive
# copy; the customer's answer to it threads back onto the ticket.
# Part 2, faults, against an aiosmtpd sink and `sentiroutectl outbox run`:
# a relay that is down (retried, delivered once when it is back), a
# connection lost after the relay took the message (the retry sends the
# same bytes), a 550 (parked as failed), STARTTLS + AUTH with the password
# from a file (never logged).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/milter/lib.sh"

tap_plan 22
for tool in postfix swaks openssl; do
    command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin
    command -v "$tool" >/dev/null || { tap_fail "$tool is installed (contrib/setup-debian.sh)"; tap_done; }
done
$PY -c 'import aiosmtpd' 2>/dev/null || { tap_fail "python3-aiosmtpd is installed (for $PY)"; tap_done; }
[ "$(id -u)" = 0 ] || { tap_fail "runs as root (a private Postfix instance needs it)"; tap_done; }
CTL="$top_builddir/tools/sentiroutectl"
SINK="$top_srcdir/tests/reply/smtpsink.py"
CHECK="$top_srcdir/tests/reply/check_reply.py"

# field FILE NAME - one decoded field of a delivered reply
field() { $PY "$CHECK" "$1" | awk -F'\t' -v k="$2" '$1 == k { sub(/^[^\t]*\t/, ""); print; exit }'; }
# job_field CONF JOB KEY - a field of an outbox job (JSON)
job_field() {
    "$CTL" -c "$1" outbox list --format json 2>/dev/null |
        $PY -c 'import json,sys; j=[x for x in json.load(sys.stdin) if x["id"]==int(sys.argv[1])]; print(j[0][sys.argv[2]] if j else "")' "$2" "$3"
}
# inbox_for ADDR - the delivered files whose Delivered-To is ADDR
inbox_for() { grep -l -i "^Delivered-To: $1" "$PEERDIR"/mail/inbox/new/* 2>/dev/null; }

# ---------------------------------------------------------------------------
# Part 1: Postfix + milter, the milter's worker sends the reply
smtp=$(free_port)
mport=$(free_port)
write_conf "$WORK/m.conf" "$mport"
cat >> "$WORK/m.conf" <<CONF
handoff = { timeout = 5; connect_timeout = 2; backoff_base = 0.2; backoff_max = 1; };
reply = {
  email = {
    relay = "smtp://127.0.0.1:$smtp";
    from = "help@support.test";
    from_name = "Kundenservice Müller";
    bcc = ["archive@example.test"];
  };
};
CONF
start_milter "$WORK/m.conf" "$WORK/milter.log"
PEERDIR="$WORK/pf"
"$top_srcdir/contrib/postfix/loopback/setup.sh" "$PEERDIR" "$smtp" "$mport" accept
# the customers' domain is local too: replies land in the same Maildir
sed -i 's/^virtual_mailbox_domains = support.test$/virtual_mailbox_domains = support.test, example.test/' \
    "$PEERDIR/etc/main.cf"
touch -d '1 minute ago' "$PEERDIR/etc/main.cf"
postfix -c "$PEERDIR/etc" start-fg > "$WORK/postfix.out" 2>&1 &
PIDS="$PIDS $!"
if wait_port "$mport" 20 && wait_port "$smtp" 30; then tap_pass "Postfix on 127.0.0.1:$smtp, milter on $mport"
else tap_fail "Postfix and milter up" "$(cat "$WORK/postfix.out" "$WORK/milter.log")"; tap_done; fi
ctl() { "$CTL" -c "$WORK/m.conf" --store "$STORE" "$@"; }

timeout 60 swaks --server "127.0.0.1:$smtp" --from juergen@example.test --to help@support.test \
    --header 'From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.test>' \
    --header 'Subject: =?UTF-8?Q?R=C3=BCckerstattung_f=C3=BCr_Bestellung_1234?=' \
    --header 'Message-Id: <cust-1@example.test>' --header 'References: <cust-0@example.test>' \
    --header 'Content-Type: text/plain; charset=utf-8' \
    --body 'Das ist jetzt das dritte Mal, dass ich schreibe. Wo bleibt mein Geld?' \
    --silent 2 >> "$WORK/swaks.out" 2>&1
for _ in $(seq 200); do [ -n "$(inbox_for help@support.test)" ] && break; sleep 0.1; done
first=$(inbox_for help@support.test | head -1)
tid=$(grep -i '^X-Sentiment-Ticket:' "$first" 2>/dev/null | awk '{print $2}' | tr -d '\r')
tap_ok "the customer's mail went through the milter into ticket '$tid'" bash -c "[ -n '$tid' ]"

reply='Sehr geehrter Herr Müller,

Ihr Geld ist unterwegs: 49,90 € kommen bis Freitag an.
.
From now on we track it. Grüße'
out=$(printf '%s\n' "$reply" | ctl ticket reply "$tid" --author "anna@support.test" 2>&1)
job=$(echo "$out" | sed -n 's/^reply queued as job \([0-9]*\)$/\1/p')
tap_ok "sentiroutectl ticket reply queues a deliver job ($out)" bash -c "[ -n '$job' ]"

# the milter's outbox worker (polling every 2 s) sends it; nobody runs ctl outbox run
for _ in $(seq 200); do [ "$(job_field "$WORK/m.conf" "$job" state)" = done ] && break; sleep 0.1; done
tap_is "the milter's outbox worker delivered the reply to the relay" \
    "$(job_field "$WORK/m.conf" "$job" state):$(job_field "$WORK/m.conf" "$job" attempts)" "done:1"
for _ in $(seq 200); do [ -n "$(inbox_for juergen@example.test)" ] && [ -n "$(inbox_for archive@example.test)" ] && break; sleep 0.1; done
got=$(inbox_for juergen@example.test | head -1)
if [ -z "$got" ]; then tap_fail "the reply reached the customer's Maildir" "$(tail -20 "$PEERDIR/maillog")"; tap_done; fi
$PY "$CHECK" "$got" | sed 's/^/# /'
mid=$(job_field "$WORK/m.conf" "$job" remote_id)
tap_is "To, From and display names (RFC 2047, decoded)" \
    "$(field "$got" to)|$(field "$got" to_name)|$(field "$got" from)|$(field "$got" from_name)" \
    "juergen@example.test|Jürgen Müller|help@support.test|Kundenservice Müller"
tap_is "Subject: Re: and the customer's subject, non-ASCII encoded" \
    "$(field "$got" subject)" "Re: Rückerstattung für Bestellung 1234"
tap_is "In-Reply-To and References: the customer's thread, then its latest mail" \
    "$(field "$got" in_reply_to)|$(field "$got" references)" \
    "<cust-1@example.test>|<cust-0@example.test> <cust-1@example.test>"
tap_is "Message-ID from the job's key; Auto-Submitted; X-Sentiroute-Ticket" \
    "$(field "$got" message_id)|$(field "$got" auto_submitted)|$(field "$got" ticket)" \
    "<$mid>|auto-generated|$(ctl outbox list --format json | $PY -c 'import json,sys; print([x for x in json.load(sys.stdin) if x["id"]=='"$job"'][0]["idempotency_key"].split("-j")[0])')-t$tid"
want_body=$(printf '%s' "$reply" | sed ':a;N;$!ba;s/\n/\\n/g')
tap_is "UTF-8 text/plain body, quoted-printable, decodes to the agent's text" \
    "$(field "$got" charset)|$(field "$got" cte)|$(field "$got" body)" "utf-8|quoted-printable|$want_body"
arch=$(inbox_for archive@example.test | head -1)
tap_is "the Bcc archive copy was delivered, no Bcc header, same Message-ID" \
    "$(inbox_for archive@example.test | wc -l)|$(field "$got" bcc_header)|$(field "$arch" message_id)" "1||<$mid>"
tap_is "the reply to a customer is not scored by the milter (no X-Sentiment)" "$(field "$got" x_sentiment)" ""

# the customer answers the reply; a client that sets only In-Reply-To
timeout 60 swaks --server "127.0.0.1:$smtp" --from juergen@example.test --to help@support.test \
    --header "In-Reply-To: <$mid>" --header 'Message-Id: <cust-2@example.test>' \
    --header 'Subject: Re: Ruckerstattung' --body 'Danke, das ging schnell!' \
    --silent 2 >> "$WORK/swaks.out" 2>&1
for _ in $(seq 200); do [ "$(inbox_for help@support.test | wc -l)" -ge 2 ] && break; sleep 0.1; done
t2=$(grep -il 'cust-2@example.test' $(inbox_for help@support.test) 2>/dev/null | head -1)
tap_is "the customer's answer to the reply threads onto the same ticket" \
    "$(grep -i '^X-Sentiment-Ticket:' "$t2" 2>/dev/null | awk '{print $2}' | tr -d '\r')" "$tid"
tap_ok "Postfix logged no milter errors" bash -c "! grep -E 'milter-reject|warning: milter' '$PEERDIR/maillog'"
postfix -c "$PEERDIR/etc" stop >/dev/null 2>&1
stop_pid "$MILTER_PID" 20

# ---------------------------------------------------------------------------
# Part 2: faults, with sentiroutectl outbox run against an aiosmtpd sink
# conf2 RELAYPORT [EXTRA] - a config for a store of our own
conf2() {
    cat > "$WORK/c2.conf" <<CONF
log = { level = "debug"; };
store = { path = "$WORK/store2"; sync = false; instance = "t2"; };
milter = { recipients = ["help@support.test"]; };
handoff = { timeout = 5; connect_timeout = 2; backoff_base = 0.2; backoff_max = 1; max_attempts = 8; $3 };
reply = { email = { relay = "smtp://$2:$1"; $4 }; };
CONF
}
c2() { "$CTL" -c "$WORK/c2.conf" "$@"; }
# new_reply SENDER - a customer mail and an agent's reply; prints the job id
new_reply() {
    local t
    t=$(printf 'From: %s\nSubject: Order %s\nMessage-ID: <%s@example.test>\n\nWhere is my order? Please help.\n' \
        "$1" "$RANDOM" "$RANDOM$RANDOM" | c2 ingest --rfc822 2>>"$WORK/c2.log" |
        $PY -c 'import json,sys; print(json.load(sys.stdin)["ticket"])')
    printf 'It ships today.\n' | c2 ticket reply "$t" 2>>"$WORK/c2.log" | sed -n 's/^reply queued as job \([0-9]*\)$/\1/p'
}
# start_sink DIR ARGS... - an aiosmtpd sink; SINK_PORT is its port
start_sink() {
    local dir=$1
    shift
    $PY "$SINK" --dir "$dir" "$@" > "$dir.port" 2>>"$WORK/sink.log" &
    PIDS="$PIDS $!"
    SINK_PID=$!
    for _ in $(seq 100); do [ -s "$dir.port" ] && break; sleep 0.1; done
    SINK_PORT=$(awk '{print $2}' "$dir.port")
}

# a relay that is down: the attempt fails, the job waits and is retried
down=$(free_port)
conf2 "$down" 127.0.0.1
job=$(new_reply "down@example.test")
c2 outbox run --once >> "$WORK/c2.log" 2>&1
tap_is "relay down: the attempt fails and the job stays pending for a retry" \
    "$(job_field "$WORK/c2.conf" "$job" state):$(job_field "$WORK/c2.conf" "$job" attempts):$(job_field "$WORK/c2.conf" "$job" last_error | grep -ci connect)" "pending:1:1"
mkdir -p "$WORK/sink1"
start_sink "$WORK/sink1" --port "$down"
c2 outbox run --timeout 30 >> "$WORK/c2.log" 2>&1
c2 outbox run --timeout 30 >> "$WORK/c2.log" 2>&1
tap_is "relay back: delivered once, no duplicate after another run" \
    "$(job_field "$WORK/c2.conf" "$job" state):$(ls "$WORK/sink1"/*.eml 2>/dev/null | wc -l)" "done:1"
kill "$SINK_PID" 2>/dev/null

# the relay takes the message but the connection drops before its "250"
mkdir -p "$WORK/sink2"
start_sink "$WORK/sink2" --drop 1
conf2 "$SINK_PORT" 127.0.0.1
job=$(new_reply "drop@example.test")
c2 outbox run --timeout 30 >> "$WORK/c2.log" 2>&1
n=$(ls "$WORK/sink2"/*.eml 2>/dev/null | wc -l)
tap_is "unknown outcome: retried until the relay answers (2 attempts, 2 copies taken)" \
    "$(job_field "$WORK/c2.conf" "$job" state):$(job_field "$WORK/c2.conf" "$job" attempts):$n" "done:2:2"
tap_ok "the retry sent the very same message (byte for byte, one Message-ID)" \
    cmp -s "$WORK/sink2/001.eml" "$WORK/sink2/002.eml"
kill "$SINK_PID" 2>/dev/null

# a recipient the relay refuses for good
mkdir -p "$WORK/sink3"
start_sink "$WORK/sink3" --reject gone@example.test
conf2 "$SINK_PORT" 127.0.0.1
job=$(new_reply "gone@example.test")
c2 outbox run --timeout 30 >> "$WORK/c2.log" 2>&1
tap_is "550 for the recipient: parked as failed after one attempt, with the reply code" \
    "$(job_field "$WORK/c2.conf" "$job" state):$(job_field "$WORK/c2.conf" "$job" attempts):$(job_field "$WORK/c2.conf" "$job" last_error | grep -c 550)" "failed:1:1"
kill "$SINK_PID" 2>/dev/null

# STARTTLS and AUTH, the password read from a file; the certificate is checked
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1
pw="pw-$RANDOM-planted-$RANDOM"
printf '%s\n' "$pw" > "$WORK/smtp.pass"
chmod 600 "$WORK/smtp.pass"
mkdir -p "$WORK/sink4"
start_sink "$WORK/sink4" --tls "$WORK/cert.pem" "$WORK/key.pem" --user replies --password "$pw"
conf2 "$SINK_PORT" localhost "ca_file = \"$WORK/cert.pem\";" \
    "starttls = true; username = \"replies\"; password_file = \"$WORK/smtp.pass\";"
job=$(new_reply "tls@example.test")
c2 outbox run --timeout 30 >> "$WORK/c2.log" 2>&1
tap_is "STARTTLS (certificate checked) and AUTH with the password file: delivered" \
    "$(job_field "$WORK/c2.conf" "$job" state):$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["tls"], d["login"])' "$WORK/sink4/001.json" 2>&1)" \
    "done:True replies"
c2 configtest --dump > "$WORK/dump.txt" 2>&1
tap_ok "the SMTP password is in no log line and no dump" \
    bash -c "! grep -q -- '$pw' '$WORK/c2.log' '$WORK/dump.txt' '$WORK/milter.log' && grep -q redacted '$WORK/dump.txt'"
# the same without the CA: the self-signed certificate is refused, retried
conf2 "$SINK_PORT" localhost "" \
    "starttls = true; username = \"replies\"; password_file = \"$WORK/smtp.pass\";"
job=$(new_reply "tls2@example.test")
c2 outbox run --once >> "$WORK/c2.log" 2>&1
tap_is "an unverifiable certificate is not trusted: nothing sent, retried later" \
    "$(job_field "$WORK/c2.conf" "$job" state):$(ls "$WORK/sink4"/*.eml | wc -l)" "pending:1"
tap_ok "milter and sentiroutectl logged no errors" \
    bash -c "! grep -E '(error|fatal):' '$WORK/milter.log'"
tap_done
