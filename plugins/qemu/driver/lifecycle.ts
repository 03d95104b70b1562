import { rm } from "node:fs/promises"
import { isDeepStrictEqual } from "node:util"
import { Effect, Schema } from "effect"
import type { DomainInfo, PowerState } from "../../../core/driver/driver.ts"
import { VmSpec } from "../../../core/driver/spec.ts"
import { argvProblems } from "../argv/validate.ts"
import { queryStatus } from "../qmp/commands/status.ts"
import type { Domain, Domains } from "./domains.ts"
import { isOurQemu } from "./process.ts"

/** QEMU's run states in the contract's terms; a state this table does not know counts as paused. */
const powerOfStatus: Readonly<Record<string, PowerState>> = {
  running: "running",
  "guest-panicked": "crashed",
  "internal-error": "crashed",
  "io-error": "crashed",
}

/**
 * What the hypervisor says about a domain, without its lock: stopped when no QEMU of ours runs, else QEMU's run
 * state. A QEMU too busy to answer (a snapshot holds its main loop) counts as running.
 */
export const inspectDomain = (domain: Domain): Effect.Effect<DomainInfo> =>
  Effect.gen(function* () {
    const name = domain.definition.spec.name
    const session = domain.session
    if (!session || session.isGone() || !isOurQemu(session.pid, session.paths.pidfile)) {
      return { name, power: "stopped" as const }
    }
    const status = yield* session.monitor("inspect").pipe(
      Effect.flatMap((monitor) => queryStatus(monitor)),
      Effect.map((reply) => powerOfStatus[reply.status] ?? "paused"),
      Effect.orElseSucceed((): PowerState => "running"),
    )
    return { name, power: status, pid: session.pid }
  })

export const makeLifecycle = (domains: Domains) => {
  const { errors, settings } = domains

  const define = Effect.fn("QemuDriver.define")(function* (input: VmSpec) {
    const spec = yield* Schema.decodeUnknownEffect(VmSpec)(input).pipe(
      Effect.mapError((issue) => errors.invalid("define", `invalid spec: ${issue.message}`)),
    )
    const problems = argvProblems(spec, settings.runtimeFor(spec.name))
    if (problems.length > 0) return yield* errors.invalid("define", problems.join("; "))
    yield* domains.exclusive(spec.name)(
      Effect.gen(function* () {
        const existing = domains.find(spec.name)
        if (existing && (yield* domains.live(existing))) {
          return yield* errors.wrongPower("define", spec.name, "running")
        }
        if (existing && existing.definition.spec.uuid !== spec.uuid) {
          return yield* errors.invalid(
            "define",
            `${spec.name} already exists with uuid ${existing.definition.spec.uuid}`,
          )
        }
        // A memory snapshot to resume only fits the hardware it was taken on.
        const unchanged = existing !== undefined && isDeepStrictEqual(existing.definition.spec, spec)
        yield* domains.save("define", { spec, resumeSnapshot: unchanged ? existing.definition.resumeSnapshot : null })
      }),
    )
  })

  const undefine = Effect.fn("QemuDriver.undefine")(function* (name: string) {
    yield* domains.exclusive(name)(
      Effect.gen(function* () {
        const domain = domains.find(name)
        if (!domain) return
        if (yield* domains.live(domain)) return yield* errors.wrongPower("undefine", name, "running")
        yield* domains.forget("undefine", name)
        yield* Effect.promise(() => rm(settings.runtimeFor(name).runDir, { recursive: true, force: true }))
      }),
    )
  })

  const inspect = Effect.fn("QemuDriver.inspect")(function* (name: string) {
    return yield* inspectDomain(yield* domains.get("inspect", name))
  })

  const list = Effect.fn("QemuDriver.list")(function* () {
    return yield* Effect.forEach(domains.all(), inspectDomain, { concurrency: "unbounded" })
  })

  return { define, undefine, inspect, list }
}
