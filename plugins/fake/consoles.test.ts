import assert from "node:assert/strict"
import { existsSync } from "node:fs"
import { connect, type Socket } from "node:net"
import { dirname } from "node:path"
import { describe, it } from "node:test"
import { Effect } from "effect"
import type { ConsoleEndpoint } from "../../core/driver/driver.ts"
import { makeFakeDriver } from "./driver.ts"
import { defined, withFake } from "./test-support.ts"

const pathOf = (endpoint: ConsoleEndpoint) => {
  assert.equal(endpoint.kind, "unix")
  return endpoint.kind === "unix" ? endpoint.path : ""
}

/** Connects and collects bytes until `enough` says so; fails when the socket cannot connect or closes first. */
const exchange = (path: string, enough: (received: Buffer, socket: Socket) => boolean) =>
  Effect.callback<Buffer, Error>((resume) => {
    const socket = connect(path)
    let received = Buffer.alloc(0)
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      if (enough(received, socket)) {
        socket.destroy()
        resume(Effect.succeed(received))
      }
    })
    socket.on("error", (error) => resume(Effect.fail(error)))
    socket.on("close", () => resume(Effect.fail(new Error(`closed after ${received.length} bytes`))))
    return Effect.sync(() => socket.destroy())
  })

const refused = (path: string) =>
  exchange(path, () => true).pipe(
    Effect.match({ onFailure: () => true, onSuccess: () => false }),
    Effect.map((wasRefused) => assert.ok(wasRefused, `something still listens on ${path}`)),
  )

describe("fake driver: console servers", () => {
  it("B5 the vnc endpoint speaks RFB 3.8 up to ServerInit without a password", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        const path = pathOf(yield* fake.driver.console.vnc("vm"))
        let step = 0
        const bytes = yield* exchange(path, (received, socket) => {
          if (step === 0 && received.length >= 12) {
            step = 1
            socket.write("RFB 003.008\n")
          }
          if (step === 1 && received.length >= 14) {
            step = 2
            socket.write(Buffer.from([1]))
          }
          if (step === 2 && received.length >= 18) {
            step = 3
            socket.write(Buffer.from([1]))
          }
          return step === 3 && received.length >= 18 + 24 + 2
        })
        assert.equal(bytes.subarray(0, 12).toString(), "RFB 003.008\n")
        assert.deepEqual([...bytes.subarray(12, 14)], [1, 1], "one security type: None")
        assert.equal(bytes.readUInt32BE(14), 0, "security result OK")
        assert.equal(bytes.readUInt16BE(18), 640)
        assert.equal(bytes.subarray(18 + 24).toString(), "vm")
      }),
    ))

  it("B5 the serial endpoint shows the boot line to each client and echoes input", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        const path = pathOf(yield* fake.driver.console.serial("vm"))
        for (const _ of [1, 2]) {
          const text = yield* exchange(path, (received) => received.includes("\n"))
          assert.equal(text.toString(), "hyperx-fake: vm booted\r\n")
        }
        let typed = false
        const echoed = yield* exchange(path, (received, socket) => {
          if (!typed && received.includes("\n")) {
            typed = true
            socket.write("ls\n")
          }
          return received.toString().endsWith("ls\n")
        })
        assert.match(echoed.toString(), /booted\r\nls\n$/)
      }),
    ))

  it("B1 stops listening when the domain stops, and leaves no socket folder", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        const vnc = pathOf(yield* fake.driver.console.vnc("vm"))
        const serial = pathOf(yield* fake.driver.console.serial("vm"))
        yield* fake.driver.shutdown("vm", { force: true, timeoutMs: 0 })
        yield* refused(vnc)
        yield* refused(serial)
        assert.equal(existsSync(dirname(vnc)), false)
      }),
    ))

  it("closes every console when the driver's scope closes", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const first = yield* Effect.scoped(
          Effect.gen(function* () {
            const fake = yield* makeFakeDriver({ bootDelayMs: 0, shutdownDelayMs: 0 })
            yield* defined(fake, "vm", { running: true })
            const path = pathOf(yield* fake.driver.console.vnc("vm"))
            yield* exchange(path, (received) => received.length >= 12)
            return path
          }),
        )
        yield* refused(first)
        assert.equal(existsSync(dirname(first)), false)
      }),
    ))

  it("a guest power-off closes the consoles too", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        const serial = pathOf(yield* fake.driver.console.serial("vm"))
        yield* fake.simulate.guestPowerOff("vm")
        yield* refused(serial)
      }),
    ))
})

describe("fake driver: guest RAM", () => {
  it("P1 P4 keeps RAM files across a memory snapshot revert, loses them on a reset or power-off", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const { driver, simulate } = fake
        yield* defined(fake, "vm", { running: true })
        yield* simulate.writeRam("vm", "/run/marker", "before")
        yield* driver.snapshots.create("vm", "s1", { withMemory: true })
        yield* simulate.writeRam("vm", "/run/marker", "after")
        yield* driver.reboot("vm", { force: true })
        assert.equal(yield* simulate.readRam("vm", "/run/marker"), undefined, "a reset clears RAM")
        yield* driver.shutdown("vm", { force: true, timeoutMs: 0 })
        yield* driver.snapshots.revert("vm", "s1")
        yield* driver.start("vm")
        assert.equal(yield* simulate.readRam("vm", "/run/marker"), "before")
        yield* simulate.guestPowerOff("vm")
        assert.equal(yield* simulate.readRam("vm", "/run/marker"), undefined)
      }),
    ))
})
