import { Effect } from "effect"
import type { Capability } from "../driver/capabilities.ts"
import type { Lang } from "../model/common.ts"
import type { Vm } from "../model/vm.ts"
import { driverSupports } from "../rules/capabilities.ts"
import { messageOf } from "../rules/rule.ts"
import { driverOfHost } from "./driver-for.ts"

/**
 * #21 F6: what each action needs the VM's host's driver to declare, so that allowedActions does not offer what the
 * call would refuse with `driver-unsupported` (the Unsupported failures of snapshotCalls, backupCalls, hotplug,
 * deviceWork, migrationCalls). Consoles have their own rule. Actions missing here need nothing beyond the lifecycle
 * every driver has (a NIC joined without hot-plug reaches the guest at its next start).
 */
const whileRunning = (capability: Capability) => (vm: Vm) => (vm.state === "running" ? capability : undefined)
const needs: Readonly<Record<string, (vm: Vm) => Capability | undefined>> = {
  snapshot: () => "diskSnapshot",
  "disk-backup": () => "diskBackup",
  // A stopped VM's disks and devices change in its definition, which every driver takes at the next start
  "create-disk": whileRunning("hotplugDisk"),
  "attach-iso": whileRunning("iso"),
  "attach-usb": whileRunning("usbPassthrough"),
  "attach-gpu": whileRunning("pciPassthrough"),
  migrate: whileRunning("liveMigration"),
}

/** The capabilities of the driver of the VM's host, or undefined when this agent cannot tell (no host, another's driver). */
export const hostCapabilities = (vm: Vm) =>
  driverOfHost(vm).pipe(
    Effect.map((driver): ReadonlySet<Capability> | undefined => driver.capabilities),
    Effect.orElseSucceed(() => undefined),
  )

/** The refusal of `action` on `vm` (rule driver-unsupported) for a capability its host's driver lacks, or undefined. */
export const capabilityRefusal = (
  action: string,
  vm: Vm,
  declared: ReadonlySet<Capability> | undefined,
  lang: Lang,
) => {
  const needed = needs[action]?.(vm)
  if (needed === undefined || declared === undefined) return undefined
  const context = { needed, declared }
  if (driverSupports.allows(context)) return undefined
  const message = messageOf(driverSupports, context)
  return { rule: driverSupports.name, kind: driverSupports.kind, message: lang === "zh" ? message.zh : message.en }
}
