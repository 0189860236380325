#!/usr/bin/env node
// The `docker run` arguments equivalent to the first container of a rendered
// Deployment's pod template, so the pod's settings can be tried on a host
// with Docker and no cluster.
//   node pod-to-docker.mjs [--null] [--repo ROOT] [--host-root DIR] RENDERED.yaml DEPLOYMENT IMAGE
// Prints one argument per line (with --null: each ended by NUL), everything
// after `docker run`: options, IMAGE, then command/args. E.g.
//   mapfile -t a < <(node pod-to-docker.mjs r.yaml judged-worker judge:latest)
//   docker run -d --rm "${a[@]}"
// ROOT (default: two folders up from this script) locates the seccomp profile;
// DIR (default: none) is put before every hostPath, so a test's host folders
// are its own.
// A field it cannot translate is an error (exit 2), never dropped silently;
// the fields in IGNORED are dropped on purpose.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { find, readManifests } from "./lib.mjs";

// Dropped on purpose: scheduling and cluster-side behaviour with no docker
// equivalent. livenessProbe: docker keeps one health check, which reports and
// never restarts, so the readiness check is the one translated.
const IGNORED = {
  pod: ["affinity", "nodeSelector", "tolerations", "topologySpreadConstraints", "priorityClassName", "serviceAccountName",
    "automountServiceAccountToken", "dnsPolicy", "schedulerName", "enableServiceLinks"],
  container: ["name", "image", "imagePullPolicy", "livenessProbe", "terminationMessagePath", "terminationMessagePolicy"],
};

// Localhost seccomp profiles this repository ships, by their name on a node.
const SECCOMP_PROFILES = { "profiles/judge-seccomp.json": "deploy/docker/seccomp.json" };

class Untranslatable extends Error {}
const fail = (path, what) => { throw new Untranslatable(`${path}: ${what}`); };

// Complain about every key of obj that is neither handled nor ignored.
function only(obj, path, handled, ignored = []) {
  for (const k of Object.keys(obj ?? {}))
    if (!handled.includes(k) && !ignored.includes(k)) fail(`${path}/${k}`, "no docker equivalent is known");
}

const sq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
const b64 = (s) => Buffer.from(s.replace(/[\r\n]/g, ""), "base64").toString("utf8");

// Quantities (resources) to docker's units.
function bytes(q, path) {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q));
  if (!m) fail(path, `quantity ${q} not understood`);
  const mult = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2]] ?? 1;
  return Math.round(Number(m[1]) * mult);
}
function cpus(q, path) {
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(String(q));
  if (!m) fail(path, `cpu quantity ${q} not understood`);
  return m[2] ? Number(m[1]) / 1000 : Number(m[1]);
}

// The kubelet's $(VAR) expansion ($$ escapes; an unknown name stays as is).
const expand = (s, env) => s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name) =>
  all === "$$" ? "$" : env.has(name) ? env.get(name) : all);

function resolveEnv(c, docs, namespace, base) {
  const env = new Map();
  const source = (kind, name, path) => find(docs, kind, name, namespace) ?? fail(path, `${kind} ${name} is not in the rendered file`);
  // envFrom first, in order; env overrides it (the kubelet's precedence).
  (c.envFrom ?? []).forEach((e, i) => {
    const path = `${base}/envFrom/${i}`;
    only(e, path, ["configMapRef", "secretRef", "prefix"]);
    const ref = e.configMapRef ?? e.secretRef;
    const kind = e.configMapRef ? "ConfigMap" : "Secret";
    only(ref, `${path}/${e.configMapRef ? "configMapRef" : "secretRef"}`, ["name", "optional"]);
    const obj = ref.optional ? find(docs, kind, ref.name, namespace) : source(kind, ref.name, path);
    if (!obj) return;
    for (const [k, v] of Object.entries(obj.data ?? {})) env.set((e.prefix ?? "") + k, kind === "Secret" ? b64(v) : v);
    for (const [k, v] of Object.entries(obj.stringData ?? {})) env.set((e.prefix ?? "") + k, v);
  });
  (c.env ?? []).forEach((e, i) => {
    const path = `${base}/env/${i}`;
    only(e, path, ["name", "value", "valueFrom"]);
    if (e.valueFrom === undefined) return env.set(e.name, expand(e.value ?? "", env));
    only(e.valueFrom, `${path}/valueFrom`, ["configMapKeyRef", "secretKeyRef"]);
    const ref = e.valueFrom.configMapKeyRef ?? e.valueFrom.secretKeyRef;
    const kind = e.valueFrom.configMapKeyRef ? "ConfigMap" : "Secret";
    only(ref, `${path}/valueFrom`, ["name", "key", "optional"]);
    const obj = ref.optional ? find(docs, kind, ref.name, namespace) : source(kind, ref.name, path);
    const raw = obj?.data?.[ref.key] ?? obj?.stringData?.[ref.key];
    if (raw === undefined) {
      if (ref.optional) return;
      fail(path, `${kind} ${ref.name} has no key ${ref.key}`);
    }
    env.set(e.name, kind === "Secret" && obj.data?.[ref.key] !== undefined ? b64(raw) : raw);
  });
  for (const k of env.keys()) if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(k)) fail(base, `environment name ${k} is not valid`);
  return env;
}

