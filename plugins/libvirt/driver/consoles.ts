import { Effect } from "effect"
import type { ConsoleEndpoint } from "../../../core/driver/driver.ts"
import { parseSerialSocket, parseVnc } from "../virsh/xml-read.ts"
import type { DriverContext } from "./context.ts"
import type { Lifecycle } from "./lifecycle.ts"

/**
 * Consoles of a running domain, read from its live XML. VNC: the unix socket libvirt made (or, in websocket mode,
 * the loopback TCP port; the WebSocket port is `vncWebSocket`). Serial: COM1's unix socket, bound by libvirtd
 * (`virsh console` needs a TTY; the agent reads the socket). Both serve one client at a time.
 */
export const makeConsoles = (ctx: DriverContext, lifecycle: Lifecycle) => {
  const liveXml = (operation: string, name: string) =>
    Effect.gen(function* () {
      const current = yield* lifecycle.state(operation, name)
      if (current.power === "stopped") return yield* ctx.errors.wrongPower(operation, name, current.power)
      return yield* ctx.call(operation, name, ctx.client.dumpXml(name))
    })

  const vnc = Effect.fn("LibvirtDriver.console.vnc")(function* (name: string) {
    const operation = "console.vnc"
    const found = parseVnc(yield* liveXml(operation, name))
    if (found?.socket !== undefined) return { kind: "unix", path: found.socket } satisfies ConsoleEndpoint
    if (found?.port !== undefined) {
      return { kind: "tcp", host: found.host ?? "127.0.0.1", port: found.port } satisfies ConsoleEndpoint
    }
    return yield* ctx.errors.invalid(operation, `${name} has no VNC console`)
  })

  const serial = Effect.fn("LibvirtDriver.console.serial")(function* (name: string) {
    const operation = "console.serial"
    const path = parseSerialSocket(yield* liveXml(operation, name))
    if (path === undefined) return yield* ctx.errors.invalid(operation, `${name} has no serial console`)
    return { kind: "unix", path } satisfies ConsoleEndpoint
  })

  /** QEMU's own WebSocket for noVNC (websocket mode only): loopback, no authentication of its own. */
  const vncWebSocket = Effect.fn("LibvirtDriver.console.vncWebSocket")(function* (name: string) {
    const operation = "console.vncWebSocket"
    const found = parseVnc(yield* liveXml(operation, name))
    if (found?.websocket === undefined) return yield* ctx.errors.invalid(operation, `${name} has no VNC WebSocket`)
    return { kind: "tcp", host: found.host ?? "127.0.0.1", port: found.websocket } satisfies ConsoleEndpoint
  })

  return { vnc, serial, vncWebSocket }
}
