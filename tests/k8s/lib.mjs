// Shared by validate.mjs and pod-to-docker.mjs: reading rendered manifests.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// Every non-empty document of a multi-document YAML text, as plain objects.
// A YAML syntax error is fatal: a half-read file must not pass.
function parseManifests(text, source) {
  const out = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`${source}: ${doc.errors.map((e) => e.message).join("; ")}`);
    const obj = doc.toJS();
    if (obj !== null && obj !== undefined) out.push(obj);
  }
  return out;
}

// FILE, or "-" for stdin.
export function readManifests(file) {
  const text = readFileSync(file === "-" ? 0 : file, "utf8");
  return parseManifests(text, file === "-" ? "stdin" : file);
}

export function describe(obj) {
  const m = obj?.metadata ?? {};
  return `${obj?.kind ?? "?"}/${m.name ?? "?"}${m.namespace ? ` (${m.namespace})` : ""}`;
}

// The object of that kind and name (and namespace, when given) in docs.
export function find(docs, kind, name, namespace) {
  return docs.find(
    (d) => d.kind === kind && d.metadata?.name === name && (namespace === undefined || (d.metadata?.namespace ?? "default") === namespace),
  );
}

export const isPlainObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
