"""Start/stop loop under ASan/UBSan: judged (an ASan build) is started on a
fresh data folder and sent SIGTERM 0, 5, 12, 50, 200 ms ... (about 20 rounds)
after its main() has begun (seen from /proc: SIGTERM is caught; an ASan
binary takes a second or more to get there under load, so timing from the
spawn would only test the loader), one round right at the spawn, then once
with a box still running past a 1 s grace. A round fails
on any sanitizer report, an exit other than 0 (or, for a signal that lands
before main has installed its handler, death by that SIGTERM with nothing
logged), a process left under judged, or an entry in the data folder that
judged does not make.

usage: start_stop_asan.py --judged build-asan/server/judged"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from judged import Judged, free_port  # noqa: E402
from test_callbacks import alive, descendants  # noqa: E402

# What judged itself puts in its data folder (judge.db with its WAL files and
# its marker, the work and cache folders, tmp, problems) and the test's own
# log.
KNOWN = re.compile(r"^(judge\.db(-wal|-shm|-journal|\.marker)?|work|compile-cache|tmp|problems|judged\.log|languages-detected\.json)$")
DELAYS_MS = [0, 5, 12, 50, 200, 1, 3, 8, 20, 30, 75, 100, 150, 300, 500, 0, 12, 12, 40, 800]
SANITIZER = re.compile(r"ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:|SUMMARY: \w+Sanitizer")


def caught_sigterm(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    except OSError:
        pass
    return False


def check_round(name, j, rc, log, ours):
    problems = []
    if SANITIZER.search(log):
        problems.append("sanitizer report")
    if rc != 0 and not (rc == -signal.SIGTERM and not log.strip()):
        problems.append(f"exit status {rc}")
    left = [p for p in ours if alive(p)]
    if left:
        problems.append(f"processes left: {left}")
    stray = [e for e in os.listdir(j.data_dir) if not KNOWN.match(e)]
    if stray:
        problems.append(f"stray entries in the data folder: {stray!r}")
    return [f"{name}: {p}" for p in problems]


def main():
    args = sys.argv[1:]
    if len(args) != 2 or args[0] != "--judged":
        sys.exit(__doc__)
    binary = os.path.abspath(args[1])
    env = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:halt_on_error=1",
           "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"}
    failures = []
    t_start = time.time()
    for i, delay in enumerate([None] + DELAYS_MS):
        j = Judged(binary, env=env, workers=2)
        try:
            j.port = None
            log = open(j.log_path, "ab")
            j.proc = subprocess.Popen([binary, "--listen", f"127.0.0.1:{free_port()}", "--data-dir", j.data_dir, "--workers", "2"],
                                      env={**os.environ, **j.env}, stdout=log, stderr=log)
            log.close()
            if delay is not None:
                deadline = time.time() + 60
                while time.time() < deadline and j.proc.poll() is None and not caught_sigterm(j.proc.pid):
                    time.sleep(0.001)
                time.sleep(delay / 1000)
            ours = descendants(j.proc.pid)
            j.proc.send_signal(signal.SIGTERM)
            try:
                rc = j.proc.wait(60)
            except subprocess.TimeoutExpired:
                j.proc.kill()
                rc = j.proc.wait()
                failures.append(f"round {i} ({delay} ms into main): did not stop within 60 s")
            # Processes that appeared after the snapshot are found by their
            # parent being gone: wait for the snapshot's to go.
            deadline = time.time() + 5
            while time.time() < deadline and any(alive(p) for p in ours):
                time.sleep(0.05)
            what = "at the spawn" if delay is None else f"{delay:3d} ms into main"
            found = check_round(f"round {i} ({what})", j, rc, j.log(), ours)
            if found:  # what the sanitizer (or judged) said, for the CI log
                print(f"round {i}: judged's log:\n" + "\n".join(j.log().splitlines()[:80]), flush=True)
            failures += found
            print(f"round {i:2d}: SIGTERM {what} -> exit {rc}", flush=True)
        finally:
            if failures and os.environ.get("KEEP_FAILED"):
                print("kept", j.data_dir)
            else:
                shutil.rmtree(j.data_dir, ignore_errors=True)
    # A box still running past the grace: the worker cannot be joined.
    j = Judged(binary, env={**env, "JUDGED_SHUTDOWN_GRACE_SECONDS": "1"}, workers=1)
    try:
        j.start(timeout=60)
        s, t = j.submit({"source_code": "import time\ntime.sleep(4)\nprint('done')\n", "language_id": 71,
                         "wall_time_limit": 15})
        deadline = time.time() + 30
        while time.time() < deadline:
            _, r = j.json("GET", f"/submissions/{t['token']}?fields=status_id")
            if r and r.get("status_id") == 2:
                break
            time.sleep(0.1)
        time.sleep(0.5)
        ours = descendants(j.proc.pid)
        t0 = time.time()
        rc = j.stop(signal.SIGTERM)
        took = time.time() - t0
        deadline = time.time() + 5
        while time.time() < deadline and any(alive(p) for p in ours):
            time.sleep(0.05)
        failures += check_round("past the grace", j, rc, j.log(), ours)
        if took > 1 + 5:
            failures.append(f"past the grace: took {took:.1f} s to stop")
        if "put back in the queue" not in j.log():
            failures.append("past the grace: the running submission was not put back in the queue")
        print(f"past the grace: exit {rc} after {took:.1f} s", flush=True)
    finally:
        j.close()
    print(f"{len(DELAYS_MS) + 2} rounds in {time.time() - t_start:.0f} s")
    if failures:
        print("\n".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
