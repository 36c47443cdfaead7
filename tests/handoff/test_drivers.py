#!/usr/bin/env python3
"""test_drivers - each HTTP handoff driver against a strict local fake of its API:
shape and auth accepted, transcript and sentiment delivered, follow-ups as
comments, 429/Retry-After honoured, 5xx storms ridden out with backoff, a
dropped connection after the server processed the request (unknown outcome)
never doubles a ticket or a comment, bad credentials park the job as failed
(kept, visible), and the secret never reaches a log line."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import srtest  # noqa: E402

MODES = ["zendesk", "gorgias", "rt", "webhook"]
PER_MODE = 13
tap = srtest.Tap(PER_MODE * len(MODES))

SECTION = {
    "zendesk": 'zendesk = {{ url = "{url}"; email = "agent@example.com"; token_file = "{sec}"; '
               'field_score = 360001; field_label = 360002; field_profile = 360003; }};',
    "gorgias": 'gorgias = {{ url = "{url}"; username = "agent@example.com"; api_key_file = "{sec}"; }};',
    "rt": 'rt = {{ url = "{url}"; token_file = "{sec}"; queue = "General"; }};',
    "webhook": 'webhook = {{ url = "{url}/hook"; secret_file = "{sec}"; }};',
}


def config(d, mode, url, secret_path, name="sentiroute.conf"):
    return srtest.write_config(d, """
