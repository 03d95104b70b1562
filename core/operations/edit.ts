import { Effect } from "effect"
import { keyringOf } from "../auth/sealing-keys.ts"
import { openSecret } from "../auth/secrets.ts"
import { HostConfig } from "../config.ts"
import { InvalidInput } from "../errors.ts"
import type { Task, Vm } from "../model/index.ts"
import type { Operation } from "../model/operation.ts"
import type { Actor, VmContext } from "../rules/context.ts"
import type { HaPriorityContext, ReclaimDateContext, RenameContext } from "../rules/regular.ts"
import { regularRules } from "../rules/regular.ts"
import type { Rule } from "../rules/rule.ts"
import { Store } from "../store/ports.ts"
import { now } from "./clock.ts"
import { runVmOperation } from "./run-vm-operation.ts"
import type { OperationError, OperationServices, RecordWork, VmOperation } from "./vm-operation.ts"

type VmPatch = Parameters<Store["Service"]["vms"]["update"]>[1]
interface Patched {
  readonly patch: VmPatch
}
type Edit<I, C extends VmContext> = VmOperation<"full", I, C & Patched, void, RecordWork<C & Patched, void, Vm>>

/**
 * A change to the VM's record alone, still a task (G4): its rules checked, then again under the VM's lock on the
 * fresh record, the patch written against that record's version, the outcome recorded.
 */
const recordEdit = <I, C extends VmContext>(
  operation: Operation,
  rules: ReadonlyArray<Rule<C>>,
  context: (base: VmContext, input: I) => Effect.Effect<C & Patched>,
  params: (input: I) => unknown,
): Edit<I, C> => ({
  operation,
  reads: "full",
  context,
  rules,
  task: (_, input) => ({ params: params(input) }),
  work: {
    kind: "record",
    write: (context, _) => Store.use((store) => store.vms.update(context.vm.id, context.patch, context.vm.version)),
  },
})

/** The checked context carries the edit's patch: the write is exactly what was checked. */
const withPatch = <C extends VmContext>(context: C, patch: VmPatch): C & Patched => ({ ...context, patch })

/** R2: a new display name (duplicates allowed); the hostname never changes. */
export const renameOperation = recordEdit<string, RenameContext>(
  "vm.rename",
  regularRules.rename,
  (base, name) => Effect.succeed(withPatch({ ...base, name }, { displayName: name })),
  (name) => ({ name }),
)

/** R4: the remarks. */
export const remarksOperation = recordEdit<string, VmContext>(
  "vm.remarks",
  regularRules.remarks,
  (base, remarks) => Effect.succeed(withPatch({ ...base }, { remarks })),
  (remarks) => ({ remarks }),
)

/** R5: the reclaim date, or null for "never reclaimed". */
export const reclaimDateOperation = recordEdit<Date | null, ReclaimDateContext>(
  "vm.reclaim-date",
  regularRules["reclaim-date"],
  (base, reclaimAt) => Effect.map(now, (at) => withPatch({ ...base, reclaimAt, now: at }, { reclaimAt })),
  (reclaimAt) => ({ reclaimAt }),
)

/** R12: HA on or off. */
export const haOperation = recordEdit<boolean, VmContext>(
  "vm.ha",
  regularRules.ha,
  (base, enabled) => Effect.succeed(withPatch({ ...base }, { haEnabled: enabled })),
  (enabled) => ({ enabled }),
)

/** R7: deletion protection on or off (superadmin only). */
export const deletionProtectionOperation = recordEdit<boolean, VmContext>(
  "vm.deletion-protection",
  regularRules["deletion-protection"],
  (base, enabled) => Effect.succeed(withPatch({ ...base }, { deletionProtected: enabled })),
  (enabled) => ({ enabled }),
)

const taskOf = <A>(run: Effect.Effect<{ readonly task: Task; readonly value: A }, OperationError, OperationServices>) =>
  Effect.map(run, ({ task }) => task)

/** R2 */
export const renameVm = (actor: Actor, vmId: string, name: string) =>
  taskOf(runVmOperation(renameOperation, actor, vmId, name))

/** R4: edit the remarks. */
export const setRemarks = (actor: Actor, vmId: string, remarks: string) =>
  remarks.length > 1000
    ? Effect.fail(new InvalidInput({ message: "Remarks are at most 1000 characters" }))
    : taskOf(runVmOperation(remarksOperation, actor, vmId, remarks))

/** R5 */
export const setReclaimDate = (actor: Actor, vmId: string, reclaimAt: Date | null) =>
  taskOf(runVmOperation(reclaimDateOperation, actor, vmId, reclaimAt))

