#!/usr/bin/python3
"""End-to-end tests of judged over real HTTP on loopback: every endpoint of
the Judge0 surface and our extensions, wait=true, batches, base64 with binary
output, callbacks to local receivers (working, slow, down), auth, the queue
bound, many concurrent clients, hostile clients, graceful shutdown and
recovery from kill -9.

Usage: test_api.py --judged PATH [unittest args]. Needs root (judged does).
"""
import base64
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from judged import Judged, free_port, judged_from_argv  # noqa: E402

JUDGED = None
OPERATOR_TOKEN = "operator-secret"
OPERATOR = {"X-Auth-User": OPERATOR_TOKEN}

PY_ECHO_DOUBLE = "print(int(input()) * 2)\n"
C_APLUSB = '#include <stdio.h>\nint main(void){int a,b;if(scanf("%d %d",&a,&b)!=2)return 1;printf("%d\\n",a+b);return 0;}\n'

# Judge0 1.13.1's keys for fields=* (what a strict client's model accepts).
JUDGE0_KEYS = {
    "source_code", "language_id", "stdin", "expected_output", "stdout", "status_id", "created_at", "finished_at",
    "time", "memory", "stderr", "token", "number_of_runs", "cpu_time_limit", "cpu_extra_time", "wall_time_limit",
    "memory_limit", "stack_limit", "max_processes_and_or_threads", "enable_per_process_and_thread_time_limit",
    "enable_per_process_and_thread_memory_limit", "max_file_size", "compile_output", "exit_code", "exit_signal",
    "message", "wall_time", "compiler_options", "command_line_arguments", "redirect_stderr_to_stdout",
    "callback_url", "additional_files", "enable_network", "status", "language",
}
CONFIG_KEYS = {
    "allow_enable_network", "allow_enable_per_process_and_thread_memory_limit",
    "allow_enable_per_process_and_thread_time_limit", "allowed_languages_for_compile_options",
    "callbacks_max_tries", "callbacks_timeout", "cpu_extra_time", "cpu_time_limit", "enable_additional_files",
    "enable_batched_submissions", "enable_callbacks", "enable_command_line_arguments", "enable_compiler_options",
    "enable_network", "enable_per_process_and_thread_memory_limit", "enable_per_process_and_thread_time_limit",
    "enable_submission_delete", "enable_wait_result", "maintenance_mode", "max_cpu_extra_time",
    "max_cpu_time_limit", "max_extract_size", "max_file_size", "max_max_file_size",
    "max_max_processes_and_or_threads", "max_memory_limit", "max_number_of_runs", "max_processes_and_or_threads",
    "max_queue_size", "max_stack_limit", "max_submission_batch_size", "max_wall_time_limit", "memory_limit",
    "number_of_runs", "redirect_stderr_to_stdout", "stack_limit", "submission_cache_duration",
    "use_docs_as_homepage", "wall_time_limit",
}


def b64(s):
    return base64.b64encode(s if isinstance(s, bytes) else s.encode()).decode()


def unb64(s):
    return base64.b64decode("".join(s.split())) if s is not None else None


