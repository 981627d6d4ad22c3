/**
 * The editor's JSON Schema for setups (schemas/mixflow-setup.schema.json, draft-07 as VS Code
 * reads it) against the command line's validator (engine/setup/validate.ts): a refused setup must
 * be flagged by the schema at the same place, or be one of the cross-field rules listed here
 * with the reason JSON Schema cannot state it. The validator's tests call `assertSchemaFlags` on
 * every case they refuse.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import { index, key, type SetupError } from '../../engine/setup/check.js';

export const SCHEMA_PATH = join(__dirname, '..', '..', 'schemas', 'mixflow-setup.schema.json');
export const SCHEMA = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));

/** VS Code's own keywords: annotations for the editor, no effect on validation. */
const EDITOR_KEYWORDS = ['defaultSnippets', 'enumDescriptions', 'markdownDescription', 'markdownEnumDescriptions', 'deprecationMessage', 'errorMessage', 'doNotSuggest'];

export function compileSchema() {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  for (const k of EDITOR_KEYWORDS) ajv.addKeyword(k);
  return ajv.compile(SCHEMA);
}

const validate = compileSchema();

/** The schema's errors for `json` (empty when it validates). */
export function schemaErrors(json: unknown): ErrorObject[] {
  return validate(json) ? [] : [...(validate.errors ?? [])];
}

/** An error's place as the validator names it: `/inner/2/x` → `$.inner[2].x`; a missing or unknown property is the property's own path. */
export function errorPath(e: ErrorObject): string {
  let path = '$';
  for (const part of e.instancePath.split('/').slice(1)) {
    const name = part.replace(/~1/g, '/').replace(/~0/g, '~');
    path = /^\d+$/.test(name) ? index(path, Number(name)) : key(path, name);
  }
  if (e.keyword === 'additionalProperties') return key(path, String(e.params.additionalProperty));
  if (e.keyword === 'required') return key(path, String(e.params.missingProperty));
  return path;
}

/** One path is the other or contains it (`$` itself contains everything, so it only matches `$`). */
function related(a: string, b: string): boolean {
  const within = (inner: string, outer: string) => outer !== '$' && (inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`));
  return a === b || within(a, b) || within(b, a);
}

/**
 * Rules of the validator that the schema does not state, each with why. A refused setup the
 * schema accepts must match one of them.
 */
export const NOT_IN_SCHEMA: readonly { readonly why: string; readonly matches: (err: SetupError) => boolean }[] = [
  {
    why: 'a tensor\'s exact shape follows other fields (model.sizes, vocab, seq, the number of parameter tensors, T and B of the inner batches): JSON Schema cannot compare an array\'s length with another field\'s value',
    matches: (e) => /^(\[[^\]]+\])+ (numbers|token ids|class indices)/.test(e.expected) || /^\d+ layers \[\{"w"/.test(e.expected),
  },
  {
    why: 'the upper bound of a token id or class index is another field (vocab, or the last MLP size)',
    matches: (e) => /^(a token id|a class index), an integer in \[0, \d+\)$/.test(e.expected),
  },
  {
    why: 'heads must divide d_model: divisibility by another field\'s value is not expressible',
    matches: (e) => e.expected.startsWith('a divisor of d_model'),
  },
  {
    why: 'what an ONNX model\'s file holds (that it exists, its ops, its input\'s shape, its classes, its initializers) is read from the file, which a schema for the setup never sees',
    matches: (e) => e.path.startsWith('$.model.file') || /\bONNX\b|\.onnx\b|initializer/i.test(e.expected),
  },
];

/** Refused setups the schema flags, but at another place than the validator names, with why. */
export const ELSEWHERE: readonly { readonly why: string; readonly matches: (err: SetupError, schemaPaths: string[]) => boolean }[] = [
  {
    why: '"log_wd" in wrt without eta.log_wd: the schema can only say that eta.log_wd is required (when wrt contains "log_wd"), not point at the wrt entry',
    matches: (e, paths) => e.expected.startsWith('eta.log_wd to be given') && paths.some((p) => p === '$.eta' || p === '$.eta.log_wd'),
  },
];

/** How the schema judged a setup the validator refused with `err`. */
export function schemaVerdict(json: unknown, err: SetupError): { flagged: boolean; samePlace: boolean; why?: string; paths: string[] } {
  const paths = [...new Set(schemaErrors(json).map(errorPath))];
  if (paths.length === 0) return { flagged: false, samePlace: false, why: NOT_IN_SCHEMA.find((n) => n.matches(err))?.why, paths };
  const samePlace = paths.some((p) => related(p, err.path));
  return { flagged: true, samePlace, why: samePlace ? undefined : ELSEWHERE.find((n) => n.matches(err, paths))?.why, paths };
}

/** Asserts the schema flags what the validator refused (at the same place), or that a listed rule explains why not. */
export function assertSchemaFlags(json: unknown, err: SetupError): void {
  const v = schemaVerdict(json, err);
  if (!v.flagged) {
    assert.ok(v.why, `the validator refuses (${err.message}) but the schema accepts, and no rule in NOT_IN_SCHEMA explains why`);
    return;
  }
  assert.ok(v.samePlace || v.why, `the validator refuses at ${err.path} (${err.message}); the schema flags ${v.paths.join(', ')} instead`);
}