/** R12 */
export const setHa = (actor: Actor, vmId: string, enabled: boolean) =>
  taskOf(runVmOperation(haOperation, actor, vmId, enabled))

/** R7 */
export const setDeletionProtection = (actor: Actor, vmId: string, enabled: boolean) =>
  taskOf(runVmOperation(deletionProtectionOperation, actor, vmId, enabled))

/** R6: the VM's password, for VMs installed from an image, while running or stopped. Each reading is a task. */
export const showPasswordOperation: VmOperation<
  "full",
  void,
  VmContext,
  void,
  RecordWork<VmContext, void, string | null>
> = {
  operation: "vm.show-password",
  reads: "full",
  context: (base) => Effect.succeed(base),
  rules: regularRules["show-password"],
  task: () => ({}),
  work: {
    kind: "record",
    write: ({ vm }) =>
      Effect.gen(function* () {
        const config = yield* HostConfig
        const sealed = vm.passwordCipher
        // #16: a seal this agent holds no key for fails typed (SecretUnreadable, 409), naming the key; never garbage.
        return sealed === null ? null : yield* openSecret(keyringOf(config), sealed)
      }),
    // The record says who read a password and when, never the password.
    result: () => null,
  },
}

/** R6: read the VM's password; the task records the reading, not the password. */
export const showPassword = (actor: Actor, vmId: string) =>
  Effect.map(runVmOperation(showPasswordOperation, actor, vmId, undefined), ({ task, value }) => ({
    password: value,
    task,
  }))

/** A patch of several record fields (R2, R4, R5, R12, R7); at least one. */
export interface VmEdit {
  readonly displayName?: string
  readonly remarks?: string
  readonly reclaimAt?: Date | null
  readonly haEnabled?: boolean
  /** R12: the HA restart priority (0–100). */
  readonly haPriority?: number
  readonly deletionProtected?: boolean
}

type EditContext = RenameContext & ReclaimDateContext & HaPriorityContext

/**
 * The rules of the fields present, in the documented order (displayName, remarks, reclaimAt, ha, HA priority,
 * protection).
 */
const editRulesOf = (edit: VmEdit): ReadonlyArray<Rule<EditContext>> => {
  const lists: Array<ReadonlyArray<Rule<EditContext>>> = []
  if (edit.displayName !== undefined) lists.push(regularRules.rename)
  if (edit.remarks !== undefined) lists.push(regularRules.remarks)
  if (edit.reclaimAt !== undefined) lists.push(regularRules["reclaim-date"])
  if (edit.haEnabled !== undefined) lists.push(regularRules.ha)
  if (edit.haPriority !== undefined) lists.push(regularRules["ha-priority"])
  if (edit.deletionProtected !== undefined) lists.push(regularRules["deletion-protection"])
  return [...new Set(lists.flat())]
}

/**
 * Several record edits as one operation: every present field's rules checked (then again under the lock), one
 * task, one write. A refusal names its rule and nothing is applied.
 */
export const editOperation = (edit: VmEdit): Edit<VmEdit, EditContext> => {
  const { displayName, remarks, reclaimAt, haEnabled, haPriority, deletionProtected } = edit
  const patch: VmPatch = {
    ...(displayName === undefined ? {} : { displayName }),
    ...(remarks === undefined ? {} : { remarks }),
    ...(reclaimAt === undefined ? {} : { reclaimAt }),
    ...(haEnabled === undefined ? {} : { haEnabled }),
    ...(haPriority === undefined ? {} : { haPriority }),
    ...(deletionProtected === undefined ? {} : { deletionProtected }),
  }
  return recordEdit<VmEdit, EditContext>(
    "vm.edit",
    editRulesOf(edit),
    (base, input) =>
      Effect.map(now, (at) =>
        withPatch(
          {
            ...base,
            name: input.displayName ?? base.vm.displayName,
            reclaimAt: input.reclaimAt ?? null,
            now: at,
            haChoice: { haEnabled: input.haEnabled ?? base.vm.haEnabled, haPriority: input.haPriority },
          },
          patch,
        ),
      ),
    (input) => input,
  )
}

/** R2 R4 R5 R7 R12 in one: returns the VM after the edit and its task. */
export const editVm = (actor: Actor, vmId: string, edit: VmEdit) =>
  edit.remarks !== undefined && edit.remarks.length > 1000
    ? Effect.fail(new InvalidInput({ message: "Remarks are at most 1000 characters" }))
    : Effect.map(runVmOperation(editOperation(edit), actor, vmId, edit), ({ task, value }) => ({ task, vm: value }))
