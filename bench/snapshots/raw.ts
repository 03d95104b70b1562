/**
 * The bare hypervisor commands, on the very QEMU the driver runs (its QMP connection, lent by `withMonitor`): what a
 * person would type to snapshot, roll back and back up the same guest. The bench's baseline. qemu-img starts through
 * the same host commands as the driver's, forked from the bench process, so that both sides pay the same fork.
 */
import { randomBytes } from "node:crypto"
import { Effect } from "effect"
import type { HostCommands } from "../../plugins/host-commands/host-commands.ts"
import type { QmpMonitor } from "../../plugins/qemu/qmp/monitor.ts"

const jobId = () => `raw-${randomBytes(4).toString("hex")}`

/** Runs a job-starting command, waits for "concluded", reads the outcome and dismisses the job. */
const job = (monitor: QmpMonitor, id: string, start: Effect.Effect<unknown, unknown>) =>
  Effect.gen(function* () {
    yield* monitor.triggerAndAwait(
      start,
      "JOB_STATUS_CHANGE",
      (event) => event.id === id && event.status === "concluded",
      {
        timeoutMs: 600_000,
      },
    )
    const jobs = (yield* monitor.execute("query-jobs")) as ReadonlyArray<{
      readonly id: string
      readonly error?: string
    }>
    yield* monitor.execute("job-dismiss", { id })
    const error = jobs.find((candidate) => candidate.id === id)?.error
    if (error !== undefined) return yield* Effect.fail(new Error(error))
  })

/** A disk-only internal snapshot of a running guest. */
export const rawDiskSnapshot = (monitor: QmpMonitor, node: string, tag: string) =>
  monitor.execute("transaction", {
    actions: [{ type: "blockdev-snapshot-internal-sync", data: { device: node, name: tag } }],
  })

/** An internal snapshot with memory: the snapshot-save job. */
export const rawMemorySnapshot = (monitor: QmpMonitor, node: string, tag: string) => {
  const id = jobId()
  return job(monitor, id, monitor.execute("snapshot-save", { "job-id": id, tag, vmstate: node, devices: [node] }))
}

/** `qemu-img <args>`, failing on a non-zero exit. */
const qemuImg = (commands: HostCommands, args: ReadonlyArray<string>) =>
  commands
    .run("qemu-img", args)
    .pipe(
      Effect.flatMap((outcome) =>
        outcome.code === 0 ? Effect.void : Effect.fail(new Error(`qemu-img ${args[0]}: ${outcome.stderr}`)),
      ),
    )

/** A stopped disk back to a snapshot. */
export const rawRevert = (commands: HostCommands, disk: string, tag: string) =>
  qemuImg(commands, ["snapshot", "-a", tag, disk])

/**
 * A backup as the lab did it: create the target (backed by the previous backup for an increment), add it as a node,
 * copy (a full one in one transaction with its new persistent bitmap), remove the node.
 */
export const rawBackup = (
  commands: HostCommands,
  monitor: QmpMonitor,
  options: {
    readonly node: string
    readonly target: string
    readonly sizeBytes: number
    readonly bitmap: string
    readonly previous?: string
  },
) =>
  Effect.gen(function* () {
    const { node, target, bitmap, previous } = options
    const backing = previous === undefined ? [] : ["-b", previous, "-F", "qcow2"]
    yield* qemuImg(commands, ["create", "-q", "-f", "qcow2", ...backing, target, String(options.sizeBytes)])
    const targetNode = `raw-${randomBytes(4).toString("hex")}`
    yield* monitor.execute("blockdev-add", {
      driver: "qcow2",
      "node-name": targetNode,
      file: { driver: "file", filename: target },
      ...(previous === undefined ? { backing: null } : {}),
    })
    const id = jobId()
    const backup = { "job-id": id, device: node, target: targetNode, "auto-dismiss": false }
    yield* previous === undefined
      ? job(
          monitor,
          id,
          monitor.execute("transaction", {
            actions: [
              { type: "block-dirty-bitmap-add", data: { node, name: bitmap, persistent: true } },
              { type: "blockdev-backup", data: { ...backup, sync: "full" } },
            ],
          }),
        )
      : job(monitor, id, monitor.execute("blockdev-backup", { ...backup, sync: "incremental", bitmap }))
    yield* monitor.execute("blockdev-del", { "node-name": targetNode })
  })

export const rawDropBitmap = (monitor: QmpMonitor, node: string, bitmap: string) =>
  monitor.execute("block-dirty-bitmap-remove", { node, name: bitmap })
