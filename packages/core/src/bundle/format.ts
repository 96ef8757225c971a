// The experiment bundle's container (docs/checkpoints.md, "Experiment bundles"): one file holding an experiment's
// record and its checkpoints. All little-endian:
//
//   offset  bytes  content
//   0       8      ASCII magic "SLMLABEX"
//   8       4      u32 bundle version (BUNDLE_VERSION)
//   12      4      u32 length H of the header
//   16      32     SHA-256 of the header's bytes
//   48      H      UTF-8 JSON header (schema.ts): source, experiment, curve, checkpoints (each with its byte length
//                  and SHA-256)
//   48 + H  …      each checkpoint's bytes, in header order, back to back; nothing after the last
//
// Checkpoints stay raw bytes (tens of MB: base64 in JSON would add a third and a second copy in memory); the
// header is JSON so that `head -c` and a JSON tool can read where a file came from.

export const BUNDLE_MAGIC = 'SLMLABEX';
export const BUNDLE_VERSION = 1;
/** Bytes before the header: magic, version, header length, header SHA-256. */
export const PREAMBLE_BYTES = 8 + 4 + 4 + 32;
/** A curve of a million points is ~200 MB of JSON: far beyond any real run (3–50 epochs), and still bounded. */
export const MAX_HEADER_BYTES = 256 * 1024 * 1024;
/** PostgreSQL's bytea holds at most 1 GB: a larger checkpoint could not be stored here. */
export const MAX_CHECKPOINT_BYTES = 1024 * 1024 * 1024;
/** The magic of a checkpoint file (apps/worker/src/ml/checkpoint.ts): recognised to say what was sent instead. */
export const CHECKPOINT_MAGIC = 'SLMLABCK';
/** The file name an export suggests: `<experiment id>.slmlab-bundle`. */
export const BUNDLE_EXTENSION = '.slmlab-bundle';
