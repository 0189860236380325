#!/usr/bin/env node
// Offline validation of rendered manifests (kubectl kustomize output).
//   node validate.mjs [FILE|-]...     (no FILE: stdin)
//   node validate.mjs --self-test     broken objects must be rejected
// For each object: the kubernetes-models class of its apiVersion+kind runs its
// schema validation (types, enums, required fields); then an unknown-key check,
// which the models do not make (their schemas allow additional properties);
// then the references between objects (ConfigMap/Secret keys, selectors,
// scale targets) must resolve within the rendered set. Exit 1 on any problem.
import * as core from "kubernetes-models/v1";
import * as apps from "kubernetes-models/apps/v1";
import * as policy from "kubernetes-models/policy/v1";
import * as autoscaling from "kubernetes-models/autoscaling/v2";
import * as networking from "kubernetes-models/networking.k8s.io/v1";
import * as keda from "@kubernetes-models/keda/keda.sh/v1alpha1";
import { describe, find, isPlainObject, readManifests } from "./lib.mjs";

// The API groups this install uses; anything else is a problem, not a skip.
const GROUPS = {
  v1: core,
  "apps/v1": apps,
  "policy/v1": policy,
  "autoscaling/v2": autoscaling,
  "networking.k8s.io/v1": networking,
  "keda.sh/v1alpha1": keda,
};

function modelClass(obj) {
  const Cls = GROUPS[obj.apiVersion]?.[obj.kind];
  if (typeof Cls !== "function" || Cls.apiVersion !== obj.apiVersion || Cls.kind !== obj.kind) return null;
  return Cls;
}

const esc = (k) => k.replace(/~/g, "~0").replace(/\//g, "~1");

// The models' validators are ajv's generated code: they read exactly the
// properties their schema defines (`data.replicas`), and enumerate maps
// (labels, data) with for-in. So a Proxy that records what the validator
// touched gives the schema's knowledge per object: a key it never read is not
// in the schema. An object it touched not at all has a free-form schema
// (no properties, e.g. a CRD's preserve-unknown-fields) and is not judged.
function track(value, path, seen) {
  if (Array.isArray(value)) {
    return new Proxy(value, {
      get(t, k, r) {
        const v = Reflect.get(t, k, r);
        return typeof k === "string" && /^\d+$/.test(k) ? track(v, `${path}/${k}`, seen) : v;
      },
    });
  }
  if (value === null || typeof value !== "object") return value;
  const note = (k) => {
    if (!seen.has(path)) seen.set(path, new Set());
    if (typeof k === "string") seen.get(path).add(k);
  };
  return new Proxy(value, {
    get(t, k, r) {
      note(k);
      const v = Reflect.get(t, k, r);
      return typeof k === "string" && Object.hasOwn(t, k) ? track(v, `${path}/${esc(k)}`, seen) : v;
    },
    has(t, k) {
      note(k);
      return Reflect.has(t, k);
    },
    ownKeys(t) {
      note(undefined);
      return Reflect.ownKeys(t);
    },
    getOwnPropertyDescriptor(t, k) {
      note(k);
      return Reflect.getOwnPropertyDescriptor(t, k);
    },
  });
}

function unknownKeys(value, path, seen, problems, stats) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => unknownKeys(v, `${path}/${i}`, seen, problems, stats));
    return;
  }
  if (!isPlainObject(value)) return;
  const known = seen.get(path);
  if (!known && Object.keys(value).length) stats.freeForm.push(path || "/");
  for (const k of Object.keys(value)) {
    const p = `${path}/${esc(k)}`;
    if (known && !known.has(k)) problems.push({ path: p, message: "unknown key (not in the schema)" });
    else unknownKeys(value[k], p, seen, problems, stats);
  }
}

// kustomize wraps long base64 values at 70 columns; the API server decodes
// them with Go's encoding/base64, which skips newlines, while the models'
// "byte" format does not. Compare what the server would see.
function apiServerView(obj) {
  const field = obj.kind === "Secret" ? "data" : obj.kind === "ConfigMap" ? "binaryData" : null;
  if (!field || !isPlainObject(obj[field])) return obj;
  const unwrapped = Object.fromEntries(
    Object.entries(obj[field]).map(([k, v]) => [k, typeof v === "string" ? v.replace(/[\r\n]/g, "") : v]),
  );
  return { ...obj, [field]: unwrapped };
}

