import { type Address, bitsOf, type Family, formatAddress, parseAddress } from "./address.ts"

/** A network prefix: its first address and length. */
export interface Cidr {
  readonly family: Family
  /** The network address (host bits zero). */
  readonly base: bigint
  readonly prefix: number
}

/** `10.0.0.0/24`, `fd00::/64`; undefined for bad text or host bits set (`10.0.0.1/24` is an address, not a network). */
export const parseCidr = (text: string): Cidr | undefined => {
  const [addressText, prefixText, ...rest] = text.split("/")
  if (rest.length > 0 || addressText === undefined || prefixText === undefined) return undefined
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return undefined
  const address = parseAddress(addressText)
  const prefix = Number(prefixText)
  if (address === undefined || prefix > bitsOf(address.family)) return undefined
  if ((address.value & hostMask(address.family, prefix)) !== 0n) return undefined
  return { family: address.family, base: address.value, prefix }
}

const hostMask = (family: Family, prefix: number): bigint => (1n << BigInt(bitsOf(family) - prefix)) - 1n

export const cidrSize = (cidr: Cidr): bigint => 1n << BigInt(bitsOf(cidr.family) - cidr.prefix)

export const lastAddress = (cidr: Cidr): bigint => cidr.base + cidrSize(cidr) - 1n

export const cidrContains = (cidr: Cidr, address: Address): boolean =>
  address.family === cidr.family && address.value >= cidr.base && address.value <= lastAddress(cidr)

export const formatCidr = (cidr: Cidr): string =>
  `${formatAddress({ family: cidr.family, value: cidr.base })}/${cidr.prefix}`

/** The dotted netmask of an IPv4 prefix (dnsmasq and udhcpc speak masks). */
export const netmaskOf = (cidr: Cidr): string =>
  formatAddress({
    family: cidr.family,
    value: ((1n << BigInt(bitsOf(cidr.family))) - 1n) ^ hostMask(cidr.family, cidr.prefix),
  })

/**
 * The default pool of a new subnet: the gateway is the first host address, the range the rest, keeping IPv4's
 * network and broadcast addresses out. A /31 or /32 (or IPv6 /127, /128) has no room for a gateway and guests.
 */
export const defaultLayout = (cidr: Cidr): { gateway: string; rangeStart: string; rangeEnd: string } | undefined => {
  const broadcast = cidr.family === 4 ? 1n : 0n
  const first = cidr.base + 1n
  const last = lastAddress(cidr) - broadcast
  if (last <= first) return undefined
  const text = (value: bigint) => formatAddress({ family: cidr.family, value })
  return { gateway: text(first), rangeStart: text(first + 1n), rangeEnd: text(last) }
}
