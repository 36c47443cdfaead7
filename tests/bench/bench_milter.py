#!/usr/bin/python3
"""bench_milter - mail through a real Postfix on 127.0.0.1: with
sentiroute-milter, with a no-op libmilter milter, and with no milter, in
the same run (make bench-milter; needs root, as Postfix does).

One private Postfix instance (contrib/postfix/loopback) listens on three
smtpd ports that differ only in smtpd_milters:
  none        no milter: Postfix's own cost
  noop        tests/bench/noop_milter: libmilter and the protocol, no work
  sentiroute  sentiroute-milter with its production defaults: GMime
              extraction, scoring, X-Sentiment headers, a ticket per
              message in LMDB (store.sync = true, group commit), routing;
              Postfix hears 250 only when the ticket is on disk
  sentiroute-nosync  the same with store.sync = false (LMDB commits, the
              OS writes them back: a power cut may lose the latest tickets
              or corrupt the store (LMDB's MDB_NOSYNC), never mail; a crash
              of the milter loses nothing)
  sentiroute-notickets  the same with milter.tickets = false: headers
              and routing only, no store; what the scoring costs alone
Accepted mail is discarded after the queue (virtual_transport = discard),
so delivery does not compete with the SMTP side being measured.

Messages: "2KB" plain text in the five languages; "200KB" the same text
plus a 195 KB base64 attachment (multipart/mixed), to help@support.test;
every mail sent carries a Message-ID of its own, so each one is new mail
that opens a ticket (the same Message-ID again is a redelivery, which the
milter finds stored and does not write twice).
Throughput: BENCH_MILTER_N (default 600; a tenth for 200KB) messages over
BENCH_MILTER_CONC (8) persistent SMTP sessions, wall time until the last
250.  Latency: BENCH_MILTER_SEQ (300; a fifth for 200KB) messages one at a
time, from MAIL FROM to the 250 after the data; the milter's added latency
is its median/p99 minus no-milter's.  BENCH_MILTER_ROUNDS (3) rounds with
the ports in turn; medians are reported, and "vs noop" is the median of
each round's ratio to that round's no-op run, with the rounds' range
beside it (the 2 KB phases last seconds: a noisy machine shows there).
"cpu ms": the whole machine's busy CPU time (/proc/stat, all cores: Postfix,
the milter, the kernel, the sending client) per message of the throughput
phase, median over rounds; on a machine that the throughput phase keeps
busy it shows what each variant costs more steadily than msgs/s does.
Then the milter's peak RSS.
"""
import base64, itertools, os, random, smtplib, socket, statistics, subprocess, sys, tempfile, threading, time

top_srcdir = os.environ.get("top_srcdir", ".")
top_builddir = os.environ.get("top_builddir", ".")
MILTER = os.path.join(top_builddir, "plugins/milter/sentiroute-milter")
NOOP = os.path.join(top_builddir, "tests/bench/noop_milter")
SETUP = os.path.join(top_srcdir, "contrib/postfix/loopback/setup.sh")
N = int(os.environ.get("BENCH_MILTER_N", "600"))
CONC = int(os.environ.get("BENCH_MILTER_CONC", "8"))
SEQ = int(os.environ.get("BENCH_MILTER_SEQ", "300"))
ROUNDS = int(os.environ.get("BENCH_MILTER_ROUNDS", "3"))

TEXTS = [
    "I am furious. The parcel never arrived, this is the third time I write and still no answer. "
    "If nobody calls me today I will file a chargeback.",
    "Ich bin sehr enttäuscht, die Lieferung ist kaputt angekommen und niemand antwortet auf meine Mails. "
    "Bitte rufen Sie mich zurück.",
    "Merci beaucoup, le service était excellent et la livraison très rapide. Je vous recommande à tous mes amis !",
    "Estoy muy contento con la atención, gracias por resolverlo tan rápido. Lo recomiendo.",
    "Jestem bardzo zły, paczka nie dotarła, a obsługa klienta w ogóle nie odpowiada.",
    "Could you tell me when my order will ship? I ordered it last Monday. Thanks.",
]

