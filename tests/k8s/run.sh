#!/bin/bash
# Offline test of deploy/kubernetes: render every kustomization, validate
# the objects against the Kubernetes and KEDA schemas (validate.mjs), prove
# the validator rejects broken objects, and check the docker translation of
# the pods (pod-to-docker.mjs). No cluster; the network only for npm ci.
#   bash tests/k8s/run.sh
# Exits non-zero on any failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$here"

npm ci --no-audit --no-fund --loglevel=error >/dev/null
# kubectl with kustomize v4 or later (kubectl 1.21+): the kubectl of this
# kind of machine is 1.32. Debian 12's kubernetes-client (1.20) embeds
# kustomize v2, which cannot render these folders, so none is installed: a
# missing or older kubectl fails here, by name.
kz=$(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\([0-9]*\).*/\1/p' || true)
if [[ -z $kz || $kz -lt 4 ]]; then
  echo "FAIL: tests/k8s needs kubectl 1.21+ (kustomize v4+) on PATH; found: $(kubectl version --client 2>&1 | head -2 | tr '\n' ' ')" >&2
  exit 1
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# name:folder of each kustomization that must render and validate.
builds=(base:deploy/kubernetes managed-db:deploy/kubernetes/overlays/managed-db
        prometheus-adapter:deploy/kubernetes/alternatives/prometheus-adapter)
for b in "${builds[@]}"; do
  name=${b%%:*} dir=${b#*:}
  if ! kubectl kustomize "$repo/$dir" >"$out/$name.yaml"; then fail "kubectl kustomize $dir"; continue; fi
  (cd "$out" && node "$here/validate.mjs" "$name.yaml") || fail "validate $dir"
done

node validate.mjs --self-test || fail "validator self-test"

# What each build must (not) hold, beyond the schemas.
kinds() { grep -E '^kind: ' "$1" | sort | uniq -c | tr -s ' ' | tr '\n' ' '; }
[[ $(kinds "$out/managed-db.yaml") != *StatefulSet* ]] || fail "managed-db still has a StatefulSet"
[[ $(kinds "$out/prometheus-adapter.yaml") != *ScaledObject* ]] || fail "prometheus-adapter still has a ScaledObject"
grep -q 'kind: ScaledObject' "$out/base.yaml" || fail "base has no ScaledObject"

# The docker translation: every argument the worker's privileges need, and
# the api's lack of them.
args() { node pod-to-docker.mjs "$@" | tr '\n' ' '; }
expect() {  # LABEL ARGS PATTERN...   each PATTERN (a fixed string) must occur
  local label=$1 a=$2; shift 2
  for p in "$@"; do [[ $a == *"$p"* ]] || fail "$label lacks '$p'"; done
}
refuse() {  # LABEL ARGS PATTERN...   no PATTERN may occur
  local label=$1 a=$2; shift 2
  for p in "$@"; do [[ $a != *"$p"* ]] || fail "$label has '$p'"; done
}
if w=$(args "$out/base.yaml" judged-worker judge:test); then
  expect worker "$w" "--env JUDGED_ROLE=worker " "--env POSTGRES_PASSWORD=change-me " "--cap-drop ALL " \
    "--cap-add SYS_ADMIN " "--cap-add MKNOD " "--cap-add SETPCAP " "--cap-add CHOWN " "--cap-add SETUID " \
    "--cap-add SETGID " "--cap-add KILL " "--cap-add DAC_OVERRIDE " \
    "--security-opt seccomp=$repo/deploy/docker/seccomp.json " "--security-opt apparmor=unconfined " \
    "--user 0 " "--stop-timeout 40 " "--volume /run/judge-sandbox:/run/judge-sandbox " "dst=/var/lib/judge " "GET /health HTTP" \
    "--health-interval 10s " "--health-timeout 5s " "--health-retries 3 " " judge:test "
  refuse worker "$w" "no-new-privileges" "--privileged" "FOWNER" "NET_ADMIN"
  echo "pod-to-docker worker: $(wc -w <<<"$w") words"
else fail "pod-to-docker judged-worker"; fi
if a=$(args "$out/base.yaml" judged-api judge:test); then
  expect api "$a" "--env JUDGED_ROLE=api " "--security-opt no-new-privileges " "--cap-drop ALL " "--user 0 "
  refuse api "$a" "--cap-add" "seccomp=" "--privileged"
  echo "pod-to-docker api: $(wc -w <<<"$a") words"
else fail "pod-to-docker judged-api"; fi
if m=$(args "$out/managed-db.yaml" judged-worker judge:test); then
  expect managed-db "$m" "--env JUDGED_STORE=postgresql://judge:change-me@db.example.com:5432/judge?sslmode=require "
  refuse managed-db "$m" "POSTGRES_HOST="
else fail "pod-to-docker managed-db judged-worker"; fi
# A field it cannot translate must stop it, not vanish.
sed 's/^      terminationGracePeriodSeconds: 40/      hostNetwork: true\n&/' "$out/base.yaml" >"$out/untranslatable.yaml"
grep -q 'hostNetwork: true' "$out/untranslatable.yaml" || fail "could not make the untranslatable manifest"
if node pod-to-docker.mjs "$out/untranslatable.yaml" judged-worker judge:test >/dev/null 2>"$out/err"; then
  fail "pod-to-docker accepted hostNetwork"
elif ! grep -q hostNetwork "$out/err"; then
  fail "pod-to-docker refused the manifest, but not for hostNetwork: $(cat "$out/err")"
else
  echo "pod-to-docker refuses an untranslatable field: $(cat "$out/err")"
fi

# KEDA's queue query against the real schema, on a scratch PostgreSQL of the
# project's own test helper (tests/e2e/pg.py). Without PostgreSQL the step
# skips, but never as root: the README's test command installs it.
query=$(node --input-type=module -e '
  import { readManifests } from "./lib.mjs";
  const s = readManifests(process.argv[1]).find((d) => d.kind === "ScaledObject");
  console.log(s.spec.triggers.find((t) => t.type === "postgresql").metadata.query);' "$out/base.yaml")
/usr/bin/python3 - "$repo" "$query" <<'PY' || fail "KEDA query '$query' on the schema"
import glob, os, sys
repo, query = sys.argv[1:]
sys.path.insert(0, os.path.join(repo, "tests", "e2e"))
import pg
if not pg.available():
    print("skipped: KEDA query on the schema (no PostgreSQL server binaries)")
    sys.exit(1 if os.geteuid() == 0 else 0)
server = pg.PgServer()
try:
    server.fresh_database()
    for f in sorted(glob.glob(os.path.join(repo, "schema", "postgres", "*.sql"))):
        with open(f) as sql:
            server.psql(server.db, sql.read())
    n = server.psql(server.db, query)
    plan = server.psql(server.db, "EXPLAIN " + query)
    index = plan.split(" using ")[1].split()[0] if " using " in plan else None
    print(f"KEDA query runs on the schema: '{query}' -> {n} ({'using ' + index if index else 'no index'})")
    sys.exit(0 if n == "0" else 1)
finally:
    server.close()
PY

if ((failures)); then
  echo "tests/k8s: $failures FAILED"
  exit 1
fi
echo "tests/k8s: all passed"
