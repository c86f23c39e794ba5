// FNV-1a, 32-bit (offset basis and prime from the FNV reference, http://www.isthe.com/chongo/tech/comp/fnv/).
const OFFSET_BASIS = 0x811c9dc5;
const PRIME = 0x01000193;

/**
 * A term's sparse-vector index: FNV-1a over the term's UTF-8 bytes. 32-bit unsigned because Qdrant sparse indices
 * are uint32, so ids from here are valid there as-is, with no vocabulary to ship or keep in sync between ingest and
 * query processes. Stable across processes and versions (it is stored in indexes: never change it). Hand-written
 * rather than via TextEncoder so the hot ingest path allocates nothing; lone surrogates hash as U+FFFD, as
 * TextEncoder would encode them.
 */
export function termId(term: string): number {
  let h = OFFSET_BASIS;
  for (let i = 0; i < term.length; i++) {
    let c = term.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = term.charCodeAt(i + 1); // NaN past the end, which fails the range test
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        c = 0xfffd;
      }
    }
    if (c < 0x80) {
      h = Math.imul(h ^ c, PRIME);
    } else if (c < 0x800) {
      h = Math.imul(h ^ (0xc0 | (c >> 6)), PRIME);
      h = Math.imul(h ^ (0x80 | (c & 0x3f)), PRIME);
    } else if (c < 0x10000) {
      h = Math.imul(h ^ (0xe0 | (c >> 12)), PRIME);
      h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), PRIME);
      h = Math.imul(h ^ (0x80 | (c & 0x3f)), PRIME);
    } else {
      h = Math.imul(h ^ (0xf0 | (c >> 18)), PRIME);
      h = Math.imul(h ^ (0x80 | ((c >> 12) & 0x3f)), PRIME);
      h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), PRIME);
      h = Math.imul(h ^ (0x80 | (c & 0x3f)), PRIME);
    }
  }
  return h >>> 0;
}
