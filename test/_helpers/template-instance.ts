// A small evaluator for a template's conditions, so each mode (CDN, domain,
// SnapStart, in place) can be checked as CloudFormation would instantiate it,
// and the checks CloudFormation makes of parameter values before creating anything.
import assert from "node:assert/strict";
import type { CfnParameter, CfnTemplate } from "../../src/templates.ts";

export type Json = unknown;

export function evalCondition(expr: Json, template: CfnTemplate, params: Record<string, string>): boolean {
  const node = expr as Record<string, Json>;
  if ("Condition" in node) return evalCondition(template.Conditions?.[node.Condition as string], template, params);
  if ("Fn::Not" in node) return !evalCondition((node["Fn::Not"] as Json[])[0], template, params);
  if ("Fn::And" in node) return (node["Fn::And"] as Json[]).every((e) => evalCondition(e, template, params));
  if ("Fn::Or" in node) return (node["Fn::Or"] as Json[]).some((e) => evalCondition(e, template, params));
  if ("Fn::Equals" in node) {
    const [a, b] = (node["Fn::Equals"] as Json[]).map((v) => resolveValue(v, params));
    return a === b;
  }
  throw new Error(`unsupported condition ${JSON.stringify(expr)}`);
}

function resolveValue(value: Json, params: Record<string, string>): Json {
  if (value && typeof value === "object" && "Ref" in value) return params[(value as { Ref: string }).Ref];
  return value;
}

/** The parameters app.yaml's conditions read: the CDN switch, the custom domain, SnapStart, --in-place. */
export interface Mode {
  EnableCdn: "true" | "false";
  DomainName?: string;
  SnapStart?: "true" | "false";
  InPlace?: "off" | "direct" | "cached";
}

export function conditionValues(template: CfnTemplate, mode: Mode): Record<string, boolean> {
  const params: Record<string, string> = { DomainName: "", SnapStart: "false", InPlace: "off", ...mode };
  return Object.fromEntries(
    Object.keys(template.Conditions ?? {}).map((name) => [name, evalCondition({ Condition: name }, template, params)]),
  );
}

/** Replaces every Fn::If by its chosen branch; AWS::NoValue disappears. */
export function chooseBranches(value: Json, conditions: Record<string, boolean>): Json {
  if (Array.isArray(value)) return value.map((v) => chooseBranches(v, conditions)).filter((v) => v !== NO_VALUE);
  if (value && typeof value === "object") {
    const node = value as Record<string, Json>;
    if ("Fn::If" in node) {
      const [name, yes, no] = node["Fn::If"] as [string, Json, Json];
      assert.ok(name in conditions, `Fn::If names unknown condition ${name}`);
      return chooseBranches(conditions[name] ? yes : no, conditions);
    }
    if (node.Ref === "AWS::NoValue") return NO_VALUE;
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(node)) {
      const chosen = chooseBranches(v, conditions);
      if (chosen !== NO_VALUE) out[k] = chosen;
    }
    return out;
  }
  return value;
}
const NO_VALUE = Symbol("AWS::NoValue");

export interface Instance {
  resources: Record<string, Record<string, Json>>;
  outputs: Record<string, Json>;
}

/**
 * The resources and outputs CloudFormation would create in a mode ("true"/"false": EnableCdn, no domain).
 * For a template other than app.yaml, `mode` gives its own parameters.
 */
export function instantiate(template: CfnTemplate, mode: Mode | "true" | "false" | Record<string, string>): Instance {
  const conditions = conditionValues(template, (typeof mode === "string" ? { EnableCdn: mode } : mode) as Mode);
  const present = (c: string | undefined) => c === undefined || conditions[c] === true;
  const resources: Instance["resources"] = {};
  for (const [id, r] of Object.entries(template.Resources)) {
    if (present(r.Condition)) resources[id] = chooseBranches(r, conditions) as Record<string, Json>;
  }
  const outputs: Instance["outputs"] = {};
  for (const [id, o] of Object.entries(template.Outputs ?? {})) {
    if (present(o.Condition)) outputs[id] = chooseBranches(o.Value, conditions);
  }
  return { resources, outputs };
}

/** Logical ids a value refers to through Ref, Fn::GetAtt and Fn::Sub. */
export function references(value: Json, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) references(v, found);
  else if (value && typeof value === "object") {
    const node = value as Record<string, Json>;
    if (typeof node.Ref === "string") found.add(node.Ref);
    if (Array.isArray(node["Fn::GetAtt"])) found.add(node["Fn::GetAtt"][0] as string);
    if ("Fn::Sub" in node) {
      const sub = node["Fn::Sub"];
      const [text, vars] = Array.isArray(sub) ? [sub[0] as string, (sub[1] ?? {}) as Record<string, Json>] : [sub as string, {}];
      for (const match of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
        const name = match[1]!.split(".")[0]!;
        if (!(name in vars)) found.add(name);
      }
      references(vars, found);
    }
    for (const [k, v] of Object.entries(node)) if (k !== "Ref" && k !== "Fn::GetAtt") references(v, found);
  }
  return found;
}

export function resourcesOfType(instance: Instance, type: string): [string, Record<string, Json>][] {
  return Object.entries(instance.resources).filter(([, r]) => r.Type === type);
}

export function props(resource: Json): Record<string, Json> {
  return (resource as { Properties: Record<string, Json> }).Properties;
}

/** Checks a parameter value the way CloudFormation does before creating anything. */
export function violations(name: string, value: string, p: CfnParameter): string[] {
  const problems: string[] = [];
  if (p.AllowedValues && !p.AllowedValues.map(String).includes(value)) problems.push(`${name}=${value} not in AllowedValues`);
  if (p.AllowedPattern && !new RegExp(`^(?:${p.AllowedPattern})$`).test(value)) problems.push(`${name}=${value} fails AllowedPattern`);
  if (p.Type === "Number") {
    const n = Number(value);
    if (!Number.isFinite(n)) problems.push(`${name}=${value} is not a number`);
    if (p.MinValue !== undefined && n < p.MinValue) problems.push(`${name}=${value} < MinValue`);
    if (p.MaxValue !== undefined && n > p.MaxValue) problems.push(`${name}=${value} > MaxValue`);
  }
  if (p.MinLength !== undefined && value.length < p.MinLength) problems.push(`${name} shorter than MinLength`);
  if (p.MaxLength !== undefined && value.length > p.MaxLength) problems.push(`${name} longer than MaxLength`);
  return problems;
}
