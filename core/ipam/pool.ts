import { type Address, type Family, formatAddress, parseAddress } from "./address.ts"
import { type Cidr, cidrContains, parseCidr } from "./cidr.ts"

/** What a subnet hands out, as text (the Subnet record's fields). */
export interface PoolText {
  readonly cidr: string
  readonly gateway: string
  readonly rangeStart: string
  readonly rangeEnd: string
  /** Addresses inside the range that are never handed out (a router, a printer, …). */
  readonly reserved: ReadonlyArray<string>
}

/** A subnet's pool as numbers: range [start, end] minus the gateway and the reserved addresses. */
export interface Pool {
  readonly family: Family
  readonly cidr: Cidr
  readonly gateway: bigint
  readonly start: bigint
  readonly end: bigint
  /** The gateway and the reserved addresses, as numbers. */
  readonly excluded: ReadonlySet<bigint>
}

/** One reason a layout cannot be a pool, in English and Chinese (an API refusal shows it in the caller's language). */
export interface LayoutProblem {
  readonly en: string
  readonly zh: string
}

const partNames = {
  gateway: { en: "gateway", zh: "网关" },
  rangeStart: { en: "range start", zh: "地址范围起点" },
  rangeEnd: { en: "range end", zh: "地址范围终点" },
  reserved: { en: "reserved address", zh: "保留地址" },
} as const

/** Why a subnet's layout cannot be a pool; empty when it can. */
export const poolProblems = (text: PoolText): ReadonlyArray<LayoutProblem> => {
  const cidr = parseCidr(text.cidr)
  if (cidr === undefined) {
    return [{ en: `${text.cidr} is not a network in CIDR notation`, zh: `${text.cidr} 不是CIDR格式的网段` }]
  }
  const inside = (part: keyof typeof partNames, value: string): ReadonlyArray<LayoutProblem> => {
    const { en, zh } = partNames[part]
    const address = parseAddress(value)
    if (address === undefined) return [{ en: `${en} ${value} is not an IP address`, zh: `${zh} ${value} 不是IP地址` }]
    return cidrContains(cidr, address)
      ? []
      : [{ en: `${en} ${value} is outside ${text.cidr}`, zh: `${zh} ${value} 不在 ${text.cidr} 内` }]
  }
  const problems = [
    ...inside("gateway", text.gateway),
    ...inside("rangeStart", text.rangeStart),
    ...inside("rangeEnd", text.rangeEnd),
    ...text.reserved.flatMap((address) => inside("reserved", address)),
  ]
  if (problems.length > 0) return problems
  const start = parseAddress(text.rangeStart)?.value ?? 0n
  const end = parseAddress(text.rangeEnd)?.value ?? 0n
  return start > end
    ? [
        {
          en: `range start ${text.rangeStart} lies after range end ${text.rangeEnd}`,
          zh: `地址范围起点 ${text.rangeStart} 在终点 ${text.rangeEnd} 之后`,
        },
      ]
    : []
}

/** The pool of a valid layout (see poolProblems), or undefined. */
export const poolOf = (text: PoolText): Pool | undefined => {
  if (poolProblems(text).length > 0) return undefined
  const cidr = parseCidr(text.cidr) as Cidr
  const value = (address: string) => (parseAddress(address) as Address).value
  const gateway = value(text.gateway)
  return {
    family: cidr.family,
    cidr,
    gateway,
    start: value(text.rangeStart),
    end: value(text.rangeEnd),
    excluded: new Set([gateway, ...text.reserved.map(value)]),
  }
}

/** What IPAM says of one address a user asks for. */
export type Verdict = "free" | "taken" | "reserved" | "outside" | "invalid"

/** The pool's addresses in use, as numbers: judging many addresses against one ledger reads it once (judgeAgainst). */
export const usedNumbers = (pool: Pool, used: Iterable<string>): Set<bigint> => {
  const out = new Set<bigint>()
  for (const text of used) {
    const address = parseAddress(text)
    if (address !== undefined && address.family === pool.family) out.add(address.value)
  }
  return out
}

export const judgeAddress = (pool: Pool, text: string, used: Iterable<string>): Verdict =>
  judgeAgainst(pool, text, usedNumbers(pool, used))

/** judgeAddress against addresses already turned into numbers (usedNumbers). */
export const judgeAgainst = (pool: Pool, text: string, used: ReadonlySet<bigint>): Verdict => {
  const address = parseAddress(text)
  if (address === undefined || address.family !== pool.family) return "invalid"
  if (address.value < pool.start || address.value > pool.end) return "outside"
  if (pool.excluded.has(address.value)) return "reserved"
  return used.has(address.value) ? "taken" : "free"
}

const inRange = (pool: Pool, value: bigint) => value >= pool.start && value <= pool.end

/** How many addresses are left to hand out (a bigint: an IPv6 /64 holds 2^64). */
export const freeCount = (pool: Pool, used: Iterable<string>): bigint => {
  const gone = new Set<bigint>()
  for (const value of pool.excluded) if (inRange(pool, value)) gone.add(value)
  for (const value of usedNumbers(pool, used)) if (inRange(pool, value)) gone.add(value)
  return pool.end - pool.start + 1n - BigInt(gone.size)
}

/** The count for an API or a rule: exact up to 2^53 - 1, that number above. */
export const freeCountNumber = (pool: Pool, used: Iterable<string>): number => {
  const count = freeCount(pool, used)
  return count > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(count)
}

/**
 * The lowest `count` free addresses, in canonical text, or undefined when fewer are left. Lowest-first keeps
 * small networks tidy and makes the choice reproducible (a test can predict it).
 */
export const nextFree = (pool: Pool, used: Iterable<string>, count: number): ReadonlyArray<string> | undefined => {
  const taken = usedNumbers(pool, used)
  const out: Array<string> = []
  for (let value = pool.start; value <= pool.end && out.length < count; value++) {
    if (!pool.excluded.has(value) && !taken.has(value)) out.push(formatAddress({ family: pool.family, value }))
  }
  return out.length === count ? out : undefined
}