function portNumber(port, c, path) {
  if (typeof port === "number") return port;
  const p = (c.ports ?? []).find((x) => x.name === port);
  return p?.containerPort ?? fail(path, `named port ${port} not in the container's ports`);
}

// The readiness probe as docker's one health check.
function healthCheck(probe, c, path) {
  only(probe, path, ["httpGet", "tcpSocket", "exec", "initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold", "successThreshold"]);
  if ((probe.successThreshold ?? 1) !== 1) fail(`${path}/successThreshold`, "docker counts one success");
  let cmd;
  if (probe.httpGet) {
    const h = probe.httpGet;
    only(h, `${path}/httpGet`, ["path", "port", "scheme"]);
    if ((h.scheme ?? "HTTP") !== "HTTP") fail(`${path}/httpGet/scheme`, "only HTTP");
    const p = h.path ?? "/";
    if (!/^\/[A-Za-z0-9/._~!$&()*+,;=:@?-]*$/.test(p) || p.includes("%")) fail(`${path}/httpGet/path`, `path ${p} not quotable`);
    // No curl in the image: bash's /dev/tcp. Success as the kubelet's: 200-399.
    const script = `exec 3<>/dev/tcp/127.0.0.1/${portNumber(h.port, c, `${path}/httpGet/port`)}` +
      ` && printf 'GET ${p} HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' >&3` +
      ` && head -n 1 <&3 | grep -qE '^HTTP/1\\.[01] [23][0-9][0-9] '`;
    cmd = `bash -c ${sq(script)}`;
  } else if (probe.tcpSocket) {
    only(probe.tcpSocket, `${path}/tcpSocket`, ["port"]);
    cmd = `bash -c ${sq(`exec 3<>/dev/tcp/127.0.0.1/${portNumber(probe.tcpSocket.port, c, `${path}/tcpSocket/port`)}`)}`;
  } else if (probe.exec) {
    only(probe.exec, `${path}/exec`, ["command"]);
    cmd = probe.exec.command.map(sq).join(" ");
  } else fail(path, "no handler");
  // The kubelet's defaults when a field is absent.
  return ["--health-cmd", cmd,
    "--health-interval", `${probe.periodSeconds ?? 10}s`,
    "--health-timeout", `${probe.timeoutSeconds ?? 1}s`,
    "--health-retries", String(probe.failureThreshold ?? 3),
    ...(probe.initialDelaySeconds ? ["--health-start-period", `${probe.initialDelaySeconds}s`] : [])];
}

