"""Several judged processes sharing one store: two on one SQLite data
folder, and an api node with two worker nodes on one PostgreSQL database,
each node and the database a host of its own (network and UTS namespaces
joined by veth, tests/e2e/netns.py) with 500 submissions. A worker is
killed with SIGKILL while it judges; its claims must be queued again within
the lease bound and judged by a live worker, every accepted submission must
end with its right verdict, and no result may be stored by a stale claim.
The PostgreSQL server is restarted mid-run: nothing accepted is lost.

Usage: test_cluster.py --judged build/server/judged [unittest args]"""
import io
import os
import re
import signal
import sys
import tempfile
import threading
import time
import unittest
import shutil
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from judged import Judged, judged_from_argv  # noqa: E402
import netns  # noqa: E402
import pg  # noqa: E402

JUDGED = None
LEASE, HEARTBEAT = 6, 2  # seconds: a dead node's rows return within LEASE + HEARTBEAT
NODE_ENV = {"JUDGED_LEASE_SECONDS": str(LEASE), "JUDGED_HEARTBEAT_SECONDS": str(HEARTBEAT)}

AC = "a, b = map(int, input().split())\nprint(a + b)\n"
WA = "a, b = map(int, input().split())\nprint(a - b + 1)\n"
SLOW_AC = "import time\nt = time.process_time()\nwhile time.process_time() - t < 1.5: pass\n" + AC
TLE = "while True: pass\n"
WANT = {"ac": 3, "wa": 4, "slow": 3, "tle": 5}
PROBLEMS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "problems")


def zip_folder(folder, answers=None):
    """The folder as a zip; `answers` replaces the content of every .ans file."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for base, _, files in os.walk(folder):
            for f in sorted(files):
                full = os.path.join(base, f)
                if answers is not None and f.endswith(".ans"):
                    z.writestr(os.path.relpath(full, folder), answers)
                else:
                    z.write(full, os.path.relpath(full, folder))
    return buf.getvalue()


def mix(n):
    """n submissions (python3, 71) cycling through the kinds; (body, want) pairs."""
    kinds = ["slow", "ac", "wa", "tle", "slow", "ac"]
    out = []
    for i in range(n):
        k = kinds[i % len(kinds)]
        src = {"ac": AC, "wa": WA, "slow": SLOW_AC, "tle": TLE}[k]
        out.append(({"source_code": src, "language_id": 71, "stdin": f"{i} 2", "expected_output": f"{i + 2}",
                     "cpu_time_limit": 2.5, "wall_time_limit": 6}, WANT[k]))
    return out


C_AC = "#include <stdio.h>\nint main(void) { long a, b; scanf(\"%ld %ld\", &a, &b); printf(\"%ld\\n\", a + b); }\n"
NZEC = "import sys\nsys.exit(3)\n"


def quick_mix(n):
    """n submissions, mostly quick ones: Python and C accepted, wrong answer,
    a non-zero exit, and one in 25 each of a slow accepted (1.5 s of CPU) and
    a time limit (0.5 s); (body, want) pairs."""
    kinds = ["slow", "ac", "wa", "c_ac", "nzec"] + ["ac", "c_ac", "wa", "nzec", "ac"] * 2 + \
            ["tle"] + ["ac", "wa", "c_ac", "nzec", "ac", "c_ac", "wa", "nzec", "ac"]
    out = []
    for i in range(n):
        k = kinds[i % len(kinds)]
        src, lang, want = {"ac": (AC, 71, 3), "wa": (WA, 71, 4), "c_ac": (C_AC, 50, 3), "nzec": (NZEC, 71, 11),
                           "slow": (SLOW_AC, 71, 3), "tle": (TLE, 71, 5)}[k]
        out.append(({"source_code": src, "language_id": lang, "stdin": f"{i} 2", "expected_output": f"{i + 2}",
                     "cpu_time_limit": 0.5 if k == "tle" else 2.5, "wall_time_limit": 15}, want))
    return out


def metric(node, name):
    status, _, raw = node.request("GET", "/metrics")
    if status != 200:
        return None
    m = re.search(rf"^{name}(?:{{[^}}]*}})? ([0-9.e+]+)$", raw.decode(), re.M)
    return float(m.group(1)) if m else 0.0


def print_logs(nodes):
    for n in nodes:
        print(f"--- {n.log_path}\n" + n.log()[-4000:], file=sys.stderr)


def close_all(nodes, server=None):
    """Stops our own nodes (by pid) and their PostgreSQL server; goes on past a failure."""
    for n in nodes:
        try:
            n.close()
        except Exception:
            pass
    if server:
        server.close()


def wait_requeued(test, nodes, since, timeout=60):
    """Waits until one of `nodes` has requeued an expired claim; checks that
    it came within the lease bound of `since` (the kill)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if sum(metric(n, "judged_requeued_expired_total") or 0 for n in nodes) >= 1:
            took = time.time() - since
            test.assertLessEqual(took, LEASE + HEARTBEAT + 2)
            return took
        time.sleep(0.1)
    raise AssertionError("no node requeued the dead node's claims")


