// API tokens: minting, hashing and checking. A token is `slm_` + 32 random bytes in base64url (43 characters);
// the database keeps its sha256 and its first 12 characters (the prefix, shown in listings). sha256 rather than
// a slow password hash: a 256-bit random secret cannot be guessed, so hashing only has to keep a database leak
// from revealing usable tokens, and a fast hash lets every request be checked with one indexed lookup.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ApiToken, TokensRepo } from '@slmlab/db';

export const TOKEN_SCOPES = ['read', 'write'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

const TOKEN_PREFIX = 'slm_';
const TOKEN_PATTERN = /^slm_[A-Za-z0-9_-]{43}$/;
/** `slm_` and 8 characters: 48 random bits, enough to tell tokens apart in a listing. */
const PREFIX_LENGTH = 12;
/** lastUsedAt is written at most this often per token: a busy client must not turn every read into a write. */
export const LAST_USED_INTERVAL_MS = 60_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function looksLikeToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

/** write implies read. */
export function hasScope(scopes: readonly string[], needed: TokenScope): boolean {
  return scopes.includes(needed) || (needed === 'read' && scopes.includes('write'));
}

export interface CreateTokenInput {
  name: string;
  scopes: TokenScope[];
  expiresAt?: Date | null;
}

/** Stores a new token and returns its row with the plaintext, which exists nowhere else: show it once. */
export async function createToken(repo: TokensRepo, input: CreateTokenInput): Promise<{ token: string; row: ApiToken }> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const row = await repo.create({
    id: randomUUID(),
    name: input.name,
    prefix: token.slice(0, PREFIX_LENGTH),
    tokenHash: hashToken(token),
    scopes: [...new Set(input.scopes)],
    expiresAt: input.expiresAt ?? null,
  });
  return { token, row };
}

export type Verification = { ok: true; token: ApiToken } | { ok: false; reason: string };

/** Finds the token and checks it is usable now; records the use (at most once a minute). */
export async function verifyToken(repo: TokensRepo, token: string, now = new Date()): Promise<Verification> {
  if (!looksLikeToken(token)) return { ok: false, reason: 'malformed token' };
  const row = await repo.findByHash(hashToken(token));
  if (!row) return { ok: false, reason: 'unknown token' };
  if (row.revokedAt) return { ok: false, reason: 'token revoked' };
  if (row.expiresAt && row.expiresAt <= now) return { ok: false, reason: 'token expired' };
  // The row tells whether a write is due; the conditional update settles races between API processes.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_INTERVAL_MS) {
    await repo.touch(row.id, now, LAST_USED_INTERVAL_MS);
  }
  return { ok: true, token: row };
}

/** A token by id, or by prefix (must be unambiguous), or by its full plaintext (to revoke a leaked token). */
export async function findToken(repo: TokensRepo, ref: string): Promise<ApiToken> {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref)) {
    const row = await repo.findById(ref.toLowerCase());
    if (row) return row;
    throw new Error(`no token with id ${ref}`);
  }
  if (looksLikeToken(ref)) {
    const row = await repo.findByHash(hashToken(ref));
    if (row) return row;
    throw new Error('no such token');
  }
  const rows = await repo.findByPrefix(ref);
  if (rows.length === 1) return rows[0]!;
  if (rows.length === 0) throw new Error(`no token with id or prefix ${ref}`);
  throw new Error(`prefix ${ref} matches ${rows.length} tokens (${rows.map((r) => r.id).join(', ')}): revoke by id`);
}
