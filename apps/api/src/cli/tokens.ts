// `npm run token -- <create|list|revoke>`: manages API tokens directly in the database (whoever holds
// DATABASE_URL is an admin; the API has no token-management routes, so a token can never mint another).
//   create --name ci --scopes read,write [--expires-days 30]   prints the token once
//   list [--json]                                              prefix, name, scopes, last use, expiry, revocation
//   revoke <id|prefix|token>
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import Type from 'typebox';
import { CommonEnv, ConfigError, isUnreachableError, parseEnv } from '@slmlab/core';
import { createDb, tokensRepo, type ApiToken, type Db } from '@slmlab/db';
import { createToken, findToken, TOKEN_SCOPES, type TokenScope } from '../auth/tokens.ts';

const USAGE = `usage: npm run token -- create --name <name> --scopes read|write|read,write [--expires-days <n>]
       npm run token -- list [--json]
       npm run token -- revoke <id|prefix|token>`;

/** A mistake in the command line: exit 2 with the usage. */
class UsageError extends Error {}

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Runs one command against `db`; returns the exit code. Tests call it in-process. */
export async function runTokensCli(argv: string[], db: Db, io: CliIo): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === 'create') return await create(db, rest, io);
    if (command === 'list') return await list(db, rest, io);
    if (command === 'revoke') return await revoke(db, rest, io);
    throw new UsageError(command === undefined ? 'a command is needed' : `unknown command ${JSON.stringify(command)}`);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\n${USAGE}`);
      return 2;
    }
    if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}

async function create(db: Db, args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { name: { type: 'string' }, scopes: { type: 'string' }, 'expires-days': { type: 'string' } },
  });
  const name = values.name?.trim();
  if (!name) throw new UsageError('--name is needed');
  const scopes = parseScopes(values.scopes);
  const expiresAt = parseExpiry(values['expires-days']);
  const { token, row } = await createToken(tokensRepo(db), { name, scopes, expiresAt });
  io.out(token);
  io.err(
    `created token ${row.id} (${row.prefix}…, name ${JSON.stringify(name)}, scopes ${row.scopes.join(',')}, ` +
      `${expiresAt ? `expires ${expiresAt.toISOString()}` : 'never expires'}). ` +
      'The token is printed above and nowhere else: store it now.',
  );
  return 0;
}

function parseScopes(raw: string | undefined): TokenScope[] {
  if (!raw) throw new UsageError('--scopes is needed (read, write or read,write)');
  const scopes = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = scopes.filter((s) => !(TOKEN_SCOPES as readonly string[]).includes(s));
  if (bad.length || !scopes.length) throw new UsageError(`unknown scope(s) ${bad.join(',')}: use read and/or write`);
  return scopes as TokenScope[];
}

function parseExpiry(raw: string | undefined): Date | null {
  if (raw === undefined) return null;
  const days = Number(raw);
  if (!Number.isFinite(days) || days <= 0) throw new UsageError(`--expires-days must be a positive number (got ${raw})`);
  return new Date(Date.now() + days * 86_400_000);
}

async function list(db: Db, args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
  const rows = await tokensRepo(db).list();
  if (values.json) {
    // Everything but the hash, which identifies nothing for a person and need not leave the database.
    io.out(JSON.stringify(rows.map(({ tokenHash: _hash, ...rest }) => rest), null, 2));
    return 0;
  }
  const header = ['id', 'prefix', 'name', 'scopes', 'created', 'last used', 'expires', 'revoked'];
  printTable([header, ...rows.map(tokenRow)], io);
  return 0;
}

function tokenRow(t: ApiToken): string[] {
  const when = (d: Date | null) => (d ? d.toISOString().replace(/\.\d+Z$/, 'Z') : '-');
  return [t.id, t.prefix, t.name, t.scopes.join(','), when(t.createdAt), when(t.lastUsedAt), when(t.expiresAt), when(t.revokedAt)];
}

function printTable(rows: string[][], io: CliIo) {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) io.out(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

async function revoke(db: Db, args: string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new UsageError('revoke takes one id, prefix or token');
  const repo = tokensRepo(db);
  let token: ApiToken;
  try {
    token = await findToken(repo, positionals[0]!);
  } catch (err) {
    io.err((err as Error).message);
    return 1;
  }
  const revoked = await repo.revoke(token.id);
  io.err(revoked ? `revoked token ${token.id} (${token.prefix}…, ${JSON.stringify(token.name)})` : `token ${token.id} was already revoked`);
  return 0;
}

/**
 * One line for the database problems a person can fix (not started, not created, not migrated), instead of
 * Prisma's stack; undefined for anything else. The URL is shown without its password.
 */
export function describeDbError(err: unknown, databaseUrl: string): string | undefined {
  const url = new URL(databaseUrl);
  if (url.password) url.password = '***';
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'P1003') return `database ${url.pathname.slice(1)} does not exist at ${url.host}: create and migrate it with \`npm run db:migrate\` (DATABASE_URL=${url})`;
  if (code === 'P2021') return `the database at ${url} is not migrated (no ApiToken table): run \`npm run db:migrate\``;
  if (isUnreachableError(err)) {
    return `cannot reach PostgreSQL at ${url.host} (DATABASE_URL=${url}): start it (scripts/ensure-services.sh starts a local one) or set DATABASE_URL`;
  }
  return undefined;
}

async function main(): Promise<void> {
  let databaseUrl: string;
  try {
    databaseUrl = parseEnv(Type.Object({ DATABASE_URL: CommonEnv.DATABASE_URL }), process.env).DATABASE_URL;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`[slmlab token] ${err.message}`);
    process.exit(1);
  }
  const db = createDb(databaseUrl);
  try {
    process.exitCode = await runTokensCli(process.argv.slice(2), db, { out: console.log, err: console.error });
  } catch (err) {
    const line = describeDbError(err, databaseUrl);
    if (!line) throw err;
    console.error(`[slmlab token] ${line}`);
    process.exitCode = 1;
  } finally {
    await db.$disconnect();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
