import type { CallOptions, QmpMonitor } from "../monitor.ts"
import { definedOnly, runVoid } from "./run.ts"

/** Removable media (ide-cd, floppy), addressed by the guest device's id. */
export interface ChangeMediumOptions {
  readonly id: string
  readonly filename: string
  /** "raw" for ISO images; QEMU probes when left out. */
  readonly format?: string
  readonly readOnlyMode?: "retain" | "read-only" | "read-write"
  /** Open the tray even if the guest locked it (the guest may be surprised). */
  readonly force?: boolean
}

/** Opens the tray, swaps the medium and closes the tray in one step. */
export const blockdevChangeMedium = (monitor: QmpMonitor, options: ChangeMediumOptions, callOptions?: CallOptions) =>
  runVoid(
    monitor,
    "blockdev-change-medium",
    definedOnly({
      id: options.id,
      filename: options.filename,
      format: options.format,
      "read-only-mode": options.readOnlyMode,
      force: options.force,
    }),
    callOptions,
  )

/**
 * Opens the tray. A guest that locked it gets an eject request instead and the tray stays shut until the guest
 * agrees (watch DEVICE_TRAY_MOVED), unless `force`.
 */
export const blockdevOpenTray = (
  monitor: QmpMonitor,
  options: { readonly id: string; readonly force?: boolean },
  callOptions?: CallOptions,
) => runVoid(monitor, "blockdev-open-tray", definedOnly({ id: options.id, force: options.force }), callOptions)

export const blockdevCloseTray = (monitor: QmpMonitor, id: string, callOptions?: CallOptions) =>
  runVoid(monitor, "blockdev-close-tray", { id }, callOptions)

/** Takes the medium out of an open tray (the node stays, for blockdev-del). */
export const blockdevRemoveMedium = (monitor: QmpMonitor, id: string, callOptions?: CallOptions) =>
  runVoid(monitor, "blockdev-remove-medium", { id }, callOptions)

/** Puts an existing node into an open, empty tray. */
export const blockdevInsertMedium = (
  monitor: QmpMonitor,
  options: { readonly id: string; readonly nodeName: string },
  callOptions?: CallOptions,
) => runVoid(monitor, "blockdev-insert-medium", { id: options.id, "node-name": options.nodeName }, callOptions)

/** Opens the tray and removes the medium. */
export const eject = (
  monitor: QmpMonitor,
  options: { readonly id: string; readonly force?: boolean },
  callOptions?: CallOptions,
) => runVoid(monitor, "eject", definedOnly({ id: options.id, force: options.force }), callOptions)
