import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { useCore } from "../../test-support/core.ts"
import { NotFound, RuleViolation } from "../errors.ts"
import type { Vm } from "../model/vm.ts"
import type { Actor, VmRecordContext } from "../rules/context.ts"
import { Store } from "../store/ports.ts"
import { sampleRows } from "../store/testing/sample-rows.ts"
import { storeBackends } from "../store/testing.ts"
import { allowedActions } from "./allowed-actions.ts"
import { backupDiskOperation } from "./backups/backup.ts"
import { consoleOperation } from "./console.ts"
import { deleteOperation, destroyOperation, purgeOperation, restoreOperation } from "./delete.ts"
import {
  deletionProtectionOperation,
  haOperation,
  reclaimDateOperation,
  remarksOperation,
  renameOperation,
  showPasswordOperation,
} from "./edit.ts"
import { powerOperations } from "./power.ts"
import { previewBase, previewVmOperation } from "./preview.ts"
import { runVmOperation } from "./run-vm-operation.ts"
import { createSnapshotOperation } from "./snapshots/create.ts"
import { rollbackSnapshotOperation } from "./snapshots/rollback.ts"
import { seedVm, type World } from "./testing/world.ts"
import { VmLocks } from "./vm-lock.ts"
import type { OperationError, OperationServices, Reads, VmOperation } from "./vm-operation.ts"

type AnyOperation = VmOperation<Reads, unknown, VmRecordContext, unknown, never>
interface Declared {
  readonly declaration: AnyOperation
  /** Inputs to try: a valid one first, then ones that break the operation's input rules. */
  readonly inputs: ReadonlyArray<unknown>
}
const declared = (declaration: unknown, ...inputs: ReadonlyArray<unknown>): Declared => ({
  declaration: declaration as AnyOperation,
  inputs: inputs.length === 0 ? [undefined] : inputs,
})

const day = 24 * 3600 * 1000
/** Every declaration of an operation on one VM, with its inputs. */
const declarations: ReadonlyArray<Declared> = [
  declared(powerOperations.start, {}),
  declared(powerOperations.stop, {}, { batch: true, detachDevices: true }),
  declared(powerOperations["force-stop"], {}, { batch: true, detachDevices: true }),
  declared(powerOperations.reboot, {}),
  declared(powerOperations["force-reboot"], {}),
  declared(deleteOperation, {}),
  declared(destroyOperation, {}),
  declared(purgeOperation(false), {}),
  declared(restoreOperation),
  declared(renameOperation, "web_02", "x"),
  declared(remarksOperation, "a remark"),
  declared(reclaimDateOperation, new Date(Date.now() + 30 * day), new Date(Date.now() - day)),
  declared(haOperation, true),
  declared(deletionProtectionOperation, true),
  declared(showPasswordOperation),
  declared(consoleOperation, "vnc", "serial"),
]

type Who = keyof World["actors"]
interface Situation {
  readonly name: string
  readonly vm: Partial<Vm>
  readonly actor: Who
  /** The VM was installed from an image whose password the platform does not manage. */
  readonly unmanagedImage?: boolean
  /** Another operation holds the VM's lock. */
  readonly locked?: boolean
}
const situations: ReadonlyArray<Situation> = [
  { name: "stopped, owner", vm: { state: "stopped" }, actor: "owner" },
  { name: "running, owner", vm: { state: "running" }, actor: "owner" },
  { name: "error, owner", vm: { state: "error" }, actor: "owner" },
  { name: "error, admin", vm: { state: "error" }, actor: "admin" },
  { name: "starting, owner", vm: { state: "starting" }, actor: "owner" },
  { name: "stopped, locked, superadmin", vm: { state: "stopped" }, actor: "superadmin", locked: true },
  { name: "protected, superadmin", vm: { state: "stopped", deletionProtected: true }, actor: "superadmin" },
  { name: "recycled, owner", vm: { state: "stopped", recycledAt: new Date() }, actor: "owner" },
  { name: "recycled, admin", vm: { state: "stopped", recycledAt: new Date() }, actor: "admin" },
  { name: "recycled, superadmin", vm: { state: "stopped", recycledAt: new Date() }, actor: "superadmin" },
  {
    name: "recycled, locked, superadmin",
    vm: { state: "stopped", recycledAt: new Date() },
    actor: "superadmin",
    locked: true,
  },
  {
    name: "recycled, protected, admin",
    vm: { state: "stopped", recycledAt: new Date(), deletionProtected: true },
    actor: "admin",
  },
  { name: "unmanaged image, owner", vm: { state: "stopped" }, actor: "owner", unmanagedImage: true },
  { name: "stopped, no password, owner", vm: { state: "stopped", passwordCipher: null }, actor: "owner" },
]