log = { level = "debug"; };
store = { instance = "drv"; sync = false; };
handoff = {
  method = "%s";
  timeout = 5; connect_timeout = 2;
  backoff_base = 0.05; backoff_max = 1; max_attempts = 12;
  %s
};
route = { rules = ( { name = "everyone"; handoff = true; tags = ["t-all"]; } ); };
""" % (mode, SECTION[mode].format(url=url, sec=secret_path)), name)


def ext_counts(st, mode):
    counts = {}
    for t in st["tickets"]:
        if mode == "rt":
            e = t.get("CustomFields", {}).get("SentirouteId")
        else:
            e = t.get("external_id")
        counts[e] = counts.get(e, 0) + 1
    return counts


def run_outbox(conf, store, timeout=30):
    t0 = time.time()
    rc, out, err = srtest.ctl(conf, store, "outbox", "run", "--timeout", str(timeout))
    return rc, out, err, time.time() - t0


def shape_ok(mode, st):
    t = st["tickets"][0]
    if mode == "zendesk":
        return ("sr_label_urgent" in t["tags"] and t["priority"] in ("urgent", "high", "normal", "low")
                and "external_id" in t and "third time" in t["comment"]["body"]
                and any(cf["id"] == 360001 for cf in t["custom_fields"]))
    if mode == "gorgias":
        return ({"name": "sr_label_urgent"} in t["tags"] and t["meta"]["sentiroute_label"] == "urgent"
                and "third time" in t["messages"][0]["body_text"])
    if mode == "rt":
        return t["Queue"] == "General" and "third time" in t["Content"] and "SentirouteId" in t["CustomFields"]
    return t["label"] == "urgent" and "third time" in t["transcript"][0]["text"]


def test_mode(mode):
    d = srtest.tmpdir()
    secret = "S3cr3t-%s-planted-7f3a" % mode
    sec = srtest.secret_file(d, "secret", secret)
    fake = srtest.Fake(mode, secret)
    conf = config(d, mode, fake.url, sec)
    store = os.path.join(d, "store")
    logs = ""

    # 1. three conversations and a follow-up on the email thread
    r1 = srtest.ingest(conf, store, "email", "Jane Doe <jane@example.com>",
                       "This is the third time I write. Refund me ASAP or I file a chargeback!",
                       "--subject", "Refund", "--message-id", "<m1@example.com>")
    srtest.ingest(conf, store, "sms", "+49 151 1234 5678", "where is my parcel? I want a human",
                  "--email", "sms.user@example.com")
    srtest.ingest(conf, store, "chat", "visitor42@anon.example/widget", "hello, can someone help me",
                  "--email", "chat.user@example.com")
    rc, out, err, _ = run_outbox(conf, store)
    logs += err
    f = srtest.ingest(conf, store, "email", "jane@example.com", "Still nothing. Terrible service.",
                      "--in-reply-to", "<m1@example.com>", "--message-id", "<m2@example.com>")
    rc2, out2, err2, _ = run_outbox(conf, store)
    logs += err2
    st = fake.state()
    counts = ext_counts(st, mode)
    tap.ok(rc == 0 and rc2 == 0 and len(st["tickets"]) == 3 and all(v == 1 for v in counts.values()),
           "%s: three conversations make three tickets, each once" % mode,
           "rc=%d/%d tickets=%d counts=%s rejected=%s %s" % (rc, rc2, len(st["tickets"]), counts, st["rejected"], err[-2000:]))
    tap.ok(not st["rejected"], "%s: the fake API accepted every request's shape and auth" % mode,
           json.dumps(st["rejected"])[:2000])
    tap.ok(shape_ok(mode, st), "%s: ticket carries transcript, label and sentiroute fields" % mode,
           json.dumps(st["tickets"][0])[:2000])
    tk = json.loads(srtest.ctl(conf, store, "ticket", "show", str(r1["ticket"]), "--format", "json")[1])
    tap.ok(f["ticket"] == r1["ticket"] and tk["remote_id"] != "" and tk["handed_off"],
           "%s: follow-up threads onto the ticket, which knows its remote id" % mode, json.dumps(tk)[:800])
    comments = st["comments"].get(tk["remote_id"], []) if mode != "webhook" else st["comments"].get(tk["remote_id"] if False else "sr-drv-t%d" % r1["ticket"], [])
    text = json.dumps(comments)
    tap.ok("Terrible service" in text and text.count("Terrible service") == 1,
           "%s: follow-up delivered as one comment" % mode, text[:1500])

    # 2. 429 with Retry-After: 1, twice
    fake.faults(status=[429, 429], retry_after="1")
    r = srtest.ingest(conf, store, "email", "late@example.com", "my order is broken, please help")
    rc, out, err, took = run_outbox(conf, store)
    logs += err
    job = [j for j in srtest.jobs(conf, store) if j["ticket"] == r["ticket"]][0]
    tap.ok(rc == 0 and job["state"] == "done" and job["attempts"] == 3 and took >= 1.8,
           "%s: 429 Retry-After honoured (waited %.1fs, %d attempts)" % (mode, took, job["attempts"]),
           json.dumps(job) + err[-1500:])

    # 3. 5xx storm with no Retry-After: exponential backoff until it passes
    fake.faults(status=[500, 502, 503, 503, 500, 504], retry_after="x")
    r = srtest.ingest(conf, store, "email", "storm@example.com", "nothing works, I am furious")
    rc, out, err, took = run_outbox(conf, store)
    logs += err
    job = [j for j in srtest.jobs(conf, store) if j["ticket"] == r["ticket"]][0]
    counts = ext_counts(fake.state(), mode)
    tap.ok(rc == 0 and job["state"] == "done" and job["attempts"] == 7 and all(v == 1 for v in counts.values()),
           "%s: 5xx storm ridden out with backoff, delivered once" % mode, json.dumps(job) + str(counts))

    # 4. the server processes the create but the connection drops (unknown outcome)
    fake.faults(drop=2)
    r = srtest.ingest(conf, store, "email", "drop@example.com", "I have waited two weeks, this is unacceptable",
                      "--message-id", "<d1@example.com>")
    rc, out, err, took = run_outbox(conf, store)
    logs += err
    st = fake.state()
    counts = ext_counts(st, mode)
    ext = "sr-drv-t%d" % r["ticket"]
    tap.ok(rc == 0 and counts.get(ext) == 1 and all(v == 1 for v in counts.values()) and st["dropped"] >= 1,
           "%s: dropped response after processing does not double the ticket" % mode,
           "counts=%s dropped=%s %s" % (counts, st["dropped"], err[-1500:]))
    # a 503 first, then the retry's lookup (GET, kept-alive connection) and a
    # create that is processed but never answered: libcurl must not resend it
    fake.faults(status=[503], retry_after="x", drop=1)
    r = srtest.ingest(conf, store, "email", "drop2@example.com", "still broken, very disappointed")
    rc, out, err, took = run_outbox(conf, store)
    logs += err
    counts = ext_counts(fake.state(), mode)
    tap.ok(rc == 0 and counts.get("sr-drv-t%d" % r["ticket"]) == 1 and all(v == 1 for v in counts.values()),
           "%s: a create after a lookup is never resent behind our back" % mode,
           "counts=%s %s" % (counts, err[-1500:]))
    # ... and the same for a follow-up comment
    fake.faults(drop=1)
    srtest.ingest(conf, store, "email", "drop@example.com", "Hello?? Anyone there? Unique-marker-99",
                  "--in-reply-to", "<d1@example.com>")
    rc, out, err, took = run_outbox(conf, store)
    logs += err
    st = fake.state()
    text = json.dumps(st["comments"])
    tap.ok(rc == 0 and text.count("Unique-marker-99") == 1,
           "%s: dropped response after a comment does not double the comment" % mode,
           "count=%d dropped=%s" % (text.count("Unique-marker-99"), st["dropped"]))

    # 5. bad credentials: 401 parks the job as failed, kept and visible
    d2 = srtest.tmpdir()
    badsec = srtest.secret_file(d2, "secret", "wrong-" + secret)
    conf2 = config(d2, mode, fake.url, badsec)
    store2 = os.path.join(d2, "store")
    srtest.ingest(conf2, store2, "email", "x@example.com", "please call me")
    rc, out, err, took = run_outbox(conf2, store2)
    logs += err
    failed = srtest.jobs(conf2, store2, "failed")
    tap.ok(len(failed) == 1 and "401" in failed[0]["last_error"],
           "%s: 401 parks the job as failed, visible in outbox list" % mode, json.dumps(failed) + err[-800:])
    rc, out, err = srtest.ctl(conf2, store2, "outbox", "retry", str(failed[0]["id"]) if failed else "0")
    pend = srtest.jobs(conf2, store2, "pending")
    tap.ok(rc == 0 and len(pend) == 1 and pend[0]["attempts"] == 0, "%s: outbox retry requeues a failed job" % mode,
           err + json.dumps(pend))

    # 6. the secret never shows: logs (debug level) and configtest --dump
    rc, dump, err = srtest.ctl(conf, None, "configtest", "--dump")
    logs += err
    tap.ok(rc == 0 and secret not in logs and secret not in dump and "wrong-" not in logs and "<redacted>" in dump,
           "%s: the secret appears in no log line and no dump" % mode, dump[-600:])
    fake.stop()


tap.run_modes(MODES, test_mode, lambda m: PER_MODE * (MODES.index(m) + 1))
