// The CloudFormation templates ship as raw YAML in templates/ at the package
// root. They never change per deployment: every value is a stack parameter.
import { readFile } from "node:fs/promises";
import { parse, type ScalarTag, type CollectionTag, type YAMLMap, type YAMLSeq } from "yaml";

export type TemplateName = "prereq" | "app" | "certificate" | "shared";

/** templates/ sits beside src/ in a checkout and beside dist/ in the package. */
export const TEMPLATES_DIR = new URL("../templates/", import.meta.url);

export function templateUrl(name: TemplateName): URL {
  return new URL(`${name}.yaml`, TEMPLATES_DIR);
}

/** The template's text, exactly as CloudFormation should receive it. */
export async function readTemplate(name: TemplateName): Promise<string> {
  return readFile(templateUrl(name), "utf8");
}

export async function readTemplates(): Promise<Record<TemplateName, string>> {
  const [prereq, app, certificate, shared] = await Promise.all([
    readTemplate("prereq"),
    readTemplate("app"),
    readTemplate("certificate"),
    readTemplate("shared"),
  ]);
  return { prereq, app, certificate, shared };
}

export interface CfnResource {
  Type: string;
  Condition?: string;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: Record<string, unknown>;
  Properties?: Record<string, unknown>;
}

export interface CfnParameter {
  Type: string;
  Default?: string | number;
  NoEcho?: boolean;
  AllowedValues?: (string | number)[];
  AllowedPattern?: string;
  MinValue?: number;
  MaxValue?: number;
  MinLength?: number;
  MaxLength?: number;
  Description?: string;
}

export interface CfnTemplate {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Parameters?: Record<string, CfnParameter>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Condition?: string; Description?: string }>;
}

// CloudFormation's short-form tags (!Ref, !Sub, ...), turned into the long
// form ({"Ref": x}, {"Fn::Sub": x}) so any YAML reader can load a template.
const FUNCTIONS = [
  "Base64",
  "Cidr",
  "FindInMap",
  "GetAtt",
  "GetAZs",
  "If",
  "ImportValue",
  "Join",
  "Length",
  "Select",
  "Split",
  "Sub",
  "ToJsonString",
  "Equals",
  "Not",
  "And",
  "Or",
];

function longForm(name: string, value: unknown): Record<string, unknown> {
  if (name === "Ref" || name === "Condition") return { [name]: value };
  // !GetAtt Resource.Attribute is short for ["Resource", "Attribute"].
  if (name === "GetAtt" && typeof value === "string") {
    const dot = value.indexOf(".");
    return { "Fn::GetAtt": [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}

function cloudFormationTags(): (ScalarTag | CollectionTag)[] {
  const tags: (ScalarTag | CollectionTag)[] = [];
  for (const name of ["Ref", "Condition", ...FUNCTIONS]) {
    const tag = `!${name}`;
    tags.push({ tag, resolve: (value: string) => longForm(name, value) });
    for (const collection of ["seq", "map"] as const) {
      tags.push({
        tag,
        collection,
        resolve: (node: YAMLMap.Parsed | YAMLSeq.Parsed) => longForm(name, node.toJSON()),
      });
    }
  }
  return tags;
}

/** Parses a template, short-form tags included, into plain data. */
export function parseTemplate(text: string): CfnTemplate {
  const template: unknown = parse(text, { customTags: cloudFormationTags() });
  if (typeof template !== "object" || template === null || !("Resources" in template)) {
    throw new Error("not a CloudFormation template: no Resources section");
  }
  return template as CfnTemplate;
}

/** The names of a template's parameters, in template order. */
export function templateParameterNames(text: string): string[] {
  return Object.keys(parseTemplate(text).Parameters ?? {});
}
