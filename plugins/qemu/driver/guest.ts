import { Effect, Option } from "effect"
import type { ConsoleEndpoint } from "../../../core/driver/driver.ts"
import type { DriverError } from "../../../core/driver/errors.ts"
import type { QgaAgent } from "../qga/agent.ts"
import { fileSystemUsage, guestPing } from "../qga/commands/system.ts"
import { guestSetUserPassword, guestSshAddAuthorizedKeys } from "../qga/commands/users.ts"
import type { QgaError } from "../qga/errors.ts"
import type { Domains } from "./domains.ts"

/** Consoles are QEMU's own unix sockets in the run folder (one client at a time); the agent bridges them. */
export const makeConsole = (domains: Domains) => {
  const endpoint = (kind: "vnc" | "serial") =>
    Effect.fn(`QemuDriver.console.${kind}`)(function* (name: string) {
      const operation = `console.${kind}`
      const { domain, session } = yield* domains.running(operation, name)
      if (!domain.definition.spec[kind])
        return yield* domains.errors.invalid(operation, `${name} has no ${kind} console`)
      return { kind: "unix", path: session.paths[kind] } satisfies ConsoleEndpoint
    })
  return { vnc: endpoint("vnc"), serial: endpoint("serial") }
}

/**
 * Runs `use` with the running domain's guest agent, under the domain's lock (the channel serves one client, and a
 * reboot or a stop must not cut a command in half). Exported for guest probes and tests.
 */
export const withGuestAgent =
  (domains: Domains) =>
  <A, E>(
    name: string,
    use: (agent: QgaAgent) => Effect.Effect<A, E>,
    operation = "guestAgent",
    briefly = false,
  ): Effect.Effect<A, E | DriverError> =>
    domains.exclusive(name)(
      Effect.gen(function* () {
        const { domain, session } = yield* domains.running(operation, name)
        if (!domain.definition.spec.guestAgent) {
          return yield* domains.errors.invalid(operation, `${name} has no guest agent channel`)
        }
        return yield* briefly ? session.withAgentBriefly(operation, use) : session.withAgent(operation, use)
      }),
    )

/** The contract's guest-agent calls: password (R11), SSH keys (X5, replacing the file's keys), file systems (M1). */
export const makeGuestAgent = (domains: Domains) => {
  const run = withGuestAgent(domains)
  const call = <A>(operation: string, name: string, use: (agent: QgaAgent) => Effect.Effect<A, QgaError>) =>
    run(name, (agent) => use(agent).pipe(Effect.mapError(domains.errors.fromQga(operation))), operation)
  /**
   * A one-off write at a start (a password, SSH keys): the channel is closed after it, so the agent's socket, which
   * serves one client at a time, is free again for whoever else talks to the guest's agent.
   */
  const callOnce = <A>(operation: string, name: string, use: (agent: QgaAgent) => Effect.Effect<A, QgaError>) =>
    run(name, (agent) => use(agent).pipe(Effect.mapError(domains.errors.fromQga(operation))), operation, true)

  return {
    ping: Effect.fn("QemuDriver.guestAgent.ping")(function* (name: string) {
      yield* call("guestAgent.ping", name, (agent) => guestPing(agent))
    }),
    setPassword: Effect.fn("QemuDriver.guestAgent.setPassword")(function* (
      name: string,
      user: string,
      password: string,
    ) {
      if (user === "" || password === "") {
        return yield* domains.errors.invalid("guestAgent.setPassword", "empty user or password")
      }
      yield* callOnce("guestAgent.setPassword", name, (agent) =>
        guestSetUserPassword(agent, { username: user, password, crypted: false }),
      )
    }),
    setAuthorizedKeys: Effect.fn("QemuDriver.guestAgent.setAuthorizedKeys")(function* (
      name: string,
      user: string,
      keys: ReadonlyArray<string>,
    ) {
      if (user === "") return yield* domains.errors.invalid("guestAgent.setAuthorizedKeys", "empty user")
      if (keys.some((key) => key.trim() === "" || key.includes("\n"))) {
        return yield* domains.errors.invalid("guestAgent.setAuthorizedKeys", "a key is empty or spans several lines")
      }
      yield* callOnce("guestAgent.setAuthorizedKeys", name, (agent) =>
        guestSshAddAuthorizedKeys(agent, { username: user, keys, reset: true }),
      )
    }),
    /**
     * A sample's read (M1, every metrics round of every monitored VM): it never waits behind an operation holding
     * the domain (a backup's freeze, a migration: retryable failure, the round leaves the figure unknown), and it
     * keeps no channel open, as `stats`' NIC counters do: the agent's socket serves one client at a time.
     */
    fileSystems: Effect.fn("QemuDriver.guestAgent.fileSystems")(function* (name: string) {
      const operation = "guestAgent.fileSystems"
      const read = Effect.gen(function* () {
        const { domain, session } = yield* domains.running(operation, name)
        if (!domain.definition.spec.guestAgent) {
          return yield* domains.errors.invalid(operation, `${name} has no guest agent channel`)
        }
        return yield* session.withAgentBriefly(operation, (agent) =>
          fileSystemUsage(agent).pipe(Effect.mapError(domains.errors.fromQga(operation))),
        )
      })
      const answer = yield* domains.ifFree(name)(read)
      if (Option.isNone(answer))
        return yield* domains.errors.failure(operation, `${name} is busy with an operation`, true)
      return answer.value
    }),
  }
}