function security(sc, path, repo) {
  const out = [];
  only(sc, path, ["runAsUser", "runAsGroup", "runAsNonRoot", "privileged", "allowPrivilegeEscalation", "capabilities",
    "readOnlyRootFilesystem", "procMount", "seccompProfile", "appArmorProfile"]);
  if (sc.runAsUser !== undefined) out.push("--user", sc.runAsGroup !== undefined ? `${sc.runAsUser}:${sc.runAsGroup}` : String(sc.runAsUser));
  else if (sc.runAsGroup !== undefined) fail(`${path}/runAsGroup`, "docker needs the user with the group");
  // The kubelet refuses a root user with runAsNonRoot; docker has no such check.
  if (sc.runAsNonRoot === true && sc.runAsUser === 0) fail(`${path}/runAsNonRoot`, "contradicts runAsUser 0");
  if (sc.runAsNonRoot === true && sc.runAsUser === undefined) fail(`${path}/runAsNonRoot`, "docker cannot check the image's user");
  if (sc.privileged) out.push("--privileged");
  if (sc.allowPrivilegeEscalation === false) out.push("--security-opt", "no-new-privileges");
  if (sc.capabilities) {
    only(sc.capabilities, `${path}/capabilities`, ["drop", "add"]);
    for (const c of sc.capabilities.drop ?? []) out.push("--cap-drop", c);
    for (const c of sc.capabilities.add ?? []) out.push("--cap-add", c);
  }
  if (sc.readOnlyRootFilesystem) out.push("--read-only");
  if (sc.procMount === "Unmasked") out.push("--security-opt", "systempaths=unconfined");
  else if (sc.procMount !== undefined && sc.procMount !== "Default") fail(`${path}/procMount`, sc.procMount);
  const sp = sc.seccompProfile;
  if (sp) {
    only(sp, `${path}/seccompProfile`, ["type", "localhostProfile"]);
    if (sp.type === "Localhost") {
      const file = SECCOMP_PROFILES[sp.localhostProfile] ?? fail(`${path}/seccompProfile`, `no file known for ${sp.localhostProfile}`);
      const abs = join(repo, file);
      if (!existsSync(abs)) console.error(`pod-to-docker: warning: ${abs} does not exist (yet)`);
      out.push("--security-opt", `seccomp=${abs}`);
    } else if (sp.type === "Unconfined") out.push("--security-opt", "seccomp=unconfined");
    else if (sp.type !== "RuntimeDefault") fail(`${path}/seccompProfile/type`, sp.type);
  }
  const ap = sc.appArmorProfile;
  if (ap) {
    only(ap, `${path}/appArmorProfile`, ["type", "localhostProfile"]);
    if (ap.type === "Unconfined") out.push("--security-opt", "apparmor=unconfined");
    else if (ap.type === "Localhost") out.push("--security-opt", `apparmor=${ap.localhostProfile}`);
    else if (ap.type !== "RuntimeDefault") fail(`${path}/appArmorProfile/type`, ap.type);
  }
  return out;
}

function resources(r, path) {
  const out = [];
  only(r, path, ["limits", "requests"]);
  only(r.limits, `${path}/limits`, ["cpu", "memory"]);
  // requests.cpu only places the pod; requests.memory is docker's soft limit.
  only(r.requests, `${path}/requests`, ["cpu", "memory"]);
  if (r.limits?.memory) out.push("--memory", `${bytes(r.limits.memory, `${path}/limits/memory`)}b`);
  if (r.requests?.memory) out.push("--memory-reservation", `${bytes(r.requests.memory, `${path}/requests/memory`)}b`);
  if (r.limits?.cpu) out.push("--cpus", String(cpus(r.limits.cpu, `${path}/limits/cpu`)));
  return out;
}

function volumes(c, spec, base, hostRoot) {
  const out = [];
  (c.volumeMounts ?? []).forEach((m, i) => {
    const path = `${base}/volumeMounts/${i}`;
    only(m, path, ["name", "mountPath", "readOnly"]);
    const v = (spec.volumes ?? []).find((x) => x.name === m.name) ?? fail(path, `volume ${m.name} not in the pod`);
    only(v, `/spec/template/spec/volumes/${m.name}`, ["name", "emptyDir", "hostPath"]);
    if (v.hostPath) {
      only(v.hostPath, `/spec/template/spec/volumes/${m.name}/hostPath`, ["path", "type"]);
      const t = v.hostPath.type ?? "";
      if (t !== "DirectoryOrCreate" && t !== "Directory") fail(`/spec/template/spec/volumes/${m.name}/hostPath/type`, t);
      // HOST_ROOT relocates host folders (a test keeps its own); docker makes a
      // missing source folder, as DirectoryOrCreate does.
      out.push("--volume", `${hostRoot}${v.hostPath.path}:${m.mountPath}${m.readOnly ? ":ro" : ""}`);
      return;
    }
    only(v.emptyDir, `/spec/template/spec/volumes/${m.name}/emptyDir`, ["medium", "sizeLimit"]);
    if (v.emptyDir.medium === "Memory") {
      if (m.readOnly) fail(`${path}/readOnly`, "a read-only empty tmpfs");
      const size = v.emptyDir.sizeLimit ? `,size=${bytes(v.emptyDir.sizeLimit, `${path}/sizeLimit`)}` : "";
      out.push("--tmpfs", `${m.mountPath}:rw${size}`);
    } else if (!v.emptyDir.medium) {
      // An anonymous volume: empty at start, gone with `docker run --rm`.
      // Docker's local volumes have no size, so sizeLimit is not enforced.
      out.push("--mount", `type=volume,dst=${m.mountPath}${m.readOnly ? ",readonly" : ""}`);
    } else fail(`/spec/template/spec/volumes/${m.name}/emptyDir/medium`, v.emptyDir.medium);
  });
  return out;
}

