#!/usr/bin/python3
"""bench_sms - inbound SMS through real Kannel: with sentiroute-sms vs. a
static-reply service, in the same run (make bench).

Both runs use the same bearerbox + smsbox config and the same fake phone;
only the default sms-service differs:
  static  text = "..." (smsbox answers itself: Kannel's own cost)
  http    get-url to a minimal static-reply HTTP service (Python's
          ThreadingHTTPServer, HTTP/1.1): Kannel's cost of calling a URL
  shim    get-url to sentiroute-sms, which scores, threads, routes and
          commits each SMS to LMDB (store.sync = true: fsync per commit,
          grouped) before it answers with the acknowledgement
Throughput: BENCH_SMS_N messages (default 2000) from 50 senders sent as
fast as the phone can, until the last reply is back; BENCH_SMS_ROUNDS (3)
rounds, the median is reported.  Every service answers the same text (the
shim's acknowledgements are set to it), so the numbers compare the work
behind the answer, not the length of the reply SMS.  Latency: BENCH_SMS_SEQ
(default 300) messages one at a time, SMS in -> reply at the phone; the
added latency is the shim's minus the static service's (median, p99).
"""
import os, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sms"))
import kannelrig as rig  # noqa: E402

N = int(os.environ.get("BENCH_SMS_N", "2000"))
SEQ = int(os.environ.get("BENCH_SMS_SEQ", "300"))
ROUNDS = int(os.environ.get("BENCH_SMS_ROUNDS", "3"))
TEXTS = ["I am furious, the parcel never arrived and nobody answers!",
         "Ich bin sehr enttäuscht, die Lieferung ist kaputt angekommen.",
         "Merci beaucoup, le service était excellent !",
         "Estoy muy contento con la atención, gracias",
         "Jestem bardzo zły, paczka nie dotarła",
         "Where is my order? It was supposed to arrive yesterday."]


REPLY = "Thanks, we got your message and will answer here. Reply AGENT for a person."
STATIC_HTTP = r"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
BODY = b"Thanks, we got your message and will answer here. Reply AGENT for a person."
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
    def log_message(self, *a):
        pass
class S(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024   # smsbox opens hundreds of connections at once
S(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def run(kind, work):
    os.makedirs(work)
    os.chmod(work, 0o755)
    shim = None
    url = "http://127.0.0.1:@SHIM_PORT@/kannel?secret=@SECRET@&from=%p&to=%P&text=%b&coding=%c&charset=%C&ts=%T&smsc=%i&id=%I"
    k = rig.Kannel(work, url, retries=10, log_level=2)
    lis = None
    if kind == "http":
        port = rig.free_ports(1)[0]
        lis = subprocess.Popen(["/usr/bin/python3", "-c", STATIC_HTTP, str(port)])
        if not rig.wait_port(port, 10, lis):
            raise RuntimeError("static HTTP service did not start")
        k.set_shim(port)
    elif kind == "static":
        k.conf_text = k.conf_text.replace(f'get-url = "{url}"', f'text = "{REPLY}"')
        k.set_shim(1)
    else:
        # the same reply text as the static services, so that the numbers
        # compare the work behind the answer, not the answer's length (the
        # localized acknowledgements in UCS-2 go out as 2-part SMS)
        same = "; ".join(f'{l} = "{REPLY}"' for l in ("en", "de", "fr", "es", "pl"))
        shim = rig.Shim(work, os.environ.get("BENCH_SMS_EXTRA", "") + "ack_every = true; "
                        f'deliver = "off"; outbox_worker = false; ack = {{ {same}; }};')
        k.set_shim(shim.port)
        shim.start()
    k.start()
    phone = rig.Phone(k.fake)
    try:
        # warm up
        for i in range(20):
            phone.send(f"+491510000{i % 50:04d}", text=TEXTS[i % len(TEXTS)])
        phone.wait(20, 30)
        # latency, one at a time
        lat = []
        for i in range(SEQ):
            have = phone.count()
            t0 = phone.send(f"+491520000{i % 50:04d}", text=TEXTS[i % len(TEXTS)])
            lines = phone.wait(have + 1, 10)
            if len(lines) <= have:
                raise RuntimeError(f"{kind}: no reply to message {i}")
            lat.append((lines[have][0] - t0) * 1000.0)
        # throughput, as fast as the phone can send; ROUNDS rounds, the median
        rates, total = [], 0
        for rnd in range(ROUNDS):
            have = phone.count()
            t0 = time.monotonic()
            for i in range(N):
                phone.send(f"+49153{rnd}000{i % 50:04d}", text=f"{TEXTS[i % len(TEXTS)]} #{i}")
            lines = phone.wait(have + N, 300)
            got = len(lines) - have
            total += got
            t1 = lines[-1][0] if got else time.monotonic()
            rates.append(got / (t1 - t0))
        got = total // ROUNDS
        stored = None
        if shim:
            stored = sum(t["messages"] for t in shim.tickets())
        return {"rate": statistics.median(rates), "rates": rates, "got": got, "median": statistics.median(lat),
                "p99": pct(lat, 99), "p90": pct(lat, 90), "stored": stored}
    finally:
        phone.close()
        if shim:
            shim.kill(15)
        if lis:
            lis.kill()
            lis.wait()
        k.stop()


def main():
    base = tempfile.mkdtemp(prefix="sentiroute-bench-sms.")
    os.chmod(base, 0o755)
    print(f"bench_sms: {N} inbound SMS (throughput) and {SEQ} one at a time (latency) "
          "through bearerbox + smsbox + fake SMSC on 127.0.0.1", flush=True)
    res = {}
    for kind in ("static", "http", "shim"):
        res[kind] = run(kind, os.path.join(base, kind))
        r = res[kind]
        extra = f", {r['stored']} messages stored" if r["stored"] is not None else ""
        print(f"  {kind:6s}  {r['rate']:8.1f} SMS/s (median of {' '.join(f'{x:.0f}' for x in r['rates'])}; "
              f"{r['got']}/{N} replies){extra}; "
              f"round trip median {r['median']:.1f} ms, p90 {r['p90']:.1f} ms, p99 {r['p99']:.1f} ms",
              flush=True)
    s, w, h = res["static"], res["http"], res["shim"]
    print(f"  ratio   shim/static throughput {h['rate'] / s['rate']:.2f}, "
          f"shim/static-http {h['rate'] / w['rate']:.2f}")
    print(f"  added latency by the shim vs. static text: median {h['median'] - s['median']:.1f} ms, "
          f"p99 {h['p99'] - s['p99']:.1f} ms")
    print(f"  added latency by the shim vs. static HTTP: median {h['median'] - w['median']:.1f} ms, "
          f"p99 {h['p99'] - w['p99']:.1f} ms")
    ok = h["got"] == N and s["got"] == N and w["got"] == N and \
        (h["stored"] is None or h["stored"] >= ROUNDS * N + SEQ + 20)
    if not ok:
        print("bench_sms: replies or stored messages missing", file=sys.stderr)
    import shutil
    shutil.rmtree(base, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
