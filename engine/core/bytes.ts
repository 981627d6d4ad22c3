/** Byte counts as people write them: `80GiB`, `512 MiB`, `4GB`, `1e9`, `123456`. */
export const BYTES_SYNTAX = 'a byte count such as 80GiB, 512MiB, 4GB or 1000000 (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** The number of bytes `text` names (a positive whole number of bytes), or null. */
export function parseBytes(text: string): number | null {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return null;
  const unit = UNITS[m[2].toLowerCase()];
  if (unit === undefined) return null;
  const bytes = Math.floor(Number(m[1]) * unit);
  return Number.isFinite(bytes) && bytes >= 1 && bytes <= Number.MAX_SAFE_INTEGER ? bytes : null;
}
