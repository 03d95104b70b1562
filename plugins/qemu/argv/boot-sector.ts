/** Port of QEMU's isa-debug-exit device as the accelerator probe configures it. */
export const DEBUG_EXIT_PORT = 0xf4
/** The byte the boot sector writes there; QEMU then exits with status (byte << 1) | 1 = 85. */
export const DEBUG_EXIT_STATUS = (0x2a << 1) | 1
/** Guest memory the program needs: it writes 60 MiB above 4 MiB. */
export const BOOT_SECTOR_MIN_MEMORY_MIB = 96

/**
 * Machine code of a 512-byte MBR boot sector (GNU as, .code16, linked at 0x7c00). In real mode it prints the
 * NUL-terminated text at offset 0x100 on COM1 (port 0x3f8); then it identity-maps 64 MiB with 2 MiB pages,
 * enters long mode (PAE, EFER.LME, PG|PE, far jump through a 3-entry GDT), writes zeros over 60 MiB from
 * 4 MiB up with `rep stosq`, writes 0x2a to port 0xf4 and halts. The memory sweep is what tells a working KVM
 * (well under a second) from one under broken nested virtualisation (seconds per sweep, Linux never boots).
 */
const PROGRAM = [
  "fa31c08ed88ec0be007dbaf803ac08c07403eeebf8bf00106631c066b9000c000066f3ab66c70600100320000066c706",
  "002003300000bf003066b88300000066890566050000200083c70881ff003175ee0f0116c07c0f20e06683c8200f22e0",
  "66b8001000000f22d866b9800000c00f32660d000100000f300f20c0660d010000800f22c0ea8a7c080048c7c7000040",
  "0048c7c1000078004831c0f348abb02ae6f4f4ebfd8d76000000000000000000ffff0000009aaf00ffff00000092cf00",
  "1700a87c0000",
].join("")

const MESSAGE_OFFSET = 0x100

/** The boot sector with `message` (at most 253 Latin-1 characters) as the line it prints first. */
export const bootSector = (message: string): Buffer => {
  const text = Buffer.from(`${message}\r\n\0`, "latin1")
  if (MESSAGE_OFFSET + text.length > 510) throw new Error("boot sector message too long")
  const sector = Buffer.alloc(512)
  Buffer.from(PROGRAM, "hex").copy(sector, 0)
  text.copy(sector, MESSAGE_OFFSET)
  sector[510] = 0x55
  sector[511] = 0xaa
  return sector
}
