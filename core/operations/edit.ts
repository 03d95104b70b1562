import { Effect, Exit } from "effect"
import { decryptSecret } from "../auth/secrets.ts"
import { HostConfig } from "../config.ts"
import { InvalidInput } from "../errors.ts"
import type { Operation } from "../model/operation.ts"
import type { Actor, VmContext } from "../rules/context.ts"
import { regularRules } from "../rules/regular.ts"
import { checkRules, type Rule } from "../rules/rule.ts"
import { Store } from "../store/ports.ts"
import { now } from "./clock.ts"
import { beginTask, finishTask } from "./tasks.ts"
import { loadVisibleVm, vmContext } from "./vm-context.ts"
import { VmLocks } from "./vm-lock.ts"
import { scopeOf } from "./vm-state.ts"

type VmPatch = Parameters<Store["Service"]["vms"]["update"]>[1]

interface RecordEdit<C extends VmContext> {
  readonly operation: Operation
  readonly rules: ReadonlyArray<Rule<C>>
  readonly context: (base: VmContext) => C
  readonly patch: VmPatch
  readonly params: unknown
}

/**
 * A change to the VM's record alone, still a task (G4): check the rules, hold the VM's lock, write the patch
 * against the version that was checked, record the outcome. Returns the finished task.
 */
const editRecord = <C extends VmContext>(actor: Actor, vmId: string, edit: RecordEdit<C>) =>
  Effect.gen(function* () {
    const locks = yield* VmLocks
    const store = yield* Store
    const vm = yield* loadVisibleVm(actor, vmId)
    const context = edit.context(yield* vmContext(actor, vm))
    yield* checkRules(edit.operation, edit.rules, context)
    yield* locks.acquire(edit.operation, context)
    return yield* Effect.gen(function* () {
      const scope = scopeOf(vm)
      const task = yield* beginTask({ operation: edit.operation, actor, scope, vmId, params: edit.params })
      const exit = yield* Effect.exit(store.vms.update(vmId, edit.patch, vm.version))
      return yield* finishTask(task, scope, exit)
    }).pipe(Effect.ensuring(locks.release(vmId)))
  })

/** R2: a new display name (duplicates allowed); the hostname never changes. */
export const renameVm = Effect.fn("operations.renameVm")(function* (actor: Actor, vmId: string, name: string) {
  return yield* editRecord(actor, vmId, {
    operation: "vm.rename",
    rules: regularRules.rename,
    context: (base) => ({ ...base, name }),
    patch: { displayName: name },
    params: { name },
  })
})

/** R4: edit the remarks. */
export const setRemarks = Effect.fn("operations.setRemarks")(function* (actor: Actor, vmId: string, remarks: string) {
  if (remarks.length > 1000) return yield* new InvalidInput({ message: "Remarks are at most 1000 characters" })
  return yield* editRecord(actor, vmId, {
    operation: "vm.remarks",
    rules: regularRules.remarks,
    context: (base) => base,
    patch: { remarks },
    params: { remarks },
  })
})

/** R5: the reclaim date, or null for "never reclaimed". */
export const setReclaimDate = Effect.fn("operations.setReclaimDate")(function* (
  actor: Actor,
  vmId: string,
  reclaimAt: Date | null,
) {
  const at = yield* now
  return yield* editRecord(actor, vmId, {
    operation: "vm.reclaim-date",
    rules: regularRules["reclaim-date"],
    context: (base) => ({ ...base, reclaimAt, now: at }),
    patch: { reclaimAt },
    params: { reclaimAt },
  })
})

/** R12: HA on or off. */
export const setHa = Effect.fn("operations.setHa")(function* (actor: Actor, vmId: string, enabled: boolean) {
  return yield* editRecord(actor, vmId, {
    operation: "vm.ha",
    rules: regularRules.ha,
    context: (base) => base,
    patch: { haEnabled: enabled },
    params: { enabled },
  })
})

/** R7: deletion protection on or off (superadmin only). */
export const setDeletionProtection = Effect.fn("operations.setDeletionProtection")(function* (
  actor: Actor,
  vmId: string,
  enabled: boolean,
) {
  return yield* editRecord(actor, vmId, {
    operation: "vm.deletion-protection",
    rules: regularRules["deletion-protection"],
    context: (base) => base,
    patch: { deletionProtected: enabled },
    params: { enabled },
  })
})

/** R6: the VM's password, for VMs installed from an image, while running or stopped. Each reading is a task. */
export const showPassword = Effect.fn("operations.showPassword")(function* (actor: Actor, vmId: string) {
  const config = yield* HostConfig
  const vm = yield* loadVisibleVm(actor, vmId)
  const context = yield* vmContext(actor, vm)
  yield* checkRules("vm.show-password", regularRules["show-password"], context)
  const scope = scopeOf(vm)
  const task = yield* beginTask({ operation: "vm.show-password", actor, scope, vmId })
  const sealed = vm.passwordCipher
  const opened = yield* Effect.exit(
    sealed === null
      ? Effect.succeed(null)
      : // A seal this agent's key cannot open is a misconfiguration (a defect), not the caller's mistake.
        Effect.sync(() => decryptSecret(config.secretKey, sealed)),
  )
  // The record says who read a password and when, never the password.
  const finished = yield* finishTask(task, scope, Exit.isSuccess(opened) ? Exit.void : opened)
  if (Exit.isFailure(opened)) return yield* Effect.failCause(opened.cause)
  return { password: opened.value, task: finished }
})
