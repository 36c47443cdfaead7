#!/usr/bin/python3
"""bench_xmpp - visitor messages per second scored and relayed by
sentiroute-xmpp through a real Prosody, and the latency the bridge adds,
against the same traffic through a no-op echo component in the same run.

Both paths have the same four hops and the same clients:
  echo    visitor -> Prosody -> echo component -> Prosody -> visitor
  bridge  visitor -> Prosody -> sentiroute-xmpp -> Prosody -> agent
          (the visitor is live with the agent: each line is scored,
          stored on the ticket -- one LMDB commit -- and relayed with its
          sentiment)
Two bridges run side by side (two component domains): one with
store.sync = true (the default: every line fsync'ed before it is relayed),
one with sync = false.  Latency is measured closed-loop (one message in
flight), throughput with a window of messages in flight, in interleaved
rounds so that load on the shared machine falls on all paths alike.  Run
by `make bench` (or directly, with top_builddir set).
  BENCH_XMPP_N (default 2000) messages in the throughput phase
  BENCH_XMPP_LAT (default 400) messages in the latency phase
  BENCH_XMPP_ROUNDS (default 4) rounds they are split into
"""
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "xmpp"))
import xmpptest as xt  # noqa: E402

N = int(os.environ.get("BENCH_XMPP_N", "2000"))
NLAT = int(os.environ.get("BENCH_XMPP_LAT", "400"))
WINDOW = 32
ECHO = os.path.join(xt.TOP_BUILD, "tests", "bench", "echo_component")

# chat lines in the five languages, cycled
LINES = [
    "Hi, my parcel has not arrived yet, can you check?",
    "This is the third time I write, I want a refund now!",
    "Thanks a lot, that was really helpful :)",
    "The app keeps crashing when I open my orders",
    "Meine Bestellung ist seit zwei Wochen nicht da, das ist ärgerlich.",
    "Vielen Dank, alles hat super geklappt!",
    "Je n'ai toujours pas reçu mon colis, c'est inadmissible.",
    "Merci beaucoup pour votre aide rapide !",
    "Mi pedido llegó roto y nadie me responde.",
    "¡Muchas gracias, todo perfecto!",
    "Zamówienie nie dotarło, jestem bardzo niezadowolony.",
    "Dziękuję, wszystko w porządku.",
    "Where can I change my delivery address?",
    "I will file a chargeback if this is not fixed today",
    "ok",
    "Can you send me the invoice again please?",
]


def pct(v, p):
    v = sorted(v)
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1)))))
    return v[k]


def cpu_seconds(pid):
    try:
        f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


class Path:
    """one way through Prosody: sender writes to `to`, receiver gets it"""

    def __init__(self, name, sender, to, receiver, proc=None):
        self.name, self.sender, self.to, self.receiver, self.proc = name, sender, to, receiver, proc
        self.got = {}
        self.waiters = {}
        receiver.add_event_handler("message", self.on_message)

    def on_message(self, msg):
        m = re.search(r"\[#(\d+)\]", msg["body"] or "")
        if not m:
            return
        k = int(m.group(1))
        self.got[k] = time.perf_counter()
        w = self.waiters.pop(k, None)
        if w is not None and not w.done():
            w.set_result(True)

    def send(self, k):
        self.sender.say(self.to, "[#%d] %s" % (k, LINES[k % len(LINES)]))

    async def latency(self, base, n):
        lat = []
        for k in range(base, base + n):
            fut = asyncio.get_event_loop().create_future()
            self.waiters[k] = fut
            t0 = time.perf_counter()
            self.send(k)
            await asyncio.wait_for(fut, 10)
            lat.append((self.got[k] - t0) * 1000.0)
        return lat

    async def throughput(self, base, n, window):
        sent, lat = {}, []
        done = asyncio.Event()
        left = [n]
        k = base

        def arrived(msg):
            m = re.search(r"\[#(\d+)\]", msg["body"] or "")
            if m and int(m.group(1)) in sent:
                left[0] -= 1
                if left[0] == 0:
                    done.set()
        self.receiver.add_event_handler("message", arrived)
        cpu0 = cpu_seconds(self.proc.pid) if self.proc else 0.0
        t0 = time.perf_counter()
        while k < base + n:
            # in flight: sent minus arrived
            while k < base + n and (k - base) - (n - left[0]) < window:
                sent[k] = time.perf_counter()
                self.send(k)
                k += 1
            await asyncio.sleep(0.0005)
        await asyncio.wait_for(done.wait(), 120)
        secs = time.perf_counter() - t0
        cpu = (cpu_seconds(self.proc.pid) - cpu0) if self.proc else 0.0
        self.receiver.del_event_handler("message", arrived)
        lat = [(self.got[x] - sent[x]) * 1000.0 for x in sent]
        return n / secs, lat, cpu


