import { Effect, type Scope } from "effect"
import { type FakeJsonLineServer, startFakeJsonLineServer } from "./fake-json-line-server.ts"

export const fakeQemuVersion = { qemu: { major: 7, minor: 2, micro: 15 }, package: "Debian 1:7.2+dfsg-7+deb12u18" }

export interface FakeQmpOptions {
  /** false: accept connections but never greet (as QEMU does while another client holds the monitor). */
  readonly greet?: boolean
}

/**
 * A fake QEMU monitor: greets like QEMU 7.2, accepts qmp_capabilities, answers query-status/query-version, and
 * refuses unknown commands with CommandNotFound. Tests add handlers with `on`/`returns` and send events with
 * `event`.
 */
export const startFakeQmpServer = (
  options: FakeQmpOptions = {},
): Effect.Effect<FakeJsonLineServer, never, Scope.Scope> =>
  startFakeJsonLineServer((client) => {
    if (options.greet === false) return
    client.write(`${JSON.stringify({ QMP: { version: fakeQemuVersion, capabilities: ["oob"] } })}\n`)
  }).pipe(
    Effect.map((server) =>
      server
        .returns("qmp_capabilities", {})
        .returns("query-status", { status: "running", singlestep: false, running: true })
        .returns("query-version", fakeQemuVersion),
    ),
  )

/** The line QEMU would write for an event, for tests that write raw bytes. */
export const eventLine = (name: string, data?: Record<string, unknown>): string =>
  `${JSON.stringify({ event: name, ...(data === undefined ? {} : { data }), timestamp: { seconds: 1, microseconds: 0 } })}\n`
