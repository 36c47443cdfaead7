#!/bin/bash
# test_postfix.sh - a real Postfix on 127.0.0.1 with sentiroute-milter in
# front of delivery; swaks sends the sample mails (plain, base64 German,
# quoted-printable French, HTML-only Spanish, multipart/alternative Polish,
# a happy reply over a quoted angry history, forged X-Sentiment headers)
# and the delivered messages' headers are checked.  Then automatic mail to
# a closed ticket: an out-of-office reply and a bounce leave it closed,
# and with milter.automatic = "score" (after a reload) one reopens it.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/milter/lib.sh"

tap_plan 30
for tool in postfix swaks; do
    command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin
    command -v "$tool" >/dev/null || { tap_fail "$tool is installed (contrib/setup-debian.sh)"; tap_done; }
done
[ "$(id -u)" = 0 ] || { tap_fail "runs as root (a private Postfix instance needs it)"; tap_done; }
tap_is "the milter is built with the store (-V says +tickets)" "$HAVE_TICKETS" 1

smtp=$(free_port)
mport=$(free_port)
if [ "$HAVE_TICKETS" = 1 ]; then   # the helpdesk: a webhook receiver on loopback
    HOOK_PORT=$(free_port)
    $PY "$top_srcdir/tests/milter/hook.py" "$HOOK_PORT" "$WORK/hook" &
    PIDS="$PIDS $!"
    wait_port "$HOOK_PORT" 20
fi
write_conf "$WORK/m.conf" "$mport"
start_milter "$WORK/m.conf" "$WORK/milter.log"
PEERDIR="$WORK/pf"
"$top_srcdir/contrib/postfix/loopback/setup.sh" "$PEERDIR" "$smtp" "$mport" accept
postfix -c "$PEERDIR/etc" start-fg > "$WORK/postfix.out" 2>&1 &
PIDS="$PIDS $!"
if wait_port "$mport" 20 && wait_port "$smtp" 30; then tap_pass "Postfix on 127.0.0.1:$smtp, milter on $mport"
else tap_fail "Postfix and milter up" "$(cat "$WORK/postfix.out" "$WORK/milter.log")"; tap_done; fi

