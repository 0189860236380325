#!/usr/bin/env bash
# The image, for real: builds it (C and Python only: the toolchains are not
# what is under test), proves each documented privilege needed by removing it
# alone (judged must refuse to start and name it), runs the hostile-program
# suite in a container with exactly the documented set, then judges a C and a
# Python submission through an api container and two worker containers on a
# PostgreSQL container - one worker run with the documented docker flags, one
# with the flags translated from the rendered Kubernetes worker pod - and last
# brings the Compose file up and answers the README's curl example through it.
# Everything it made (containers, networks, volumes, folders; a dockerd it
# started, and that dockerd's docker0) is removed at the end; images stay as
# the layer cache, and a started dockerd's iptables chains stay too.
#   tests/docker/run.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$(cd "${1:-build}" && pwd)
cd "$repo"
[[ $(id -u) -eq 0 ]] || { echo "tests/docker: run as root" >&2; exit 2; }

run_id=judgetest$$
tmp=$(mktemp -d /tmp/judge-docker-XXXXXX)
image=judge:test
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
t0=$SECONDS
had_docker0=no
elapsed() { echo "$((SECONDS - t0)) s"; }

# docker-compose on deploy/compose.yaml as this run's project, with the
# settings of $tmp/compose.env (written by the Compose step).
compose() { (set -a; . "$tmp/compose.env"; docker-compose -p "$run_id" -f deploy/compose.yaml "$@"); }

