import { Effect } from "effect"
import type { Lang } from "../model/common.ts"
import type { Operation } from "../model/operation.ts"
import type { VmContext, VmRecordContext } from "../rules/context.ts"
import type { RuleKind } from "../rules/rule.ts"
import { affinityOperation } from "./affinity.ts"
import { backupVmCheck } from "./backups/backup.ts"
import { capabilityRefusal, hostCapabilities } from "./capability-gate.ts"
import { changeOwnerOperation } from "./change-owner.ts"
import { cloneCheck } from "./clone-preview.ts"
import { consoleOperation } from "./console.ts"
import { createImageOperation } from "./create-image.ts"
import { deleteOperation, destroyOperation, purgeOperation, restoreOperation } from "./delete.ts"
import { deviceVmChecks } from "./devices/preview.ts"
import { createDiskOperation } from "./disks/create.ts"
import {
  deletionProtectionOperation,
  haOperation,
  reclaimDateOperation,
  remarksOperation,
  renameOperation,
  showPasswordOperation,
} from "./edit.ts"
import { loginMethodOperation, sshKeysOperation } from "./login.ts"
import { migrateCheck } from "./migrate/preview.ts"
import { joinNetworkCheck } from "./networks/nics.ts"
import { resetPasswordOperation } from "./password.ts"
import { besidesState, powerOperations, supersededOperations } from "./power.ts"
import { previewOn } from "./preview.ts"
import { reinstallOperation } from "./reinstall.ts"
import { resizeOperation } from "./resize.ts"
import { createSnapshotOperation } from "./snapshots/create.ts"
import { rollbackVmCheck } from "./snapshots/rollback.ts"
import { socketsOperation } from "./sockets.ts"
import type { ReadContext, Reads, VmCheck } from "./vm-operation.ts"

/** Whether the caller may do one action on the VM now, and if not, which rule refuses and why. */
export interface AllowedAction {
  readonly action: string
  readonly operation: Operation
  readonly allowed: boolean
  readonly rule?: string
  readonly kind?: RuleKind
  readonly message?: string
}

interface ActionEntry {
  readonly action: string
  /** The core's declaration of the operation (its checking half), with an input standing for "not chosen yet". */
  readonly check: VmCheck<Reads, never, VmContext>
  readonly input: (base: VmContext) => unknown
}

const entry = <K extends Reads, I, C extends VmRecordContext>(
  action: string,
  check: VmCheck<K, I, C>,
  input: (base: VmContext) => I,
): ActionEntry => ({
  action,
  check: check as unknown as ActionEntry["check"],
  input,
})
const none = () => undefined
const options = () => ({})