# the Message-ID's serial, filled in when a message is sent (same width)
MSGID_SLOT = b"@@@@MSGID@@@"
MSGID_SEQ = itertools.count(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, seconds):
    end = time.time() + seconds
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def make_message(i, size, rng):
    """one message as bytes: ~2 KB of text, or that plus an attachment"""
    lang = i % len(TEXTS)
    text, k = [], 0
    while sum(len(t.encode()) + 1 for t in text) < 1700:
        text.append(TEXTS[(lang + k) % len(TEXTS)] if k == 0 else TEXTS[lang])
        k += 1
    body = "\n".join(text) + "\n"
    sender = "customer%d@example.org" % (i % 50)
    head = ("From: Customer %d <%s>\r\nTo: help@support.test\r\nSubject: order %d\r\n"
            "Message-ID: <bench-%d-%s@example.org>\r\nDate: Tue, 24 Nov 2026 12:00:00 +0000\r\n"
            "MIME-Version: 1.0\r\n" % (i % 50, sender, 1000 + i, os.getpid(), MSGID_SLOT.decode()))
    if size == "2KB":
        msg = head + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        msg += body.replace("\n", "\r\n")
    else:
        att = base64.encodebytes(rng.randbytes(146000)).decode().replace("\n", "\r\n")
        msg = head + ('Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n'
                      "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
        msg += body.replace("\n", "\r\n")
        msg += ('\r\n--b1\r\nContent-Type: application/pdf; name="invoice.pdf"\r\n'
                "Content-Transfer-Encoding: base64\r\n"
                'Content-Disposition: attachment; filename="invoice.pdf"\r\n\r\n')
        msg += att + "\r\n--b1--\r\n"
    return sender, msg.encode()


def send_many(port, msgs):
    """msgs over one persistent SMTP session; per-message seconds"""
    lat = []
    s = smtplib.SMTP("127.0.0.1", port, timeout=60)
    s.ehlo("bench.example.org")
    for sender, data in msgs:
        # every mail sent is new mail: a Message-ID seen before would be a
        # redelivery, which the milter finds stored already and does not
        # write again (the cheap path, not the one being measured)
        data = data.replace(MSGID_SLOT, b"%012d" % next(MSGID_SEQ), 1)
        t0 = time.perf_counter()
        refused = s.sendmail(sender, ["help@support.test"], data)
        lat.append(time.perf_counter() - t0)
        if refused:
            raise RuntimeError("refused: %r" % refused)
    s.quit()
    return lat


def throughput(port, msgs):
    chunks = [msgs[k::CONC] for k in range(CONC)]
    errs = []

    def run(c):
        try:
            send_many(port, c)
        except Exception as e:  # noqa: BLE001 - reported below
            errs.append(e)
    th = [threading.Thread(target=run, args=(c,)) for c in chunks]
    t0 = time.perf_counter()
    for t in th:
        t.start()
    for t in th:
        t.join()
    dt = time.perf_counter() - t0
    if errs:
        raise RuntimeError("sending failed: %s" % errs[0])
    return len(msgs) / dt


def cpu_seconds(pid):
    """user + system CPU time of a process so far"""
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def busy_seconds():
    """the whole machine's busy CPU time so far (all cores; /proc/stat)"""
    f = open("/proc/stat").readline().split()[1:]
    v = [int(x) for x in f]
    # user nice system idle iowait irq softirq steal: all but idle and iowait
    return (sum(v[:8]) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def filter_pid(sup):
    """sentiroute-milter's filter process: the supervisor's child"""
    try:
        kids = open("/proc/%d/task/%d/children" % (sup, sup)).read().split()
        return int(kids[0]) if kids else sup
    except OSError:
        return sup


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def main():
    if os.geteuid() != 0:
        print("bench_milter: needs root (a private Postfix runs Postfix's own programs)", file=sys.stderr)
        return 2
    for exe in (MILTER, NOOP):
        if not os.access(exe, os.X_OK):
            print("bench_milter: %s is not built" % exe, file=sys.stderr)
            return 2
    work = tempfile.mkdtemp(prefix="srbench-milter.")
    os.chmod(work, 0o755)
    procs = []
    pf = os.path.join(work, "pf")
    # three sentiroute-milters: store.sync = true (the default: a ticket is
    # on disk before Postfix hears 250), false (LMDB commits, no fsync), and
    # no tickets at all (scoring and headers only)
    variants = (("sentiroute", "true", "true"), ("sentiroute-nosync", "false", "true"),
                ("sentiroute-notickets", "true", "false"))
    ports = {name: free_port() for name, _, _ in variants}
    ports.update(noop=free_port(), none=free_port())
    mports = {name: free_port() for name, _, _ in variants}
    nport = free_port()
    milters, stores = {}, {}
    try:
        for name, sync, tickets in variants:
            store = stores[name] = os.path.join(work, "store-" + name)
            os.mkdir(store)
            subprocess.run(["chown", "nobody", store], check=True)
            conf = os.path.join(work, name + ".conf")
            with open(conf, "w") as f:
                f.write('log = { level = "warning"; sink = "stderr"; };\n'
                        'store = { path = "%s"; sync = %s; };\n'
                        'route = { rules = (\n'
                        '  { name = "urgent-to-senior"; label = "urgent"; queue = "senior"; priority = "high"; },\n'
                        '  { name = "unhappy"; label = "negative"; queue = "care"; },\n'
                        '  { name = "promoters"; label = "promoter"; queue = "reviews"; } ); };\n'
                        'milter = { socket = "inet:%d@127.0.0.1"; user = "nobody";\n'
                        '  recipients = ["help@support.test"]; tickets = %s; };\n' % (
                            store, sync, mports[name], tickets))
            mlog = open(os.path.join(work, name + ".log"), "w")
            milters[name] = subprocess.Popen([MILTER, "-f", "-c", conf], stdout=mlog,
                                             stderr=subprocess.STDOUT)
            procs.append(milters[name])
        noop = subprocess.Popen([NOOP, "inet:%d@127.0.0.1" % nport], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        procs.append(noop)
        subprocess.run([SETUP, pf, str(ports["sentiroute"]), str(mports["sentiroute"]), "accept"],
                       check=True)
        with open(os.path.join(pf, "etc/master.cf"), "a") as f:
            for name, _, _ in variants[1:]:
                f.write("127.0.0.1:%d inet n - n - - smtpd -o "
                        "smtpd_milters={inet:127.0.0.1:%d,default_action=accept}\n" % (
                            ports[name], mports[name]))
            f.write("127.0.0.1:%d inet n - n - - smtpd -o smtpd_milters=\n" % ports["none"])
            f.write("127.0.0.1:%d inet n - n - - smtpd -o "
                    "smtpd_milters={inet:127.0.0.1:%d,default_action=accept}\n" % (ports["noop"], nport))
        with open(os.path.join(pf, "etc/main.cf"), "a") as f:
            f.write("virtual_transport = discard:benchmark\n"
                    "message_size_limit = 10240000\n")
        subprocess.run(["touch", "-d", "1 minute ago", os.path.join(pf, "etc/main.cf"),
                        os.path.join(pf, "etc/master.cf")], check=True)
        pfo = open(os.path.join(work, "postfix.out"), "w")
        postfix = subprocess.Popen(["postfix", "-c", os.path.join(pf, "etc"), "start-fg"],
                                   stdout=pfo, stderr=subprocess.STDOUT)
        procs.append(postfix)
        for p in list(ports.values()) + list(mports.values()) + [nport]:
            if not wait_port(p, 30):
                print("bench_milter: port %d did not open" % p, file=sys.stderr)
                for name in milters:
                    sys.stderr.write(open(os.path.join(work, name + ".log")).read())
                return 1
        rng = random.Random(7)
        sizes = {"2KB": (N, SEQ), "200KB": (max(N // 10, CONC), max(SEQ // 5, 20))}
        msgs = {sz: [make_message(i, sz, rng) for i in range(max(n, s))] for sz, (n, s) in sizes.items()}
        # warm up every path (GMime, the store's first commits, Postfix's processes)
        for name, port in ports.items():
            send_many(port, msgs["2KB"][:20])
        res = {}
        order = ["none", "noop"] + [name for name, _, _ in variants]
        pids = {"noop": noop.pid}
        for name, m in milters.items():
            pids[name] = filter_pid(m.pid)
        sent = {name: 0 for name in pids}
        cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
        for r in range(ROUNDS):
            for sz, (n, s) in sizes.items():
                for name in order[r % len(order):] + order[:r % len(order)]:
                    b0 = busy_seconds()
                    tput = throughput(ports[name], msgs[sz][:n])
                    busy = (busy_seconds() - b0) * 1000.0 / n
                    lat = send_many(ports[name], msgs[sz][:s])
                    if name in sent:
                        sent[name] += n + s
                    d = res.setdefault((name, sz), {"tput": [], "med": [], "p99": [], "busy": []})
                    d["tput"].append(tput)
                    d["busy"].append(busy)
                    d["med"].append(statistics.median(lat))
                    d["p99"].append(pct(lat, 99))
            print("# round %d of %d done" % (r + 1, ROUNDS), flush=True)
        cpu = {name: (cpu_seconds(pid) - cpu0[name]) * 1000.0 / max(sent[name], 1)
               for name, pid in pids.items()}
        rss, nt, anon, filed = {}, {}, {}, {}
        for name, m in milters.items():
            for line in open("/proc/%d/status" % pids[name]):
                if line.startswith("VmHWM:"):
                    rss[name] = int(line.split()[1])
                elif line.startswith("RssAnon:"):
                    anon[name] = int(line.split()[1])
                elif line.startswith("RssFile:"):
                    filed[name] = int(line.split()[1])
            if name == "sentiroute-notickets":
                continue
            tickets = subprocess.run([os.path.join(top_builddir, "tools/sentiroutectl"), "--store",
                                      stores[name], "tickets", "--format", "json"],
                                     capture_output=True, text=True)
            nt[name] = tickets.stdout.count('"id"') if tickets.returncode == 0 else -1
        mails = next(MSGID_SEQ) - 1   # every mail sent to any port
        print("\n# %d cores; Postfix %s; %d sessions for throughput; medians of %d rounds" % (
            os.cpu_count(), subprocess.run(["postconf", "-d", "-h", "mail_version"], capture_output=True,
                                           text=True).stdout.strip(), CONC, ROUNDS))
        print("%-6s %-20s %9s %9s %11s %11s %11s %12s %12s %9s" % (
            "size", "milter", "msgs/s", "vs noop", "rounds", "median ms", "p99 ms", "added med",
            "added p99", "cpu ms"))
        for sz in sizes:
            base = res[("none", sz)]
            noop_r = res[("noop", sz)]["tput"]
            for name in order:
                d = res[(name, sz)]
                t = statistics.median(d["tput"])
                # each round's ratio to the no-op run of the same round: the
                # machine's drift between rounds cancels; min-max shows the noise
                ratios = [100.0 * a / b for a, b in zip(d["tput"], noop_r)]
                med = statistics.median(d["med"]) * 1000
                p99 = statistics.median(d["p99"]) * 1000
                added = "" if name == "none" else "%+.2f" % (med - statistics.median(base["med"]) * 1000)
                added99 = "" if name == "none" else "%+.2f" % (p99 - statistics.median(base["p99"]) * 1000)
                print("%-6s %-20s %9.1f %8.0f%% %11s %11.2f %11.2f %12s %12s %9.2f" % (
                    sz, name, t, statistics.median(ratios),
                    "%.0f-%.0f%%" % (min(ratios), max(ratios)), med, p99, added, added99,
                    statistics.median(d["busy"])))
        print()
        print("milter CPU per message (both sizes, user + system): noop %.3f ms, %s" % (
            cpu["noop"], ", ".join("%s %.3f ms" % (n, cpu[n]) for n in milters)))
        for name in milters:
            # file-backed pages are mostly LMDB's map of the store (page
            # cache that grows with the store), anonymous ones the process's own
            print("%s: peak RSS %.1f MiB (all five languages loaded; at the end %.1f MiB "
                  "anonymous, %.1f MiB file-backed); tickets stored: %s" % (
                      name, rss.get(name, 0) / 1024.0, anon.get(name, 0) / 1024.0,
                      filed.get(name, 0) / 1024.0,
                      "%d (%d mails sent to it, %d to all ports)" % (nt[name], sent[name] + 20, mails)
                      if name in nt else "none (tickets = false)"))
        return 0
    finally:
        if os.path.exists(os.path.join(pf, "etc/main.cf")):
            subprocess.run(["postfix", "-c", os.path.join(pf, "etc"), "stop"], capture_output=True)
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if not os.environ.get("KEEP_WORK"):
            subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    sys.exit(main())