// Schema and unknown-key problems of one object: [{path, message}].
export function checkObject(obj, stats = { freeForm: [] }) {
  if (!isPlainObject(obj)) return [{ path: "/", message: "not an object" }];
  const Cls = modelClass(obj);
  if (!Cls) return [{ path: "/", message: `no model for apiVersion ${obj.apiVersion} kind ${obj.kind}` }];
  const model = new Cls(apiServerView(obj));
  const seen = new Map();
  const problems = [];
  try {
    // The model's own validate(), with the tracking proxy as `this`.
    Cls.prototype.validate.call(track(model, "", seen));
  } catch (e) {
    if (!Array.isArray(e.errors)) throw e;
    for (const err of e.errors) {
      const extra = err.params?.allowedValues ? ` (${err.params.allowedValues.join(", ")})` : "";
      problems.push({ path: err.instancePath || "/", message: `${err.message}${extra}` });
    }
  }
  unknownKeys(model, "", seen, problems, stats);
  return problems;
}

const ns = (o) => o.metadata?.namespace ?? "default";
const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

function podTemplates(docs) {
  return docs.filter((d) => ["Deployment", "StatefulSet", "DaemonSet", "Job"].includes(d.kind) && d.spec?.template);
}

// References that must resolve inside the rendered set.
export function checkReferences(docs) {
  const out = [];
  const need = (obj, path, kind, name, key) => {
    const target = find(docs, kind, name, ns(obj));
    if (!target) out.push({ obj, path, message: `${kind} ${name} is not in the rendered set` });
    else if (key !== undefined) {
      const keys = Object.keys({ ...target.data, ...target.stringData });
      if (!keys.includes(key)) out.push({ obj, path, message: `${kind} ${name} has no key ${key}` });
    }
  };
  for (const w of podTemplates(docs)) {
    const spec = w.spec.template.spec ?? {};
    if (w.spec.selector?.matchLabels && !matches(w.spec.selector.matchLabels, w.spec.template.metadata?.labels))
      out.push({ obj: w, path: "/spec/selector", message: "does not match the pod template's labels" });
    for (const field of ["initContainers", "containers"]) {
      (spec[field] ?? []).forEach((c, i) => {
        const base = `/spec/template/spec/${field}/${i}`;
        (c.envFrom ?? []).forEach((e, j) => {
          if (e.configMapRef && !e.configMapRef.optional) need(w, `${base}/envFrom/${j}`, "ConfigMap", e.configMapRef.name);
          if (e.secretRef && !e.secretRef.optional) need(w, `${base}/envFrom/${j}`, "Secret", e.secretRef.name);
        });
        (c.env ?? []).forEach((e, j) => {
          const cm = e.valueFrom?.configMapKeyRef;
          const s = e.valueFrom?.secretKeyRef;
          if (cm && !cm.optional) need(w, `${base}/env/${j}`, "ConfigMap", cm.name, cm.key);
          if (s && !s.optional) need(w, `${base}/env/${j}`, "Secret", s.name, s.key);
        });
      });
    }
  }
  const selects = (obj, path, selector) => {
    if (!podTemplates(docs).some((w) => ns(w) === ns(obj) && matches(selector, w.spec.template.metadata?.labels)))
      out.push({ obj, path, message: "selects no pod template of the rendered set" });
  };
  for (const d of docs) {
    if (d.kind === "Service" && d.spec?.selector) selects(d, "/spec/selector", d.spec.selector);
    if (d.kind === "PodDisruptionBudget") selects(d, "/spec/selector/matchLabels", d.spec?.selector?.matchLabels);
    if (d.kind === "NetworkPolicy") selects(d, "/spec/podSelector/matchLabels", d.spec?.podSelector?.matchLabels);
    if (d.kind === "HorizontalPodAutoscaler") need(d, "/spec/scaleTargetRef", d.spec.scaleTargetRef.kind, d.spec.scaleTargetRef.name);
    if (d.kind === "ScaledObject") {
      need(d, "/spec/scaleTargetRef", d.spec.scaleTargetRef.kind ?? "Deployment", d.spec.scaleTargetRef.name);
      (d.spec.triggers ?? []).forEach((t, i) => {
        if (t.authenticationRef) need(d, `/spec/triggers/${i}/authenticationRef`, t.authenticationRef.kind ?? "TriggerAuthentication", t.authenticationRef.name);
      });
    }
    if (d.kind === "TriggerAuthentication")
      (d.spec?.secretTargetRef ?? []).forEach((r, i) => need(d, `/spec/secretTargetRef/${i}`, "Secret", r.name, r.key));
    if (d.kind === "StatefulSet" && d.spec?.serviceName) need(d, "/spec/serviceName", "Service", d.spec.serviceName);
  }
  return out;
}

