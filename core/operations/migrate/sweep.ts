import { Duration, Effect, Layer, Schedule } from "effect"
import { hostNow } from "../../cluster/membership.ts"
import { HostConfig } from "../../config.ts"
import type { Task } from "../../model/index.ts"
import { Store } from "../../store/ports.ts"
import { now } from "../clock.ts"
import { abortIncomingHere, incomingTask, movedPath } from "./incoming.ts"

/** Migrations to this host looked at: those created within this window (older ones were swept long ago). */
const WINDOW = Duration.hours(6)
/** How often the target looks (a few heartbeats: a source reads down after 10 s by default). */
const EVERY = Duration.seconds(5)

const sourceOf = (task: Task) => {
  const params = task.params as { readonly from?: unknown } | null
  return typeof params?.from === "string" ? params.from : undefined
}

const isOpen = (task: Task) => task.state === "queued" || task.state === "running"

/**
 * Whether nobody will finish or abort migration `task` to this host any more: it ended without success, or it is
 * open and its source host reads down (its agent is gone: the source's QEMU may still push the guest, but the move
 * is never recorded without that agent, and the recovery of its return resumes the guest there).
 */
const abandoned = Effect.fn("migration.abandoned")(function* (task: Task) {
  if (task.state === "succeeded") return false
  if (!isOpen(task)) return true
  const from = sourceOf(task)
  if (from === undefined) return false
  const source = yield* Store.use((store) => store.hosts.get(from)).pipe(Effect.flatMap(hostNow), Effect.option)
  return source._tag === "Some" && source.value.state === "down"
})

/**
 * R9, #17, the target's own reconcile: for each migration to this host that nobody will finish (see `abandoned`),
 * the incoming hypervisor ends and the disk files made for it go (their names come from the task: movedPath), the
 * way the source's abort would have done it. Never a VM the records place here, never a file the records name, and
 * not while a newer migration of the same VM to this host is under way. `done` keeps the tasks already swept.
 */
export const sweepIncoming = Effect.fn("migration.sweepIncoming")(function* (done: Set<string>) {
  const store = yield* Store
  const { hostId, storageDir } = yield* HostConfig
  const since = new Date((yield* now).getTime() - Duration.toMillis(WINDOW))
  const tasks = (yield* store.tasks.list({ operations: ["vm.migrate"], since })).filter(
    (task) => task.targetId === hostId && task.vmId !== null && !done.has(task.id),
  )
  const swept: Array<string> = []
  for (const task of tasks) {
    if (!(yield* abandoned(task))) continue
    const vmId = task.vmId as string
    if ((yield* store.vms.get(vmId).pipe(Effect.option))._tag === "None") {
      done.add(task.id)
      continue
    }
    const newer = tasks.some((t) => t.vmId === vmId && t.id !== task.id && isOpen(t) && t.createdAt > task.createdAt)
    if (newer) continue
    // Read again just before: a new move of the same VM here may have been recorded since the list was read.
    const current = yield* incomingTask(vmId)
    if (current !== undefined && current.id !== task.id) continue
    const disks = yield* store.disks.list({ vmId })
    const made = disks.map((disk) => ({ id: disk.id, path: movedPath(storageDir, disk.id, task.id) }))
    const outcome = yield* Effect.exit(abortIncomingHere(vmId, made))
    if (outcome._tag === "Failure") {
      yield* Effect.logWarning(`the incoming side of migration ${task.id} was not ended`, outcome.cause)
      continue
    }
    done.add(task.id)
    swept.push(task.id)
  }
  return swept
})

/** The sweep every few seconds, for as long as the agent runs (cluster agents only: nothing migrates otherwise). */
export const IncomingSweepLayer = Layer.effectDiscard(
  Effect.gen(function* () {
    const done = new Set<string>()
    yield* Effect.forkScoped(
      sweepIncoming(done).pipe(
        Effect.catchCause((cause) => Effect.logWarning("incoming migration sweep failed", cause)),
        Effect.repeat(Schedule.spaced(EVERY)),
      ),
    )
  }),
)