def wait_busy(node, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if (metric(node, "judged_workers_busy") or 0) > 0:
            return
        time.sleep(0.05)
    raise AssertionError("the node never started judging")


class Cluster(unittest.TestCase):
    def check_all(self, api, tokens, timeout=240):
        """Every token ends with its verdict; returns the finished rows."""
        rows = {}
        for token, want in tokens:
            body = api.wait_done(token, timeout=timeout)
            self.assertEqual(body["status"]["id"], want, body)
            rows[token] = body
        return rows

    def test_two_processes_on_one_sqlite_folder(self):
        data = tempfile.mkdtemp(prefix="judged-e2e-shared-", dir="/var/tmp")
        a = Judged(JUDGED, env=NODE_ENV, workers=2, data_dir=data, log_name="a.log")
        b = Judged(JUDGED, env=NODE_ENV, workers=2, data_dir=data, log_name="b.log")
        try:
            a.start()
            b.start()
            # wait=true on A for what B may judge: the slow poll finds it.
            # Sent first: behind the batch it would answer once every row is
            # judged, and B would have nothing left to be killed in.
            status, r = a.submit({"source_code": AC, "language_id": 71, "stdin": "5 5", "expected_output": "10"},
                                 "?wait=true")
            self.assertEqual((status, r["status"]["id"]), (201, 3), r)
            tokens = []
            for body, want in mix(24):
                status, r = a.submit(body)
                self.assertEqual(status, 201, r)
                tokens.append((r["token"], want))
            wait_busy(b)
            b.stop(signal.SIGKILL)
            killed_at = time.time()
            # B's claims go back to the queue by lease (B's pid is dead, but A
            # looks for its host's dead pids only at its own start).
            print(f"requeued {wait_requeued(self, [a], killed_at):.1f} s after the kill", file=sys.stderr)
            self.check_all(a, tokens)
            self.assertEqual(metric(a, "judged_stale_results_total"), 0)
            # A restarted B finds nothing of its own to redo, and judges on.
            b.start()
            status, r = b.submit({"source_code": AC, "language_id": 71, "stdin": "40 2", "expected_output": "42"})
            self.assertEqual(status, 201, r)
            self.assertEqual(b.wait_done(r["token"])["status"]["id"], 3)
        except Exception:
            print_logs([a, b])
            raise
        finally:
            close_all([b, a])  # they share `data`, which neither owns
            shutil.rmtree(data, ignore_errors=True)

    @unittest.skipUnless(pg.available() or os.geteuid() == 0, "PostgreSQL 15 is not installed")
    def test_one_idempotency_key_at_two_api_nodes_at_once(self):
        """The same request with one Idempotency-Key sent to two api nodes at
        the same moment: one submission, both answered with its token."""
        server = pg.PgServer()
        nodes = []
        try:
            env = dict(NODE_ENV, JUDGED_STORE=server.fresh_database())
            nodes = [Judged(JUDGED, env=env, workers=1, args=["--role", "api"], log_name=f"api{i}.log")
                     for i in (1, 2)]
            for n in nodes:
                n.start()
            pairs = 40
            answers = {}

            def send(i, node):
                body = {"source_code": AC, "language_id": 71, "stdin": f"{i} 1"}
                answers[(i, node.port)] = node.submit(body, headers={"Idempotency-Key": f"race-{i}"})

            for i in range(pairs):
                ts = [threading.Thread(target=send, args=(i, n)) for n in nodes]
                for t in ts:
                    t.start()
                for t in ts:
                    t.join()
            for i in range(pairs):
                got = [answers[(i, n.port)] for n in nodes]
                self.assertEqual([g[0] for g in got], [201, 201], got)
                self.assertEqual(got[0][1]["token"], got[1][1]["token"], got)
            self.assertEqual(int(server.psql(server.db, "SELECT count(*) FROM submissions")), pairs)
        except Exception:
            print_logs(nodes)
            raise
        finally:
            close_all(nodes, server)

    @unittest.skipUnless(os.geteuid() == 0, "hosts in network namespaces need root")
    def test_api_node_and_two_worker_hosts_on_postgresql(self):
        """Four hosts on one wire: PostgreSQL, an api node and two worker
        nodes, each in a network and UTS namespace of its own joined by veth
        to a bridge; the test speaks from the bridge's own namespace."""
        net = netns.Network()
        server = None
        nodes = []
        try:
            db_addr = net.add_host("db")
            server = pg.PgServer(address=db_addr, host=net.command("db"))
            env = dict(NODE_ENV, JUDGED_STORE=server.fresh_database(), AUTHZ_TOKEN="operator-secret",
                       MAX_QUEUE_SIZE="1000")

            def node(name, role, workers):
                addr = net.add_host(name)
                return Judged(JUDGED, env=env, workers=workers, args=["--role", role], log_name=f"{name}.log",
                              host=net.command(name, hostname=f"judge-{name}"), address=addr)

            api, w1, w2 = node("api", "api", 1), node("w1", "worker", 2), node("w2", "worker", 2)
            nodes = [api, w1, w2]
            with net.inside_hub():
                self.run_cluster(server, api, w1, w2)
        except Exception:
            print_logs(nodes)
            raise
        finally:
            close_all(nodes, server)
            net.close()

    def run_cluster(self, server, api, w1, w2):
        for n in (api, w1, w2):
            n.start()
        # Roles: the api node is ready with no boxes; a worker serves health and metrics only.
        status, h = api.json("GET", "/health")
        self.assertEqual((status, h["role"], h["workers"]), (200, "api", 0), h)
        self.assertNotIn("sandbox_usable", h)
        status, h = w1.json("GET", "/health")
        self.assertEqual((status, h["role"], h["sandbox_usable"]), (200, "worker", True), h)
        status, body = w1.json("GET", "/languages")
        self.assertEqual(status, 404, body)
        # /workers on the api node lists both worker nodes, each named by its own host.
        status, w = api.json("GET", "/workers")
        self.assertEqual((status, w[0]["available"]), (200, 4), w)
        self.assertEqual(sorted(n["node"] for n in w[0]["nodes"]),
                         [f"judge-w1:{w1.proc.pid}", f"judge-w2:{w2.proc.pid}"], w)

        # wait=true on the api node: a worker node judges it, the api
        # node hears of it (LISTEN/NOTIFY) and answers at once, not at the
        # slow poll.
        waits = []
        for i in range(5):
            t0 = time.time()
            status, r = api.submit({"source_code": AC, "language_id": 71, "stdin": f"{i} 1",
                                    "expected_output": f"{i + 1}"}, "?wait=true")
            waits.append(time.time() - t0)
            self.assertEqual((status, r["status"]["id"]), (201, 3), r)
        print("wait=true across nodes: " + ", ".join(f"{w * 1000:.0f} ms" for w in waits), file=sys.stderr)
        self.assertLess(sorted(waits)[2], 4.0)  # the fallback poll would take 5 s

        # A problem uploaded to the api node is graded by the worker
        # nodes, which have only what the store holds (their own data
        # folders): each unpacks the package from the store.
        status, p = api.json("POST", "/problems?id=aplusb", zip_folder(os.path.join(PROBLEMS, "aplusb")),
                             headers={"Content-Type": "application/zip", "X-Auth-User": "operator-secret"})
        self.assertEqual(status, 201, p)
        graded = []
        for sub, want in (("accepted/sum.py", 3), ("wrong_answer/difference.py", 4), ("accepted/sum.c", 3),
                          ("wrong_answer/int32.c", 4)):
            with open(os.path.join(PROBLEMS, "aplusb", "submissions", sub)) as f:
                src = f.read()
            status, r = api.submit({"source_code": src, "language_id": 71 if sub.endswith(".py") else 50,
                                    "problem_id": "aplusb"}, "?wait=true")
            self.assertEqual((status, r["status"]["id"]), (201, want), (sub, r))
            graded.append(r["token"])
        judged_by = {server.psql(server.db, f"SELECT split_part(worker, ':', 2) FROM submissions "
                                            f"WHERE token = '{t}'") for t in graded}
        self.assertTrue(judged_by <= {str(w1.proc.pid), str(w2.proc.pid)}, judged_by)
        for w in (w1, w2):
            if str(w.proc.pid) in judged_by:
                self.assertTrue(os.path.isdir(os.path.join(w.data_dir, "problems", "aplusb")), w.log())
        # Removed and uploaded again with other answers: version 1 again,
        # another package. Workers that cached the first must not grade
        # against it.
        operator = {"X-Auth-User": "operator-secret"}
        self.assertEqual(api.json("DELETE", "/problems/aplusb", headers=operator)[0], 200)
        status, p = api.json("POST", "/problems?id=aplusb",
                             zip_folder(os.path.join(PROBLEMS, "aplusb"), answers="-1\n"),
                             headers={"Content-Type": "application/zip", **operator})
        self.assertEqual((status, p.get("version")), (201, 1), p)
        with open(os.path.join(PROBLEMS, "aplusb", "submissions", "accepted", "sum.py")) as f:
            src = f.read()
        for _ in range(4):  # a worker of each node, most likely
            status, r = api.submit({"source_code": src, "language_id": 71, "problem_id": "aplusb"}, "?wait=true")
            self.assertEqual((status, r["status"]["id"]), (201, 4), r)
            graded.append(r["token"])

        # An api node has no boxes (in a container, no privileges for them):
        # a package with a checker is taken on its structure, the checker
        # compiles on the worker that grades; one that does not compile ends
        # its submissions with Internal Error, never a verdict.
        divisor = os.path.join(PROBLEMS, "divisor")
        with open(os.path.join(divisor, "submissions", "accepted", "largest.py")) as f:
            largest = f.read()
        broken = io.BytesIO()
        with zipfile.ZipFile(broken, "w") as z:
            with zipfile.ZipFile(io.BytesIO(zip_folder(divisor))) as src:
                for e in src.infolist():
                    z.writestr(e.filename, b"int main( {" if e.filename.endswith("checker.cpp") else src.read(e))
        for pid, package, want in (("divisor", zip_folder(divisor), 3), ("divisor-broken", broken.getvalue(), 13)):
            status, p = api.json("POST", f"/problems?id={pid}", package,
                                 headers={"Content-Type": "application/zip", **operator})
            self.assertEqual(status, 201, p)
            status, r = api.submit({"source_code": largest, "language_id": 71, "problem_id": pid}, "?wait=true")
            self.assertEqual((status, r["status"]["id"]), (201, want), (pid, r))
            graded.append(r["token"])

        # 500 mixed submissions; w2 is killed while it judges a slow one,
        # and the database restarts while the rest are judged.
        tokens = []
        for body, want in quick_mix(500):
            status, r = api.submit(body)
            self.assertEqual(status, 201, r)
            tokens.append((r["token"], want, body["source_code"] == SLOW_AC))
        slow = ",".join(f"'{t}'" for t, _, is_slow in tokens if is_slow)
        deadline = time.time() + 120
        while int(server.psql(server.db, f"SELECT count(*) FROM submissions WHERE status_id = 2 AND "
                                         f"worker LIKE 'judge-w2:%' AND token IN ({slow})")) == 0:
            self.assertLess(time.time(), deadline, "w2 never judged a slow submission")
            time.sleep(0.05)
        w2.stop(signal.SIGKILL)
        killed_at = time.time()
        print(f"requeued {wait_requeued(self, [api, w1], killed_at):.1f} s after the kill", file=sys.stderr)
        # The dead node leaves /workers once its heartbeat is a lease old
        # (about when its claims were requeued).
        deadline = time.time() + HEARTBEAT + 5
        while True:
            status, w = api.json("GET", "/workers")
            live = [n["node"] for n in w[0]["nodes"]]
            if live == [f"judge-w1:{w1.proc.pid}"] or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(live, [f"judge-w1:{w1.proc.pid}"], w)

        # The database restarts mid-run: requests meanwhile get 503 with a
        # message, accepted work is not lost, nodes reconnect.
        left = int(server.psql(server.db, "SELECT count(*) FROM submissions WHERE status_id < 3"))
        self.assertGreater(left, 0, "nothing was left to judge across the restart")
        server.stop()
        status, r = api.submit({"source_code": AC, "language_id": 71, "stdin": "1 1"})
        self.assertEqual(status, 503, r)
        time.sleep(1)
        server.start()
        deadline = time.time() + 30
        while True:
            status, r = api.submit({"source_code": AC, "language_id": 71, "stdin": "1 1", "expected_output": "2"})
            if status == 201 or time.time() > deadline:
                break
            time.sleep(0.5)
        self.assertEqual(status, 201, r)
        tokens.append((r["token"], 3, False))
        print(f"database restarted with {left} of {len(tokens)} left to judge", file=sys.stderr)

        rows = self.check_all(api, [(t, want) for t, want, _ in tokens], timeout=600)
        self.assertEqual(metric(w1, "judged_stale_results_total"), 0)
        # Exactly one result each, by a worker node: w1, or w2 before it died.
        worker_of = dict(line.split("|") for line in server.psql(
            server.db, "SELECT token, worker FROM submissions WHERE status_id >= 3").splitlines())
        for token, _, _ in tokens:
            self.assertRegex(worker_of[token], rf"^judge-w[12]:({w1.proc.pid}|{w2.proc.pid}):[0-9]+$")
        self.assertEqual(len(rows), len(tokens))
        unfinished = server.psql(server.db, "SELECT count(*) FROM submissions WHERE status_id < 3")
        self.assertEqual(int(unfinished), 0)
        total = server.psql(server.db, "SELECT count(*) FROM submissions")
        self.assertEqual(int(total), len(tokens) + len(waits) + len(graded))  # nothing lost, nothing twice


if __name__ == "__main__":
    JUDGED, argv = judged_from_argv("test_cluster.py")
    unittest.main(argv=argv, verbosity=2)
