import { Effect } from "effect"
import type { IncomingEndpoint } from "../../../core/driver/driver.ts"
import type { DriverError } from "../../../core/driver/errors.ts"
import { blockdevAdd, blockdevDel } from "../qmp/commands/block.ts"
import { blockdevMirror, blockJobCancel, queryBlockJobs } from "../qmp/commands/migration.ts"
import { isDisconnectedEvent, type QmpEvent } from "../qmp/events.ts"
import type { QmpMonitor } from "../qmp/monitor.ts"
import type { Errors } from "./errors.ts"
import { wakeOnEvents } from "./migration-wakeup.ts"

const POLL_MS = 50
/**
 * The jobs' ends are awaited while the guest is stopped (pre-switchover), woken by their events; this bounds the
 * wait for one that was missed.
 */
const END_POLL_MS = 10
/** Bounds the wait for the mirror jobs to end (the final sync of a ready job, or a forced cancel). */
const END_TIMEOUT_MS = 30_000
/** Bounds the retries of removing an NBD client node that a job just let go. */
const DELETE_TIMEOUT_MS = 5_000

/** How a mirror job ended, from its BLOCK_JOB_COMPLETED or BLOCK_JOB_CANCELLED event. */
type Ending = { readonly ok: true } | { readonly ok: false; readonly why: string }

export interface MirrorsSample {
  readonly len: number
  readonly offset: number
  readonly ready: boolean
}

/**
 * The disk mirrors of a local-storage migration, on the source: one NBD client node per disk (named `mig-<node>`,
 * also the job id) and a `blockdev-mirror` into it. Every job's end is recorded from QEMU's events from the moment
 * this is made (the subscription lives in the caller's scope), so no end is missed between two polls, and an end
 * with an error is never mistaken for a completion.
 */
