// How deeply a JSON text nests, counted before it is parsed: recursive code downstream (cloning, validation)
// overflows the stack on JSON nested thousands of levels deep. The API bounds request bodies with it
// (apps/api/src/edge/input-rules.ts), the bundle decoder its header (bundle/decode.ts).

export const MAX_JSON_DEPTH = 64;

/** Whether `text` (JSON, or anything JSON-like) opens more than `max` nested arrays/objects at once. */
export function jsonDepthExceeds(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
