import { randomBytes } from "node:crypto"
import { Effect, Schema } from "effect"
import { QmpError, QmpJobFailed } from "../errors.ts"
import type { CallOptions, QmpArguments, QmpMonitor } from "../monitor.ts"
import { runDecoded, runVoid } from "./run.ts"

export const JobInfo = Schema.Struct({
  id: Schema.String,
  type: Schema.String,
  /** created, running, paused, ready, standby, waiting, pending, aborting, concluded, null. */
  status: Schema.String,
  currentProgress: Schema.Number,
  totalProgress: Schema.Number,
  error: Schema.optionalKey(Schema.String),
}).pipe(Schema.encodeKeys({ currentProgress: "current-progress", totalProgress: "total-progress" }))
export type JobInfo = typeof JobInfo.Type

export const queryJobs = (
  monitor: QmpMonitor,
  options?: CallOptions,
): Effect.Effect<ReadonlyArray<JobInfo>, QmpError> =>
  runDecoded(monitor, "query-jobs", undefined, Schema.Array(JobInfo), options)

/** Forgets a concluded job (its id becomes free again). */
export const jobDismiss = (monitor: QmpMonitor, id: string, options?: CallOptions) =>
  runVoid(monitor, "job-dismiss", { id }, options)

export const jobCancel = (monitor: QmpMonitor, id: string, options?: CallOptions) =>
  runVoid(monitor, "job-cancel", { id }, options)

/** A job id unique enough for one QEMU process. */
export const newJobId = (prefix: string): string => `${prefix}-${randomBytes(4).toString("hex")}`

/**
 * Starts a job through `trigger` (a command given `job-id` and auto-dismiss off, or a transaction holding one), waits
 * for JOB_STATUS_CHANGE "concluded", reads the outcome from query-jobs and dismisses the job. On timeout the job is
 * asked to cancel, best effort, and stays in QEMU until someone dismisses it.
 */
export const awaitJob = Effect.fn("Qmp.awaitJob")(function* (
  monitor: QmpMonitor,
  command: string,
  jobId: string,
  trigger: Effect.Effect<void, QmpError>,
  timeoutMs: number,
): Effect.fn.Return<void, QmpError> {
  yield* monitor
    .triggerAndAwait(trigger, "JOB_STATUS_CHANGE", (event) => event.id === jobId && event.status === "concluded", {
      timeoutMs,
    })
    .pipe(
      Effect.tapError((error) =>
        error.reason._tag === "QmpTimeout" ? Effect.ignore(jobCancel(monitor, jobId)) : Effect.void,
      ),
    )
  const job = (yield* queryJobs(monitor)).find((candidate) => candidate.id === jobId)
  yield* jobDismiss(monitor, jobId)
  if (job?.error !== undefined) {
    return yield* new QmpError({ reason: new QmpJobFailed({ command, jobId, error: job.error }) })
  }
})

/**
 * Runs a job command (snapshot-save, blockdev-create, …) with `job-id` to its end; `timeoutMs` bounds the whole run
 * (default: the "job:<command>" entry of the timeout table).
 */
export const runJob = (
  monitor: QmpMonitor,
  command: string,
  args: QmpArguments & { readonly "job-id": string },
  options: CallOptions = {},
): Effect.Effect<void, QmpError> =>
  awaitJob(
    monitor,
    command,
    args["job-id"],
    runVoid(monitor, command, args),
    options.timeoutMs ?? monitor.timeoutFor(`job:${command}`),
  )