// All problems of a rendered set, printed; returns the count of bad objects.
export function validateAll(docs, label) {
  const stats = { freeForm: [] };
  let bad = 0;
  const seenNames = new Set();
  for (const obj of docs) {
    const problems = checkObject(obj, stats);
    const id = `${obj.apiVersion}/${describe(obj)}`;
    if (seenNames.has(id)) problems.push({ path: "/metadata/name", message: "duplicate object" });
    seenNames.add(id);
    if (problems.length) bad++;
    for (const p of problems) console.log(`FAIL ${label}: ${describe(obj)} ${p.path}: ${p.message}`);
  }
  const refs = checkReferences(docs);
  for (const r of refs) console.log(`FAIL ${label}: ${describe(r.obj)} ${r.path}: ${r.message}`);
  if (!docs.length) {
    console.log(`FAIL ${label}: no objects`);
    return 1;
  }
  if (stats.freeForm.length) console.log(`note ${label}: free-form (not key-checked): ${stats.freeForm.join(", ")}`);
  if (bad || refs.length) {
    console.log(`${label}: ${bad} of ${docs.length} objects invalid, ${refs.length} unresolved references`);
    return bad + refs.length;
  }
  console.log(`${label}: ${docs.length} objects valid`);
  return 0;
}

// A valid Deployment and broken copies of it: each must be rejected at the
// expected path, and the valid one accepted, or the validator proves nothing.
function selfTest() {
  const good = () => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "t", labels: { "app.kubernetes.io/name": "t", "any/key-at-all": "x" }, annotations: { "a.b/c": "d" } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "t" } },
      template: {
        metadata: { labels: { app: "t" } },
        spec: {
          restartPolicy: "Always",
          containers: [
            {
              name: "c",
              image: "judge:latest",
              resources: { limits: { cpu: "2", memory: "3Gi" } },
              securityContext: { capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] } },
            },
          ],
        },
      },
    },
  });
  const scaled = () => ({
    apiVersion: "keda.sh/v1alpha1",
    kind: "ScaledObject",
    metadata: { name: "s" },
    spec: { scaleTargetRef: { name: "t" }, triggers: [{ type: "postgresql", metadata: { query: "SELECT 1", anyKey: "v" } }] },
  });
  const cases = [
    ["misspelled key spec.replica", (d) => { d.spec.replica = d.spec.replicas; delete d.spec.replicas; }, "/spec/replica"],
    ["bad enum restartPolicy: Sometimes", (d) => { d.spec.template.spec.restartPolicy = "Sometimes"; }, "/spec/template/spec/restartPolicy"],
    ["missing required containers", (d) => { delete d.spec.template.spec.containers; }, "/spec/template/spec"],
    ["misspelled key deep in securityContext", (d) => { d.spec.template.spec.containers[0].securityContext.capabilites = {}; }, "/spec/template/spec/containers/0/securityContext/capabilites"],
    ["wrong type replicas: \"2\"", (d) => { d.spec.replicas = "2"; }, "/spec/replicas"],
    ["misspelled ScaledObject key minReplicas", () => { const s = scaled(); s.spec.minReplicas = 1; return s; }, "/spec/minReplicas"],
    ["unknown apiVersion", (d) => { d.apiVersion = "apps/v1beta9"; }, "/"],
  ];
  let failed = 0;
  for (const [name, base] of [["valid Deployment", good], ["valid ScaledObject", scaled]]) {
    const p = checkObject(base());
    if (p.length) { failed++; console.log(`self-test FAIL: ${name} rejected: ${JSON.stringify(p)}`); }
    else console.log(`self-test ok: ${name} accepted`);
  }
  for (const [name, mutate, path] of cases) {
    const d = good();
    const obj = mutate(d) ?? d;
    const p = checkObject(obj);
    if (!p.some((x) => x.path === path)) {
      failed++;
      console.log(`self-test FAIL: ${name} not rejected at ${path}: ${JSON.stringify(p)}`);
    } else console.log(`self-test ok: ${name} rejected (${p.map((x) => `${x.path}: ${x.message}`).join("; ")})`);
  }
  // References: a Service selecting nothing and a missing Secret key.
  const svc = { apiVersion: "v1", kind: "Service", metadata: { name: "x" }, spec: { selector: { app: "nothing" } } };
  const dep = good();
  dep.spec.template.spec.containers[0].env = [{ name: "P", valueFrom: { secretKeyRef: { name: "s", key: "absent" } } }];
  const sec = { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { present: "eA==" } };
  const refs = checkReferences([svc, dep, sec]).map((r) => r.message);
  if (refs.length === 2) console.log(`self-test ok: broken references rejected (${refs.join("; ")})`);
  else { failed++; console.log(`self-test FAIL: references: ${JSON.stringify(refs)}`); }
  console.log(failed ? `self-test: ${failed} FAILED` : "self-test: every broken object rejected");
  return failed;
}

const argv = process.argv.slice(2);
if (argv[0] === "--self-test") process.exit(selfTest() ? 1 : 0);
let problems = 0;
for (const file of argv.length ? argv : ["-"]) problems += validateAll(readManifests(file), file === "-" ? "stdin" : file);
process.exit(problems ? 1 : 0);