export function translate(docs, name, image, repo, hostRoot = "") {
  const d = docs.find((x) => x.kind === "Deployment" && x.metadata?.name === name) ?? fail("/", `no Deployment ${name}`);
  const namespace = d.metadata.namespace ?? "default";
  const spec = d.spec.template.spec;
  only(spec, "/spec/template/spec", ["containers", "volumes", "terminationGracePeriodSeconds", "securityContext", "restartPolicy"], IGNORED.pod);
  if (spec.containers.length !== 1) fail("/spec/template/spec/containers", "more than one container");
  if (spec.restartPolicy !== undefined && spec.restartPolicy !== "Always") fail("/spec/template/spec/restartPolicy", spec.restartPolicy);
  const c = spec.containers[0];
  const base = "/spec/template/spec/containers/0";
  only(c, base, ["command", "args", "env", "envFrom", "ports", "readinessProbe", "resources", "securityContext", "volumeMounts", "workingDir"],
    IGNORED.container);
  const out = [];
  const env = resolveEnv(c, docs, namespace, base);
  for (const [k, v] of env) out.push("--env", `${k}=${v}`);
  (c.ports ?? []).forEach((p, i) => {
    only(p, `${base}/ports/${i}`, ["name", "containerPort", "protocol"]);
    out.push("--expose", `${p.containerPort}/${(p.protocol ?? "TCP").toLowerCase()}`);
  });
  if (c.readinessProbe) out.push(...healthCheck(c.readinessProbe, c, `${base}/readinessProbe`));
  if (c.resources) out.push(...resources(c.resources, `${base}/resources`));
  // The pod's securityContext holds only what containers inherit here; the
  // container's own fields win, as in Kubernetes.
  const podSc = spec.securityContext ?? {};
  only(podSc, "/spec/template/spec/securityContext", ["runAsUser", "runAsGroup", "runAsNonRoot", "seccompProfile", "appArmorProfile"]);
  out.push(...security({ ...podSc, ...c.securityContext }, `${base}/securityContext`, repo));
  out.push(...volumes(c, spec, base, hostRoot));
  // Docker's default is 10 s; the kubelet's 30 s.
  out.push("--stop-timeout", String(spec.terminationGracePeriodSeconds ?? 30));
  if (c.workingDir) out.push("--workdir", c.workingDir);
  const cmd = (c.command ?? []).map((s) => expand(s, env));
  const args = (c.args ?? []).map((s) => expand(s, env));
  if (cmd.length) out.push("--entrypoint", cmd[0]);
  out.push(image, ...cmd.slice(1), ...args);
  return out;
}

const here = dirname(fileURLToPath(import.meta.url));
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  let sep = "\n";
  let repo = resolve(here, "../..");
  let hostRoot = "";
  for (;;) {
    if (argv[0] === "--null") { sep = "\0"; argv.shift(); }
    else if (argv[0] === "--host-root") { argv.shift(); hostRoot = resolve(argv.shift()); }
    else if (argv[0] === "--repo") { argv.shift(); repo = resolve(argv.shift()); }
    else break;
  }
  if (argv.length !== 3) {
    console.error("usage: node pod-to-docker.mjs [--null] [--repo ROOT] [--host-root DIR] RENDERED.yaml DEPLOYMENT IMAGE");
    process.exit(2);
  }
  try {
    const out = translate(readManifests(argv[0]), argv[1], argv[2], repo, hostRoot);
    if (sep === "\n" && out.some((a) => a.includes("\n"))) fail("/", "an argument holds a newline: use --null");
    process.stdout.write(out.map((a) => a + sep).join(""));
  } catch (e) {
    if (!(e instanceof Untranslatable)) throw e;
    console.error(`pod-to-docker: ${argv[1]}: ${e.message}`);
    process.exit(2);
  }
}
