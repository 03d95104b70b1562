import type { Socket } from "node:net"

/** The fake's framebuffer: small, 32 bits per pixel, true colour. */
const width = 640
const height = 480

/** RFB 6.3.2 ServerInit: size, pixel format, then the desktop's name. */
const serverInit = (desktop: string): Buffer => {
  const name = Buffer.from(desktop, "utf8")
  const message = Buffer.alloc(24 + name.length)
  message.writeUInt16BE(width, 0)
  message.writeUInt16BE(height, 2)
  // Pixel format: bpp, depth, big-endian, true colour, red/green/blue max, red/green/blue shift (3 bytes padding).
  message.writeUInt8(32, 4)
  message.writeUInt8(24, 5)
  message.writeUInt8(0, 6)
  message.writeUInt8(1, 7)
  message.writeUInt16BE(255, 8)
  message.writeUInt16BE(255, 10)
  message.writeUInt16BE(255, 12)
  message.writeUInt8(16, 14)
  message.writeUInt8(8, 15)
  message.writeUInt8(0, 16)
  message.writeUInt32BE(name.length, 20)
  name.copy(message, 24)
  return message
}

const securityNone = 1

/**
 * Speaks the opening of RFB 3.8 as a VNC server without a password does (QEMU's default): version, the one security
 * type "None", its result, then ServerInit after ClientInit. Later client messages are read and ignored; the fake
 * never sends a framebuffer update.
 */
export const greetAsVnc = (desktop: string) => (socket: Socket) => {
  let stage: "version" | "security" | "init" | "session" = "version"
  let pending = Buffer.alloc(0)
  socket.write("RFB 003.008\n")
  socket.on("data", (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk])
    if (stage === "version" && pending.length >= 12) {
      pending = pending.subarray(12)
      socket.write(Buffer.from([1, securityNone]))
      stage = "security"
    }
    if (stage === "security" && pending.length >= 1) {
      const chosen = pending[0]
      pending = pending.subarray(1)
      if (chosen !== securityNone) {
        const reason = Buffer.from("only security type None is offered")
        const result = Buffer.alloc(8)
        result.writeUInt32BE(1, 0)
        result.writeUInt32BE(reason.length, 4)
        socket.end(Buffer.concat([result, reason]))
        return
      }
      socket.write(Buffer.alloc(4))
      stage = "init"
    }
    if (stage === "init" && pending.length >= 1) {
      pending = pending.subarray(1)
      socket.write(serverInit(desktop))
      stage = "session"
    }
    if (stage === "session") pending = Buffer.alloc(0)
  })
}

/** The line the fake's serial console shows to every new client, as a guest's boot log would have. */
export const fakeBootLine = (domain: string) => `hyperx-fake: ${domain} booted`

/** A serial console: the boot line for each client, then whatever the client types, echoed as a tty does. */
export const replaySerial = (domain: string) => (socket: Socket) => {
  socket.write(`${fakeBootLine(domain)}\r\n`)
  socket.on("data", (chunk: Buffer) => socket.write(chunk))
}