async def measure(paths, rounds):
    """interleaved rounds: every path gets a share of the latency and the
    throughput phases in each round, so a load change on the (shared)
    machine hits all of them alike"""
    key = [10]
    lat = {p.name: [] for p in paths}
    tlat = {p.name: [] for p in paths}
    rates = {p.name: [] for p in paths}
    cpu = {p.name: 0.0 for p in paths}

    def keys(n):
        key[0] += n + 1000
        return key[0] - n

    for p in paths:   # warm up
        await p.latency(keys(50), 50)
    for _ in range(rounds):
        for p in paths:
            lat[p.name] += await p.latency(keys(NLAT // rounds), NLAT // rounds)
        for p in paths:
            rate, tl, c = await p.throughput(keys(N // rounds), N // rounds, WINDOW)
            rates[p.name].append(rate)
            tlat[p.name] += tl
            cpu[p.name] += c
    out = []
    for p in paths:
        r = {"path": p.name, "msgs_per_s": round(statistics.median(rates[p.name]), 1),
             "msgs_per_s_rounds": [round(x) for x in rates[p.name]],
             "lat_median_ms": round(statistics.median(lat[p.name]), 3),
             "lat_p99_ms": round(pct(lat[p.name], 99), 3),
             "window_median_ms": round(statistics.median(tlat[p.name]), 3),
             "window_p99_ms": round(pct(tlat[p.name], 99), 3),
             "cpu_ms_per_msg": round(cpu[p.name] * 1000.0 / N, 3) if p.proc else None}
        print(json.dumps(r), flush=True)
        out.append(r)
    return out


def bridge_config(p, domain, store, sync):
    return """
log = {{ level = "notice"; }};
store = {{ path = "{store}"; sync = {sync}; instance = "bench"; }};
xmpp = {{ domain = "{domain}"; port = {comp}; secret_file = "{secret}";
  authenticated_domains = ["localhost"]; agents = ["agent@localhost Anna"];
  rate = 100000.0; burst = 100000; agent_max_chats = 10; }};
""".format(store=store, sync="true" if sync else "false", domain=domain, comp=p.comp,
           secret=SECRET_FILE)


async def bridge_path(p, d, domain, sync, visitor, agent):
    """a bridge on domain, with the visitor live with the agent"""
    bd = os.path.join(d, domain)
    os.makedirs(bd)
    os.chmod(bd, 0o755)
    b = xt.Bridge(bd, "")
    with open(b.conf, "w") as f:   # its own store line: the sync setting
        f.write(bridge_config(p, domain, b.store, sync))
    b.start()
    await b.until_log(r"agent agent@localhost/\S+: available", 15)
    to = "help@" + domain
    visitor.say(to, "I want to talk to a human")
    await visitor.expect("connect you")
    visitor.say(to, "yes")
    if await visitor.expect("Connecting you") is None:
        raise RuntimeError("no live chat: " + b.tail())
    await agent.expect("new chat")
    return b, Path("bridge (store.sync=%s)" % ("true" if sync else "false"), visitor, to, agent,
                   b.proc)


SECRET_FILE = None


async def main():
    global SECRET_FILE
    d = xt.tmpdir()
    p = xt.Prosody(d, secret="bench-comp", extra_components=[("echo.localhost", "echo-s3cret"),
                                                             ("bridge2.localhost", "bench-comp")])
    p.register("agent", "agentpw")
    for v in ("visitor0", "visitor1", "visitor2"):
        p.register(v, "visitorpw")
    p.start()
    SECRET_FILE = xt.secret_file(os.path.join(d, "secret"), "bench-comp")
    echo = subprocess.Popen([ECHO, "echo.localhost", "echo-s3cret", "127.0.0.1", str(p.comp)],
                            stdout=subprocess.PIPE, text=True)
    xt.PROCS.append(echo)
    if echo.stdout.readline().strip() != "connected":
        raise RuntimeError("the echo component did not connect")
    agent = await xt.login(p.c2s, "agent@localhost", "agentpw")
    v = [await xt.login(p.c2s, "visitor%d@localhost" % i, "visitorpw") for i in range(3)]
    b1, p1 = await bridge_path(p, d, "bridge.localhost", True, v[1], agent)
    b2, p2 = await bridge_path(p, d, "bridge2.localhost", False, v[2], agent)
    p0 = Path("echo component (no-op)", v[0], "echo@echo.localhost", v[0], echo)
    rounds = int(os.environ.get("BENCH_XMPP_ROUNDS", "4"))
    print("# %d cores; Prosody 0.12; %d messages closed-loop, %d with %d in flight, per path, in "
          "%d interleaved rounds" % (os.cpu_count(), NLAT, N, WINDOW, rounds), flush=True)
    results = await measure([p0, p1, p2], rounds)
    b1.stop()
    b2.stop()
    echo.terminate()
    echo.wait(timeout=5)
    for c in v + [agent]:
        await c.bye()
    p.stop()

    e = results[0]
    print("\n%-28s %10s %12s %10s %14s %11s" % ("path", "msgs/s", "median ms", "p99 ms",
                                              "added median", "cpu ms/msg"))
    for r in results:
        print("%-28s %10.0f %12.2f %10.2f %14s %11s" % (
            r["path"], r["msgs_per_s"], r["lat_median_ms"], r["lat_p99_ms"],
            "-" if r is e else "%+.2f ms" % (r["lat_median_ms"] - e["lat_median_ms"]),
            "-" if r["cpu_ms_per_msg"] is None else "%.3f" % r["cpu_ms_per_msg"]))
    for r in results[1:]:
        print("# %s: %.2fx the echo's throughput; latency %.2fx the echo's median, p99 %+.2f ms"
              % (r["path"], r["msgs_per_s"] / e["msgs_per_s"], r["lat_median_ms"] / e["lat_median_ms"],
                 r["lat_p99_ms"] - e["lat_p99_ms"]))
    print(json.dumps({"bench": "xmpp", "results": results}))


asyncio.get_event_loop().run_until_complete(asyncio.wait_for(main(), 900))
