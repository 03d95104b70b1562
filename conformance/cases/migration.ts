import { join } from "node:path"
import { Cause, Effect, Fiber, Stream } from "effect"
import type { Driver, MigrationStorage } from "../../core/driver/driver.ts"
import type { VmSpec } from "../../core/driver/spec.ts"
import { defineCase } from "../case.ts"
import type { CaseContext, TestVm } from "../context.ts"
import { check, fail } from "../failure.ts"
import { waitUntil } from "../wait.ts"
import { markGuest } from "./lifecycle.ts"

type Migration = NonNullable<Driver["migration"]>

/** The run's instance as the source, and an instance on the second host as the target; both must have the group. */
const hosts = (t: CaseContext) =>
  Effect.gen(function* () {
    const factory = t.config.migrationTarget
    if (!factory) return yield* fail("the driver declares liveMigration but the config has no migrationTarget")
    const source = t.driver.migration
    if (!source) return yield* fail("the driver declares liveMigration but has no driver.migration")
    const target = yield* t.step("build the target host's instance", factory)
    if (!target.migration) return yield* fail("the target instance has no driver.migration")
    return { source, target, targetMigration: target.migration }
  })

/** The spec the target defines: for local storage the writable disks at new paths, made first on the target. */
const targetSpecOf = (t: CaseContext, target: Driver, vm: TestVm, storage: MigrationStorage) =>
  Effect.gen(function* () {
    if (storage === "shared") return vm.spec
    const disks = []
    for (const disk of vm.spec.disks) {
      if (disk.readonly) {
        disks.push(disk)
        continue
      }
      const path = join(t.tracker.runDir, `${vm.name}-${disk.id}-target.qcow2`)
      t.tracker.volume(path)
      yield* t.step(
        `create ${path} on the target`,
        target.volumes.create({ path, format: "qcow2", sizeGiB: t.config.systemDiskGiB }),
      )
      yield* Effect.addFinalizer(() => Effect.ignore(target.volumes.remove(path)))
      disks.push({ ...disk, path })
    }
    const spec: VmSpec = { ...vm.spec, disks }
    return spec
  })

/** The target forgets whatever the case left there (a domain running or incoming), whatever happened. */
const cleanTarget = (target: Driver, migration: Migration, name: string) =>
  Effect.addFinalizer(() =>
    Effect.gen(function* () {
      yield* Effect.ignore(migration.abortIncoming(name))
      yield* Effect.ignore(target.shutdown(name, { force: true, timeoutMs: 0 }))
      yield* Effect.ignore(target.undefine(name))
    }),
  )

const successCase = (storage: MigrationStorage) =>
  defineCase({
    id: `migration.${storage}-storage`,
    capability: "liveMigration",
    title: `a running guest moves to the other host with ${storage} storage: RAM and disk markers read back there (no reboot), the source no longer has it`,
    run: (t) =>
      Effect.gen(function* () {
        const { source, target, targetMigration } = yield* hosts(t)
        // The shared guest if one runs (its last use: it moves away), else a new one.
        const vm = yield* t.vm({ start: true, adoptShared: true })
        const marks = yield* markGuest(t, vm.name, `moved-${storage}`)
        const spec = yield* targetSpecOf(t, target, vm, storage)
        yield* cleanTarget(target, targetMigration, vm.name)
        const endpoint = yield* t.step(
          "prepare incoming on the target",
          targetMigration.prepareIncoming(spec, { storage, listenHost: t.config.migrationHost }),
        )
        yield* t.step("send from the source", source.send(vm.name, endpoint, { storage }), t.config.timeouts.caseMs)
        yield* t.step("finish on the target", targetMigration.finishIncoming(vm.name))
        yield* t.step("release the source", source.release(vm.name))
        const sourceList = yield* t.step("list on the source", t.driver.list())
        yield* check(!sourceList.some((d) => d.name === vm.name), `the source still lists ${vm.name} after release`)
        yield* check((yield* t.power(vm.name, target)) === "running", `${vm.name} is not running on the target`)
        const ram = yield* t.guest(
          "read the RAM marker on the target",
          (p, on) => p.read(on, vm.name, marks.ram),
          target,
        )
        yield* check(
          ram === `moved-${storage}`,
          `the RAM marker on the target holds ${String(ram)}: the guest restarted`,
        )
        const disk = yield* t.guest("read the disk marker", (p, on) => p.read(on, vm.name, marks.disk), target)
        yield* check(disk === `moved-${storage}`, `the disk marker on the target holds ${String(disk)}`)
      }),
  })

/**
 * After a send that failed: the target's side aborted, the guest still running on the source with its RAM (no
 * reboot), the target listing no such domain and its process gone.
 */
const ranOnAtSource = (
  t: CaseContext,
  { source, target, targetMigration }: { source: Migration; target: Driver; targetMigration: Migration },
  name: string,
  seen: { marks: { readonly ram: string; readonly tag: string }; pid: number | undefined; eventsFrom: number },
) =>
  Effect.gen(function* () {
    yield* t.step("abort on the target", targetMigration.abortIncoming(name))
    const power = yield* t.power(name)
    // What the driver said about the guest meanwhile (an exit names its cause there): the evidence of a failure.
    const said = t.events
      .since(seen.eventsFrom, [name])
      .map((event) => `${event.kind}: ${event.detail}`)
      .join("; ")
    yield* check(power === "running", `${name} is ${power} on the source, not running (its events: ${said || "none"})`)
    yield* t.step("roll back on the source (a no-op: it never stopped running)", source.rollback(name))
    const ram = yield* t.guest("read the RAM marker on the source", (p, on) => p.read(on, name, seen.marks.ram))
    yield* check(ram === seen.marks.tag, `the RAM marker on the source holds ${String(ram)}: the guest restarted`)
    const targetList = yield* t.step("list on the target", target.list())
    yield* check(!targetList.some((d) => d.name === name), `the target still lists ${name}`)
    if (seen.pid !== undefined) {
      const gone = seen.pid
      yield* waitUntil(
        `the target's process ${gone} to end`,
        Effect.suspend(() => (processAlive(gone) ? fail("it still runs") : Effect.void)),
        { timeoutMs: t.config.timeouts.operationMs, pollMs: t.config.timeouts.pollMs },
      )
    }
  })

