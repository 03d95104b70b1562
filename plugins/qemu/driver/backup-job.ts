import { createHash } from "node:crypto"
import { Effect } from "effect"
import { blockDirtyBitmapRemove, dirtyBitmapAddAction, transaction } from "../qmp/commands/backup.ts"
import { blockdevAdd, blockdevDel } from "../qmp/commands/block.ts"
import { awaitJob, type JobInfo, jobCancel, jobDismiss, queryJobs, runJob } from "../qmp/commands/jobs.ts"
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
 * The names a backup into `target` uses inside QEMU, derived from the target (a backup file is never reused), so
 * that an agent that restarts during the copy finds the job and the nodes again (`settleBackupJob`).
 */
export const backupJobNames = (target: string) => {
  const suffix = createHash("sha256").update(target).digest("hex").slice(0, 8)
  const targetNode = `hxbk-${suffix}`
  return { suffix, targetNode, fileNode: `${targetNode}-file`, jobId: `hxbk-job-${suffix}` }
}

/**
 * One backup as the lab measured it: the target joins the block graph as a node of its own (an increment's backing
 * chain, the earlier backups, opens from its header, read-only), `blockdev-backup` copies into it, and the node
 * leaves the graph again whatever happened. A full backup that fails takes its new bitmap back with it.
 */
export const runBackupJob = (monitor: QmpMonitor, job: BackupJob): Effect.Effect<void, QmpError> =>
  Effect.gen(function* () {
    const { suffix, targetNode, fileNode, jobId } = backupJobNames(job.target)
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

/** query-jobs until the job concluded (or is not there), every 200 ms. */
const concludedJob = (monitor: QmpMonitor, jobId: string): Effect.Effect<JobInfo | undefined, QmpError> =>
  Effect.flatMap(queryJobs(monitor), (jobs) => {
    const job = jobs.find((candidate) => candidate.id === jobId)
    return job === undefined || job.status === "concluded"
      ? Effect.succeed(job)
      : Effect.andThen(
          Effect.sleep("200 millis"),
          Effect.suspend(() => concludedJob(monitor, jobId)),
        )
  })

/**
 * V4, #14: what became of a backup into `target` that nobody waited for (the agent stopped during the copy). QEMU
 * carries a started copy on by itself: the job is waited for if it still runs, then dismissed, and the backup's
 * nodes leave the block graph. True when QEMU's copy completed; false when it failed, when no job exists (the stop
 * came before the copy started, or the VM's QEMU is not the one that ran it) or when it outlasts `timeoutMs`.
 */
export const settleBackupJob = (
  monitor: QmpMonitor,
  target: string,
  timeoutMs: number,
): Effect.Effect<boolean, QmpError> =>
  Effect.gen(function* () {
    const { targetNode, fileNode, jobId } = backupJobNames(target)
    const job = yield* concludedJob(monitor, jobId).pipe(
      Effect.timeoutOrElse({
        duration: timeoutMs,
        orElse: () => Effect.as(Effect.ignore(jobCancel(monitor, jobId)), undefined),
      }),
    )
    if (job?.status === "concluded") yield* jobDismiss(monitor, jobId)
    yield* Effect.ignore(blockdevDel(monitor, targetNode))
    yield* Effect.ignore(blockdevDel(monitor, fileNode))
    return job?.status === "concluded" && job.error === undefined
  })
