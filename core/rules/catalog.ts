import type { Operation } from "../model/operation.ts"
import { driverSupports } from "./capabilities.ts"
import { cloneRules } from "./clone.ts"
import { configRules } from "./config.ts"
import { consoleRules } from "./console.ts"
import { createRules } from "./create.ts"
import { deviceRules } from "./devices.ts"
import { diskRules } from "./disks.ts"
import { inventoryRules, maintenanceRules } from "./hosts.ts"
import { imageLibraryRules } from "./images.ts"
import { loginRules } from "./login.ts"
import { migrateCancelRules, migrateRules } from "./migrate.ts"
import { networkAdminRules } from "./network-admin.ts"
import { networkRules } from "./networks.ts"
import { orgRules } from "./org.ts"
import { changeOwnerRules } from "./ownership.ts"
import { placementRules } from "./placement.ts"
import { batchAction, batchSelection } from "./platform.ts"
import { powerRules } from "./power.ts"
import { regularRules } from "./regular.ts"
import { relocateRules } from "./relocate.ts"
import type { Rule } from "./rule.ts"
import { snapshotRules } from "./snapshots.ts"

/** A rule of any context: what the catalogue lists (its predicate needs the operation's own context). */
export type AnyRule = Rule<never>

/** A multi-field edit checks each field's rules in this order; each rule once (the first time it appears). */
const editRules: ReadonlyArray<AnyRule> = [
  ...new Set<AnyRule>([
    ...regularRules.rename,
    ...regularRules.remarks,
    ...regularRules["reclaim-date"],
    ...regularRules.ha,
    ...regularRules["ha-priority"],
    ...regularRules["deletion-protection"],
  ]),
]

/**
 * Every operation's rules, in the order they are checked; the operations import the typed lists themselves.
 * driver-unsupported comes last where it applies: the preview weighs it after the rules, the call meets it at the
 * driver (capabilities.ts).
 */
export const operationRuleLists: Record<Operation, ReadonlyArray<AnyRule>> = {
  "vm.create": [...createRules, ...placementRules],
  "host.maintenance": maintenanceRules,
  "host.devices": inventoryRules,
  "image.upload": imageLibraryRules.verify,
  "image.delete": imageLibraryRules.delete,
  "org.catalog": orgRules["org.catalog"],
  "org.company": orgRules["org.company"],
  "org.department-create": orgRules["org.department-create"],
  "org.department-edit": orgRules["org.department-edit"],
  "org.quota": orgRules["org.quota"],
  "org.user-create": orgRules["org.user-create"],
  "org.token": orgRules["org.token"],
  "vm.start": powerRules.start,
  "vm.stop": powerRules.stop,
  "vm.force-stop": powerRules["force-stop"],
  "vm.reboot": powerRules.reboot,
  "vm.force-reboot": powerRules["force-reboot"],
  "vm.delete": powerRules.delete,
  "vm.destroy": powerRules.destroy,
  "vm.restore": powerRules.restore,
  "vm.purge": powerRules.purge,
  "vm.console": consoleRules,
  /** L7: the batch itself; each VM's own rules turn into a warning per VM, the rest proceed. */
  "vm.batch": [batchSelection, batchAction],
  "vm.alarm": regularRules.alarm,
  "vm.rename": regularRules.rename,
  "vm.change-owner": changeOwnerRules,
  "vm.remarks": regularRules.remarks,
  "vm.reclaim-date": regularRules["reclaim-date"],
  /** Empty: the platform's own steps; the policy's operation (stop, delete) checks its own rules as a sub-task. */
  "vm.reclaim-notice": [],
  "vm.reclaim": [],
  "vm.show-password": regularRules["show-password"],
  "vm.deletion-protection": regularRules["deletion-protection"],
  "vm.clone": cloneRules,
  "vm.migrate": [...migrateRules, driverSupports],
  "vm.migrate-cancel": migrateCancelRules,
  "vm.affinity": regularRules.affinity,
  "vm.reset-password": loginRules["reset-password"],
  "vm.ha": regularRules.ha,
  "vm.edit": editRules,
  "vm.login-method": loginRules["login-method"],
  "vm.resize": configRules.resize,
  "vm.reinstall": configRules.reinstall,
  "vm.create-image": configRules["create-image"],
  "vm.sockets": configRules.sockets,
  "vm.attach-gpu": [...deviceRules["attach-gpu"], driverSupports],
  "vm.detach-gpu": deviceRules["detach-gpu"],
  "vm.attach-iso": [...deviceRules["attach-iso"], driverSupports],
  "vm.detach-iso": deviceRules["detach-iso"],
  "vm.attach-usb": [...deviceRules["attach-usb"], driverSupports],
  "vm.detach-usb": deviceRules["detach-usb"],
  "vm.ssh-keys": deviceRules["ssh-keys"],
  "disk.attach": diskRules.attach,
  "disk.create": [...diskRules.create, driverSupports],
  "disk.detach": diskRules.detach,
  "disk.backup": [...diskRules.backup, driverSupports],
  "disk.backup-schedule": diskRules["backup-schedule"],
  /** Empty: V6 states no precondition, and deleting a timer never conflicts (the backups it made stay). */
  "disk.delete-backup-schedule": diskRules["delete-backup-schedule"],
  "disk.restore-backup": diskRules["restore-backup"],
  /** Empty: a backup is a file of its own; nothing in the manual forbids deleting it. */
  "disk.delete-backup": diskRules["delete-backup"],
  "disk.delete": diskRules.delete,
  "nic.join": networkRules.join,
  "nic.edit-primary-ip": networkRules["edit-primary-ip"],
  "nic.add-secondary-ip": networkRules["add-secondary-ip"],
  "nic.remove-secondary-ip": networkRules["remove-secondary-ip"],
  "nic.set-default": networkRules["set-default"],
  "nic.remove": networkRules.remove,
  "network.create": networkAdminRules.create,
  "network.delete": networkAdminRules.delete,
  "snapshot.create": [...snapshotRules.create, driverSupports],
  "snapshot.schedule": snapshotRules.schedule,
  /** Empty: P3 states no precondition, and deleting a timer never conflicts (the snapshots it made stay). */
  "snapshot.delete-schedule": snapshotRules["delete-schedule"],
  "snapshot.rollback": snapshotRules.rollback,
  "snapshot.delete": snapshotRules.delete,
  /** Empty: the platform restoring the truth after a crash or an outside power change is never refused. */
  "vm.reconcile": [],
  "vm.relocate": relocateRules,
}

const entries = Object.entries(operationRuleLists) as Array<[Operation, ReadonlyArray<AnyRule>]>

const mapValues = <K extends string, A, B>(record: Record<K, A>, f: (value: A) => B): Record<K, B> => {
  const mapped = {} as Record<K, B>
  for (const key of Object.keys(record) as Array<K>) mapped[key] = f(record[key])
  return mapped
}

/** The names of the rules each operation checks, in order (for the API's documentation and the widgets). */
export const operationRules: Record<Operation, ReadonlyArray<string>> = mapValues(operationRuleLists, (rules) =>
  rules.map((rule) => rule.name),
)

/**
 * Every distinct rule once, by name. A parametrised rule (lifecycle-state per action, name-format per input)
 * appears under one name; the catalogue test checks that all its instances agree on features and kind.
 */
export const ruleCatalog: ReadonlyArray<AnyRule> = [
  ...new Map(entries.flatMap(([, rules]) => rules.map((rule) => [rule.name, rule] as const))).values(),
]

export const findRule = (name: string): AnyRule | undefined => ruleCatalog.find((rule) => rule.name === name)
