/** Writes initramfs archives in the kernel's "newc" cpio format, byte-for-byte reproducible (no host metadata). */

export type CpioEntry =
  | { readonly kind: "dir"; readonly path: string; readonly mode: number }
  | { readonly kind: "file"; readonly path: string; readonly mode: number; readonly data: Uint8Array }
  | { readonly kind: "symlink"; readonly path: string; readonly target: string }
  | {
      readonly kind: "chardev"
      readonly path: string
      readonly mode: number
      readonly major: number
      readonly minor: number
    }

const typeBits = { dir: 0o040000, file: 0o100000, symlink: 0o120000, chardev: 0o020000 } as const

const hex8 = (value: number) => value.toString(16).padStart(8, "0")
const pad4 = (length: number) => (4 - (length % 4)) % 4

const header = (fields: ReadonlyArray<number>, name: string) => {
  const nameBytes = Buffer.from(`${name}\0`, "utf8")
  const text = `070701${fields.map(hex8).join("")}`
  return Buffer.concat([Buffer.from(text, "ascii"), nameBytes, Buffer.alloc(pad4(text.length + nameBytes.length))])
}

const payloadOf = (entry: CpioEntry): Uint8Array =>
  entry.kind === "file" ? entry.data : entry.kind === "symlink" ? Buffer.from(entry.target, "utf8") : new Uint8Array()

const modeOf = (entry: CpioEntry) => typeBits[entry.kind] | (entry.kind === "symlink" ? 0o777 : entry.mode)

/** Adds the missing parent directories (mode 0755) and sorts so every directory precedes its contents. */
export const normaliseEntries = (entries: ReadonlyArray<CpioEntry>): ReadonlyArray<CpioEntry> => {
  const byPath = new Map<string, CpioEntry>()
  for (const entry of entries) {
    const parts = entry.path.split("/")
    for (let depth = 1; depth < parts.length; depth++) {
      const dir = parts.slice(0, depth).join("/")
      if (!byPath.has(dir)) byPath.set(dir, { kind: "dir", path: dir, mode: 0o755 })
    }
    byPath.set(entry.path, entry)
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** The archive for `entries` (paths relative, no leading slash); every entry gets `mtime` and root ownership. */
export const newcArchive = (entries: ReadonlyArray<CpioEntry>, mtime: number): Buffer => {
  const chunks: Array<Uint8Array> = []
  normaliseEntries(entries).forEach((entry, index) => {
    const payload = payloadOf(entry)
    const [major, minor] = entry.kind === "chardev" ? [entry.major, entry.minor] : [0, 0]
    const nlink = entry.kind === "dir" ? 2 : 1
    const name = entry.path
    const fields = [index + 1, modeOf(entry), 0, 0, nlink, mtime, payload.length, 0, 0, major, minor]
    chunks.push(header([...fields, Buffer.byteLength(name) + 1, 0], name), payload, Buffer.alloc(pad4(payload.length)))
  })
  chunks.push(header([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, "TRAILER!!!".length + 1, 0], "TRAILER!!!"))
  return Buffer.concat(chunks)
}