# send every sample to help@support.test
failed=""
for f in "$SAMPLES"/*.eml; do
    timeout 60 swaks --server "127.0.0.1:$smtp" --from customer@example.test --to help@support.test \
        --data "@$f" --silent 2 >> "$WORK/swaks.out" 2>&1 || failed="$failed $(basename "$f")"
done
# one to a non-support address, with a forged header that must stay
timeout 60 swaks --server "127.0.0.1:$smtp" --from customer@example.test --to sales@support.test \
    --header 'Message-Id: <untouched-1@example.test>' --header 'X-Sentiment: forged=yes' \
    --body 'I am furious and want a refund now!' --silent 2 >> "$WORK/swaks.out" 2>&1 || failed="$failed untouched"
tap_is "swaks delivered all 8 messages to Postfix" "$failed" ""

nsamples=$(ls "$SAMPLES"/*.eml | wc -l)
want=$((nsamples + 1))
for _ in $(seq 300); do
    [ "$(ls "$PEERDIR/mail/inbox/new" 2>/dev/null | wc -l)" -ge "$want" ] &&
        postqueue -c "$PEERDIR/etc" -p 2>/dev/null | grep -q 'Mail queue is empty' && break
    sleep 0.1
done
tap_is "all of them reached the Maildir" \
    "$(ls "$PEERDIR/mail/inbox/new" 2>/dev/null | wc -l | awk -v w="$want" '{print ($1 >= w) ? "yes" : $1}')" "yes"
$PY "$top_srcdir/tests/milter/headers.py" "$PEERDIR/mail/inbox/new" > "$WORK/summary.tsv"
sed 's/^/# /' "$WORK/summary.tsv"

# row MSGID - the summary line of one message
# (the copy delivered to the original recipient, not the senior team's)
row() { grep -F "<$1>" "$WORK/summary.tsv" | awk -F'\t' '$2 != "senior@support.test"' | head -1; }
# 2 Delivered-To, 3 X-Sentiment, 4 score, 5 label, 6 queue, 7 count of
# X-Sentiment*, 8 safe, 9 count of X-Sentiment, 10 ticket
field() { row "$1" | cut -f"$2"; }
label() { field "$1" 5; }
xs() { field "$1" 3; }

tap_is "plain English chargeback: urgent, threatening" \
    "$(label order1234-1@example.test):$(xs order1234-1@example.test | grep -c threatening)" "urgent:1"
tap_is "base64 German: lang=de, urgent" \
    "$(xs k-20250303@beispiel.test | grep -o 'lang=..'):$(label k-20250303@beispiel.test)" "lang=de:urgent"
l=$(label e.durand.77@exemple.test)
tap_is "quoted-printable ISO-8859-1 French: lang=fr, negative side" \
    "$(xs e.durand.77@exemple.test | grep -o 'lang=..'):$(case $l in negative|urgent) echo neg;; *) echo "$l";; esac)" "lang=fr:neg"
l=$(label lucia-4411@ejemplo.test)
tap_is "HTML-only windows-1252 Spanish: lang=es, positive side" \
    "$(xs lucia-4411@ejemplo.test | grep -o 'lang=..'):$(case $l in positive|promoter) echo pos;; *) echo "$l";; esac)" "lang=es:pos"
l=$(label an-5521@przyklad.test)
tap_is "multipart/alternative Polish (plain part): lang=pl, positive side" \
    "$(xs an-5521@przyklad.test | grep -o 'lang=..'):$(case $l in positive|promoter) echo pos;; *) echo "$l";; esac)" "lang=pl:pos"
l=$(label order1234-3@example.test)
tap_is "happy reply over a quoted angry history: positive side" \
    "$(case $l in positive|promoter) echo pos;; *) echo "$l";; esac)" "pos"

# forged headers: exactly our three, none of theirs
tap_is "forged X-Sentiment* removed, ours added (one X-Sentiment, one score, one label)" \
    "$(field forged-1@example.test 9):$(grep -F '<forged-1@example.test>' "$WORK/summary.tsv" | head -1 | cut -f7)" \
    "1:$((3 + HAVE_TICKETS * 2))"
tap_ok "forged message is not labelled or queued by the forger" \
    bash -c "[ '$(label forged-1@example.test)' != promoter ] && [ '$(field forged-1@example.test 6)' != vip ]"
tap_is "X-Sentiment-Score matches X-Sentiment" \
    "$(xs order1234-1@example.test | sed 's/score=\([0-9.]*\);.*/\1/')" "$(field order1234-1@example.test 4)"
tap_is "every X-Sentiment* value is one line of printable ASCII" \
    "$(cut -f8 "$WORK/summary.tsv" | sort -u)" "1"
tap_is "mail to a non-support address: untouched (forged header kept, nothing added)" \
    "$(field untouched-1@example.test 3):$(field untouched-1@example.test 7)" "forged=yes:1"

tap_is "the milter logged one line per scored message" \
    "$(grep -c ': score=[0-9.]*; label=' "$WORK/milter.log")" "$nsamples"
tap_ok "Postfix logged no milter errors" bash -c "! grep -E 'milter-reject|warning: milter' '$PEERDIR/maillog'"
grep -E 'score=' "$WORK/milter.log" | sed 's/^/# /'

