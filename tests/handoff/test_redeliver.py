#!/usr/bin/env python3
"""test_redeliver - exactly once at the helpdesk when a job comes back after
it was parked: the server processed a create or a comment but the answer
was lost, the job ran out of attempts (failed, kept), and an administrator
requeues it with `outbox retry`.  The requeued job must look first, as any
retry after an unknown outcome does, and never make a second ticket or a
second comment.  And a lookup whose answer is no API answer (a 200 HTML
page from a proxy) is no "not found": the job retries instead of sending
again."""
import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import srtest  # noqa: E402

SECTION = {
    "zendesk": 'zendesk = {{ url = "{url}"; email = "agent@example.com"; token_file = "{sec}"; }};',
    "gorgias": 'gorgias = {{ url = "{url}"; username = "agent@example.com"; api_key_file = "{sec}"; }};',
    "rt": 'rt = {{ url = "{url}"; token_file = "{sec}"; queue = "General"; }};',
    "webhook": 'webhook = {{ url = "{url}/hook"; secret_file = "{sec}"; }};',
}
MODES = ["zendesk", "gorgias", "rt"]
PER_MODE = 4
EXTRA = {"zendesk": 5, "gorgias": 3}
tap = srtest.Tap(PER_MODE * len(MODES) + sum(EXTRA.values()))


def setup(mode, max_attempts=1):
    d = srtest.tmpdir()
    secret = "redeliver-%s-secret" % mode
    sec = srtest.secret_file(d, "secret", secret)
    fake = srtest.Fake(mode, secret)
    conf = srtest.write_config(d, """
store = { instance = "rd"; sync = false; };
handoff = {
  method = "%s";
  timeout = 5; connect_timeout = 2;
  backoff_base = 0.05; backoff_max = 1; max_attempts = %d;
  %s
};
route = { rules = ( { name = "everyone"; handoff = true; } ); };
""" % (mode, max_attempts, SECTION[mode].format(url=fake.url, sec=sec)))
    return fake, conf, os.path.join(d, "store")


def run(conf, store):
    return srtest.ctl(conf, store, "outbox", "run", "--timeout", "20")


def park_and_requeue(conf, store):
    """the one failed job is requeued and run; returns (failed jobs, run's stderr)"""
    failed = srtest.jobs(conf, store, "failed")
    for j in failed:
        srtest.ctl(conf, store, "outbox", "retry", str(j["id"]))
    rc, out, err = run(conf, store)
    return failed, err


