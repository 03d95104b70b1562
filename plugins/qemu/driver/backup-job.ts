import { randomBytes } from "node:crypto"
import { Effect } from "effect"
import { blockDirtyBitmapRemove, dirtyBitmapAddAction, transaction } from "../qmp/commands/backup.ts"
import { blockdevAdd, blockdevDel } from "../qmp/commands/block.ts"
import { awaitJob, runJob } from "../qmp/commands/jobs.ts"
import { runVoid } from "../qmp/commands/run.ts"
import type { QmpError } from "../qmp/errors.ts"
import type { QmpMonitor } from "../qmp/monitor.ts"

export interface BackupJob {
  /** The disk's format node (the one the guest's device reads). */
  readonly node: string
  /** The target file, already made and empty: QEMU formats it as a qcow2 of `sizeBytes`. */
  readonly target: string
  /** The disk's virtual size. */
  readonly sizeBytes: number
  /** full: copy everything and start tracking changes in a new persistent bitmap named `chain`, atomically.
   *  incremental: copy what the bitmap `chain` marks, into a qcow2 backed by `previous`; QEMU clears the bitmap
   *  when the job succeeds. */
  readonly kind: "full" | "incremental"
  readonly chain: string
  /** The previous backup of the chain (an increment's backing file). */
  readonly previous?: string
  /** Bounds the copy. */
  readonly timeoutMs: number
}

/**
 * Formats the empty target as qcow2 with QEMU's own blockdev-create (the qemu-img create of the lab's commands,
 * without a process to start), over a file node that stays for the backup. An increment's backing file is only
 * written into the header; it is opened when the qcow2 node is added.
 */
const formatTarget = (monitor: QmpMonitor, job: BackupJob, fileNode: string, jobId: string) =>
  runJob(monitor, "blockdev-create", {
    "job-id": jobId,
    options: {
      driver: "qcow2",
      file: fileNode,
      size: job.sizeBytes,
      ...(job.previous === undefined ? {} : { "backing-file": job.previous, "backing-fmt": "qcow2" }),
    },
  })

/**
 * One backup as the lab measured it: the target joins the block graph as a node of its own (an increment's backing
 * chain, the earlier backups, opens from its header, read-only), `blockdev-backup` copies into it, and the node
 * leaves the graph again whatever happened. A full backup that fails takes its new bitmap back with it.
 */
export const runBackupJob = (monitor: QmpMonitor, job: BackupJob): Effect.Effect<void, QmpError> =>
  Effect.gen(function* () {
    const suffix = randomBytes(4).toString("hex")
    const targetNode = `hxbk-${suffix}`
    const fileNode = `${targetNode}-file`
    const jobId = `hxbk-job-${suffix}`
    const backup = {
      "job-id": jobId,
      device: job.node,
      target: targetNode,
      sync: job.kind,
      "auto-dismiss": false,
      ...(job.kind === "incremental" ? { bitmap: job.chain } : {}),
    }
    yield* blockdevAdd(monitor, { driver: "file", "node-name": fileNode, filename: job.target })
    const copy = Effect.gen(function* () {
      yield* formatTarget(monitor, job, fileNode, `hxbk-create-${suffix}`)
      yield* blockdevAdd(monitor, {
        driver: "qcow2",
        "node-name": targetNode,
        file: fileNode,
        ...(job.kind === "full" ? { backing: null } : {}),
      })
      // Only a bitmap this call made is taken back: a transaction that failed made none.
      let bitmapMade = false
      const start =
        job.kind === "full"
          ? transaction(monitor, [
              dirtyBitmapAddAction({ node: job.node, name: job.chain, persistent: true }),
              { type: "blockdev-backup", data: backup },
            ]).pipe(Effect.tap(() => Effect.sync(() => (bitmapMade = true))))
          : runVoid(monitor, "blockdev-backup", backup)
      yield* awaitJob(monitor, "blockdev-backup", jobId, start, job.timeoutMs).pipe(
        Effect.tapError(() =>
          bitmapMade
            ? Effect.ignore(blockDirtyBitmapRemove(monitor, { node: job.node, name: job.chain }))
            : Effect.void,
        ),
        Effect.ensuring(Effect.ignore(blockdevDel(monitor, targetNode))),
      )
    })
    yield* copy.pipe(Effect.ensuring(Effect.ignore(blockdevDel(monitor, fileNode))))
  })
