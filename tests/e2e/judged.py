"""A real judged process for end-to-end tests: started on a free loopback
port with its own data folder, spoken to over real HTTP, stopped by its pid.
Standard library only (Debian's /usr/bin/python3)."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Judged:
    def __init__(self, binary, env=None, workers=2, data_dir=None, args=(), source=None, log_name="judged.log",
                 host=(), address="127.0.0.1"):
        self.binary = binary
        self.host = list(host)  # a command prefix that runs it on another host (netns.Network.command)
        self.address = address
        self.source = source  # the loopback address requests come from (None: the kernel's choice)
        # Test receivers listen on loopback, which callbacks refuse by default.
        self.env = {"CALLBACKS_ALLOW_PRIVATE": "true", **(env or {})}
        self.workers = workers
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="judged-e2e-", dir="/var/tmp")
        self.args = list(args)
        self.proc = None
        self.port = None
        self.log_path = os.path.join(self.data_dir, log_name)

    def start(self, timeout=30):
        # Another host's ports are its own: any fixed one is free there.
        self.port = free_port() if not self.host else 2358
        env = dict(os.environ)
        env.update(self.env)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.host + [self.binary, "--listen", f"{self.address}:{self.port}", "--data-dir", self.data_dir,
             "--workers", str(self.workers)] + self.args,
            env=env, stdout=log, stderr=log)
        log.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"judged exited with {self.proc.returncode}:\n{self.log()}")
            try:
                status, _, _ = self.request("GET", "/health/live")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("judged did not come up:\n" + self.log())

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=60):
        """Signals our own judged (by pid) and waits; returns its exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise

    def close(self):
        try:
            self.stop()
        finally:
            if self.own_dir:
                shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # --- HTTP
    def request(self, method, path, body=None, headers=None, timeout=120):
        conn = http.client.HTTPConnection(self.address, self.port, timeout=timeout,
                                          source_address=(self.source, 0) if self.source else None)
        try:
            data = None
            h = dict(headers or {})
            if body is not None:
                data = body if isinstance(body, (bytes, str)) else json.dumps(body)
                h.setdefault("Content-Type", "application/json")
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            raw = r.read()
            return r.status, dict(r.getheaders()), raw
        finally:
            conn.close()

    def json(self, method, path, body=None, headers=None, timeout=120):
        status, _, raw = self.request(method, path, body, headers, timeout)
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")

    def submit(self, body, query="", headers=None):
        return self.json("POST", "/submissions" + query, body, headers)

    def wait_done(self, token, query="", timeout=120, headers=None):
        """Polls GET /submissions/{token} until the status is final (the
        test's own polling; the server's wait=true does not poll)."""
        deadline = time.time() + timeout
        path = f"/submissions/{token}?fields=*" + (f"&{query}" if query else "")
        while time.time() < deadline:
            status, body = self.json("GET", path, headers=headers)
            if status == 200 and body["status"]["id"] not in (1, 2):
                return body
            time.sleep(0.1)
        raise AssertionError(f"submission {token} not finished in {timeout} s")


def judged_from_argv(script):
    """`script --judged PATH [unittest args]`: the judged binary and the
    arguments left for unittest; exits with the usage otherwise."""
    args = sys.argv[1:]
    binary = None
    if "--judged" in args:
        i = args.index("--judged")
        binary = os.path.abspath(args[i + 1])
        del args[i:i + 2]
    if not binary or not os.access(binary, os.X_OK):
        sys.exit(f"usage: {script} --judged PATH [unittest args]")
    return binary, [sys.argv[0]] + args