if [ "$HAVE_TICKETS" = 1 ]; then
    ctl() { "$top_builddir/tools/sentiroutectl" -c "$WORK/m.conf" --store "$STORE" "$@"; }
    bad=""
    for id in order1234-1@example.test k-20250303@beispiel.test forged-1@example.test; do
        [ "$(field "$id" 6)" = senior ] || bad="$bad $id:queue"
        grep -F "<$id>" "$WORK/summary.tsv" | cut -f2 | grep -qx senior@support.test || bad="$bad $id:copy"
    done
    tap_is "urgent mail: X-Sentiment-Queue: senior and a copy to senior@support.test" "$bad" ""
    t1=$(field order1234-1@example.test 10)
    tap_ok "the happy reply is threaded onto the chargeback's ticket ($t1)" \
        bash -c "[ -n '$t1' ] && [ '$t1' != - ] && [ '$t1' = '$(field order1234-3@example.test 10)' ]"
    ctl tickets --sort score > "$WORK/tickets.txt" 2>&1
    sed 's/^/# /' "$WORK/tickets.txt"
    ctl tickets --sort score --format json > "$WORK/tickets.json" 2>&1
    n=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$WORK/tickets.json" 2>&1)
    tap_is "one ticket per conversation, none for the non-support mail" "$n" "$((nsamples - 1))"
    sorted=$($PY -c 'import json,sys; s=[t["score"] for t in json.load(open(sys.argv[1]))]; print(s == sorted(s))' "$WORK/tickets.json" 2>&1)
    tap_is "the ticket queue sorted by sentiment, angriest first" "$sorted" "True"
    # the filter's outbox worker posts the handoffs after the SMTP dialogue
    for _ in $(seq 150); do
        [ "$(ls "$WORK/hook"/*.event 2>/dev/null | wc -l)" -ge 5 ] && break
        sleep 0.1
    done
    ctl outbox list > "$WORK/outbox.txt" 2>&1; sed 's/^/# /' "$WORK/outbox.txt"
    tap_is "the outbox worker handed the 4 urgent tickets to the webhook, the reply as a comment" \
        "$(grep -lx handoff "$WORK/hook"/*.event 2>/dev/null | wc -l):$(grep -lx comment "$WORK/hook"/*.event 2>/dev/null | wc -l)" "4:1"
fi

