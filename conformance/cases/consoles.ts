import { Effect } from "effect"
import type { ConsoleEndpoint } from "../../core/driver/driver.ts"
import { defineCase } from "../case.ts"
import type { CaseContext } from "../context.ts"
import { check, fail } from "../failure.ts"
import { accepts, describeEndpoint } from "../host.ts"
import { rfbHandshake } from "../rfb.ts"
import { readSerialUntil } from "../serial.ts"
import { waitUntil } from "../wait.ts"
import { bridgeToWebSocket } from "../ws-bridge.ts"

/** Once the domain is off, nothing may listen on its console any more. */
const awaitClosed = (t: CaseContext, endpoint: ConsoleEndpoint) =>
  waitUntil(
    `${describeEndpoint(endpoint)} to stop accepting connections once the domain is off`,
    accepts(endpoint, t.config.timeouts.consoleMs).pipe(
      Effect.flatMap((accepted) => (accepted ? fail("it still accepts") : Effect.void)),
    ),
    { timeoutMs: t.config.timeouts.guestChangeMs, pollMs: t.config.timeouts.pollMs },
  )

export const consoleCases = [
  defineCase({
    id: "console.vnc",
    capability: "vncConsole",
    title: "the VNC endpoint of a running domain answers the RFB 3.8 handshake through a WebSocket bridge",
    run: (t) =>
      Effect.gen(function* () {
        const console = yield* t.group("console")
        const vm = yield* t.vm({ start: true })
        const endpoint = yield* t.step("console.vnc", console.vnc(vm.name))
        t.tracker.endpoint(endpoint)
        const url = yield* bridgeToWebSocket(endpoint)
        const greeting = yield* rfbHandshake(url, t.config.timeouts.consoleMs)
        yield* check(greeting.version === "RFB 003.008", `the server speaks ${greeting.version}, not RFB 003.008`)
        yield* check(greeting.securityTypes.length > 0, "the server offers no security type")
        if (greeting.desktop)
          yield* check(
            greeting.desktop.width > 0 && greeting.desktop.height > 0,
            `ServerInit gives a ${greeting.desktop.width}×${greeting.desktop.height} framebuffer`,
          )
        yield* t.step("force stop", t.driver.shutdown(vm.name, { force: true, timeoutMs: 0 }))
        yield* awaitClosed(t, endpoint)
      }),
  }),

  defineCase({
    id: "console.serial",
    capability: "serialConsole",
    title: "the serial endpoint of a running domain shows the guest's output",
    run: (t) =>
      Effect.gen(function* () {
        const console = yield* t.group("console")
        const vm = yield* t.vm({ start: true })
        const endpoint = yield* t.step("console.serial", console.serial(vm.name))
        t.tracker.endpoint(endpoint)
        yield* readSerialUntil(endpoint, t.config.serialPattern, t.config.timeouts.bootMs)
        yield* t.step("force stop", t.driver.shutdown(vm.name, { force: true, timeoutMs: 0 }))
        yield* awaitClosed(t, endpoint)
      }),
  }),
]