cleanup() {
  set +e
  [[ -f $tmp/compose.env ]] && compose down -v --remove-orphans >/dev/null 2>&1
  mapfile -t ids < <(docker ps -aq --filter "label=judge-test=$run_id" 2>/dev/null)
  ((${#ids[@]})) && docker rm -f -v "${ids[@]}" >/dev/null
  docker network rm "$run_id" >/dev/null 2>&1
  docker volume rm "$run_id-pg" >/dev/null 2>&1
  rm -rf "$tmp"
  if [[ -s $tmp.dockerd ]]; then
    local pid
    pid=$(cat "$tmp.dockerd")
    kill "$pid" 2>/dev/null
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    # The bridge that dockerd made, when there was none before it.
    [[ $had_docker0 == yes ]] || ip link delete docker0 2>/dev/null
  fi
  rm -f "$tmp.dockerd"
}
trap cleanup EXIT

ip link show docker0 >/dev/null 2>&1 && had_docker0=yes
bash deploy/docker/dockerd.sh "$tmp.dockerd"
bash deploy/docker/base-image.sh

echo "-- building $image (LANGUAGES=\"c python3\") and judge-postgres:15"
b0=$SECONDS
docker build -q -f deploy/docker/Dockerfile --build-arg LANGUAGES="c python3" -t "$image" . >/dev/null
docker build -q -t judge-postgres:15 deploy/docker/postgres >/dev/null
echo "images built in $((SECONDS - b0)) s; $image is $(docker image inspect -f '{{.Size}}' "$image") bytes"

# The documented minimal set (README, "Containers"), as flags.
caps=(SYS_ADMIN MKNOD SETPCAP CHOWN SETUID SETGID DAC_OVERRIDE KILL)
seccomp=(--security-opt "seccomp=$repo/deploy/docker/seccomp.json")
nnp=(--security-opt no-new-privileges)
cap_flags() {  # cap_flags [CAP_TO_LEAVE_OUT]
  local c
  printf '%s\n' --cap-drop ALL
  for c in "${caps[@]}"; do [[ $c == "${1:-}" ]] || printf '%s\n' --cap-add "$c"; done
}
mapfile -t full < <(cap_flags)
full+=("${seccomp[@]}" "${nnp[@]}")
lbl=(--label "judge-test=$run_id")

echo "-- $(elapsed): each privilege removed alone: judged refuses to start and names it"
refuses() {  # refuses LABEL EXPECTED_TEXT DOCKER_RUN_ARGS...
  local label=$1 want=$2 rc=0
  shift 2
  timeout 120 docker run --rm "${lbl[@]}" "$@" >"$tmp/out" 2>&1 || rc=$?
  if [[ $rc -ne 3 ]]; then
    fail "$label: judged exited $rc, not 3: $(tail -3 "$tmp/out")"
  elif ! grep -qF "$want" "$tmp/out"; then
    fail "$label: judged refused without naming '$want': $(tail -3 "$tmp/out")"
  else
    echo "ok: $label: $(grep -F "$want" "$tmp/out" | head -1)"
  fi
}
for c in "${caps[@]}"; do
  mapfile -t less < <(cap_flags "$c")
  refuses "without $c" "FAIL capability $c:" "${less[@]}" "${seccomp[@]}" "${nnp[@]}" "$image" --role worker
done
mapfile -t less < <(cap_flags)
refuses "Docker's default seccomp profile" "FAIL seccomp profile: this process's seccomp filter refuses pivot_root" \
  "${less[@]}" "${nnp[@]}" "$image" --role worker
refuses "cgroup mounts left read-only (judged started without the entrypoint)" \
  "FAIL cgroup memory:" --entrypoint judged "${full[@]}" "$image" --role worker
# Networked boxes (ALLOW_ENABLE_NETWORK) need three more items.
net=(--cap-add NET_ADMIN --cap-add NET_BIND_SERVICE --device /dev/net/tun)
net_names=("capability NET_ADMIN" "capability NET_BIND_SERVICE" "device /dev/net/tun")
for i in 0 1 2; do
  less=("${net[@]:0:2*i}" "${net[@]:2*i+2}")
  refuses "networked boxes allowed, without ${net_names[i]}" "FAIL ${net_names[i]}:" \
    --env ALLOW_ENABLE_NETWORK=true "${full[@]}" "${less[@]}" "$image" --role worker
done

echo "-- $(elapsed): the full set: judge-sandbox check passes, and with the network's three items a networked box runs"
if docker run --rm "${lbl[@]}" "${full[@]}" "$image" judge-sandbox check >"$tmp/out" 2>&1; then
  echo "ok: judge-sandbox check: $(grep -c ' ok ' "$tmp/out") items ok"
else fail "judge-sandbox check with the full set: $(grep FAIL "$tmp/out")"; fi
if docker run --rm "${lbl[@]}" "${full[@]}" "${net[@]}" "$image" judge-sandbox check --network >"$tmp/out" 2>&1; then
  echo "ok: judge-sandbox check --network: $(tail -1 "$tmp/out")"
else fail "judge-sandbox check --network with NET_ADMIN: $(grep FAIL "$tmp/out")"; fi

# [runtimes] needs the JVM, Node, Go and .NET, absent from this image; the
# [network] case builds its own outside with `ip` and veth (the harness's
# needs, not the service's): the networked box is checked just above.
echo "-- $(elapsed): the hostile-program suite inside a container with the full set"
if docker run --rm "${lbl[@]}" "${full[@]}" -v "$build:$build:ro" -w /tmp "$image" \
     "$build/tests/hostile/test_hostile" --use-colour no "~[runtimes]~[network]" >"$tmp/hostile" 2>&1; then
  echo "ok: hostile suite: $(grep -E '^All tests passed|^test cases' "$tmp/hostile")"
else
  fail "hostile suite in the container"
  grep -B3 -A12 FAILED "$tmp/hostile" | head -60
fi

echo "-- $(elapsed): api + two workers (docker flags; the Kubernetes pod translated) on PostgreSQL"
kubectl kustomize deploy/kubernetes >"$tmp/rendered.yaml"
(cd tests/k8s && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
mapfile -d '' -t pod < <(node tests/k8s/pod-to-docker.mjs --null --host-root "$tmp/host" "$tmp/rendered.yaml" judged-worker "$image")
# The rendered settings name the database: the same user, database and password here.
pod_env() { local a; for a in "${pod[@]}"; do [[ $a == "$1="* ]] && { echo "${a#*=}"; return; }; done; }
pg_user=$(pod_env POSTGRES_USER) pg_db=$(pod_env POSTGRES_DB) pg_pw=$(pod_env POSTGRES_PASSWORD)
pg_host=$(pod_env POSTGRES_HOST)
[[ -n $pg_user && -n $pg_db && -n $pg_pw && -n $pg_host ]] || fail "the rendered worker pod names no database"
store="postgresql://$pg_user:$pg_pw@$pg_host:5432/$pg_db"
docker network create --label "judge-test=$run_id" "$run_id" >/dev/null
docker run -d "${lbl[@]}" --name "$run_id-pg" --network "$run_id" --network-alias "$pg_host" \
  -v "$run_id-pg:/var/lib/postgresql/data" --cap-drop ALL "${nnp[@]}" \
  -e POSTGRES_USER="$pg_user" -e POSTGRES_DB="$pg_db" -e POSTGRES_PASSWORD="$pg_pw" judge-postgres:15 >/dev/null
for _ in $(seq 60); do
  docker exec "$run_id-pg" pg_isready -q -h 127.0.0.1 -U "$pg_user" -d "$pg_db" && break
  sleep 1
done
docker run -d "${lbl[@]}" --name "$run_id-api" --network "$run_id" -p 127.0.0.1::2358 \
  --cap-drop ALL "${nnp[@]}" -e JUDGED_ROLE=api -e JUDGED_STORE="$store" "$image" >/dev/null
docker run -d "${lbl[@]}" --name "$run_id-w1" --network "$run_id" "${full[@]}" \
  -e JUDGED_ROLE=worker -e JUDGED_STORE="$store" -e JUDGED_WORKERS=1 -e JUDGE_SANDBOX_UID_BASE=300000 "$image" >/dev/null
docker run -d "${lbl[@]}" --name "$run_id-w2" --network "$run_id" "${pod[@]}" >/dev/null
port=$(docker port "$run_id-api" 2358/tcp | head -1)
port=${port##*:}
api="http://127.0.0.1:$port"

live_workers() { curl -s "$api/workers" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0]["nodes"]))' 2>/dev/null || echo 0; }
for _ in $(seq 90); do [[ $(live_workers) == 2 ]] && break; sleep 1; done
if [[ $(live_workers) != 2 ]]; then
  fail "two live workers not listed by the api node within 90 s"
  for c in api w1 w2; do echo "--- $c"; docker logs "$run_id-$c" 2>&1 | tail -5; done
fi
submit() {  # submit LANGUAGE_ID SOURCE STDIN EXPECTED -> the response
  python3 - "$api" "$@" <<'PY'
import json, sys, urllib.request
api, lang, src, stdin, want = sys.argv[1:]
body = json.dumps({"language_id": int(lang), "source_code": src, "stdin": stdin, "expected_output": want}).encode()
req = urllib.request.Request(api + "/submissions?wait=true", body, {"Content-Type": "application/json"})
print(json.dumps(json.load(urllib.request.urlopen(req, timeout=120))))
PY
}
verdict() { python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["status"]["description"], repr(r["stdout"]))'; }
c_src=$'#include <stdio.h>\nint main(void){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);return 0;}'
py_src=$'a, b = map(int, input().split())\nprint(a * b)'
got=$(submit 50 "$c_src" "20 22" "42" | verdict) || got="request failed"
[[ $got == "Accepted '42\n'" ]] && echo "ok: C through the containers: $got" || fail "C: $got"
got=$(submit 71 "$py_src" "6 7" "42" | verdict) || got="request failed"
[[ $got == "Accepted '42\n'" ]] && echo "ok: Python through the containers: $got" || fail "Python: $got"
# Both workers judge at once: each has one thread, and a batch of slow ones
# keeps both busy; each node's own count of what it judged must grow.
python3 - "$api" <<'PY' || fail "a batch across both workers"
import json, sys, time, urllib.request
api = sys.argv[1]
subs = [{"language_id": 71, "source_code": "import time\ntime.sleep(1)\nprint(7)", "expected_output": "7"}] * 6
req = urllib.request.Request(api + "/submissions/batch", json.dumps({"submissions": subs}).encode(),
                             {"Content-Type": "application/json"})
tokens = ",".join(t["token"] for t in json.load(urllib.request.urlopen(req, timeout=30)))
deadline = time.time() + 120
while time.time() < deadline:
    got = json.load(urllib.request.urlopen(f"{api}/submissions/batch?tokens={tokens}&fields=status", timeout=30))
    ids = [s["status"]["id"] for s in got["submissions"]]
    if all(i > 2 for i in ids):
        break
    time.sleep(0.5)
print("batch statuses:", ids)
sys.exit(0 if ids == [3] * 6 else 1)
PY
judged_count() {  # CONTAINER [TOKEN]: how many submissions it finished, from its own /metrics
  docker exec "$1" bash -c 'exec 3<>/dev/tcp/127.0.0.1/2358 &&
    printf "GET /metrics HTTP/1.0\r\nX-Auth-Token: %s\r\n\r\n" "$1" >&3 && cat <&3' metrics "${2:-}" |
    awk '/^judged_submissions_total\{/ { n += $NF } END { print n + 0 }'
}
n1=$(judged_count "$run_id-w1") n2=$(judged_count "$run_id-w2" "$(pod_env AUTHN_TOKEN)")
echo "judged by the docker-flag worker: $n1, by the translated pod: $n2"
[[ $n1 -gt 0 && $n2 -gt 0 ]] || fail "both workers should have judged (w1 $n1, w2 $n2)"
# SIGTERM drains and exits 0 (the pod's stop timeout is the grace).
docker stop -t 45 "$run_id-w1" "$run_id-w2" "$run_id-api" >/dev/null
for c in w1 w2 api; do
  rc=$(docker inspect -f '{{.State.ExitCode}}' "$run_id-$c")
  [[ $rc == 0 ]] || { fail "$c exited $rc on SIGTERM"; docker logs "$run_id-$c" 2>&1 | tail -5; }
done

echo "-- $(elapsed): Compose: docker-compose up, the README's curl example, down"
cport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/compose.env" <<EOF
JUDGE_IMAGE=$image
JUDGE_PUBLISH=127.0.0.1:$cport
POSTGRES_PASSWORD=test-$run_id
JUDGE_SECCOMP=$repo/deploy/docker/seccomp.json
JUDGE_SANDBOX_STATE=$tmp/compose-state
EOF
compose up -d --no-build >"$tmp/compose.log" 2>&1 ||
  fail "docker-compose up: $(tail -3 "$tmp/compose.log")"
got=
for _ in $(seq 60); do
  got=$(curl -s -XPOST "127.0.0.1:$cport/submissions?wait=true" -H 'Content-Type: application/json' \
        -d '{"source_code": "#include <stdio.h>\nint main(){puts(\"hi\");}", "language_id": 50}' || true)
  [[ $got == *'"Accepted"'* ]] && break
  sleep 1
done
[[ $got == *'"Accepted"'* && $got == *'"stdout":"hi\n"'* ]] && echo "ok: compose answers the README's example: $got" ||
  fail "compose: $got"
compose down -v >/dev/null 2>&1 ||
  fail "docker-compose down"

echo "-- $(elapsed): done"
if ((failures)); then
  echo "tests/docker: $failures FAILED"
  exit 1
fi
echo "tests/docker: all passed"
