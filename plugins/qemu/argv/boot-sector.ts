/** Port of QEMU's isa-debug-exit device as the accelerator probe configures it. */
export const DEBUG_EXIT_PORT = 0xf4
/** The byte the boot sector writes there; QEMU then exits with status (byte << 1) | 1 = 85. */
export const DEBUG_EXIT_STATUS = (0x2a << 1) | 1

/**
 * A 512-byte MBR boot sector (16-bit real mode, loaded at 0x7c00 by the BIOS): prints `message` on COM1,
 * writes 0x2a to the isa-debug-exit port (ignored when there is none), then halts. It proves that guest code
 * runs: used to probe an accelerator and as the "disk with a boot loader" of disk-boot tests.
 */
export const bootSector = (message: string): Buffer => {
  const text = Buffer.from(`${message}\r\n\0`, "latin1")
  const messageOffset = 25
  if (messageOffset + text.length > 510) throw new Error("boot sector message too long")
  const address = 0x7c00 + messageOffset
  const code = [
    [0x31, 0xc0], // xor ax, ax
    [0x8e, 0xd8], // mov ds, ax
    [0xbe, address & 0xff, address >> 8], // mov si, message
    [0xba, 0xf8, 0x03], // mov dx, 0x3f8 (COM1 data)
    [0xac], // next: lodsb
    [0x08, 0xc0], // or al, al
    [0x74, 0x03], // jz done
    [0xee], // out dx, al
    [0xeb, 0xf8], // jmp next
    [0xb0, 0x2a], // done: mov al, 0x2a
    [0xe6, DEBUG_EXIT_PORT], // out 0xf4, al
    [0xf4], // halt: hlt
    [0xeb, 0xfd], // jmp halt
  ].flat()
  const sector = Buffer.alloc(512)
  Buffer.from(code).copy(sector, 0)
  text.copy(sector, messageOffset)
  sector[510] = 0x55
  sector[511] = 0xaa
  return sector
}