/** Rules no VM state can meet: deletion starts from every stable state, and vm-busy refuses the transient ones first. */
const unreachable: Readonly<Record<string, ReadonlyArray<string>>> = {
  "vm.delete": ["lifecycle-state"],
  "vm.destroy": ["lifecycle-state"],
  "vm.purge": ["lifecycle-state"],
  /** The fake driver offers both consoles (core/rules/console.test.ts refuses what a driver lacks); never vm-busy. */
  "vm.console": ["console-unsupported"],
}

/** A run refused by a rule, or (rule "not-found") by naming an item the VM does not have. */
type Outcome = { readonly refused: false } | { readonly refused: true; readonly rule: string }

/** Run it for real; a refusal is a RuleViolation before anything is recorded. Waits for background work. */
const runOutcome = (op: AnyOperation, actor: Actor, vmId: string, input: unknown) =>
  Effect.gen(function* () {
    const run = runVmOperation(op as never, actor, vmId, input) as Effect.Effect<
      unknown,
      OperationError,
      OperationServices
    >
    const exit = yield* Effect.exit(run)
    if (exit._tag === "Success") {
      const handle = exit.value as { readonly done?: Effect.Effect<unknown, unknown> }
      if (handle.done) yield* Effect.ignore(handle.done)
      return { refused: false } satisfies Outcome
    }
    const error = exit.cause.reasons.find((r) => r._tag === "Fail")
    const failure = error?._tag === "Fail" ? error.error : undefined
    if (failure instanceof RuleViolation) return { refused: true, rule: failure.rule } satisfies Outcome
    if (failure instanceof NotFound) return { refused: true, rule: "not-found" } satisfies Outcome
    return { refused: false } satisfies Outcome
  })

const unmanagedImage = (world: World) =>
  Store.use((store) => store.images.insert({ ...world.image, id: randomUUID(), passwordManaged: false }))

