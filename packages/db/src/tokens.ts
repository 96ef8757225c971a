// Repository for API tokens. Only a token's hash is stored; the plaintext never reaches the database.
import type { Db } from './client.ts';
import type { ApiToken } from './generated/client.ts';

export type { ApiToken };

export interface NewApiToken {
  id: string;
  name: string;
  prefix: string;
  tokenHash: string;
  scopes: string[];
  expiresAt: Date | null;
}

export function tokensRepo(db: Db) {
  return {
    create(token: NewApiToken): Promise<ApiToken> {
      return db.apiToken.create({ data: token });
    },

    findByHash(tokenHash: string): Promise<ApiToken | null> {
      return db.apiToken.findUnique({ where: { tokenHash } });
    },

    findById(id: string): Promise<ApiToken | null> {
      return db.apiToken.findUnique({ where: { id } });
    },

    findByPrefix(prefix: string): Promise<ApiToken[]> {
      return db.apiToken.findMany({ where: { prefix }, orderBy: { createdAt: 'desc' } });
    },

    /** Newest first; revoked ones too unless `activeOnly`. */
    list({ activeOnly = false }: { activeOnly?: boolean } = {}): Promise<ApiToken[]> {
      return db.apiToken.findMany({
        where: activeOnly ? { revokedAt: null } : {},
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
    },

    /** Sets revokedAt unless it is set already; true when this call revoked it. */
    async revoke(id: string, at = new Date()): Promise<boolean> {
      const { count } = await db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
      return count === 1;
    },

    /**
     * Records a use, unless one was recorded less than `minIntervalMs` ago: a conditional update, so that API
     * processes racing on the same token write it once.
     */
    async touch(id: string, at: Date, minIntervalMs: number): Promise<boolean> {
      const before = new Date(at.getTime() - minIntervalMs);
      const { count } = await db.apiToken.updateMany({
        where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: before } }] },
        data: { lastUsedAt: at },
      });
      return count === 1;
    },
  };
}

export type TokensRepo = ReturnType<typeof tokensRepo>;
