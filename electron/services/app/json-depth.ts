/**
 * Nesting depth of JSON, measured without recursion: a request nested thousands of levels deep would overflow the
 * stack in JSON.parse's reviver-less callers, JSON.stringify or zod. No request of the contract nests deeper than
 * a handful of levels.
 */
export const MAX_JSON_DEPTH = 64;

/** True when the JSON text nests arrays/objects deeper than `max` (strings are skipped, escapes included). */
export function jsonTextTooDeep(text: string, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

/** More nodes than any request or answer of the contract holds (a million-line list is not one). */
const MAX_NODES = 2_000_000;

/**
 * True when a value (as structured clone hands it to IPC) nests arrays/objects deeper than `max` (a cycle is
 * infinitely deep), or has more nodes than JSON.stringify should ever walk (shared references multiply them).
 */
export function valueTooDeep(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > max || ++nodes > MAX_NODES) return true;
    for (const child of Object.values(current)) stack.push({ value: child, depth: depth + 1 });
  }
  return false;
}