/**
 * Before a local-storage send that must fail: both hosts, the shared guest (the send leaves it running on the source,
 * as it was) with RAM and disk markers named after the case (`tag`), the target cleaned whatever happens, and the spec
 * it will receive.
 */
const beforeAFailingSend = (t: CaseContext, tag: string) =>
  Effect.gen(function* () {
    const both = yield* hosts(t)
    const vm = yield* t.vm({ shared: true })
    const eventsFrom = t.events.mark()
    const marks = { ...(yield* markGuest(t, vm.name, tag)), tag }
    yield* cleanTarget(both.target, both.targetMigration, vm.name)
    const spec = yield* targetSpecOf(t, both.target, vm, "local")
    return { ...both, vm, eventsFrom, marks, spec }
  })

/** The target's incoming QEMU, if the driver reports one (its process must end with the failed send). */
const incomingPid = (target: Driver, name: string) =>
  Effect.map(Effect.option(target.inspect(name)), (info) => (info._tag === "Some" ? info.value.pid : undefined))

/** Starts a send, waits for its first progress sample, does `interrupt`; the send must fail and the source run on. */
const failedMidway = (
  id: string,
  title: string,
  interrupt: (source: Migration, target: Migration, name: string) => Effect.Effect<void, unknown>,
) =>
  defineCase({
    id,
    capability: "liveMigration",
    title,
    run: (t) =>
      Effect.gen(function* () {
        const { source, target, targetMigration, vm, eventsFrom, marks, spec } = yield* beforeAFailingSend(
          t,
          `stays-${id}`,
        )
        const firstSample = yield* Effect.forkScoped(
          Stream.runHead(Stream.filter(source.progress, (sample) => sample.name === vm.name)),
        )
        yield* Effect.sleep(t.config.timeouts.subscribeMs)
        const endpoint = yield* t.step(
          "prepare incoming on the target",
          targetMigration.prepareIncoming(spec, { storage: "local", listenHost: t.config.migrationHost }),
        )
        const pid = yield* incomingPid(target, vm.name)
        const sending = yield* Effect.forkScoped(
          Effect.exit(source.send(vm.name, endpoint, { storage: "local", mode: "precopy" })),
        )
        yield* Fiber.join(firstSample).pipe(
          Effect.timeoutOrElse({ duration: t.config.timeouts.operationMs, orElse: () => fail("no progress sample") }),
        )
        // Whether the interruption itself answers matters less than what it does to the send, checked next.
        yield* Effect.ignore(interrupt(source, targetMigration, vm.name))
        const outcome = yield* Fiber.join(sending)
        if (outcome._tag === "Success") return yield* fail("send succeeded although it was interrupted mid-way")
        yield* ranOnAtSource(t, { source, target, targetMigration }, vm.name, { marks, pid, eventsFrom })
      }),
  })

/** R9 H2: a local-storage send whose disks cannot be copied within its deadline fails, and the source runs on. */
const diskDeadlineCase = defineCase({
  id: "migration.disk-deadline",
  capability: "liveMigration",
  title:
    "a local-storage send whose disk copy misses its diskSyncTimeoutMs (1 ms) fails saying so; the guest keeps running on the source (no reboot), nothing stays on the target",
  run: (t) =>
    Effect.gen(function* () {
      const { source, target, targetMigration, vm, eventsFrom, marks, spec } = yield* beforeAFailingSend(
        t,
        "stays-disk-deadline",
      )
      const endpoint = yield* t.step(
        "prepare incoming on the target",
        targetMigration.prepareIncoming(spec, { storage: "local", listenHost: t.config.migrationHost }),
      )
      const pid = yield* incomingPid(target, vm.name)
      const outcome = yield* Effect.exit(
        source.send(vm.name, endpoint, { storage: "local", mode: "precopy", diskSyncTimeoutMs: 1 }),
      ).pipe(Effect.timeoutOrElse({ duration: t.config.timeouts.caseMs, orElse: () => fail("the send never ended") }))
      if (outcome._tag === "Success") return yield* fail("the send succeeded although its disk deadline was 1 ms")
      const said = String(Cause.squash(outcome.cause))
      yield* check(/did not converge/.test(said), `the send failed for another reason than its deadline: ${said}`)
      yield* ranOnAtSource(t, { source, target, targetMigration }, vm.name, { marks, pid, eventsFrom })
    }),
})

const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * The failed sends first, on the shared guest (each gives it back running on the source), then the moves: the first
 * adopts the shared guest (it leaves for the target), the second boots its own.
 */
export const migrationCases = [
  failedMidway(
    "migration.cancel",
    "a send cancelled mid-way fails; the guest keeps running on the source (no reboot), nothing stays on the target",
    (source, _target, name) => source.cancel(name),
  ),
  failedMidway(
    "migration.target-failure",
    "the target going away mid-way fails the send; the guest keeps running on the source, no process stays on the target",
    (_source, target, name) => target.abortIncoming(name),
  ),
  diskDeadlineCase,
  successCase("shared"),
  successCase("local"),
]
