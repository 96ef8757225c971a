// Request validation with TypeBox instead of ajv. A body is checked as sent (no coercion: "4" is not 4) after its
// defaults are filled; params and querystring arrive as strings, so they are converted first. Every schema is
// closed (additionalProperties: false), so unknown fields are errors. Failures become typed errors that
// plugins/errors.ts answers with the failing paths.
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import { Compile } from 'typebox/compile';
import { ExperimentSpec, SlmlabError, parseSpec, schemaIssues } from '@slmlab/core';
import { InvalidRequestError } from './http-errors.ts';

/**
 * Bodies with a domain parser, by schema $id (routes may copy a schema to add examples): the parser's errors
 * (InvalidSpecError) keep the domain's code and wording.
 */
const parsers = new Map<unknown, (input: unknown) => unknown>([[idOf(ExperimentSpec), parseSpec]]);

export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const parse = httpPart === 'body' ? parsers.get(idOf(schema)) : undefined;
  if (parse) return (input: unknown) => parseWith(parse, input);

  const check = Compile(schema);
  const part = httpPart ?? 'request';
  return (input: unknown) => {
    const copy = Value.Clone(input); // Default and Convert may write into their argument
    const value = Value.Default(schema, httpPart === 'body' ? copy : Value.Convert(schema, copy));
    if (check.Check(value)) return { value };
    return { error: new InvalidRequestError(part, schemaIssues(check.Errors(value))) };
  };
};

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
