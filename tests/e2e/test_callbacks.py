"""End-to-end: where callbacks may go (refused addresses at submission and at
delivery), callbacks that survive a restart with their tries bound, and a
shutdown with a box still running past the grace. A real judged on loopback;
receivers are the test's own sockets on 127.0.0.1."""
import http.server
import json
import os
import re
import signal
import shutil
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from judged import Judged, free_port, judged_from_argv  # noqa: E402

JUDGED = None


class Receiver:
    """Records PUT bodies on a given port, answering 200; over TLS with
    `tls` = (certificate file, key file)."""

    def __init__(self, port=0, tls=None):
        self.bodies = []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_PUT(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.bodies.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            # A failed handshake (the client refused our certificate) is an
            # OSError in accept(), which the server passes over.
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Silent:
    """Accepts connections and never answers; counts them."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


def wait_for(pred, timeout, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def db_rows(data_dir, sql, args=()):
    with sqlite3.connect(os.path.join(data_dir, "judge.db")) as db:
        return db.execute(sql, args).fetchall()


def descendants(pid):
    """Every live process under pid (by /proc ppid links)."""
    children = {}
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            with open(f"/proc/{e}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(e))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Addresses(unittest.TestCase):
    def test_refused_at_submission(self):
        cases = ["http://127.0.0.1:9/", "http://localhost:9/", "http://10.1.2.3/", "http://192.168.0.1/",
                 "http://[::1]:9/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0:9/", "http://169.254.169.254/",
                 "http://[fe80::1]/"]
        with Judged(JUDGED, env={"CALLBACKS_ALLOW_PRIVATE": "false"}, workers=1) as j:
            for url in cases:
                s, body = j.submit({"source_code": "print(1)", "language_id": 71, "callback_url": url})
                self.assertEqual(s, 422, (url, body))
                self.assertIn("callback_url", body, url)
                self.assertTrue(any("address" in m for m in body["callback_url"]), body)
            self.assertEqual(db_rows(j.data_dir, "SELECT count(*) FROM submissions"), [(0,)])
        with Judged(JUDGED, workers=1) as j:  # CALLBACKS_ALLOW_PRIVATE=true: link-local still refused
            for url in ("http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://224.0.0.1/"):
                s, body = j.submit({"source_code": "print(1)", "language_id": 71, "callback_url": url})
                self.assertEqual(s, 422, (url, body))
            s, body = j.submit({"source_code": "print(1)", "language_id": 71, "callback_url": "http://127.0.0.1:9/"})
            self.assertEqual(s, 201, body)

    def test_refused_at_delivery(self):
        """A callback whose address became a forbidden one after it was
        accepted (what DNS rebinding does) is never connected to."""
        recv = Receiver()
        j = Judged(JUDGED, env={"CALLBACKS_ALLOW_PRIVATE": "false", "CALLBACKS_MAX_TRIES": "2"}, workers=1)
        try:
            j.start()
            self.assertEqual(j.stop(), 0)
            with sqlite3.connect(os.path.join(j.data_dir, "judge.db")) as db:
                db.execute("INSERT INTO callbacks (token, url, body, tries_used, created_at_ms) VALUES (?, ?, ?, 0, 0)",
                           ("rebound", f"http://127.0.0.1:{recv.port}/", b'{"token":"rebound"}'))
            j.start()
            self.assertTrue(wait_for(lambda: "given up after 2 attempts" in j.log(), 30), j.log())
            self.assertIn("no allowed address", j.log())
            self.assertEqual(recv.bodies, [])
            self.assertEqual(db_rows(j.data_dir, "SELECT count(*) FROM callbacks"), [(0,)])
        finally:
            j.close()
            recv.close()


def make_certificates(d):
    """A CA of the test's own; certificates it signs for 127.0.0.1 and
    localhost ("good") and for another name ("wrong_name"); and a
    self-signed one for 127.0.0.1 ("untrusted"). Returns the CA's file."""
    def run(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=judged test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign")
    for name, san in (("good", "DNS:localhost,IP:127.0.0.1"), ("wrong_name", "DNS:hooks.example,IP:10.9.9.9")):
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write(f"subjectAltName={san}\nextendedKeyUsage=serverAuth\n")
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
            "-subj", "/CN=" + name)
        run("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext")
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "untrusted.key", "-out", "untrusted.pem",
        "-days", "2", "-subj", "/CN=untrusted", "-addext", "subjectAltName=IP:127.0.0.1")
    return os.path.join(d, "ca.pem")


def metric(j, name):
    s, _, raw = j.request("GET", "/metrics")
    # Every sample carries the node's labels: name{node="…",role="…"} value.
    m = re.search(rf"^{name}(?:{{[^}}]*}})? (\S+)$", raw.decode(), re.M)
    if m:
        return float(m.group(1))
    raise AssertionError(f"{name} not in /metrics")


