/**
 * A network's VXLAN network identifier, from its id: the same on every host without asking anyone. FNV-1a folded
 * into 24 bits, kept above 4095 so it never meets the VLAN-sized numbers people pick by hand. Two ids can meet on one
 * VNI (one chance in ~16 million per pair): ensureNetwork refuses a VNI another network already uses on the host.
 */
export const vniOf = (networkId: string): number => {
  let hash = 0x811c9dc5
  for (const byte of new TextEncoder().encode(networkId)) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  const span = 0x1000000 - 0x1000
  return 0x1000 + (hash % span)
}
