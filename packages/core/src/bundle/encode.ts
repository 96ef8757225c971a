// Writes a bundle (format.ts): the header with each checkpoint's length and SHA-256, then the checkpoints' raw
// bytes. No validation here: decode.ts is the one judge, on the importing side (and `slmlab export` runs it on
// what it downloaded).
import { createHash } from 'node:crypto';
import { BUNDLE_MAGIC, BUNDLE_VERSION, PREAMBLE_BYTES } from './format.ts';
import type { BundleHeader } from './schema.ts';
import type { BundleContent } from './types.ts';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function encodeBundle(content: BundleContent): Buffer {
  const header: BundleHeader = {
    source: content.source,
    experiment: content.experiment,
    curve: content.curve,
    checkpoints: content.checkpoints.map(({ data, ...entry }) => ({ ...entry, bytes: data.byteLength, sha256: sha256Hex(data) })),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const preamble = Buffer.alloc(PREAMBLE_BYTES);
  preamble.write(BUNDLE_MAGIC, 0, 'ascii');
  preamble.writeUInt32LE(BUNDLE_VERSION, 8);
  preamble.writeUInt32LE(json.length, 12);
  createHash('sha256').update(json).digest().copy(preamble, 16);
  return Buffer.concat([preamble, json, ...content.checkpoints.map((c) => c.data)]);
}
