"""srtest - helpers for sentiroute's Python integration tests (TAP, stdlib only).

Every process a test starts is recorded by PID and killed at exit; every
wait is bounded; servers listen on 127.0.0.1 port 0.
"""
import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
CTL = os.environ.get("SENTIROUTECTL") or os.path.join(HERE, "..", "..", "tools", "sentiroutectl")
PROCS = []


def _cleanup():
    for p in PROCS:
        if p.poll() is None:
            try:
                p.kill()
                p.wait(timeout=5)
            except Exception:
                pass


atexit.register(_cleanup)


class Tap:
    def __init__(self, plan):
        self.n = 0
        self.failed = 0
        print("1..%d" % plan, flush=True)

    def ok(self, cond, name, diag=None):
        self.n += 1
        if not cond:
            self.failed += 1
            if diag:
                for line in str(diag).splitlines()[:40]:
                    print("# " + line)
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, name), flush=True)
        return cond

    def done(self):
        sys.exit(1 if self.failed else 0)

    def run_modes(self, modes, test_mode, count):
        """test_mode(m) for each mode; count(m) is how many checks that mode
        and the ones before it plan.  A crash fails the mode's remaining
        checks, never skips them; then done()."""
        for m in modes:
            try:
                test_mode(m)
            except Exception as e:
                import traceback
                traceback.print_exc(file=sys.stdout)
                while self.n < count(m):
                    self.ok(False, "%s: aborted: %s" % (m, e))
        self.done()


def tmpdir():
    d = tempfile.mkdtemp(prefix="srtest.")
    atexit.register(shutil.rmtree, d, True)
    return d


def secret_file(d, name, value):
    path = os.path.join(d, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, (value + "\n").encode())
    os.close(fd)
    return path


class Fake:
    """a fakehelpdesk.py server in mode, with secret"""

    def __init__(self, mode, secret, user="agent@example.com"):
        py = shutil.which("python3") or "/usr/bin/python3"
        self.proc = subprocess.Popen([py, os.path.join(HERE, "fakehelpdesk.py"), "--mode", mode,
                                      "--secret", secret, "--user", user, "--lifetime", "900"],
                                     stdout=subprocess.PIPE, text=True)
        PROCS.append(self.proc)
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError("fake server did not start: %r" % line)
        self.port = int(line.split()[1])
        self.url = "http://127.0.0.1:%d" % self.port

    def state(self):
        with urllib.request.urlopen(self.url + "/_state", timeout=10) as r:
            return json.loads(r.read())

    def faults(self, **kw):
        req = urllib.request.Request(self.url + "/_faults", data=json.dumps(kw).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)


def write_config(d, body, name="sentiroute.conf"):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(body)
    return path


def ctl(conf, store, *args, stdin=None, timeout=120, env=None):
    """run sentiroutectl; returns (rc, stdout, stderr)"""
    cmd = [CTL]
    if conf:
        cmd += ["-c", conf]
    if store:
        cmd += ["--store", store]
    cmd += list(args)
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout, env=e)
    return p.returncode, p.stdout, p.stderr


def ingest(conf, store, channel, sender, text, *extra):
    rc, out, err = ctl(conf, store, "ingest", "--channel", channel, "--from", sender, *extra,
                       stdin=text)
    if rc != 0:
        raise RuntimeError("ingest failed (%d): %s" % (rc, err))
    return json.loads(out)


def jobs(conf, store, state=None):
    args = ["outbox", "list", "--format", "json"]
    if state:
        args += ["--state", state]
    rc, out, err = ctl(conf, store, *args)
    if rc != 0:
        raise RuntimeError("outbox list failed: %s" % err)
    return json.loads(out)


def start(cmd, **kw):
    p = subprocess.Popen(cmd, **kw)
    PROCS.append(p)
    return p


def wait_until(pred, timeout, step=0.05):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def kill9(p):
    if p.poll() is None:
        os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=10)
