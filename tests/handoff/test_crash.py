#!/usr/bin/env python3
"""test_crash - kill -9 writers and workers mid-stream; nothing lost, nothing doubled.

Two writer processes share one store (as the milter and the SMS shim would)
and ingest hundreds of messages each with `sentiroutectl ingest --jsonl`,
which prints one ack line per message only after its commit.  An outbox
worker delivers concurrently to a fake helpdesk that drops some responses
after processing them and answers some requests with 503.  One writer and
the worker are killed with SIGKILL in the middle.  After a restart of the
worker, every acknowledged message has exactly one ticket at the target
(follow-ups exactly one comment), no ticket exists twice, and the store's
tickets match the target's one to one.  Run for Zendesk (Idempotency-Key)
and Gorgias (lookup before create)."""
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import srtest  # noqa: E402

MODES = ["zendesk", "gorgias", "rt", "webhook"]
PER_MODE = 6
N = 400          # messages per writer
tap = srtest.Tap(PER_MODE * len(MODES))

SECTION = {
    "zendesk": 'zendesk = {{ url = "{url}"; email = "agent@example.com"; token_file = "{sec}"; }};',
    "gorgias": 'gorgias = {{ url = "{url}"; username = "agent@example.com"; api_key_file = "{sec}"; }};',
    "rt": 'rt = {{ url = "{url}"; token_file = "{sec}"; queue = "General"; }};',
    "webhook": 'webhook = {{ url = "{url}/hook"; secret_file = "{sec}"; }};',
}


def messages(prefix, n):
    lines = []
    for i in range(n):
        if i % 5 == 4:   # a follow-up on an earlier thread of this writer
            j = i - 3
            lines.append({"channel": "email", "from": "%s%d@example.com" % (prefix, j),
                          "text": "follow-up %s-%d: still waiting, this is getting worse" % (prefix, i),
                          "in_reply_to": "<%s%d@example.com>" % (prefix, j)})
        else:
            lines.append({"channel": "email", "from": "%s%d@example.com" % (prefix, i),
                          "text": "message %s-%d: my order is late, please help" % (prefix, i),
                          "message_id": "<%s%d@example.com>" % (prefix, i)})
    return "".join(json.dumps(x) + "\n" for x in lines)


def writer(conf, store, d, prefix):
    path = os.path.join(d, prefix + ".jsonl")
    with open(path, "w") as f:
        f.write(messages(prefix, N))
    return srtest.start([srtest.CTL, "-c", conf, "--store", store, "ingest", "--jsonl"],
                        stdin=open(path), stdout=srtest.subprocess.PIPE,
                        stderr=srtest.subprocess.DEVNULL, text=True)


def read_acks(p, limit, deadline):
    acks = []
    while len(acks) < limit and time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        acks.append(json.loads(line))
    return acks


def worker(conf, store):
    return srtest.start([srtest.CTL, "-c", conf, "--store", store, "outbox", "run", "--timeout", "60"],
                        stdout=srtest.subprocess.DEVNULL, stderr=srtest.subprocess.DEVNULL)


def test_mode(mode):
    d = srtest.tmpdir()
    secret = "crash-secret-%s" % mode
    sec = srtest.secret_file(d, "secret", secret)
    fake = srtest.Fake(mode, secret)
    conf = srtest.write_config(d, """
log = { level = "warning"; };
store = { instance = "crash"; sync = true; };
handoff = { method = "%s"; timeout = 2; connect_timeout = 1; backoff_base = 0.05; backoff_max = 1;
            max_attempts = 1000; lease = 18;
            %s };
route = { rules = ( { name = "everyone"; handoff = true; } ); };
""" % (mode, SECTION[mode].format(url=fake.url, sec=sec)))
    store = os.path.join(d, "store")
    fake.faults(drop=15, status=[503] * 10, retry_after="x")

    deadline = time.time() + 120
    wa = writer(conf, store, d, "a")
    wb = writer(conf, store, d, "b")
    wk = worker(conf, store)
    acks_a = read_acks(wa, N // 2, deadline)     # writer a dies halfway
    srtest.kill9(wa)
    srtest.kill9(wk)                              # the worker dies mid-delivery too
    wk = worker(conf, store)
    acks_b = read_acks(wb, N, deadline)
    wb.wait(timeout=60)
    srtest.kill9(wk)
    tap.ok(len(acks_a) == N // 2 and len(acks_b) == N and wb.returncode == 0,
           "%s: writer a acked %d before SIGKILL, writer b acked all %d" % (mode, len(acks_a), len(acks_b)))

    rc, out, err = srtest.ctl(conf, store, "outbox", "run", "--timeout", "120", timeout=180)
    pending = srtest.jobs(conf, store, "pending")
    failed = srtest.jobs(conf, store, "failed")
    tap.ok(rc == 0 and not pending and not failed,
           "%s: after restart the outbox drains (no pending, no failed jobs)" % mode,
           "rc=%d pending=%d failed=%d %s" % (rc, len(pending), len(failed), err[-1000:]))

    st = fake.state()
    rc, out, err = srtest.ctl(conf, store, "tickets", "--format", "json")
    tickets = json.loads(out)
    counts = {}
    for t in st["tickets"]:
        ext = t.get("external_id") or t.get("CustomFields", {}).get("SentirouteId")
        counts[ext] = counts.get(ext, 0) + 1
    dup = {k: v for k, v in counts.items() if v != 1}
    tap.ok(not dup and not st["rejected"], "%s: no ticket doubled at the target (%d tickets, %d dropped responses)"
           % (mode, len(counts), st["dropped"]), "dup=%s rejected=%s" % (dup, st["rejected"][:3]))

    acked = [a for a in acks_a + acks_b]
    missing = [a["ticket"] for a in acked if counts.get("sr-crash-t%d" % a["ticket"]) != 1]
    tap.ok(not missing, "%s: every acknowledged message has exactly one ticket at the target" % mode,
           "missing=%s" % missing[:20])

    store_ext = {"sr-crash-t%d" % t["id"]: t for t in tickets}
    remote_ok = all(t["remote_id"] for t in tickets)
    tap.ok(set(store_ext) == set(counts) and remote_ok,
           "%s: store and target agree one to one (%d tickets) and each knows its remote id"
           % (mode, len(store_ext)), "store-only=%s target-only=%s" % (
               sorted(set(store_ext) - set(counts))[:10], sorted(set(counts) - set(store_ext))[:10]))

    text = json.dumps(st["comments"])
    follow = [a for a in acked if not a["created"]]
    markers = ["follow-up %s-%d:" % (p, i) for p, n in (("a", len(acks_a)), ("b", len(acks_b)))
               for i in range(n) if i % 5 == 4]
    bad = [m for m in markers if text.count(m) != 1]
    tap.ok(len(follow) == len(markers) and not bad,
           "%s: every acknowledged follow-up is exactly one comment (%d)" % (mode, len(markers)),
           "bad=%s" % bad[:10])
    fake.stop()


tap.run_modes(MODES, test_mode, lambda m: PER_MODE * (MODES.index(m) + 1))
