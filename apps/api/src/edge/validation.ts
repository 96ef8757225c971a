// Request validation with TypeBox instead of ajv. Every part first obeys edge/input-rules.ts (no NUL or unpaired
// surrogate, no prototype keys, bounded depth). A body is checked as sent (no coercion: "4" is not 4) after its
// defaults are filled; params and querystring arrive as strings and are converted only when written exactly as
// their type (an integer as digits: not 1.5, 0x10, 1e1 or true). Every schema is closed (additionalProperties:
// false), so unknown fields are errors. Failures become typed errors that edge/errors.ts answers with the
// failing paths.
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import { Compile } from 'typebox/compile';
import { ExperimentSpec, SlmlabError, parseSpec, schemaIssues } from '@slmlab/core';
import { InvalidRequestError } from './http-errors.ts';
import { inputIssues } from './input-rules.ts';

/**
 * Bodies with a domain parser, by schema $id (routes may copy a schema to add examples): the parser's errors
 * (InvalidSpecError) keep the domain's code and wording.
 */
const parsers = new Map<unknown, (input: unknown) => unknown>([[idOf(ExperimentSpec), parseSpec]]);

export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const part = httpPart ?? 'request';
  const parse = httpPart === 'body' ? parsers.get(idOf(schema)) : undefined;
  const check = parse ? undefined : Compile(schema);
  return (input: unknown) => {
    const broken = inputIssues(input);
    if (broken.length) return { error: new InvalidRequestError(part, broken) };
    if (parse) return parseWith(parse, input);
    const copy = Value.Clone(input); // Default may write into its argument
    const value = Value.Default(schema, httpPart === 'body' ? copy : convertExact(schema, copy));
    if (check!.Check(value)) return { value };
    return { error: new InvalidRequestError(part, schemaIssues(check!.Errors(value))) };
  };
};

const INTEGER = /^-?(0|[1-9][0-9]*)$/;
const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/** Query and path strings become numbers and booleans only when written as such; anything else stays a string. */
function convertExact(schema: TSchema, input: unknown): unknown {
  const props = (schema as { properties?: Record<string, TSchema> }).properties;
  if (!props || typeof input !== 'object' || input === null) return input;
  const out = input as Record<string, unknown>;
  for (const [key, prop] of Object.entries(props)) {
    const v = out[key];
    if (typeof v === 'string') out[key] = convertScalar(prop, v);
  }
  return out;
}

function convertScalar(prop: TSchema, v: string): unknown {
  const p = prop as { type?: string; anyOf?: { type?: string }[] };
  const types = new Set(p.type ? [p.type] : (p.anyOf ?? []).map((m) => m.type));
  if (types.has('integer') && INTEGER.test(v)) return Number(v);
  if (types.has('number') && NUMBER.test(v)) return Number(v);
  if (types.has('boolean') && (v === 'true' || v === 'false')) return v === 'true';
  return v;
}

function idOf(schema: unknown): unknown {
  return (schema as { $id?: unknown }).$id;
}

function parseWith(parse: (input: unknown) => unknown, input: unknown) {
  try {
    return { value: parse(input) };
  } catch (err) {
    if (err instanceof SlmlabError) return { error: err };
    throw err;
  }
}
