/** IP addresses as numbers: IPv4 in 32 bits, IPv6 in 128, both as bigint so one code path serves both. */
export type Family = 4 | 6

export interface Address {
  readonly family: Family
  readonly value: bigint
}

export const bitsOf = (family: Family): number => (family === 4 ? 32 : 128)

const parseV4 = (text: string): bigint | undefined => {
  const parts = text.split(".")
  if (parts.length !== 4) return undefined
  let value = 0n
  for (const part of parts) {
    // no leading zeros: "010" is octal to some tools and decimal to others
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined
    const octet = Number(part)
    if (octet > 255) return undefined
    value = (value << 8n) | BigInt(octet)
  }
  return value
}

const parseGroups = (text: string): ReadonlyArray<number> | undefined => {
  if (text === "") return []
  const groups = text.split(":")
  const out: Array<number> = []
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined
    out.push(Number.parseInt(group, 16))
  }
  return out
}

const parseV6 = (text: string): bigint | undefined => {
  const halves = text.split("::")
  if (halves.length > 2) return undefined
  const head = parseGroups(halves[0] ?? "")
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? "") : []
  if (head === undefined || tail === undefined) return undefined
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const groups = [...head, ...Array<number>(missing).fill(0), ...tail]
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n)
}

/** The address `text` names, or undefined when it is not a plain IPv4 or IPv6 address (no zone, no prefix). */
export const parseAddress = (text: string): Address | undefined => {
  if (text.includes(":")) {
    const value = parseV6(text)
    return value === undefined ? undefined : { family: 6, value }
  }
  const value = parseV4(text)
  return value === undefined ? undefined : { family: 4, value }
}

const formatV6 = (value: bigint): string => {
  const groups = Array.from({ length: 8 }, (_, index) => Number((value >> BigInt(112 - 16 * index)) & 0xffffn))
  // RFC 5952: compress the longest run of two or more zero groups (the first of equal runs)
  let bestStart = -1
  let bestLength = 1
  for (let start = 0; start < 8; ) {
    if (groups[start] !== 0) {
      start++
      continue
    }
    let end = start
    while (end < 8 && groups[end] === 0) end++
    if (end - start > bestLength) {
      bestStart = start
      bestLength = end - start
    }
    start = end
  }
  const hex = groups.map((group) => group.toString(16))
  if (bestStart < 0) return hex.join(":")
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`
}

/** The canonical text of an address (dotted quad; RFC 5952 for IPv6): the form the store keeps. */
export const formatAddress = ({ family, value }: Address): string =>
  family === 4 ? [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join(".") : formatV6(value)

/** `text` in canonical form, or undefined when it is no address. */
export const canonicalAddress = (text: string): string | undefined => {
  const address = parseAddress(text)
  return address === undefined ? undefined : formatAddress(address)
}
