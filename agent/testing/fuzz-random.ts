/** A small deterministic generator (mulberry32), so a failing case can be replayed from its seed. */
export const random = (seed: number) => {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <T>(items: ReadonlyArray<T>): T => items[int(items.length)] as T
  const text = (length: number) => Array.from({ length }, () => String.fromCharCode(32 + int(95))).join("")
  return { int, pick, text }
}
export type Random = ReturnType<typeof random>