export const makeMigrationMirrors = (monitor: QmpMonitor, errors: Errors, operation: string) =>
  Effect.gen(function* () {
    const qmp = errors.fromQmp(operation)
    /** Client nodes added, and the mirror jobs started into them (a node's name is its job's id). */
    const nodes: Array<string> = []
    const jobs: Array<string> = []
    const ends = new Map<string, Ending>()
    let disconnected = false
    /** Records a job's end; says whether a waiter should look again (an end, a job ready, the monitor gone). */
    const record = (event: QmpEvent) => {
      if (event._tag === "BLOCK_JOB_COMPLETED" && jobs.includes(event.device))
        ends.set(event.device, event.error === undefined ? { ok: true } : { ok: false, why: event.error })
      else if (event._tag === "BLOCK_JOB_CANCELLED" && jobs.includes(event.device))
        ends.set(event.device, { ok: false, why: "cancelled, the copy incomplete" })
      else if (isDisconnectedEvent(event)) disconnected = true
      else return event._tag === "BLOCK_JOB_READY" && jobs.includes(event.device)
      return true
    }
    const wakeup = yield* wakeOnEvents(monitor, record)

    const failed = () =>
      jobs.flatMap((job) => {
        const end = ends.get(job)
        return end !== undefined && !end.ok ? [`${job}: ${end.why}`] : []
      })

    /** Waits (bounded) until every job has ended; fails naming the ones that did not. */
    const awaitEnds = Effect.gen(function* () {
      const deadline = Date.now() + END_TIMEOUT_MS
      for (;;) {
        const open = jobs.filter((job) => !ends.has(job))
        if (open.length === 0) return
        if (disconnected) return yield* errors.failure(operation, "QEMU's monitor went away during the mirrors", true)
        if (Date.now() > deadline)
          return yield* errors.failure(operation, `disk mirror ${open.join(", ")} did not end`, false)
        yield* wakeup.next(END_POLL_MS)
      }
    })

    /**
     * Removes the NBD client nodes once their jobs are gone; a node a job has just let go may still be busy for a
     * moment, so a refusal is retried for a while. Fails naming the nodes that stayed: they keep a connection to the
     * target.
     */
    const removeNodes = Effect.gen(function* () {
      const stayed: Array<string> = []
      for (const node of nodes) {
        const deadline = Date.now() + DELETE_TIMEOUT_MS
        for (;;) {
          const refusal = yield* blockdevDel(monitor, node).pipe(
            Effect.match({ onFailure: (error) => error.message, onSuccess: () => undefined }),
          )
          if (refusal === undefined) break
          if (Date.now() > deadline) {
            stayed.push(`${node} (${refusal})`)
            break
          }
          yield* Effect.sleep(POLL_MS)
        }
      }
      nodes.length = 0
      jobs.length = 0
      if (stayed.length > 0)
        return yield* errors.failure(operation, `NBD client node(s) not removed: ${stayed.join("; ")}`, false)
    })

    /**
     * Adds a client node of the target's export of each node and mirrors the node into it (in the background), each
     * job's copy capped at `speed` bytes/s if given.
     */
    const start = (
      endpoint: IncomingEndpoint & { readonly nbdPort: number },
      disks: ReadonlyArray<string>,
      speed: number | undefined,
    ) =>
      Effect.gen(function* () {
        for (const node of disks) {
          const target = `mig-${node}`
          yield* blockdevAdd(monitor, {
            driver: "nbd",
            "node-name": target,
            server: { type: "inet", host: endpoint.host, port: String(endpoint.nbdPort) },
            export: node,
          }).pipe(Effect.mapError(qmp))
          nodes.push(target)
          yield* blockdevMirror(monitor, { jobId: target, device: node, target, speed }).pipe(Effect.mapError(qmp))
          jobs.push(target)
        }
      })

    /** Where the copy stands; fails once a job has ended (it may only end when we end it). */
    const sample: Effect.Effect<MirrorsSample, DriverError> = Effect.gen(function* () {
      const ended = jobs.filter((job) => ends.has(job))
      if (ended.length > 0) {
        return yield* errors.failure(
          operation,
          `a disk mirror stopped: ${failed().join("; ") || ended.join(", ")}`,
          false,
        )
      }
      const listed = (yield* queryBlockJobs(monitor).pipe(Effect.mapError(qmp))).filter((job) =>
        jobs.includes(job.device),
      )
      return {
        len: listed.reduce((sum, job) => sum + job.len, 0),
        offset: listed.reduce((sum, job) => sum + job.offset, 0),
        ready: listed.length === jobs.length && listed.every((job) => job.ready),
      }
    })

    /**
     * The switch-over's half for the disks, while the source's vCPUs are stopped and its block devices still active
     * (QEMU's pre-switchover): `block-job-cancel` of a ready job copies what is left and ends without a pivot. Every
     * job must end with BLOCK_JOB_COMPLETED and no error; then the client nodes go. Anything else fails.
     */
    const complete = Effect.gen(function* () {
      for (const job of jobs) {
        if (!ends.has(job)) yield* blockJobCancel(monitor, job, false).pipe(Effect.mapError(qmp))
      }
      yield* awaitEnds
      const bad = failed()
      if (bad.length > 0)
        return yield* errors.failure(operation, `a disk mirror failed at the switch-over: ${bad.join("; ")}`, false)
      yield* removeNodes
    })

    /** Force-cancels the jobs still running (each ends with BLOCK_JOB_CANCELLED); a refusal is no matter here. */
    const interrupt = Effect.suspend(() =>
      Effect.forEach(
        jobs.filter((job) => !ends.has(job)),
        (job) => Effect.ignore(blockJobCancel(monitor, job, true)),
        { discard: true },
      ),
    )

    /**
     * On a failure: force-cancels the jobs still running, waits until every one has ended (a client node can only go
     * once its job is gone), then removes the client nodes. Fails when a job does not end or a node stays.
     */
    const abandon = Effect.gen(function* () {
      yield* interrupt
      // A job that does not end keeps its node busy: the removal is still tried, the job's failure is the one told.
      yield* awaitEnds.pipe(Effect.tapError(() => Effect.ignore(removeNodes)))
      yield* removeNodes
    })

    return {
      start,
      sample,
      /** Returns when a job got ready or ended, or after `ms`. */
      changed: wakeup.next,
      complete,
      abandon,
      /** Something to end or remove (a node was added). */
      active: () => nodes.length > 0,
      /** Force-cancels the running jobs at once (a cancel from outside the send); `abandon` finishes the job. */
      interrupt,
    }
  })

export type MigrationMirrors = Effect.Success<ReturnType<typeof makeMigrationMirrors>>