class Receiver:
    """A local callback receiver: records PUT bodies; can be slow."""

    def __init__(self, delay=0.0):
        self.bodies = []
        self.event = threading.Event()
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_PUT(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                if delay:
                    time.sleep(delay)
                outer.bodies.append((self.command, self.path, json.loads(body)))
                outer.event.set()
                try:
                    self.send_response(200)
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class SharedServer(unittest.TestCase):
    """One judged for the read-mostly tests (the common configuration)."""

    @classmethod
    def setUpClass(cls):
        cls.j = Judged(JUDGED, env={"ENABLE_SUBMISSION_DELETE": "true", "CALLBACKS_TIMEOUT": "1",
                                    "AUTHZ_TOKEN": OPERATOR_TOKEN,
                                    "JUDGED_HEADER_TIMEOUT_SECONDS": "2",
                                    "CALLBACKS_MAX_TRIES": "2"}, workers=2).start()

    @classmethod
    def tearDownClass(cls):
        cls.j.close()

    def run_wait(self, body, query=""):
        status, r = self.j.submit(body, "?wait=true&fields=*" + query)
        self.assertEqual(status, 201, r)
        return r

    # --- informational endpoints
    def test_about_version_statuses(self):
        s, about = self.j.json("GET", "/about")
        self.assertEqual(s, 200)
        self.assertEqual(about["version"], "1.13.1")
        self.assertIn("judged_release", about)
        s, _, raw = self.j.request("GET", "/version")
        self.assertEqual((s, raw.decode().strip()), (200, "1.13.1"))
        s, st = self.j.json("GET", "/statuses")
        self.assertEqual([x["id"] for x in st], list(range(1, 15)))
        self.assertEqual(st[0]["description"], "In Queue")
        self.assertEqual(st[10]["description"], "Runtime Error (NZEC)")

    def test_languages(self):
        s, langs = self.j.json("GET", "/languages")
        self.assertEqual(s, 200)
        ids = {l["id"] for l in langs}
        for must in (43, 46, 48, 49, 50, 51, 52, 53, 54, 60, 61, 62, 63, 67, 70, 71, 72, 73, 75, 76):
            self.assertIn(must, ids)
        names = [l["name"] for l in langs]
        self.assertEqual(names, sorted(names))
        self.assertTrue(any(n.startswith("C++ (GCC ") for n in names))
        s, all_ = self.j.json("GET", "/languages/all")
        self.assertEqual(s, 200)
        self.assertTrue(all("is_archived" in l for l in all_))
        s, py = self.j.json("GET", "/languages/71")
        self.assertEqual(s, 200)
        self.assertEqual(set(py), {"id", "name", "is_archived", "source_file", "compile_cmd", "run_cmd"})
        self.assertEqual(py["source_file"], "main.py")
        self.assertIsNone(py["compile_cmd"])
        s, c = self.j.json("GET", "/languages/54")
        self.assertIn("g++", c["compile_cmd"])
        # Real command lines: a VM's heap flag filled in for the default
        # memory limit (128000 KB = 125 MiB, plus the JVM's own allowance).
        s, java = self.j.json("GET", "/languages/62")
        self.assertEqual(s, 200)
        self.assertNotIn("{", java["run_cmd"] + (java["compile_cmd"] or ""))
        self.assertRegex(java["run_cmd"], r"-Xmx\d+m")
        self.assertEqual(self.j.json("GET", "/languages/99999")[0], 404)

    def test_config_info_has_exactly_judge0_keys(self):
        s, cfg = self.j.json("GET", "/config_info")
        self.assertEqual(s, 200)
        self.assertEqual(set(cfg), CONFIG_KEYS)
        self.assertEqual(cfg["max_queue_size"], 100)
        self.assertIsInstance(cfg["allowed_languages_for_compile_options"], list)
        self.assertTrue(cfg["enable_submission_delete"])

    def test_system_info_statistics_workers_health_metrics_openapi(self):
        s, si = self.j.json("GET", "/system_info")
        self.assertEqual(s, 200)
        for key in ("Architecture", "CPU(s)", "Model name", "Mem", "Swap"):  # lscpu's and free -h's
            self.assertIsInstance(si.get(key), str, (key, si))
        self.assertRegex(si["Mem"], r"^[0-9.]+(B|Ki|Mi|Gi|Ti)$")
        s, h, raw = self.j.request("GET", "/isolate")
        self.assertEqual((s, h["Content-Type"].split(";")[0]), (200, "text/plain"))
        self.assertIn(b"seccomp filter of", raw)
        self.run_wait({"source_code": "print(1)", "language_id": 71})
        s, st = self.j.json("GET", "/statistics?invalidate_cache=true")
        self.assertEqual(s, 200)
        self.assertEqual(set(st), {"created_at", "cached_until", "submissions", "languages", "statuses", "database"})
        self.assertGreaterEqual(st["submissions"]["total"], 1)
        self.assertGreaterEqual(st["submissions"]["today"], 1)
        days = list(st["submissions"]["last_30_days"])  # the 30 days before today, newest first
        self.assertEqual(len(days), 30)
        self.assertEqual(days, sorted(days, reverse=True))
        self.assertLess(days[0], st["created_at"][:10])
        self.assertGreater(st["database"]["size_in_bytes"], 0)
        self.assertRegex(st["database"]["size_pretty"], r"^\d+ (bytes|kB|MB|GB)$")
        counts = [x["count"] for x in st["languages"]]
        self.assertEqual(counts, sorted(counts, reverse=True))
        python = [x for x in st["languages"] if x["language"]["id"] == 71][0]
        self.assertTrue(python["language"]["name"].startswith("Python"))
        for x in st["statuses"]:
            self.assertEqual((set(x), set(x["status"])), ({"status", "count"}, {"id", "name"}), x)
        self.assertIn({"id": 3, "name": "Accepted"}, [x["status"] for x in st["statuses"]])
        # Cached (as Judge0, 10 minutes) until a client asks for fresh counts.
        self.run_wait({"source_code": "print(2)", "language_id": 71})
        self.assertEqual(self.j.json("GET", "/statistics")[1], st)
        fresh = self.j.json("GET", "/statistics?invalidate_cache=true")[1]
        self.assertEqual(fresh["submissions"]["total"], st["submissions"]["total"] + 1)
        s, w = self.j.json("GET", "/workers")
        self.assertEqual(s, 200)
        self.assertEqual(set(w[0]), {"queue", "size", "available", "idle", "working", "paused", "failed", "nodes"})
        self.assertEqual(w[0]["available"], 2)
        # This node, by its identity (host:pid), as every node of a cluster would be.
        self.assertEqual(len(w[0]["nodes"]), 1, w)
        node = w[0]["nodes"][0]
        self.assertEqual((node["node"].rsplit(":", 1)[1], node["role"], node["workers"]),
                         (str(self.j.proc.pid), "all", 2), node)
        s, h = self.j.json("GET", "/health")
        self.assertEqual((s, h["status"], h["store_writable"], h["sandbox_usable"]), (200, "ok", True, True))
        s, hdr, raw = self.j.request("GET", "/metrics")
        text = raw.decode()
        self.assertEqual(s, 200)
        for name in ("judged_queue_depth", "judged_submissions_total", "judged_submission_latency_seconds_bucket",
                     "judged_internal_errors_total", "judged_callback_failures_total", "judged_http_requests_total"):
            self.assertIn(name, text)
        # Every sample is labelled with the node's identity and role.
        labels = 'node="%s",role="all"' % node["node"]
        self.assertIn("judged_node_info{%s} 1\n" % labels, text)
        self.assertIn("judged_queue_depth{%s} " % labels, text)
        self.assertIn('judged_submission_latency_seconds_bucket{%s,le="+Inf"} ' % labels, text)
        for line in text.splitlines():
            if line and not line.startswith("#"):
                self.assertIn(labels, line)
        s, hdr, raw = self.j.request("GET", "/openapi.yaml")
        self.assertEqual(s, 200)
        self.assertTrue(raw.startswith(b"openapi: 3"))
        self.assertIn(b"/submissions", raw)

    def test_unknown_route(self):
        s, body = self.j.json("GET", "/nope")
        self.assertEqual(s, 404)
        self.assertIn("error", body)

    # --- judging through the API
    def test_verdicts(self):
        cases = [
            ({"source_code": PY_ECHO_DOUBLE, "language_id": 71, "stdin": "21", "expected_output": "42"}, 3),
            ({"source_code": PY_ECHO_DOUBLE, "language_id": 71, "stdin": "21", "expected_output": "43"}, 4),
            ({"source_code": C_APLUSB, "language_id": 50, "stdin": "2 3", "expected_output": "5\n"}, 3),
            ({"source_code": "int main( {", "language_id": 50}, 6),
            ({"source_code": "while True: pass", "language_id": 71, "cpu_time_limit": 0.5}, 5),
            ({"source_code": "import sys; sys.exit(3)", "language_id": 71}, 11),
            ({"source_code": "#include <signal.h>\nint main(){raise(SIGSEGV);}", "language_id": 50}, 7),
            ({"source_code": "int main(){volatile int z=0, x=7; return x/z;}", "language_id": 50}, 9),
            ({"source_code": "#include <stdlib.h>\nint main(){abort();}", "language_id": 50}, 10),
        ]
        for body, want in cases:
            r = self.run_wait(body)
            self.assertEqual(r["status"]["id"], want, (body, r))
            if want == 6:
                self.assertIn("error", r["compile_output"])
            if want == 11:
                self.assertEqual(r["exit_code"], 3)
            if want == 7:
                self.assertEqual(r["exit_signal"], 11)
        r = self.run_wait({"source_code": "x = bytearray(400 << 20)\n", "language_id": 71, "memory_limit": 64000})
        self.assertEqual((r["status"]["id"], r["message"]), (12, "Memory limit exceeded"))
        s, v = self.j.json("GET", f"/submissions/{r['token']}?fields=status,verdict")
        self.assertEqual(v["verdict"]["short"], "MLE")

    def test_default_fields_and_formats(self):
        s, t = self.j.submit({"source_code": "print('hi')", "language_id": 71})
        self.assertEqual(s, 201)
        self.assertEqual(set(t), {"token"})
        r = self.j.wait_done(t["token"])
        s, d = self.j.json("GET", f"/submissions/{t['token']}")
        self.assertEqual(set(d), {"token", "time", "memory", "stdout", "stderr", "compile_output", "message", "status"})
        self.assertEqual(d["stdout"], "hi\n")
        self.assertIsInstance(d["time"], str)
        self.assertIsInstance(d["memory"], int)
        self.assertRegex(r["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertRegex(r["finished_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(set(r), JUDGE0_KEYS)  # fields=*: Judge0's keys exactly
        s, e = self.j.json("GET", f"/submissions/{t['token']}?fields=token,bogus")
        self.assertEqual((s, e), (400, {"error": "invalid fields: [bogus]"}))
        s, only = self.j.json("GET", f"/submissions/{t['token']}?fields=stdout,verdict")
        self.assertEqual(set(only), {"stdout", "verdict"})
        self.assertEqual(self.j.json("GET", "/submissions/00000000-0000-4000-8000-000000000000")[0], 404)

    def test_validation_errors(self):
        s, e = self.j.submit({"source_code": "x", "language_id": 9999})
        self.assertEqual(s, 422)
        self.assertEqual(e["language_id"], ["language with id 9999 doesn't exist"])
        s, e = self.j.submit({"source_code": "x", "language_id": 71, "wall_time_limit": 100})
        self.assertEqual(s, 422)
        self.assertIn("wall_time_limit", e)
        s, e = self.j.submit({"language_id": 71})
        self.assertEqual(s, 422)
        self.assertIn("source_code", e)
        s, e = self.j.submit({"source_code": "x", "language_id": 71, "cpu_time_limit": {"a": 1}})
        self.assertEqual(s, 422)
        s, e = self.j.submit('{"source_code": "x", ')
        self.assertEqual(s, 400)
        s, e = self.j.submit('{"source_code": "x", "language_id": 71, "cpu_time_limit": 1e400}')
        self.assertEqual(s, 400)
        s, e = self.j.json("POST", "/submissions/batch", '{"submissions": [{"memory_limit": -1e999}]}')
        self.assertEqual(s, 400)
        self.assertIn("error", e)
        # Numbers and booleans as strings are accepted.
        s, t = self.j.submit({"source_code": "print(1)", "language_id": "71", "cpu_time_limit": "2",
                              "redirect_stderr_to_stdout": "true"})
        self.assertEqual(s, 201, t)
        s, e = self.j.submit({"source_code": "x", "language_id": 71, "compiler_options": "'unterminated"})
        self.assertEqual(s, 422)

    def test_stderr_redirect_and_arguments(self):
        r = self.run_wait({"source_code": "import sys\nprint('out')\nprint('err', file=sys.stderr)\nprint(sys.argv[1:])",
                           "language_id": 71, "redirect_stderr_to_stdout": True,
                           "command_line_arguments": "a 'b c'"})
        self.assertEqual(r["status"]["id"], 3)
        self.assertIn("err", r["stdout"])
        self.assertIn("['a', 'b c']", r["stdout"])
        self.assertIsNone(r["stderr"])

    def test_number_of_runs(self):
        r = self.run_wait({"source_code": "print(1)", "language_id": 71, "number_of_runs": 3})
        self.assertEqual(r["status"]["id"], 3)
        self.assertEqual(r["number_of_runs"], 3)

    def test_base64_round_trip_with_binary_output(self):
        src = "import sys\nsys.stdout.buffer.write(bytes(range(256)) + sys.stdin.buffer.read())\n"
        stdin = b"\x00\xff\xfe"
        s, r = self.j.submit({"source_code": b64(src), "language_id": 71, "stdin": b64(stdin)},
                             "?base64_encoded=true&wait=true&fields=*")
        self.assertEqual(s, 201, r)
        self.assertEqual(unb64(r["stdout"]), bytes(range(256)) + stdin)
        self.assertEqual(unb64(r["source_code"]).decode(), src)
        # Judge0's wrapped form: a newline every 60 characters.
        self.assertIn("\n", r["stdout"])
        s, e = self.j.json("GET", f"/submissions/{r['token']}?fields=stdout")
        self.assertEqual(s, 400)
        self.assertIn("base64_encoded=true", e["error"])
        s, e = self.j.submit({"source_code": "not base64!!", "language_id": 71}, "?base64_encoded=true")
        self.assertEqual(s, 422)

    def test_additional_files(self):
        import io
        import zipfile
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("data.txt", "from the zip\n")
        r = self.run_wait({"source_code": "print(open('data.txt').read().strip())", "language_id": 71,
                           "additional_files": b64(buf.getvalue())})
        self.assertEqual((r["status"]["id"], r["stdout"]), (3, "from the zip\n"))
        bad = io.BytesIO()
        with zipfile.ZipFile(bad, "w") as z:
            z.writestr("../evil", "x")
        s, e = self.j.submit({"source_code": "print(1)", "language_id": 71, "additional_files": b64(bad.getvalue())})
        self.assertEqual(s, 422)
        self.assertIn("additional_files", e)

    def test_executable_and_multi_file_programs(self):
        import io
        import zipfile
        # 44: the source is a binary, sent base64 and run as is.
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "sum.c"), "w") as f:
                f.write(C_APLUSB)
            subprocess.run(["/usr/bin/gcc", "-O2", "-static", "-o", os.path.join(d, "sum"), os.path.join(d, "sum.c")],
                           check=True)
            with open(os.path.join(d, "sum"), "rb") as f:
                binary = f.read()
        r = self.run_wait({"source_code": b64(binary), "language_id": 44, "stdin": b64("40 2\n"),
                           "expected_output": b64("42\n")}, "&base64_encoded=true")
        self.assertEqual((r["status"]["id"], unb64(r["stdout"])), (3, b"42\n"), r)
        s, lang = self.j.json("GET", "/languages/44")
        self.assertEqual((s, lang["name"]), (200, "Executable"))
        # 89: the zip is the program; its compile script builds into a folder
        # of its own, from a source in a folder of the zip.
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("src/sum.c", C_APLUSB)
            z.writestr("compile", "mkdir -p out && /usr/bin/gcc -O2 -o out/sum src/sum.c\n")
            z.writestr("run", "exec ./out/sum\n")
        r = self.run_wait({"language_id": 89, "additional_files": b64(buf.getvalue()), "stdin": "1 2\n",
                           "expected_output": "3\n"})
        self.assertEqual((r["status"]["id"], r["stdout"]), (3, "3\n"), r)
        s, lang = self.j.json("GET", "/languages/89")
        self.assertEqual((s, lang["name"], lang["source_file"]), (200, "Multi-file program", None))
        # As Judge0: no source beside the zip; no run script is a
        # Compilation Error that says so.
        s, e = self.j.submit({"language_id": 89, "source_code": "echo hi", "additional_files": b64(buf.getvalue())})
        self.assertEqual((s, e), (422, {"source_code": ["must be blank"]}))
        norun = io.BytesIO()
        with zipfile.ZipFile(norun, "w") as z:
            z.writestr("compile", "true\n")
        r = self.run_wait({"language_id": 89, "additional_files": b64(norun.getvalue())})
        self.assertEqual(r["status"]["id"], 6, r)
        self.assertIn("no file named run", r["compile_output"])
        # Paths deeper than the bound are refused up front.
        deep = io.BytesIO()
        with zipfile.ZipFile(deep, "w") as z:
            z.writestr("/".join(["d"] * 40) + "/f", "x")
            z.writestr("run", "true\n")
        s, e = self.j.submit({"language_id": 89, "additional_files": b64(deep.getvalue())})
        self.assertEqual(s, 422, e)
        self.assertIn("folders deep", e["additional_files"][0])

    def test_multi_test_extension(self):
        tests = [{"stdin": "1", "expected_output": "2"}, {"stdin": "5", "expected_output": "11"},
                 {"stdin": "x", "expected_output": "0"}]
        r = self.run_wait({"source_code": PY_ECHO_DOUBLE, "language_id": 71, "tests": tests},
                          "&fields=status,verdict,test_results")
        res = r["test_results"]
        self.assertEqual([t["verdict"]["short"] for t in res], ["AC", "WA", "RE"])
        self.assertEqual(r["verdict"]["short"], "RE")
        self.assertEqual(res[0]["stdout"], "2\n")

    def test_batch(self):
        subs = [{"source_code": "print(1)", "language_id": 71}, {"source_code": "x", "language_id": 4242},
                {"source_code": "print(2)", "language_id": 71}]
        s, out = self.j.json("POST", "/submissions/batch", {"submissions": subs})
        self.assertEqual(s, 201)
        self.assertEqual(len(out), 3)
        self.assertIn("token", out[0])
        self.assertIn("language_id", out[1])
        tokens = [out[0]["token"], out[2]["token"]]
        for t in tokens:
            self.j.wait_done(t)
        s, got = self.j.json("GET", f"/submissions/batch?tokens={tokens[0]},nope,{tokens[1]}&fields=stdout,token")
        self.assertEqual(s, 200)
        self.assertEqual([x and x["stdout"] for x in got["submissions"]], ["1\n", None, "2\n"])
        self.assertEqual(self.j.json("POST", "/submissions/batch", {"submissions": []})[0], 400)
        self.assertEqual(self.j.json("POST", "/submissions/batch", {"submissions": [subs[0]] * 21})[0], 400)
        s, out = self.j.json("POST", "/submissions/batch", {"submissions": [subs[1]]})
        self.assertEqual(s, 422)

    def test_idempotency_key(self):
        body = {"source_code": "print(7)", "language_id": 71}
        key = {"Idempotency-Key": "e2e-" + str(time.time())}
        s, hdr, raw = self.j.request("POST", "/submissions", body, key)
        self.assertEqual(s, 201, raw)
        first = json.loads(raw)["token"]
        self.assertNotIn("Idempotent-Replayed", hdr)
        # The retry of a lost 201: the same token, nothing new queued.
        s, hdr, raw = self.j.request("POST", "/submissions", body, key)
        self.assertEqual(s, 201, raw)
        self.assertEqual(json.loads(raw)["token"], first)
        self.assertEqual(hdr.get("Idempotent-Replayed"), "true")
        # wait=true on a retry answers with the earlier submission's result.
        s, hdr, raw = self.j.request("POST", "/submissions?wait=true&fields=token,stdout", body, key)
        self.assertEqual(s, 201, raw)
        self.assertEqual(json.loads(raw), {"token": first, "stdout": "7\n"})
        # base64 or not, the same submission.
        b64body = {"source_code": b64("print(7)"), "language_id": 71}
        s, _, raw = self.j.request("POST", "/submissions?base64_encoded=true", b64body, key)
        self.assertEqual((s, json.loads(raw)["token"]), (201, first))
        # The same key for another submission: 422, nothing queued.
        s, _, raw = self.j.request("POST", "/submissions", {"source_code": "print(8)", "language_id": 71}, key)
        self.assertEqual(s, 422, raw)
        self.assertIn("idempotency key", json.loads(raw)["error"])
        for bad in ("", "x" * 256, "caf\u00e9"):
            s, _, raw = self.j.request("POST", "/submissions", body, {"Idempotency-Key": bad.encode("utf-8")})
            self.assertEqual(s, 400, (bad, raw))
        # Per batch item.
        k2 = "e2e-batch-" + str(time.time())
        items = [dict(body, idempotency_key=k2), {"source_code": "print(9)", "language_id": 71}]
        s, out = self.j.json("POST", "/submissions/batch", {"submissions": items})
        self.assertEqual(s, 201, out)
        s, again = self.j.json("POST", "/submissions/batch", {"submissions": items})
        self.assertEqual(s, 201, again)
        self.assertEqual(again[0]["token"], out[0]["token"])
        self.assertNotEqual(again[1]["token"], out[1]["token"])  # no key: a new submission
        s, out = self.j.json("POST", "/submissions/batch",
                             {"submissions": [{"source_code": "print(10)", "language_id": 71, "idempotency_key": k2},
                                              {"source_code": "print(1)", "language_id": 71, "idempotency_key": 5}]})
        self.assertEqual(s, 422, out)  # nothing queued
        self.assertIn("idempotency_key", out[0])
        self.assertIn("idempotency_key", out[1])
        s, _ = self.j.json("POST", "/submissions/batch", {"submissions": items}, key)
        self.assertEqual(s, 400)
        for t in (first, again[0]["token"], again[1]["token"], out[1].get("token")):
            if t:
                self.j.wait_done(t)

    def test_list_and_delete(self):
        r = self.run_wait({"source_code": "print(7)", "language_id": 71})
        s, page = self.j.json("GET", "/submissions?page=1&per_page=2", headers=OPERATOR)
        self.assertEqual(s, 200)
        self.assertLessEqual(len(page["submissions"]), 2)
        self.assertGreaterEqual(page["meta"]["total_count"], 1)
        self.assertEqual(page["meta"]["current_page"], 1)
        s, d = self.j.json("DELETE", f"/submissions/{r['token']}", headers=OPERATOR)
        self.assertEqual(s, 200)
        self.assertEqual(self.j.json("GET", f"/submissions/{r['token']}")[0], 404)
        # Not while it runs.
        s, t = self.j.submit({"source_code": "import time; time.sleep(1.5)", "language_id": 71})
        s, e = self.j.json("DELETE", f"/submissions/{t['token']}", headers=OPERATOR)
        self.assertEqual(s, 400)
        self.j.wait_done(t["token"])

    def test_callbacks(self):
        good, slow = Receiver(), Receiver(delay=5)
        dead_port = free_port()
        try:
            s, t1 = self.j.submit({"source_code": "print('cb')", "language_id": 71,
                                   "callback_url": f"http://127.0.0.1:{good.port}/hook?x=1"})
            s, t2 = self.j.submit({"source_code": "print('slow')", "language_id": 71,
                                   "callback_url": f"http://127.0.0.1:{slow.port}/"})
            s, t3 = self.j.submit({"source_code": "print('dead')", "language_id": 71,
                                   "callback_url": f"http://127.0.0.1:{dead_port}/"})
            self.assertTrue(good.event.wait(60))
            method, path, body = good.bodies[0]
            self.assertEqual((method, path), ("PUT", "/hook?x=1"))
            self.assertEqual(body["token"], t1["token"])
            self.assertEqual(body["status"]["id"], 3)
            self.assertEqual(unb64(body["stdout"]), b"cb\n")
            # A slow receiver holds no worker: more work finishes meanwhile.
            t0 = time.time()
            for _ in range(3):
                self.run_wait({"source_code": "print(1)", "language_id": 71})
            self.assertLess(time.time() - t0, 30)
            deadline = time.time() + 30
            while time.time() < deadline:
                _, _, raw = self.j.request("GET", "/metrics")
                line = [l for l in raw.decode().splitlines() if l.startswith("judged_callback_failures_total{")]
                if line and float(line[0].split()[1]) >= 2:  # the dead one and the slow one (timeout 1 s)
                    break
                time.sleep(0.5)
            else:
                self.fail("callback failures not counted: " + raw.decode())
            s, e = self.j.submit({"source_code": "print(1)", "language_id": 71, "callback_url": "ftp://x/"})
            self.assertEqual(s, 422)
        finally:
            good.close()
            slow.close()

    def test_concurrent_clients(self):
        results, errors = [], []

        def client(i):
            try:
                r = self.run_wait({"source_code": f"print({i} * 2)", "language_id": 71})
                results.append((i, r["stdout"], r["status"]["id"]))
            except Exception as e:  # noqa: BLE001
                errors.append(e)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(sorted(results), [(i, f"{i * 2}\n", 3) for i in range(40)])

    def test_hostile_clients(self):
        # Body over the cap: 413 as soon as the header says so.
        with socket.create_connection(("127.0.0.1", self.j.port), timeout=10) as c:
            c.sendall(b"POST /submissions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 40000000\r\n\r\n{")
            self.assertIn(b" 413 ", c.recv(4096))
        # Garbage instead of HTTP: 400, and the server lives on.
        with socket.create_connection(("127.0.0.1", self.j.port), timeout=10) as c:
            c.sendall(b"\x00\x01 garbage\r\n\r\n")
            self.assertIn(b"400", c.recv(4096))
        # A header that never ends is cut off by the header timeout.
        with socket.create_connection(("127.0.0.1", self.j.port), timeout=30) as c:
            c.sendall(b"GET /about HTTP/1.1\r\nHost: x\r\n")
            t0 = time.time()
            self.assertEqual(c.recv(4096), b"")
            self.assertLess(time.time() - t0, 25)
        s, _ = self.j.json("GET", "/about")
        self.assertEqual(s, 200)


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROBLEMS = os.path.join(ROOT, "tests", "problems")
LANG_BY_EXT = {".c": 50, ".cpp": 54, ".py": 71}
DIVISOR_CHECKER = next(os.path.relpath(os.path.join(b, f), os.path.join(PROBLEMS, "divisor"))
                       for b, _, fs in os.walk(os.path.join(PROBLEMS, "divisor")) for f in fs
                       if "validator" in b and f.endswith(".cpp"))


def zip_folder(folder, top=None, extra=None, replace=None):
    """The folder as a zip; `replace` swaps the content of files (by path
    relative to the folder), `extra` adds entries."""
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for base, dirs, files in os.walk(folder):
            for f in sorted(files):
                full = os.path.join(base, f)
                rel = os.path.relpath(full, folder)
                name = os.path.join(top, rel) if top else rel
                if replace and rel in replace:
                    z.writestr(name, replace[rel])
                else:
                    z.write(full, name)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


class Problems(unittest.TestCase):
    """Problem packages over the API: upload, versions, submissions against
    them with per-group results, refusals that leave nothing behind."""

    @classmethod
    def setUpClass(cls):
        cls.j = Judged(JUDGED, env={"AUTHZ_TOKEN": OPERATOR_TOKEN}, workers=2).start()

    @classmethod
    def tearDownClass(cls):
        cls.j.close()

    def upload(self, data, pid=None):
        return self.j.json("POST", "/problems" + (f"?id={pid}" if pid else ""), data,
                           headers={"Content-Type": "application/zip", **OPERATOR})

    def solve(self, pid, path, version=None):
        with open(path) as f:
            src = f.read()
        body = {"source_code": src, "language_id": LANG_BY_EXT[os.path.splitext(path)[1]], "problem_id": pid}
        if version:
            body["problem_version"] = version
        s, r = self.j.submit(body, "?wait=true&fields=status,verdict,problem_result,compile_output")
        self.assertEqual(s, 201, r)
        return r

    def test_upload_versions_and_grading(self):
        s, p = self.upload(zip_folder(os.path.join(PROBLEMS, "groups"), top="groups"))
        self.assertEqual(s, 201, p)
        self.assertEqual((p["id"], p["version"]), ("groups", 1))
        self.assertEqual(p["summary"]["type"], "scoring")
        s, got = self.j.json("GET", "/problems/groups")
        self.assertEqual((s, got["versions"]), (200, [1]))
        self.assertIn("groups", [x["id"] for x in self.j.json("GET", "/problems")[1]])
        expected = {}
        with open(os.path.join(PROBLEMS, "groups", "expected_scores.txt")) as f:
            for line in f:
                if line.strip():
                    path, score = line.split()
                    expected[path] = float(score)
        for rel in ("submissions/accepted/int128.cpp", "submissions/partially_accepted/int64.cpp",
                    "submissions/time_limit_exceeded/loop.c"):
            r = self.solve("groups", os.path.join(PROBLEMS, "groups", rel))
            pr = r["problem_result"]
            self.assertAlmostEqual(pr["score"], expected[rel], msg=(rel, pr))
            self.assertEqual(pr["max_score"], 100)
            self.assertTrue(all("score" in g for g in pr["groups"]))
        # A second upload is version 2; a submission may pin version 1.
        s, p2 = self.upload(zip_folder(os.path.join(PROBLEMS, "groups")), pid="groups")
        self.assertEqual((s, p2["version"]), (201, 2))
        r = self.solve("groups", os.path.join(PROBLEMS, "groups", "submissions/accepted/exact.py"), version=1)
        self.assertEqual(r["problem_result"]["problem_version"], 1)
        self.assertEqual(r["status"]["id"], 3)

    def test_checkers_and_interactive(self):
        cases = [("divisor", "accepted", 3), ("divisor", "wrong_answer", 4), ("kattis-validator", "accepted", 3),
                 ("kattis-validator", "wrong_answer", 4), ("guess", "accepted", 3), ("guess", "wrong_answer", 4),
                 ("guess", "time_limit_exceeded", 5), ("aplusb", "run_time_error", None)]
        uploaded = set()
        for pid, category, want in cases:
            if pid not in uploaded:
                s, p = self.upload(zip_folder(os.path.join(PROBLEMS, pid)), pid=pid)
                self.assertEqual(s, 201, p)
                uploaded.add(pid)
            folder = os.path.join(PROBLEMS, pid, "submissions", category)
            first = sorted(os.listdir(folder))[0]
            r = self.solve(pid, os.path.join(folder, first))
            if want is None:
                self.assertIn(r["status"]["id"], (7, 8, 9, 10, 11, 12), r)
                self.assertEqual(r["verdict"]["short"], "RE")
            else:
                self.assertEqual(r["status"]["id"], want, (pid, category, r))

    def test_refused_packages_leave_nothing(self):
        def leftovers():
            base = os.path.join(self.j.data_dir, "problems")
            out = []
            for b, dirs, files in os.walk(base):
                out += [os.path.join(b, f) for f in files]
            return out

        before = leftovers()
        aplusb = os.path.join(PROBLEMS, "aplusb")
        bad = [
            zip_folder(aplusb, extra={"../evil.txt": "x"}),           # a path out of the folder
            zip_folder(os.path.join(aplusb, "data")),                  # no problem.yaml
            zip_folder(aplusb, replace={"problem.yaml": "name: [unclosed"}),  # bad YAML
            b"this is not a zip",
            zip_folder(os.path.join(PROBLEMS, "divisor"), replace={DIVISOR_CHECKER: "int main( {"}),  # no compile
        ]
        import io
        import zipfile
        bomb = io.BytesIO()
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("problem.yaml", "name: bomb\n")
            z.writestr("data/secret/1.in", b"\0" * (300 << 20))
        bad.append(bomb.getvalue())
        for data in bad:
            s, e = self.upload(data, pid="broken")
            self.assertEqual(s, 422, e)
            self.assertIn("package", e)
        self.assertEqual(self.j.json("GET", "/problems/broken")[0], 404)
        self.assertEqual(leftovers(), before)
        s, e = self.j.submit({"source_code": "x", "language_id": 71, "problem_id": "nope"})
        self.assertEqual(s, 422)
        self.assertIn("problem_id", e)

    def test_delete(self):
        s, p = self.upload(zip_folder(os.path.join(PROBLEMS, "floats")), pid="floats-del")
        self.assertEqual(s, 201, p)
        self.assertEqual(self.j.json("DELETE", "/problems/floats-del")[0], 403)  # no operator token
        self.assertEqual(self.j.json("DELETE", "/problems/floats-del", headers=OPERATOR)[0], 200)
        self.assertEqual(self.j.json("GET", "/problems/floats-del")[0], 404)
        self.assertEqual(self.j.json("DELETE", "/problems/floats-del", headers=OPERATOR)[0], 404)

    def test_slow_upload_does_not_delay_other_clients(self):
        # More uploads at once than the HTTP server has I/O threads, each
        # compiling a checker for seconds: a GET sent meanwhile answers while
        # they are all still being compiled (on the blocking pool, not on the
        # I/O threads).
        folder = os.path.join(PROBLEMS, "divisor")
        with open(os.path.join(folder, DIVISOR_CHECKER)) as f:
            checker = f.read()
        n = (os.cpu_count() or 2) + 1
        # Each upload's checker differs (a comment naming this run), so none
        # is a compile cache hit.
        stamp = f"{os.getpid()}-{time.time()}"
        data = [zip_folder(folder, replace={DIVISOR_CHECKER: checker + f"\n// slow upload {stamp} {i}\n"})
                for i in range(n)]
        finished, errors = [], []

        def up(i):
            try:
                s, p = self.upload(data[i], pid=f"slow-{i}")
                finished.append((time.time(), s, p))
            except Exception as e:  # noqa: BLE001
                errors.append(e)

        threads = [threading.Thread(target=up, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        # Small bodies on loopback: every upload is in the server by now, and
        # none is done (a checker's compile takes most of a second or more).
        time.sleep(0.2)
        sent = time.time()
        s, _ = self.j.json("GET", "/about", timeout=120)
        got_about = time.time()
        s2, _ = self.j.json("GET", "/health", timeout=120)
        got_health = time.time()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual((s, s2), (200, 200))
        # Stored, or (on a machine loaded by other work) refused because the
        # checker's compile ran out of its wall time: either way a slow upload.
        for _, st, p in finished:
            self.assertTrue(st == 201 or (st == 422 and "wall time limit" in p["package"][0]), (st, p))
        self.assertGreater(min(t for t, _, _ in finished), sent,
                           "an upload was done before the GET was sent: nothing was shown")
        self.assertLess(got_about, min(t for t, _, _ in finished), "GET /about waited for an upload")
        self.assertLess(got_health, min(t for t, _, _ in finished), "GET /health waited for an upload")
        for i in range(n):
            self.assertIn(self.j.json("DELETE", f"/problems/slow-{i}", headers=OPERATOR)[0], (200, 404))


class Trust(unittest.TestCase):
    """Hostile clients and operator routes (issue 12)."""

    def test_invalid_utf8_is_400(self):
        with Judged(JUDGED, workers=1) as j:
            body = b'{"source_code": "print(1) # \xff\xfe", "language_id": 71}'
            s, _, raw = j.request("POST", "/submissions", body)
            self.assertEqual(s, 400, raw)
            self.assertIn(b"malformed JSON", raw)
            s, _, raw = j.request("POST", "/submissions/batch", b'{"submissions": [{"source_code": "\xc3"}]}')
            self.assertEqual(s, 400, raw)
            # A path that is not UTF-8 is echoed in the 404, not a 500.
            with socket.create_connection(("127.0.0.1", j.port), timeout=10) as c:
                c.sendall(b"GET /nothing\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                self.assertIn(b" 404 ", c.recv(4096))
            # A program's output that is not UTF-8: Judge0's 400 asking for
            # base64_encoded=true, and the base64 answer, never a 500.
            s, t = j.submit({"source_code": "import sys; sys.stdout.buffer.write(b'\\xff\\xfe')",
                             "language_id": 71})
            self.assertEqual(s, 201, t)
            j.wait_done(t["token"], query="base64_encoded=true")
            s, r = j.json("GET", f"/submissions/{t['token']}")
            self.assertEqual(s, 400, r)
            self.assertIn("base64_encoded=true", r["error"])
            s, r = j.json("GET", f"/submissions/batch?tokens={t['token']}")
            self.assertEqual(s, 400, r)
            s, r = j.json("GET", f"/submissions/{t['token']}?base64_encoded=true")
            self.assertEqual((s, unb64(r["stdout"])), (200, b"\xff\xfe"))

    def test_one_address_cannot_lock_out_others(self):
        env = {"JUDGED_MAX_CONNECTIONS": "8", "JUDGED_MAX_CONNECTIONS_PER_IP": "4",
               "JUDGED_HEADER_TIMEOUT_SECONDS": "60"}
        with Judged(JUDGED, env=env, workers=1) as j:
            held = []
            try:
                # Slowloris from 127.0.0.1: as many half-sent headers as the
                # total cap allows.
                for _ in range(8):
                    c = socket.create_connection(("127.0.0.1", j.port), timeout=10)
                    c.sendall(b"GET /about HTTP/1.1\r\nHost: x\r\n")
                    held.append(c)
                time.sleep(0.5)
                # Beyond its own cap, 127.0.0.1's connections are refused ...
                c = held[-1]
                self.assertIn(b" 503 ", c.recv(4096))
                # ... and a client from another loopback address still gets in.
                with socket.create_connection(("127.0.0.1", j.port), timeout=10,
                                              source_address=("127.0.0.2", 0)) as other:
                    other.sendall(b"GET /about HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    self.assertIn(b" 200 ", other.recv(4096))
            finally:
                for c in held:
                    c.close()

    def test_operator_routes_need_a_configured_token(self):
        with Judged(JUDGED, env={"ENABLE_SUBMISSION_DELETE": "true"}, workers=1) as j:
            data = zip_folder(os.path.join(PROBLEMS, "floats"))
            s, r = j.json("POST", "/problems?id=open", data, headers={"Content-Type": "application/zip"})
            self.assertEqual(s, 403, r)
            self.assertIn("AUTHZ_TOKEN", r["error"])
            self.assertEqual(j.json("GET", "/problems/open")[0], 404)  # nothing stored
            s, r = j.json("DELETE", "/problems/open")
            self.assertEqual(s, 403, r)
            self.assertIn("AUTHZ_TOKEN", r["error"])
            s, t = j.submit({"source_code": "print(1)", "language_id": 71})
            j.wait_done(t["token"])
            s, r = j.json("DELETE", f"/submissions/{t['token']}")
            self.assertEqual(s, 403, r)
            self.assertEqual(j.json("GET", f"/submissions/{t['token']}")[0], 200)  # still there
        with Judged(JUDGED, env={"AUTHZ_TOKEN": OPERATOR_TOKEN}, workers=1) as j:
            data = zip_folder(os.path.join(PROBLEMS, "floats"))
            self.assertEqual(j.json("POST", "/problems?id=op", data, headers={"X-Auth-User": "nope"})[0], 403)
            self.assertEqual(j.json("POST", "/problems?id=op", data, headers=OPERATOR)[0], 201)
            self.assertEqual(j.json("DELETE", "/problems/op", headers=OPERATOR)[0], 200)

    def test_unknown_method_is_405_with_allow(self):
        def allow(h):
            return sorted(x.strip() for x in h["Allow"].split(","))
        with Judged(JUDGED, env={"AUTHN_TOKEN": "t0ken"}, workers=1) as j:
            auth = {"X-Auth-Token": "t0ken"}
            s, h, raw = j.request("PUT", "/submissions", b"{}", headers=auth)
            self.assertEqual(s, 405, raw)
            self.assertEqual(allow(h), ["GET", "OPTIONS", "POST"])
            s, h, _ = j.request("DELETE", "/languages", headers=auth)
            self.assertEqual((s, allow(h)), (405, ["GET", "OPTIONS"]))
            s, h, _ = j.request("PATCH", "/submissions/some-token", headers=auth)
            self.assertEqual(s, 405)
            self.assertEqual(allow(h), ["DELETE", "GET", "OPTIONS"])
            self.assertEqual(j.request("GET", "/nothing", headers=auth)[0], 404)
            # OPTIONS says what a path serves, with no token needed.
            s, h, _ = j.request("OPTIONS", "/submissions/batch")
            self.assertEqual((s, allow(h)), (200, ["GET", "OPTIONS", "POST"]))
            self.assertEqual(j.request("OPTIONS", "/nothing", headers=auth)[0], 404)

    def test_wait_true_has_a_deadline(self):
        # One worker, busy with a long sleeper: a wait=true submission with
        # a 1 s limit is not judged before its deadline (10 s margin) and is
        # answered with its row as it is then, In Queue, as Judge0 would.
        env = {"MAX_WALL_TIME_LIMIT": "90", "MAX_CPU_TIME_LIMIT": "15", "JUDGED_SHUTDOWN_GRACE_SECONDS": "0"}
        with Judged(JUDGED, env=env, workers=1) as j:
            s, blocker = j.submit({"source_code": "import time; time.sleep(80)", "language_id": 71,
                                   "wall_time_limit": 85, "cpu_time_limit": 1})
            self.assertEqual(s, 201, blocker)
            t0 = time.time()
            s, r = j.submit({"source_code": "print(1)", "language_id": 71, "wall_time_limit": 1,
                             "cpu_time_limit": 1}, "?wait=true&fields=token,status")
            took = time.time() - t0
            self.assertEqual(s, 201, r)
            self.assertIn(r["status"]["id"], (1, 2), r)
            self.assertLess(took, 60)
            self.assertEqual(j.json("GET", f"/submissions/{r['token']}?fields=status")[1]["status"]["id"], 1)


class Clients(unittest.TestCase):
    """CORS (ALLOW_ORIGIN/DISALLOW_ORIGIN) and client addresses
    (ALLOW_IP/DISALLOW_IP), as Judge0 configures them."""

    PREFLIGHT = {"Origin": "http://127.0.0.1:8123", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type,x-auth-token"}

    def test_every_origin_by_default(self):
        with Judged(JUDGED, env={"AUTHN_TOKEN": "t0ken"}, workers=1) as j:
            # A preflight needs no token (a browser sends none with it), on
            # every path.
            for path in ("/submissions", "/submissions/abc?base64_encoded=true", "/languages"):
                s, h, raw = j.request("OPTIONS", path, headers=self.PREFLIGHT)
                self.assertEqual(s, 200, raw)
                self.assertEqual(h["Access-Control-Allow-Origin"], "*")
                self.assertEqual(h["Access-Control-Allow-Headers"], "content-type,x-auth-token")
                self.assertIn("POST", h["Access-Control-Allow-Methods"])
                self.assertEqual(h["Access-Control-Max-Age"], "7200")
                self.assertEqual(h["Vary"], "Origin")
            # Plain answers carry the origin header, errors included.
            origin = {"Origin": "http://127.0.0.1:8123"}
            s, h, _ = j.request("GET", "/languages", headers={**origin, "X-Auth-Token": "t0ken"})
            self.assertEqual((s, h["Access-Control-Allow-Origin"], h["Vary"]), (200, "*", "Origin"))
            s, h, _ = j.request("GET", "/languages", headers=origin)
            self.assertEqual((s, h["Access-Control-Allow-Origin"]), (401, "*"))
            # A wait=true answer (sent later, from a worker) too.
            s, h, raw = j.request("POST", "/submissions?wait=true",
                                  {"source_code": "print(6*7)", "language_id": 71},
                                  headers={**origin, "X-Auth-Token": "t0ken"})
            self.assertEqual((s, h["Access-Control-Allow-Origin"]), (201, "*"), raw)
            self.assertEqual(json.loads(raw)["stdout"], "42\n")
            # Without an Origin: no CORS headers.
            s, h, _ = j.request("GET", "/languages", headers={"X-Auth-Token": "t0ken"})
            self.assertNotIn("Access-Control-Allow-Origin", h)

    def test_origin_lists(self):
        env = {"ALLOW_ORIGIN": "127.0.0.1:8123 https://contest.example", "DISALLOW_ORIGIN": "https://contest.example"}
        with Judged(JUDGED, env=env, workers=1) as j:
            s, h, _ = j.request("OPTIONS", "/submissions", headers=self.PREFLIGHT)
            self.assertEqual((s, h["Access-Control-Allow-Origin"]), (200, "http://127.0.0.1:8123"))
            s, h, _ = j.request("GET", "/about", headers={"Origin": "http://127.0.0.1:8123"})
            self.assertEqual((s, h["Access-Control-Allow-Origin"], h["Vary"]), (200, "http://127.0.0.1:8123", "Origin"))
            # Not in the allow list, or in the disallow list: refused, a
            # simple (non-preflighted) POST included, which creates nothing.
            for origin in ("http://127.0.0.1:8124", "https://contest.example", "null"):
                s, h, raw = j.request("OPTIONS", "/submissions", headers={**self.PREFLIGHT, "Origin": origin})
                self.assertEqual(s, 403, raw)
                self.assertNotIn("Access-Control-Allow-Origin", h)
                s, _, raw = j.request("POST", "/submissions", '{"source_code":"print(1)","language_id":71}',
                                      headers={"Origin": origin, "Content-Type": "text/plain"})
                self.assertEqual(s, 403, raw)
                self.assertIn(b"is not allowed", raw)
            self.assertEqual(j.json("GET", "/submissions")[1]["meta"]["total_count"], 0)
            # Non-browser clients send no Origin: served.
            self.assertEqual(j.request("GET", "/about")[0], 200)

    def test_address_lists(self):
        def status_from(j, source):
            with socket.create_connection(("127.0.0.1", j.port), timeout=10, source_address=(source, 0)) as c:
                c.sendall(b"POST /submissions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 44\r\n\r\n" + b'{"source_code":"print(1)","language_id":71}'.ljust(44))
                return int(c.recv(4096).split(b" ")[1])
        env = {"ALLOW_IP": "127.0.0.2/31, 10.0.0.0/8", "DISALLOW_IP": "127.0.0.3"}
        with Judged(JUDGED, env=env, workers=1, source="127.0.0.2") as j:
            self.assertEqual(status_from(j, "127.0.0.1"), 403)   # outside the allow list
            self.assertEqual(status_from(j, "127.0.0.3"), 403)   # in both: refused
            self.assertEqual(status_from(j, "127.0.0.2"), 201)
            # Before anything else: even a probe, and on the same connection
            # no second request.
            with socket.create_connection(("127.0.0.1", j.port), timeout=10, source_address=("127.0.0.1", 0)) as c:
                c.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\nGET /about HTTP/1.1\r\nHost: x\r\n\r\n")
                got = b""
                while chunk := c.recv(4096):
                    got += chunk
                self.assertTrue(got.startswith(b"HTTP/1.1 403 "), got)
                self.assertIn(b"ALLOW_IP", got)
                self.assertEqual(got.count(b"HTTP/1.1 "), 1)
            self.assertEqual(j.json("GET", "/submissions")[1]["meta"]["total_count"], 1)
        with Judged(JUDGED, env={"DISALLOW_IP": "127.0.0.9"}, workers=1) as j:
            self.assertEqual(status_from(j, "127.0.0.9"), 403)
            self.assertEqual(j.request("GET", "/about")[0], 200)
        bad = Judged(JUDGED, env={"ALLOW_IP": "127.0.0.1 999.0.0.1"}, workers=1)
        try:
            with self.assertRaises(RuntimeError) as e:
                bad.start()
            self.assertIn("999.0.0.1", str(e.exception))
        finally:
            bad.close()


class Auth(unittest.TestCase):
    def test_tokens(self):
        with Judged(JUDGED, env={"AUTHN_TOKEN": "s3cret,other", "AUTHZ_TOKEN": "boss"}, workers=1) as j:
            self.assertEqual(j.request("GET", "/about")[0], 401)
            self.assertEqual(j.request("GET", "/about", headers={"X-Auth-Token": "wrong"})[0], 401)
            self.assertEqual(j.request("GET", "/about", headers={"X-Auth-Token": "s3cret"})[0], 200)
            self.assertEqual(j.request("GET", "/about?X-Auth-Token=other")[0], 200)
            self.assertEqual(j.request("POST", "/authenticate", headers={"X-Auth-Token": "s3cret"})[0], 200)
            self.assertEqual(j.request("POST", "/authenticate")[0], 401)
            h = {"X-Auth-Token": "s3cret"}
            self.assertEqual(j.request("GET", "/submissions", headers=h)[0], 403)
            self.assertEqual(j.request("POST", "/authorize", headers=h)[0], 403)
            h2 = {"X-Auth-Token": "s3cret", "X-Auth-User": "boss"}
            self.assertEqual(j.request("GET", "/submissions", headers=h2)[0], 200)
            self.assertEqual(j.request("POST", "/authorize", headers=h2)[0], 200)
            self.assertEqual(j.request("GET", "/health")[0], 200)  # probes need no token
            self.assertNotIn("s3cret", j.log())  # secrets never logged

    def test_open_without_tokens(self):
        with Judged(JUDGED, workers=1) as j:
            self.assertEqual(j.request("POST", "/authenticate")[0], 200)
            self.assertEqual(j.request("GET", "/submissions")[0], 200)


def thread_nice(pid):
    """{thread name: set of nice values} of a process, from /proc/PID/task/*/stat (field 19)."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()  # from field 3 (state) on
        out.setdefault(name, set()).add(int(fields[19 - 3]))
    return out


class Priorities(unittest.TestCase):
    def test_worker_nice(self):
        """JUDGED_WORKER_NICE: the worker threads, the box-preparing thread and the boxes run at it; the HTTP
        threads, the inserter and the callbacks thread stay at 0. Verdicts are as at any nice value."""
        with Judged(JUDGED, env={"JUDGED_WORKER_NICE": "7"}, workers=2) as j:
            nice = thread_nice(j.proc.pid)
            self.assertEqual(nice.get("worker-0"), {7}, nice)
            self.assertEqual(nice.get("worker-1"), {7}, nice)
            self.assertEqual(nice.get("box-pool"), {7}, nice)
            for name in ("judged", "http", "inserter", "callbacks"):
                self.assertEqual(nice.get(name), {0}, (name, nice))
            s, r = j.submit({"source_code": "import os\nprint(os.nice(0))\n", "language_id": 71,
                             "expected_output": "7"}, "?wait=true")
            self.assertEqual(s, 201, r)
            self.assertEqual(r["status"]["id"], 3, r)
            s, r = j.submit({"source_code": C_APLUSB, "language_id": 50, "stdin": "2 3", "expected_output": "5"},
                            "?wait=true")
            self.assertEqual(s, 201, r)
            self.assertEqual(r["status"]["id"], 3, r)

    def test_worker_nice_out_of_range(self):
        j = Judged(JUDGED, env={"JUDGED_WORKER_NICE": "20"}, workers=1)
        try:
            with self.assertRaises(RuntimeError) as e:
                j.start()
            self.assertIn('JUDGED_WORKER_NICE: "20" is out of range 0..19', str(e.exception))
        finally:
            j.close()


class Lifecycle(unittest.TestCase):
    SLEEP = "import time; time.sleep({})\nprint('done')\n"

    def test_result_stored_once_the_disk_has_room(self):
        """A full disk refuses the result: it is retried (counted in /metrics) until stored, then the wait=true
        client is answered."""
        mnt = tempfile.mkdtemp(prefix="judged-e2e-full-", dir="/var/tmp")
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256m", "judged-e2e", mnt], check=True)
        filler = os.path.join(mnt, "filler")
        try:
            with Judged(JUDGED, workers=1, data_dir=mnt) as j:
                answer = {}
                prog = "import sys, time\ntime.sleep(3)\nsys.stdout.write('y' * 900000)\n"
                t = threading.Thread(target=lambda: answer.update(r=j.submit(
                    {"source_code": prog, "language_id": 71}, "?wait=true&fields=token,stdout,status,message")))
                t.start()
                time.sleep(1)
                with open(filler, "wb") as f:  # the disk fills up while the program runs
                    try:
                        while True:
                            f.write(b"f" * (1 << 20))
                            f.flush()
                    except OSError:
                        pass
                deadline = time.time() + 60
                retries = 0
                while time.time() < deadline and retries == 0:
                    _, _, raw = j.request("GET", "/metrics")
                    m = re.search(rb"^judged_store_retries_total\{[^}]*\} (\d+)$", raw, re.M)
                    retries = int(m.group(1)) if m else 0
                    time.sleep(0.2)
                self.assertGreater(retries, 0)
                self.assertTrue(t.is_alive())  # not answered while the result is not stored
                os.unlink(filler)
                t.join(60)
                self.assertFalse(t.is_alive())
                s, r = answer["r"]
                self.assertEqual(s, 201, r)
                self.assertNotIn(r["status"]["id"], (1, 2), r)
                # What the client was told is what was stored (the judging itself may have met the full disk).
                s, stored = j.json("GET", f"/submissions/{r['token']}?fields=token,stdout,status,message")
                self.assertEqual((s, stored), (200, r))
        finally:
            if os.path.exists(filler):
                os.unlink(filler)
            subprocess.run(["umount", "-l", mnt], check=False)
            os.rmdir(mnt)

    def test_queue_full(self):
        with Judged(JUDGED, env={"MAX_QUEUE_SIZE": "2"}, workers=1) as j:
            codes = []
            for _ in range(6):
                s, body = j.submit({"source_code": self.SLEEP.format(1), "language_id": 71})
                codes.append(s)
                if s == 503:
                    self.assertEqual(body, {"error": "queue is full"})
            self.assertIn(503, codes)
            self.assertIn(201, codes)

    def test_maintenance_mode(self):
        with Judged(JUDGED, env={"MAINTENANCE_MODE": "true"}, workers=1) as j:
            self.assertEqual(j.submit({"source_code": "print(1)", "language_id": 71})[0], 503)

    def test_graceful_shutdown(self):
        j = Judged(JUDGED, env={"JUDGED_SHUTDOWN_GRACE_SECONDS": "1"}, workers=1).start()
        try:
            s, quick = j.submit({"source_code": self.SLEEP.format(0.3), "language_id": 71})
            time.sleep(1.0)  # the quick one is running or done
            s, slow = j.submit({"source_code": self.SLEEP.format(4), "language_id": 71, "wall_time_limit": 15})
            time.sleep(1.5)  # the slow one is running
            t0 = time.time()
            self.assertEqual(j.stop(signal.SIGTERM), 0)
            self.assertLess(time.time() - t0, 15)
            self.assertIn("put back in the queue", j.log())
            j.start()
            for t in (quick, slow):
                r = j.wait_done(t["token"], timeout=90)
                self.assertEqual((r["status"]["id"], r["stdout"]), (3, "done\n"))
        finally:
            j.close()

    def test_kill_9_recovery(self):
        j = Judged(JUDGED, workers=1).start()
        try:
            expected = {}
            for i in range(6):
                body = {"source_code": self.SLEEP.format(0.5) + f"print({i})", "language_id": 71,
                        "expected_output": f"done\n{i}\n" if i % 2 == 0 else "wrong"}
                s, t = j.submit(body)
                self.assertEqual(s, 201)
                expected[t["token"]] = 3 if i % 2 == 0 else 4
            s, t = j.submit({"source_code": "int main( {", "language_id": 50})
            expected[t["token"]] = 6
            time.sleep(1.0)  # one is running, the rest are queued
            j.stop(signal.SIGKILL)
            j.start()
            for token, want in expected.items():
                r = j.wait_done(token, timeout=120)
                self.assertEqual(r["status"]["id"], want, r)
        finally:
            j.close()


if __name__ == "__main__":
    JUDGED, argv = judged_from_argv("test_api.py")
    unittest.main(argv=argv, verbosity=2)