const backend = storeBackends.find((b) => b.skip === false)
describe("preview = the run's refusal, for every rule of every declared operation", { skip: !backend }, () => {
  if (!backend) return
  const core = useCore(backend)

  it("G4 D1–D4 table: in every situation, preview and run refuse with the same rule or both proceed; every rule is met", async () => {
    const met = new Map<string, Set<string>>()
    const mismatches: Array<string> = []
    for (const { declaration, inputs } of declarations) {
      const seen = met.get(declaration.operation) ?? new Set<string>()
      met.set(declaration.operation, seen)
      for (const situation of situations) {
        for (const input of inputs) {
          const imageId = situation.unmanagedImage
            ? (await core.run(unmanagedImage(core.world))).id
            : core.world.image.id
          const vm = await core.run(seedVm(core.world, { ...situation.vm, imageId }))
          const actor = core.world.actors[situation.actor]
          const holder = core.world.actors.superadmin
          if (situation.locked) {
            await core.run(VmLocks.use((locks) => locks.acquire("vm.ha", { actor: holder, vm })))
          }
          const preview = await core.run(previewVmOperation(actor, vm, declaration, input))
          const outcome = await core.run(runOutcome(declaration, actor, vm.id, input))
          if (situation.locked) await core.run(VmLocks.use((locks) => locks.release(vm.id)))
          const previewed = preview.allowed ? "allowed" : preview.rule
          const ran = outcome.refused ? outcome.rule : "allowed"
          if (!preview.allowed) seen.add(preview.rule)
          if (previewed !== ran) {
            mismatches.push(
              `${declaration.operation} (${situation.name}, ${JSON.stringify(input)}): preview ${previewed}, run ${ran}`,
            )
          }
        }
      }
    }
    assert.deepEqual(mismatches, [])
    for (const { declaration } of declarations) {
      const names = new Set(declaration.rules.map((rule) => rule.name))
      if (declaration.locks !== false) names.add("vm-busy")
      for (const name of unreachable[declaration.operation] ?? []) names.delete(name)
      const missing = [...names].filter((name) => !met.get(declaration.operation)?.has(name))
      assert.deepEqual(missing, [], `${declaration.operation}: rules no situation refused with`)
    }
  })

  it("P1 P4 V4 F9 allowedActions' snapshot, snapshot-rollback and disk-backup (no item chosen) refuse as the run does", async () => {
    const superadmin = core.world.actors.superadmin
    const actions = ["snapshot-rollback", "disk-backup", "snapshot"] as const
    interface ItemSituation {
      readonly name: string
      readonly vm: Partial<Vm>
      readonly has?: "snapshot" | "snapshot-schedule" | "backup"
      readonly locked?: boolean
      /** The verdict of each action, in the order of `actions`. */
      readonly expected: readonly [string, string, string]
      /** The run's answer where it differs: a VM without snapshots has none to name, so the call finds none (404). */
      readonly ran?: readonly [string, string, string]
    }
    const stopped: Partial<Vm> = { state: "stopped" }
    const running: Partial<Vm> = { state: "running" }
    const cases: ReadonlyArray<ItemSituation> = [
      {
        name: "stopped",
        vm: stopped,
        expected: ["snapshot-exists", "allowed", "allowed"],
        ran: ["not-found", "allowed", "allowed"],
      },
      { name: "stopped, a snapshot", vm: stopped, has: "snapshot", expected: ["allowed", "no-snapshots", "allowed"] },
      {
        name: "running, a snapshot",
        vm: running,
        has: "snapshot",
        expected: ["stopped-only", "no-snapshots", "allowed"],
      },
      {
        name: "running, a snapshot schedule",
        vm: running,
        has: "snapshot-schedule",
        expected: ["stopped-only", "no-snapshot-schedules", "allowed"],
      },
      {
        name: "stopped, a backup",
        vm: stopped,
        has: "backup",
        expected: ["snapshot-exists", "allowed", "no-backups"],
        ran: ["not-found", "allowed", "no-backups"],
      },
      { name: "error", vm: { state: "error" }, expected: ["stopped-only", "allowed", "running-or-stopped"] },
      {
        name: "recycled",
        vm: { state: "stopped", recycledAt: new Date() },
        expected: ["not-recycled", "not-recycled", "not-recycled"],
      },
      // the rules first, then the lock: no snapshot is the first thing wrong with a rollback
      {
        name: "stopped, locked",
        vm: stopped,
        locked: true,
        expected: ["snapshot-exists", "vm-busy", "vm-busy"],
        ran: ["not-found", "vm-busy", "vm-busy"],
      },
      {
        name: "stopped, a snapshot, locked",
        vm: stopped,
        has: "snapshot",
        locked: true,
        expected: ["vm-busy", "no-snapshots", "vm-busy"],
      },
    ]
    const mismatches: Array<string> = []
    for (const situation of cases) {
      // one VM per action: a run that proceeds changes what the next would see
      for (const [index, action] of actions.entries()) {
        const vm = await core.run(seedVm(core.world, situation.vm))
        const [disk] = await core.run(Store.use((store) => store.disks.list({ vmId: vm.id })))
        assert.ok(disk)
        const snapshotOf = () => sampleRows.snapshot({ vmId: vm.id, state: "ready" })
        const snapshot =
          situation.has === "snapshot"
            ? await core.run(Store.use((store) => store.snapshots.insert(snapshotOf())))
            : undefined
        if (situation.has === "snapshot-schedule") {
          const target = { kind: "vm-snapshot", vmId: vm.id, withMemory: false } as const
          const schedule = sampleRows.schedule({ target, createdBy: core.world.users.owner.id })
          await core.run(Store.use((store) => store.schedules.insert(schedule)))
        }
        if (situation.has === "backup") {
          const backup = sampleRows.backup({ diskId: disk.id, vmId: vm.id })
          await core.run(Store.use((store) => store.backups.insert(backup)))
        }
        if (situation.locked) await core.run(VmLocks.use((locks) => locks.acquire("vm.ha", { actor: superadmin, vm })))
        const verdicts = await core.run(
          Effect.flatMap(previewBase(superadmin, vm), ({ context, locked }) =>
            allowedActions(context, { lang: "en", locked }),
          ),
        )
        const verdict = verdicts.find((entry) => entry.action === action)
        assert.ok(verdict)
        // a button stands beside a snapshot that exists: one is recorded after the preview if the VM had none and the
        // preview refused for another reason; refused for having none (F9), the call names a snapshot the VM lacks
        const noneToName = verdict.rule === "snapshot-exists"
        const rollbackTarget = async () =>
          noneToName
            ? randomUUID()
            : (snapshot ?? (await core.run(Store.use((store) => store.snapshots.insert(snapshotOf()))))).id
        const snapshotInput = { name: "taken", withMemory: false, scheduleId: null }
        const outcome =
          action === "snapshot"
            ? await core.run(runOutcome(createSnapshotOperation as never, superadmin, vm.id, snapshotInput))
            : action === "snapshot-rollback"
              ? await core.run(
                  runOutcome(rollbackSnapshotOperation as never, superadmin, vm.id, await rollbackTarget()),
                )
              : await core.run(
                  runOutcome(backupDiskOperation as never, superadmin, vm.id, { diskId: disk.id, scheduleId: null }),
                )
        if (situation.locked) await core.run(VmLocks.use((locks) => locks.release(vm.id)))
        const previewed = verdict.allowed ? "allowed" : verdict.rule
        const ran = outcome.refused ? outcome.rule : "allowed"
        if (previewed !== situation.expected[index] || ran !== (situation.ran ?? situation.expected)[index]) {
          mismatches.push(`${action} (${situation.name}): preview ${previewed}, run ${ran}`)
        }
        if (!verdict.allowed) assert.ok(verdict.message && verdict.message.length > 0)
      }
    }
    assert.deepEqual(mismatches, [])
  })
})
