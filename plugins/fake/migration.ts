import { Effect, PubSub, Stream } from "effect"
import { diskSyncTimeoutOf, disksDidNotConverge } from "../../core/driver/disk-sync.ts"
import type {
  Driver,
  IncomingEndpoint,
  IncomingOptions,
  MigrationProgress,
  SendOptions,
} from "../../core/driver/driver.ts"
import { HypervisorFailure } from "../../core/driver/errors.ts"
import type { VmSpec } from "../../core/driver/spec.ts"
import type { Hypervisor } from "./hypervisor.ts"
import { fakeWire } from "./migration-wire.ts"
import { newDomain } from "./state.ts"

type Migration = NonNullable<Driver["migration"]>

/** How many progress samples a fake migration takes (one per `stepMs`), so a cancel or a failure can land mid-way. */
const STEPS = 5

/**
 * Live migration in memory: the target defines the domain paused and listens on the fake wire; the source sends
 * its record (RAM, disks, boot time) in STEPS steps, and the target runs it. A cancel or a target that stopped
 * listening fails the send between two steps and the source runs on.
 */
export const makeMigration = (hv: Hypervisor, stepMs: number) =>
  Effect.gen(function* () {
    const hub = yield* PubSub.unbounded<MigrationProgress>()
    const sending = new Map<string, { cancelled: boolean }>()
    /** Sources that sent their domain and wait for release or rollback. */
    const sent = new Set<string>()
    /** Targets: the port each incoming domain listens on, until it is finished or aborted. */
    const incoming = new Map<string, number>()
    const failure = (operation: string, message: string) =>
      hv.error(operation, new HypervisorFailure({ message, retryable: false }))
    const sample = (name: string, phase: MigrationProgress["phase"], step: number) =>
      Effect.flatMap(hv.now, (now) =>
        PubSub.publish(hub, {
          name,
          phase,
          transferredBytes: step * 1024 * 1024,
          remainingBytes: (STEPS - step) * 1024 * 1024,
          dirtyPagesRate: 0,
          expectedDowntimeMs: 1,
          at: new Date(now),
        }),
      )

    const prepareIncoming = Effect.fn("FakeDriver.migration.prepareIncoming")(function* (
      spec: VmSpec,
      options: IncomingOptions,
    ) {
      const operation = "migration.prepareIncoming"
      return yield* hv.exclusive(spec.name)(
        Effect.gen(function* () {
          const existing = hv.find(spec.name)
          if (existing && existing.power !== "stopped") return yield* hv.wrongPower(operation, existing)
          yield* hv.put(operation, { ...newDomain(spec), power: "paused" })
          const port = fakeWire.listen({
            name: spec.name,
            receive: (record) =>
              hv.update(operation, spec.name, (target) => ({ ...record, spec: target.spec, power: "running" })),
          })
          incoming.set(spec.name, port)
          const endpoint: IncomingEndpoint =
            options.storage === "local"
              ? { host: options.listenHost, port, nbdPort: port }
              : { host: options.listenHost, port }
          return endpoint
        }),
      )
    })

    const send = Effect.fn("FakeDriver.migration.send")(function* (
      name: string,
      endpoint: IncomingEndpoint,
      options: SendOptions,
    ) {
      const operation = "migration.send"
      return yield* hv.exclusive(name)(
        Effect.gen(function* () {
          const record = yield* hv.get(operation, name)
          if (record.power !== "running") return yield* hv.wrongPower(operation, record)
          if (options.storage === "local" && endpoint.nbdPort === undefined)
            return yield* hv.invalid(operation, "local storage needs the target's NBD port")
          const deadline = diskSyncTimeoutOf(options)
          if ("invalid" in deadline) return yield* hv.invalid(operation, deadline.invalid)
          const state = { cancelled: false }
          sending.set(name, state)
          const started = yield* hv.now
          for (let step = 1; step <= STEPS; step++) {
            yield* Effect.sleep(stepMs)
            if (state.cancelled) return yield* failure(operation, `migration of ${name} failed (cancelled)`)
            if (fakeWire.connect(endpoint.port) === undefined)
              return yield* failure(operation, `migration of ${name} failed: the target went away`)
            const copyingDisks = step <= 2 && options.storage === "local"
            // the disk phase (its first two steps) past its deadline: the send fails, the source runs on
            if (copyingDisks && (yield* hv.now) - started > deadline.ms)
              return yield* failure(
                operation,
                disksDidNotConverge(deadline.ms, `the fake copies a step per ${stepMs} ms`),
              )
            yield* sample(name, copyingDisks ? "disks" : "memory", step)
          }
          const target = fakeWire.connect(endpoint.port)
          if (target === undefined || target.name !== name)
            return yield* failure(operation, `migration of ${name} failed: nobody waits for it at ${endpoint.port}`)
          yield* hv.update(operation, name, (current) => ({ ...current, power: "paused" }))
          yield* target.receive(record)
          sent.add(name)
          yield* sample(name, "completed", STEPS)
          return {
            downtimeMs: 1,
            totalMs: (yield* hv.now) - started,
            transferredBytes: STEPS * 1024 * 1024,
            path: options.mode === "pause-first" ? ("pause-first" as const) : ("precopy" as const),
          }
        }).pipe(Effect.ensuring(Effect.sync(() => sending.delete(name)))),
      )
    })

    const migration: Migration = {
      prepareIncoming,
      send,
      progress: Stream.fromPubSub(hub),
      cancel: (name: string) =>
        Effect.sync(() => {
          const state = sending.get(name)
          if (state) state.cancelled = true
        }),
      finishIncoming: Effect.fn("FakeDriver.migration.finishIncoming")(function* (name: string) {
        const operation = "migration.finishIncoming"
        yield* hv.exclusive(name)(
          Effect.gen(function* () {
            const record = yield* hv.get(operation, name)
            if (record.power !== "running") return yield* failure(operation, `${name} is ${record.power} here`)
            const port = incoming.get(name)
            if (port !== undefined) fakeWire.close(port)
            incoming.delete(name)
          }),
        )
      }),
      abortIncoming: Effect.fn("FakeDriver.migration.abortIncoming")(function* (name: string) {
        yield* hv.exclusive(name)(
          Effect.gen(function* () {
            const port = incoming.get(name)
            if (port !== undefined) fakeWire.close(port)
            incoming.delete(name)
            if (hv.find(name)) yield* hv.remove("migration.abortIncoming", name)
          }),
        )
      }),
      release: Effect.fn("FakeDriver.migration.release")(function* (name: string) {
        const operation = "migration.release"
        yield* hv.exclusive(name)(
          Effect.gen(function* () {
            const record = yield* hv.get(operation, name)
            if (!sent.has(name))
              return yield* hv.invalid(operation, `${name} is ${record.power} here: it has not migrated`)
            sent.delete(name)
            yield* hv.remove(operation, name)
          }),
        )
      }),
      rollback: Effect.fn("FakeDriver.migration.rollback")(function* (name: string) {
        const operation = "migration.rollback"
        yield* hv.exclusive(name)(
          Effect.gen(function* () {
            const record = yield* hv.get(operation, name)
            if (record.power === "running") return
            if (!sent.has(name)) return yield* hv.wrongPower(operation, record)
            sent.delete(name)
            yield* hv.update(operation, name, (current) => ({ ...current, power: "running" }))
          }),
        )
      }),
    }
    return migration
  })
