/**
 * The setup format's deterministic generator (engine/setup/prng.ts) in Python, so an exported
 * program draws θ₀ and synthetic batches bit for bit as the engine does: 32-bit integer
 * arithmetic and IEEE float64 only.
 */
export const GENERATOR_PY = String.raw`

# --- The setup's generator: splitmix32-seeded xoshiro128** (as in MixFlow Studio) -------------
MASK32 = 0xFFFFFFFF
GOLDEN = 0x9E3779B9
STREAM_PARAM, STREAM_INNER, STREAM_OUTER = 0x10000000, 0x20000000, 0x30000000


def splitmix32(x):
    z = (x + GOLDEN) & MASK32
    z = ((z ^ (z >> 16)) * 0x85EBCA6B) & MASK32
    z = ((z ^ (z >> 13)) * 0xC2B2AE35) & MASK32
    return z ^ (z >> 16)


def rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & MASK32


class Prng:
    """Stream (seed, stream id): xoshiro128** seeded by splitmix32, first 8 outputs discarded."""

    def __init__(self, seed, stream):
        self.s = [splitmix32(seed), splitmix32(seed + GOLDEN), splitmix32(stream), splitmix32(stream + GOLDEN)]
        self.spare = None
        for _ in range(8):
            self.next()

    def next(self):
        s0, s1, s2, s3 = self.s
        result = (rotl((s1 * 5) & MASK32, 7) * 9) & MASK32
        t = (s1 << 9) & MASK32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        self.s = [s0, s1, s2, rotl(s3, 11)]
        return result

    def uniform(self, lo, hi):
        return lo + (hi - lo) * (self.next() / 2**32)

    def int(self, n):
        return math.floor(self.next() / 2**32 * n)

    def normal(self):
        """Box-Muller in pairs: r·cos φ now, r·sin φ on the next call."""
        if self.spare is not None:
            z, self.spare = self.spare, None
            return z
        u1 = (self.next() + 1) / 2**32
        phi = 2 * math.pi * (self.next() / 2**32)
        r = math.sqrt(-2 * math.log(u1))
        self.spare = r * math.sin(phi)
        return r * math.cos(phi)
`;
