import { Effect, Schema } from "effect"
import type { DomainInfo, Driver, ShutdownOptions } from "../../core/driver/driver.ts"
import { VmSpec } from "../../core/driver/spec.ts"
import { withVolumeFiles } from "./backups.ts"
import { specProblem } from "./checks.ts"
import type { Hypervisor } from "./hypervisor.ts"
import { booted, type DomainRecord, newDomain, poweredOff } from "./state.ts"

type Lifecycle = Pick<Driver, "define" | "undefine" | "start" | "shutdown" | "reboot" | "inspect" | "list">

const info = (record: DomainRecord): DomainInfo => ({ name: record.spec.name, power: record.power })

/** Sleeps only for a positive time, so a zero delay needs no clock (nor a TestClock adjustment). */
const pause = (ms: number) => (ms > 0 ? Effect.sleep(ms) : Effect.void)

/** A new domain reads what restored volumes hold (an existing one keeps its guest's own view of its disks). */
const withRestoredFiles = (hv: Hypervisor, record: DomainRecord): DomainRecord => ({
  ...record,
  guest: withVolumeFiles(hv, record.guest, record.spec.disks),
})

export const makeLifecycle = (hv: Hypervisor): Lifecycle => ({
  define: Effect.fn("FakeDriver.define")(function* (input: VmSpec) {
    const spec = yield* Schema.decodeUnknownEffect(VmSpec)(input).pipe(
      Effect.mapError((issue) => hv.invalid("define", `invalid spec: ${issue.message}`)),
    )
    const problem = specProblem(spec)
    if (problem) return yield* hv.invalid("define", problem)
    // Looked up under the lock: a define racing this one may create the domain first.
    yield* hv.exclusive(spec.name)(
      Effect.suspend(() =>
        hv.find(spec.name)
          ? hv.update("define", spec.name, (record) => {
              if (record.power !== "stopped") return hv.wrongPower("define", record)
              if (record.spec.uuid !== spec.uuid)
                return hv.invalid("define", `${spec.name} already exists with uuid ${record.spec.uuid}`)
              return { ...record, spec }
            })
          : hv.put("define", withRestoredFiles(hv, newDomain(spec))),
      ),
    )
  }),

  // Idempotent by contract: forgetting an unknown domain succeeds.
  undefine: Effect.fn("FakeDriver.undefine")(function* (name: string) {
    yield* hv.exclusive(name)(
      Effect.gen(function* () {
        const record = hv.find(name)
        if (!record) return
        if (record.power !== "stopped") return yield* hv.wrongPower("undefine", record)
        yield* hv.remove("undefine", name)
      }),
    )
  }),

  start: Effect.fn("FakeDriver.start")(function* (name: string) {
    yield* hv.exclusive(name)(
      Effect.gen(function* () {
        const record = yield* hv.get("start", name)
        if (record.power === "running") return
        yield* pause(hv.bootDelayMs)
        const now = yield* hv.now
        yield* hv.update("start", name, (current) => (current.power === "running" ? current : booted(current, now)))
      }),
    )
  }),

  shutdown: Effect.fn("FakeDriver.shutdown")(function* (name: string, options: ShutdownOptions) {
    yield* hv.exclusive(name)(
      Effect.gen(function* () {
        const record = yield* hv.get("shutdown", name)
        if (record.power === "stopped") return
        if (!options.force && record.power === "running") {
          // A guest that ignores ACPI never powers off by itself: power is cut when the timeout ends.
          const guestTakes = record.ignoreAcpi ? options.timeoutMs : hv.shutdownDelayMs
          yield* pause(Math.min(guestTakes, options.timeoutMs))
        }
        yield* hv.update("shutdown", name, poweredOff)
      }),
    )
  }),

  reboot: Effect.fn("FakeDriver.reboot")(function* (name: string, options: { readonly force: boolean }) {
    yield* hv.exclusive(name)(
      Effect.gen(function* () {
        const record = yield* hv.get("reboot", name)
        if (record.power === "stopped") return yield* hv.wrongPower("reboot", record)
        if (!options.force) {
          if (record.power !== "running") return yield* hv.wrongPower("reboot", record)
          // As with real ACPI, the request is accepted and then nothing happens.
          if (record.ignoreAcpi) return
          yield* pause(hv.shutdownDelayMs + hv.bootDelayMs)
        }
        const now = yield* hv.now
        yield* hv.update("reboot", name, (current) => booted({ ...current, resumeMemory: false }, now))
      }),
    )
  }),

  inspect: Effect.fn("FakeDriver.inspect")(function* (name: string) {
    return info(yield* hv.get("inspect", name))
  }),

  list: () => Effect.sync(() => hv.all().map(info)),
})