def test_mode(mode):
    # 1. a create processed, its answer lost, the job parked, then requeued
    fake, conf, store = setup(mode)
    fake.faults(drop=1)
    r = srtest.ingest(conf, store, "email", "jane@example.com", "I want my refund now",
                      "--message-id", "<rd1@example.com>")
    run(conf, store)
    failed, err = park_and_requeue(conf, store)
    st = fake.state()
    jobs = srtest.jobs(conf, store)
    tap.ok(len(failed) == 1 and len(st["tickets"]) == 1 and all(j["state"] == "done" for j in jobs),
           "%s: a requeued create whose first answer was lost makes no second ticket" % mode,
           "failed=%s tickets=%d jobs=%s %s" % (json.dumps(failed), len(st["tickets"]),
                                               json.dumps(jobs), err[-800:]))

    # 2. the same for a follow-up comment
    fake.faults(drop=1)
    srtest.ingest(conf, store, "email", "jane@example.com", "Hello? Unique-requeue-77",
                  "--in-reply-to", "<rd1@example.com>")
    run(conf, store)
    failed, err = park_and_requeue(conf, store)
    text = json.dumps(fake.state()["comments"])
    tap.ok(len(failed) == 1 and text.count("Unique-requeue-77") == 1,
           "%s: a requeued comment whose first answer was lost is not posted twice" % mode,
           "failed=%s count=%d %s" % (json.dumps(failed), text.count("Unique-requeue-77"), err[-800:]))
    fake.stop()

    # 3. the retry's lookup answered by a 200 HTML page, after a lost answer
    fake, conf, store = setup(mode, 6)
    fake.faults(drop=1, garbage=1)
    srtest.ingest(conf, store, "email", "jane@example.com", "I want my refund now",
                  "--message-id", "<rd3@example.com>")
    rc, out, err = run(conf, store)
    st = fake.state()
    jobs = srtest.jobs(conf, store)
    tap.ok(len(st["tickets"]) == 1 and st["dropped"] == 1 and all(j["state"] == "done" for j in jobs),
           "%s: a lookup answered with an HTML page does not lead to a second ticket" % mode,
           "tickets=%d jobs=%s %s" % (len(st["tickets"]), json.dumps(jobs), err[-800:]))

    # 4. the same for a comment
    fake.faults(drop=1, garbage=1)
    srtest.ingest(conf, store, "email", "jane@example.com", "Hello? Unique-garbage-78",
                  "--in-reply-to", "<rd3@example.com>")
    rc, out, err = run(conf, store)
    text = json.dumps(fake.state()["comments"])
    jobs = srtest.jobs(conf, store)
    tap.ok(text.count("Unique-garbage-78") == 1 and all(j["state"] == "done" for j in jobs),
           "%s: a comment's lookup answered with an HTML page does not post it twice" % mode,
           "count=%d jobs=%s %s" % (text.count("Unique-garbage-78"), json.dumps(jobs), err[-800:]))
    if mode in ("zendesk", "gorgias"):
        # 5. a long conversation: the retry must find its note although
        # the ticket has more comments/messages than one page holds
        rid = fake.state()["tickets"][0]["id"]
        req = urllib.request.Request(fake.url + "/_comments", data=json.dumps({"id": rid, "n": 150}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=10).read()
        fake.faults(drop=1)
        srtest.ingest(conf, store, "email", "jane@example.com", "Still here. Unique-long-79",
                      "--in-reply-to", "<rd3@example.com>")
        rc, out, err = run(conf, store)
        st = fake.state()
        text = json.dumps(st["comments"])
        jobs = srtest.jobs(conf, store)
        tap.ok(text.count("Unique-long-79") == 1 and all(j["state"] == "done" for j in jobs)
               and not st["rejected"],
               "%s: a retried note is found on a ticket with more than 100 comments" % mode,
               "count=%d jobs=%s rejected=%s %s" % (text.count("Unique-long-79"), json.dumps(jobs),
                                                    st["rejected"], err[-800:]))
    if mode in ("zendesk", "gorgias"):
        fake.stop()
        # 9. a long email thread: 150 comments of 5 kB text, so one page of
        # the newest 100 is well over 1 MiB of JSON; the retry's lookup must
        # still read it (not fail on every attempt until the job is parked)
        fake, conf, store = setup(mode, 3)
        srtest.ingest(conf, store, "email", "jane@example.com", "I want my refund now",
                      "--message-id", "<rd9@example.com>")
        run(conf, store)
        rid = fake.state()["tickets"][0]["id"]
        req = urllib.request.Request(fake.url + "/_comments",
                                     data=json.dumps({"id": rid, "n": 150, "size": 5000}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=10).read()
        fake.faults(drop=1)
        srtest.ingest(conf, store, "email", "jane@example.com", "Still here. Unique-big-82",
                      "--in-reply-to", "<rd9@example.com>")
        rc, out, err = run(conf, store)
        st = fake.state()
        count = sum(json.dumps(c).count("Unique-big-82") for v in st["comments"].values() for c in v)
        jobs = srtest.jobs(conf, store)
        tap.ok(count == 1 and all(j["state"] == "done" for j in jobs) and not st["rejected"],
               "%s: a retry's lookup reads a page of 100 long comments (over 1 MiB)" % mode,
               "count=%d jobs=%s %s" % (count, json.dumps([(j["state"], j["attempts"], j["last_error"]) for j in jobs]),
                                        err[-600:]))
    if mode == "zendesk":
        fake.stop()
        # 8. a note that never reached Zendesk (503), parked; the ticket's
        # later notes go on (sr-rd-j3 ... sr-rd-j20); requeued, the note's
        # "sentiroute-ref: sr-rd-j2" is no proof that it was posted when
        # only "sentiroute-ref: sr-rd-j20" is there
        fake, conf, store = setup(mode, 1)
        srtest.ingest(conf, store, "email", "jane@example.com", "I want my refund now",
                      "--message-id", "<rd8@example.com>")
        run(conf, store)
        fake.faults(status=[503])
        srtest.ingest(conf, store, "email", "jane@example.com", "Hello? Unique-prefix-81",
                      "--in-reply-to", "<rd8@example.com>")
        run(conf, store)
        parked = srtest.jobs(conf, store, "failed")
        key = parked[0]["idempotency_key"] if parked else "?"
        for i in range(40):
            if any(j["idempotency_key"].startswith(key) and j["idempotency_key"] != key
                   for j in srtest.jobs(conf, store)):
                break
            srtest.ingest(conf, store, "email", "jane@example.com", "and again %d" % i,
                          "--in-reply-to", "<rd8@example.com>")
        run(conf, store)
        failed, err = park_and_requeue(conf, store)
        st = fake.state()
        notes = [c["body"] for v in st["comments"].values() for c in v
                 if c["body"].endswith("sentiroute-ref: " + key)]
        jobs = srtest.jobs(conf, store)
        tap.ok(len(failed) == 1 and len(notes) == 1 and all(j["state"] == "done" for j in jobs),
               "zendesk: a requeued note is not taken as posted because a later job's key starts with its key",
               "failed=%d notes=%d key=%s jobs=%d %s" % (len(failed), len(notes), key, len(jobs), err[-800:]))
    if mode in ("zendesk", "gorgias"):
        fake.stop()
        # 7. agents answered more than four pages of messages after the one
        # whose answer was lost (the job was parked meanwhile): newest
        # first, that message is on page 5.  Gorgias: GET /api/messages,
        # reached by following meta.next_cursor (reference/gorgias.md; the
        # fake's cursors are opaque base64 with '+' and '/', so they must go
        # back URL-encoded); Zendesk: List Comments, page=N while next_page
        # is not null
        fake, conf, store = setup(mode, 1)
        srtest.ingest(conf, store, "email", "jane@example.com", "I want my refund now",
                      "--message-id", "<rd7@example.com>")
        run(conf, store)
        fake.faults(drop=1)
        srtest.ingest(conf, store, "email", "jane@example.com", "Hello? Unique-paged-80",
                      "--in-reply-to", "<rd7@example.com>")
        run(conf, store)
        rid = fake.state()["tickets"][0]["id"]
        req = urllib.request.Request(fake.url + "/_comments", data=json.dumps({"id": rid, "n": 450}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=10).read()
        failed, err = park_and_requeue(conf, store)
        st = fake.state()
        text = json.dumps(st["comments"])
        jobs = srtest.jobs(conf, store)
        tap.ok(len(failed) == 1 and text.count("Unique-paged-80") == 1
               and all(j["state"] == "done" for j in jobs) and not st["rejected"],
               "%s: a requeued message is found past the fourth page of the newest messages" % mode,
               "failed=%d count=%d jobs=%s rejected=%s %s" % (len(failed), text.count("Unique-paged-80"),
                                                            json.dumps(jobs), st["rejected"], err[-800:]))
    if mode == "zendesk":
        fake.stop()
        # 6. Zendesk knows our Idempotency-Key for another body that made no
        # ticket (the body changed since the first attempt, e.g. a reload of
        # conversation.transcript_max): no ticket has our external_id, so
        # the job is sent under a new key, once, and says so in the log
        fake, conf, store = setup(mode, 1)
        srtest.ingest(conf, store, "email", "idem@example.com", "I want my refund now")
        job = srtest.jobs(conf, store)[0]
        req = urllib.request.Request(fake.url + "/_idem", data=json.dumps({"key": job["idempotency_key"]}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=10).read()
        rc, out, err = run(conf, store)
        st = fake.state()
        jobs = srtest.jobs(conf, store)
        tap.ok(len(st["tickets"]) == 1 and all(j["state"] == "done" for j in jobs)
               and "IdempotentRequestError" in err and job["idempotency_key"] in err,
               "zendesk: a key Zendesk knows for another body and no ticket: sent once under a new key, logged",
               "tickets=%d jobs=%s %s" % (len(st["tickets"]), json.dumps(jobs), err[-800:]))
    fake.stop()


tap.run_modes(MODES, test_mode,
              lambda m: sum(PER_MODE + EXTRA.get(x, 0) for x in MODES[:MODES.index(m) + 1]))
