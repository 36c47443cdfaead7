#!/usr/bin/env python3
"""bench_outbox - outbox delivery throughput against a local HTTP target.

Fills a store with N handoff jobs (method webhook: signed JSON POSTs), then
times `sentiroutectl outbox run` draining them into the local fake receiver
(fakehelpdesk.py --mode webhook, which verifies every signature), with 1 and
with 2 worker processes sharing the store (leases keep them apart).
Prints the median of RUNS runs.  Run by `make bench`, not by make check.

usage: bench_outbox.py [JOBS] [RUNS]
"""
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "handoff"))
import srtest  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def run(workers):
    d = srtest.tmpdir()
    sec = srtest.secret_file(d, "secret", "bench-secret")
    fake = srtest.Fake("webhook", "bench-secret")
    conf = srtest.write_config(d, """
log = { level = "warning"; };
store = { instance = "bench"; sync = true; };
handoff = { method = "webhook"; webhook = { url = "%s/hook"; secret_file = "%s"; }; };
route = { rules = ( { name = "all"; handoff = true; } ); };
""" % (fake.url, sec))
    store = os.path.join(d, "store")
    feed = "".join(json.dumps({"channel": "email", "from": "c%d@example.com" % i,
                               "text": "order %d is late, please help" % i}) + "\n" for i in range(N))
    rc, out, err = srtest.ctl(conf, store, "ingest", "--jsonl", stdin=feed, timeout=600)
    assert rc == 0, err
    t0 = time.time()
    procs = [srtest.start([srtest.CTL, "-c", conf, "--store", store, "outbox", "run", "--timeout", "300"],
                          stdout=srtest.subprocess.DEVNULL, stderr=srtest.subprocess.DEVNULL)
             for _ in range(workers)]
    for p in procs:
        p.wait(timeout=600)
    took = time.time() - t0
    st = fake.state()
    fake.stop()
    delivered = len(st["tickets"])
    if delivered != N or any(p.returncode for p in procs):
        print("  run failed: delivered %d of %d" % (delivered, N))
    return N / took


print("bench_outbox: %d webhook handoff jobs per run (signed POST, fsync'ed completion), "
      "median of %d runs" % (N, RUNS))
print("%8s %14s %14s %14s" % ("workers", "median jobs/s", "min jobs/s", "max jobs/s"))
for w in (1, 2):
    r = [run(w) for _ in range(RUNS)]
    print("%8d %14.0f %14.0f %14.0f" % (w, statistics.median(r), min(r), max(r)), flush=True)
