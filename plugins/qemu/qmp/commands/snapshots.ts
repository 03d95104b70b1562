import type { CallOptions, QmpMonitor } from "../monitor.ts"
import { newJobId, runJob } from "./jobs.ts"

/**
 * An internal snapshot with memory, stored in qcow2 images. `vmstate` is the node that receives the memory;
 * `devices` are the nodes whose disks are snapshotted (every writable disk, or the guest sees torn state).
 */
export interface SnapshotOptions {
  readonly tag: string
  readonly vmstate: string
  readonly devices: ReadonlyArray<string>
  /** Defaults to a fresh id. */
  readonly jobId?: string
}

/** Saves the VM's memory and disks under `tag`; a running VM pauses for the save and resumes after. */
export const snapshotSave = (monitor: QmpMonitor, options: SnapshotOptions, callOptions?: CallOptions) =>
  runJob(
    monitor,
    "snapshot-save",
    {
      "job-id": options.jobId ?? newJobId("snapshot-save"),
      tag: options.tag,
      vmstate: options.vmstate,
      devices: options.devices,
    },
    callOptions,
  )

/** Restores memory and disks from `tag`; the VM keeps the run state it had before the load. */
export const snapshotLoad = (monitor: QmpMonitor, options: SnapshotOptions, callOptions?: CallOptions) =>
  runJob(
    monitor,
    "snapshot-load",
    {
      "job-id": options.jobId ?? newJobId("snapshot-load"),
      tag: options.tag,
      vmstate: options.vmstate,
      devices: options.devices,
    },
    callOptions,
  )

export const snapshotDelete = (
  monitor: QmpMonitor,
  options: { readonly tag: string; readonly devices: ReadonlyArray<string>; readonly jobId?: string },
  callOptions?: CallOptions,
) =>
  runJob(
    monitor,
    "snapshot-delete",
    { "job-id": options.jobId ?? newJobId("snapshot-delete"), tag: options.tag, devices: options.devices },
    callOptions,
  )