class Tls(unittest.TestCase):
    """https callbacks: the receiver's certificate is checked against the
    system's store and CALLBACKS_CA_FILE; a wrong one is a failed delivery,
    logged and counted."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="judge-tls-")
        self.ca = make_certificates(self.dir)
        self.receivers = {n: Receiver(tls=(os.path.join(self.dir, n + ".pem"), os.path.join(self.dir, n + ".key")))
                          for n in ("good", "wrong_name", "untrusted")}

    def tearDown(self):
        for r in self.receivers.values():
            r.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def submit(self, j, url):
        s, body = j.submit({"source_code": "print(42)", "language_id": 71, "callback_url": url})
        self.assertEqual(s, 201, body)
        j.wait_done(body["token"])
        return body["token"]

    def test_delivered_when_the_certificate_checks(self):
        with Judged(JUDGED, env={"CALLBACKS_CA_FILE": self.ca, "CALLBACKS_MAX_TRIES": "1"}, workers=1) as j:
            good = self.receivers["good"]
            for host in ("127.0.0.1", "localhost"):  # an address, and a name (SNI, host name check)
                token = self.submit(j, f"https://{host}:{good.port}/hook")
                self.assertTrue(wait_for(lambda: any(b.get("token") == token for b in good.bodies), 30), j.log())
                got = [b for b in good.bodies if b.get("token") == token][0]
                self.assertEqual(got["status"]["id"], 3, got)
            self.assertTrue(wait_for(lambda: metric(j, "judged_callbacks_sent_total") == 2, 10), j.log())
            # A certificate for another name, or one no trusted CA signed:
            # failed, with OpenSSL's reason in the log, and counted.
            for name, host, why in (("wrong_name", "127.0.0.1", "IP address mismatch"),
                                    ("wrong_name", "localhost", "hostname mismatch"),
                                    ("untrusted", "127.0.0.1", "self-signed certificate")):
                token = self.submit(j, f"https://{host}:{self.receivers[name].port}/hook")
                self.assertTrue(wait_for(lambda: any(token in x and "given up" in x for x in j.log().splitlines()), 30),
                                j.log())
                line = [x for x in j.log().splitlines() if token in x and "given up" in x][0]
                self.assertIn("TLS handshake", line)
                self.assertIn(why, line)
                self.assertEqual(self.receivers[name].bodies, [])
            self.assertEqual(metric(j, "judged_callback_failures_total"), 3)

    def test_checked_by_default_against_the_system_store(self):
        # Without CALLBACKS_CA_FILE the test's CA is trusted by nobody.
        with Judged(JUDGED, env={"CALLBACKS_MAX_TRIES": "1"}, workers=1) as j:
            good = self.receivers["good"]
            self.submit(j, f"https://127.0.0.1:{good.port}/")
            self.assertTrue(wait_for(lambda: metric(j, "judged_callback_failures_total") == 1, 30), j.log())
            self.assertEqual(good.bodies, [])
            self.assertIn("certificate verify failed", j.log())
        # A CA file that cannot be read stops the start, naming it.
        bad = Judged(JUDGED, env={"CALLBACKS_CA_FILE": os.path.join(self.dir, "missing.pem")}, workers=1)
        try:
            with self.assertRaises(RuntimeError) as e:
                bad.start()
            self.assertIn("CALLBACKS_CA_FILE", str(e.exception))
        finally:
            bad.close()


class Durable(unittest.TestCase):
    def test_resumed_after_restart(self):
        port = free_port()
        j = Judged(JUDGED, env={"CALLBACKS_MAX_TRIES": "20", "CALLBACKS_TIMEOUT": "1"}, workers=1)
        recv = None
        try:
            j.start()
            s, t = j.submit({"source_code": "print('cb')", "language_id": 71,
                             "callback_url": f"http://127.0.0.1:{port}/hook"})
            self.assertEqual(s, 201, t)
            j.wait_done(t["token"])
            self.assertTrue(wait_for(lambda: "attempt 2 failed" in j.log(), 30), j.log())
            self.assertEqual(j.stop(), 0)
            rows = db_rows(j.data_dir, "SELECT token, tries_used FROM callbacks")
            self.assertEqual(len(rows), 1, rows)
            self.assertEqual(rows[0][0], t["token"])
            self.assertGreaterEqual(rows[0][1], 2)
            recv = Receiver(port)
            j.start()
            self.assertTrue(wait_for(lambda: len(recv.bodies) >= 1, 60), j.log())
            time.sleep(2)  # nothing more arrives
            self.assertEqual(len(recv.bodies), 1, recv.bodies)
            self.assertEqual(recv.bodies[0]["token"], t["token"])
            self.assertEqual(recv.bodies[0]["status"]["id"], 3)
            self.assertTrue(wait_for(lambda: db_rows(j.data_dir, "SELECT count(*) FROM callbacks") == [(0,)], 10))
            # Delivered: not sent again after one more restart.
            self.assertEqual(j.stop(), 0)
            j.start()
            time.sleep(2)
            self.assertEqual(len(recv.bodies), 1)
        finally:
            j.close()
            if recv:
                recv.close()

    def test_adopted_when_its_node_dies(self):
        """Two processes on one data folder: B finishes a submission and its
        callback hangs on a receiver that does not answer; B is killed. A
        adopts the callback once B's lease runs out and delivers it, once."""
        lease, beat = 6, 2
        answered, hung = [], []

        class H(http.server.BaseHTTPRequestHandler):
            def do_PUT(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                if not hung:
                    hung.append(body)
                    time.sleep(60)  # B's attempt: never answered while B lives
                    return
                answered.append(body)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *a):
                pass

        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        data = tempfile.mkdtemp(prefix="judged-e2e-adopt-", dir="/var/tmp")
        env = {"CALLBACKS_TIMEOUT": "60", "CALLBACKS_MAX_TRIES": "3", "JUDGED_LEASE_SECONDS": str(lease),
               "JUDGED_HEARTBEAT_SECONDS": str(beat)}
        b = Judged(JUDGED, env=env, workers=1, data_dir=data, log_name="b.log")
        a = Judged(JUDGED, env=env, workers=1, data_dir=data, log_name="a.log")
        try:
            b.start()
            s, t = b.submit({"source_code": "print('cb')", "language_id": 71,
                             "callback_url": f"http://127.0.0.1:{srv.server_address[1]}/hook"})
            self.assertEqual(s, 201, t)
            self.assertTrue(wait_for(lambda: len(hung) == 1, 60), b.log())
            a.start()  # B is alive: A leaves B's callback alone
            time.sleep(beat + 1)
            self.assertEqual(answered, [])
            b.stop(signal.SIGKILL)
            killed = time.time()
            self.assertTrue(wait_for(lambda: len(answered) == 1, lease + beat + 20), a.log())
            took = time.time() - killed
            print(f"callback adopted and delivered {took:.1f} s after its node was killed", file=sys.stderr)
            self.assertLess(took, lease + beat + 5)
            self.assertEqual(answered[0]["token"], t["token"])
            self.assertIn("adopted", a.log())
            self.assertTrue(wait_for(lambda: db_rows(data, "SELECT count(*) FROM callbacks") == [(0,)], 10))
            time.sleep(beat + 1)
            self.assertEqual(len(answered), 1)  # once
        finally:
            for n in (a, b):
                try:
                    n.stop()
                except Exception:
                    pass
            srv.shutdown()
            srv.server_close()
            shutil.rmtree(data, ignore_errors=True)

    def test_tries_bound_across_restarts(self):
        silent = Silent()
        j = Judged(JUDGED, env={"CALLBACKS_MAX_TRIES": "3", "CALLBACKS_TIMEOUT": "1"}, workers=1)
        try:
            j.start()
            s, t = j.submit({"source_code": "print(1)", "language_id": 71,
                             "callback_url": f"http://127.0.0.1:{silent.port}/"})
            self.assertEqual(s, 201, t)
            self.assertTrue(wait_for(lambda: len(silent.conns) >= 1, 60), j.log())
            self.assertEqual(j.stop(), 0)
            before = len(silent.conns)
            self.assertLess(before, 3)
            j.start()
            self.assertTrue(wait_for(lambda: "given up after 3 attempts" in j.log(), 30), j.log())
            time.sleep(1.5)
            self.assertEqual(len(silent.conns), 3)
            self.assertEqual(db_rows(j.data_dir, "SELECT count(*) FROM callbacks"), [(0,)])
        finally:
            j.close()
            silent.close()