/** The actions the API offers on one VM, each with the core's declaration that decides it. */
const actions: ReadonlyArray<ActionEntry> = [
  entry("start", powerOperations.start, options),
  entry("stop", powerOperations.stop, options),
  entry("force-stop", powerOperations["force-stop"], options),
  entry("reboot", powerOperations.reboot, options),
  entry("force-reboot", powerOperations["force-reboot"], options),
  entry("delete", deleteOperation, options),
  entry("destroy", destroyOperation, options),
  entry("restore", restoreOperation, none),
  entry("purge", purgeOperation(false), options),
  entry("console", consoleOperation, none),
  // B5: each kind of console on its own, so that a console widget opens one the VM's host offers
  entry("console-vnc", consoleOperation, () => "vnc" as const),
  entry("console-serial", consoleOperation, () => "serial" as const),
  entry("rename", renameOperation, (base) => base.vm.displayName),
  entry("remarks", remarksOperation, (base) => base.vm.remarks),
  entry("reclaim-date", reclaimDateOperation, () => null),
  entry("ha", haOperation, (base) => base.vm.haEnabled),
  entry("deletion-protection", deletionProtectionOperation, (base) => base.vm.deletionProtected),
  entry("show-password", showPasswordOperation, none),
  entry("create-disk", createDiskOperation, () => ({ name: "", sizeGiB: 0 })),
  // Before a choice, the VM's own flavor and sockets stand in: their invalid-kind rules are left to the call.
  entry("resize", resizeOperation, (base) => base.vm.flavorId),
  entry("sockets", socketsOperation, (base) => base.vm.sockets),
  entry("reset-password", resetPasswordOperation, () => null),
  // R9: the host is the dialog's choice; the preview weighs the caller and the VM (migrate/preview.ts)
  entry("migrate", migrateCheck, none),
  entry("reinstall", reinstallOperation, (base) => base.vm.imageId),
  entry("create-image", createImageOperation, () => ""),
  entry("login-method", loginMethodOperation, (base) => ({ method: base.vm.loginMethod })),
  entry("ssh-keys", sshKeysOperation, () => []),
  entry("affinity", affinityOperation, () => []),
  entry("change-owner", changeOwnerOperation, (base) => base.vm.ownerId),
  // R8: the VM's own rules; quota and free addresses are the call's (clone-preview.ts)
  entry("clone", cloneCheck, none),
  // N1; a NIC's own actions (N2–N6) are previewed per NIC at GET /vms/{id}/nics
  entry("join-network", joinNetworkCheck, none),
  // P4 and V4 before the item is chosen: what the VM allows; a snapshot's or disk's own rules are left to the call
  entry("snapshot-rollback", rollbackVmCheck, none),
  // P1 without memory (the batch's snapshot): "with memory" is the caller's choice, judged by the call
  entry("snapshot", createSnapshotOperation, () => ({ name: "", withMemory: false, scheduleId: null })),
  entry("disk-backup", backupVmCheck, none),
  // D4 X1–X4: the bound-resources buttons; the device, GPU model or ISO is the dialog's choice (devices/preview.ts)
  ...Object.entries(deviceVmChecks).map(([action, check]) => entry(action, check, none)),
]

const only = (names: ReadonlyArray<string> | undefined) =>
  names === undefined ? actions : actions.filter(({ action }) => names.includes(action))

/**
 * The core's preview of each action on the VM (its declaration's rules, then vm-busy while the VM's lock is held),
 * so widgets never hard-code which actions a state allows. The caller has chosen no input yet: rules of kind
 * "invalid", which judge it, are left to the call.
 */
export const allowedActions = (
  base: VmContext,
  opts: {
    readonly lang: Lang
    readonly locked: boolean
    readonly lockedBy?: string | null
    /** Only these actions (a view that offers a few, as the recycle bin's rows); all of them when absent. */
    readonly only?: ReadonlyArray<string>
  },
) =>
  Effect.flatMap(hostCapabilities(base.vm), (capabilities) =>
    Effect.forEach(only(opts.only), ({ action, check, input }) => {
      // B1 B3: while a graceful stop or reboot holds the VM, a forced one is offered: it cuts the graceful one short.
      const forced = action === "force-stop" || action === "force-reboot" ? action : undefined
      if (forced !== undefined && supersededOperations.has(opts.lockedBy ?? "")) {
        return allowedAction(action, besidesState(forced), base, input(base) as never, { ...opts, locked: false })
      }
      return allowedAction(action, check, base, input(base) as never, opts).pipe(
        // #21: what the rules allow, the host's driver must also declare
        Effect.map((verdict): AllowedAction => {
          const refusal = verdict.allowed ? capabilityRefusal(action, base.vm, capabilities, opts.lang) : undefined
          return refusal === undefined ? verdict : { ...verdict, allowed: false, ...refusal }
        }),
      )
    }),
  )

/** One action's preview, as the API shows it (the VM's actions here, a NIC's in nic-views.ts). */
export const allowedAction = <K extends Reads, I, C extends VmRecordContext>(
  action: string,
  check: VmCheck<K, I, C>,
  base: VmContext,
  input: I,
  opts: { readonly lang: Lang; readonly locked: boolean },
) =>
  previewOn(check, base as ReadContext[K], input, { locked: opts.locked, inputChosen: false }).pipe(
    Effect.map((preview): AllowedAction => {
      if (preview.allowed) return { action, operation: check.operation, allowed: true }
      return {
        action,
        operation: check.operation,
        allowed: false,
        rule: preview.rule,
        kind: preview.kind,
        message: opts.lang === "zh" ? preview.message.zh : preview.message.en,
      }
    }),
  )
