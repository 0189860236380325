#!/usr/bin/python3
"""What a browser client sees: Debian's Chromium, headless, loads a page
served from another origin (a second port on loopback), which submits a
program with base64, polls it, and shows the verdict; the page then reports
what it shows to the server it came from, which is how this test reads it.
A page from an origin outside ALLOW_ORIGIN must fail and create nothing.

Usage: test_browser.py --judged PATH [unittest args]. Needs root (judged)."""

import http.server
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from judged import Judged, judged_from_argv  # noqa: E402

JUDGED = None
CHROMIUM = "/usr/bin/chromium"
TOKEN = "browser-t0ken"

# The page: plain fetch() calls, as a contest front end would make them. The
# X-Auth-Token header and the JSON body make every call a preflighted one.
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>judge from a page</title></head>
<body>
<p>verdict: <span id="verdict">(none yet)</span></p>
<pre id="stdout"></pre>
<script>
const API = %(api)s, TOKEN = %(token)s;
const show = (id, text) => { document.getElementById(id).textContent = text; };
async function report(extra) {
  await fetch("/result", {method: "POST", body: JSON.stringify({
    verdict: document.getElementById("verdict").textContent,
    stdout: document.getElementById("stdout").textContent, ...extra})});
}
async function main() {
  const headers = {"Content-Type": "application/json", "X-Auth-Token": TOKEN};
  const source = "#include <stdio.h>\\nint main(void){long a,b;scanf(\\"%%ld %%ld\\",&a,&b);printf(\\"%%ld\\\\n\\",a+b);}\\n";
  let r = await fetch(API + "/submissions?base64_encoded=true", {method: "POST", headers,
    body: JSON.stringify({source_code: btoa(source), language_id: 50, stdin: btoa("40 2\\n"),
                          expected_output: btoa("42\\n")})});
  if (r.status !== 201) throw new Error("POST answered " + r.status);
  const {token} = await r.json();
  for (let i = 0; i < 600; i++) {
    r = await fetch(API + "/submissions/" + token + "?base64_encoded=true&fields=status,stdout", {headers});
    const s = await r.json();
    if (s.status.id > 2) {
      show("verdict", s.status.description);
      show("stdout", s.stdout === null ? "" : atob(s.stdout));
      return report({token});
    }
    await new Promise(done => setTimeout(done, 100));
  }
  throw new Error("no verdict within 60 s");
}
main().catch(e => { show("verdict", "error: " + e.message); return report({error: String(e)}); });
</script>
</body></html>
"""


class PageServer:
    """Serves the page on its own port and takes the page's report. `api`
    (judged's address) may be set after it starts listening."""

    def __init__(self):
        self.reports = queue.Queue()
        self.api = ""
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path != "/":
                    self.send_error(404)
                    return
                page = (PAGE % {"api": json.dumps(outer.api), "token": json.dumps(TOKEN)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.reports.put(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def browse(url, reports, timeout=90):
    """Opens `url` in a headless Chromium of our own and returns the page's
    first report; the browser (our pid, its process group) is ended after."""
    profile = tempfile.mkdtemp(prefix="judge-chromium-")
    # --no-sandbox: Chromium's own sandbox refuses to start as root, which
    # the suite is; the page is ours.
    proc = subprocess.Popen([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             "--disable-extensions", "--disable-background-networking", "--disable-sync",
                             "--disable-component-update", "--no-default-browser-check",
                             "--user-data-dir=" + profile, "--remote-debugging-port=0", url],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        return reports.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError(f"the page reported nothing in {timeout} s") from None
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stderr.close()
        shutil.rmtree(profile, ignore_errors=True)


class Browser(unittest.TestCase):
    def test_a_page_on_another_origin_judges_a_program(self):
        self.assertTrue(os.access(CHROMIUM, os.X_OK), "Debian's chromium is needed (deploy/install-deps.sh --test)")
        page, other = PageServer(), PageServer()
        try:
            env = {"AUTHN_TOKEN": TOKEN, "ALLOW_ORIGIN": page.origin}
            with Judged(JUDGED, env=env, workers=1) as j:
                page.api = other.api = f"http://127.0.0.1:{j.port}"
                got = browse(page.origin + "/", page.reports)
                self.assertEqual(got.get("verdict"), "Accepted", got)
                self.assertEqual(got.get("stdout"), "42\n", got)
                # From an origin outside ALLOW_ORIGIN the browser is refused
                # and nothing is created.
                got = browse(other.origin + "/", other.reports)
                self.assertTrue(got.get("verdict", "").startswith("error: "), got)
                s, body = j.json("GET", "/submissions", headers={"X-Auth-Token": TOKEN})
                self.assertEqual(s, 200, body)
                self.assertEqual(body["meta"]["total_count"], 1, body)
        finally:
            page.close()
            other.close()


if __name__ == "__main__":
    JUDGED, argv = judged_from_argv("test_browser.py")
    unittest.main(argv=argv, verbosity=2)