if [ "$HAVE_TICKETS" = 1 ]; then
    # automatic mail (RFC 3834) to a closed ticket: an out-of-office
    # reply to the chargeback, and a bounce (null sender) quoting it
    tstate() {
        ctl ticket show "$1" --format json 2>/dev/null |
            $PY -c 'import json,sys; t=json.load(sys.stdin); print("%s:%d" % (t["status"], t["messages"]))' 2>&1
    }
    # delivered N - until N messages are in the Maildir and the queue is empty
    delivered() {
        for _ in $(seq 300); do
            [ "$(ls "$PEERDIR/mail/inbox/new" 2>/dev/null | wc -l)" -ge "$1" ] &&
                postqueue -c "$PEERDIR/etc" -p 2>/dev/null | grep -q 'Mail queue is empty' && return 0
            sleep 0.1
        done
        return 1
    }
    # mailfile MSGID - the delivered copies of one message
    mailfile() { grep -l -F "Message-Id: <$1>" "$PEERDIR/mail/inbox/new"/* 2>/dev/null; }
    ooo='I am out of the office until Monday. For urgent matters please contact my colleague.'
    ctl ticket close "$t1" > /dev/null 2>&1
    before=$(tstate "$t1")
    n=$(ls "$PEERDIR/mail/inbox/new" | wc -l)
    failed=""
    timeout 60 swaks --server "127.0.0.1:$smtp" --from customer@example.test --to help@support.test \
        --header 'Message-Id: <ooo-1@example.test>' --header 'In-Reply-To: <order1234-1@example.test>' \
        --header 'Subject: Out of office: Re: Order 1234' --header 'Auto-Submitted: auto-replied' \
        --header 'X-Sentiment: score=9.9; label=promoter' \
        --body "$ooo" --silent 2 >> "$WORK/swaks.out" 2>&1 || failed="$failed ooo-1"
    timeout 60 swaks --server "127.0.0.1:$smtp" --from '<>' --to help@support.test \
        --header 'From: MAILER-DAEMON@example.test' --header 'Message-Id: <dsn-1@example.test>' \
        --header 'References: <order1234-1@example.test>' \
        --header 'Subject: Undelivered Mail Returned to Sender' \
        --body 'Delivery failed: I am furious, the mailbox is full.' --silent 2 >> "$WORK/swaks.out" 2>&1 ||
        failed="$failed dsn-1"
    delivered $((n + 2))
    f=$(mailfile ooo-1@example.test)
    tap_is "out-of-office reply (Auto-Submitted: auto-replied) to the ticket's message: delivered once with its body, X-Sentiment-Skipped, no X-Sentiment*, forged one gone$failed" \
        "$(echo "$f" | grep -c .):$(grep -c 'out of the office until Monday' $f 2>/dev/null):$(grep -h '^X-Sentiment' $f 2>/dev/null | tr '\n' '|')" \
        "1:1:X-Sentiment-Skipped: automatic; reason=auto-submitted|"
    f=$(mailfile dsn-1@example.test)
    tap_is "bounce from the null sender: delivered, X-Sentiment-Skipped, not scored" \
        "$(echo "$f" | grep -c .):$(grep -h '^X-Sentiment' $f 2>/dev/null | tr '\n' '|')" \
        "1:X-Sentiment-Skipped: automatic; reason=null-sender|"
    tap_is "the ticket ($t1) keeps its status and message count (not reopened)" "$(tstate "$t1")" "$before"
    tap_is "the milter logged both with Postfix's queue id, not scored" \
        "$(grep -cE ': [0-9A-F]{6,}: automatic mail \((auto-submitted|null-sender)\), not scored$' "$WORK/milter.log")" "2"

    # milter.automatic = "score", by reload: the old behaviour
    sed -i 's/^milter = {$/milter = {\n  automatic = "score";/' "$WORK/m.conf"
    # the filter reloads as nobody: the secret readable by the service user
    # only, as DESIGN.md has it (root's 0600 file fails the filter's reload)
    chown nobody "$WORK/hook.secret"
    before_n=$(grep -c 'configuration reloaded' "$WORK/milter.log")
    kill -HUP "$MILTER_PID"
    for _ in $(seq 50); do
        [ "$(grep -c 'configuration reloaded' "$WORK/milter.log")" -ge $((before_n + 2)) ] && break
        sleep 0.1
    done
    n=$(ls "$PEERDIR/mail/inbox/new" | wc -l)
    timeout 60 swaks --server "127.0.0.1:$smtp" --from customer@example.test --to help@support.test \
        --header 'Message-Id: <ooo-2@example.test>' --header 'In-Reply-To: <order1234-1@example.test>' \
        --header 'Subject: Out of office: Re: Order 1234' --header 'Auto-Submitted: auto-replied' \
        --body "$ooo" --silent 2 >> "$WORK/swaks.out" 2>&1
    delivered $((n + 1))
    f=$(mailfile ooo-2@example.test | head -1)
    tap_is "milter.automatic = \"score\" (reloaded): the out-of-office reply is scored, no X-Sentiment-Skipped" \
        "$(grep -c '^X-Sentiment: score=' $f 2>/dev/null):$(grep -c '^X-Sentiment-Skipped' $f 2>/dev/null)" "1:0"
    tap_is "... and reopens the ticket ($t1) with one more message" "$(tstate "$t1")" \
        "open:$((${before#*:} + 1))"
fi

postfix -c "$PEERDIR/etc" stop >/dev/null 2>&1
if stop_pid "$MILTER_PID" 20; then tap_pass "milter stops on SIGTERM"; else tap_fail "milter stops on SIGTERM"; fi
tap_ok "milter logged no errors" bash -c "! grep -E 'error|fatal' '$WORK/milter.log'"
tap_done
