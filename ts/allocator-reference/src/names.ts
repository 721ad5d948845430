// The lexical rules for ids, hostnames, resource and attribute names
// (SEMANTICS.md, "Names and ids"). Roles have their own module.

const RESOURCE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Agent and framework ids: 1–255 bytes of `!`..`~`, no `/`, not `.` or `..`. */
export function isValidId(id: unknown): id is string {
  if (typeof id !== 'string' || id.length < 1 || id.length > 255) return false;
  if (id === '.' || id === '..') return false;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x2f) return false;
  }
  return true;
}

/**
 * Hostnames: 1–255 bytes of printable ASCII. Unlike ids and roles the rule does
 * not exclude whitespace, so the space (0x20) is accepted.
 */
export function isValidHostname(hostname: unknown): hostname is string {
  if (typeof hostname !== 'string' || hostname.length < 1 || hostname.length > 255) return false;
  for (let i = 0; i < hostname.length; i++) {
    const c = hostname.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** Resource and attribute names: 1–64 bytes of `[A-Za-z0-9_.-]`. */
export function isValidResourceName(name: unknown): name is string {
  return typeof name === 'string' && RESOURCE_NAME.test(name);
}

const CONTROL = /\p{Cc}/u;
// Text that is not valid UTF-16 cannot become UTF-8.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Attribute text: printable UTF-8 of at most 1024 bytes. */
export function isValidAttributeText(text: string): boolean {
  return !LONE_SURROGATE.test(text) && !CONTROL.test(text) && Buffer.byteLength(text, 'utf8') <= 1024;
}