class Shutdown(unittest.TestCase):
    def test_box_running_past_grace(self):
        marker = f"srvcb-{os.getpid()}-{time.time_ns()}"
        j = Judged(JUDGED, env={"JUDGED_SHUTDOWN_GRACE_SECONDS": "1"}, workers=1)
        try:
            j.start()
            s, t = j.submit({"source_code": "import time, sys\ntime.sleep(4)\nprint('done')\n", "language_id": 71,
                             "wall_time_limit": 15, "command_line_arguments": marker})
            self.assertEqual(s, 201, t)
            self.assertTrue(wait_for(lambda: any(marker in cmdline(p) for p in descendants(j.proc.pid)), 30),
                            "the box never ran")
            time.sleep(0.3)
            ours = descendants(j.proc.pid)
            t0 = time.time()
            self.assertEqual(j.stop(signal.SIGTERM), 0, j.log())
            self.assertLess(time.time() - t0, 1 + 5)
            self.assertIn("put back in the queue", j.log())
            self.assertTrue(wait_for(lambda: not any(alive(p) for p in ours), 5),
                            [(p, cmdline(p)) for p in ours if alive(p)])
            self.assertEqual(db_rows(j.data_dir, "SELECT status_id FROM submissions WHERE token = ?", (t["token"],)),
                             [(1,)])
            j.start()
            r = j.wait_done(t["token"], timeout=90)
            self.assertEqual((r["status"]["id"], r["stdout"]), (3, "done\n"))
        finally:
            j.close()


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


if __name__ == "__main__":
    JUDGED, argv = judged_from_argv("test_callbacks.py")
    unittest.main(argv=argv, verbosity=2)
