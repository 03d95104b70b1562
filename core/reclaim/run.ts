import { Cause, Data, type Duration, Effect, Exit, Layer } from "effect"
import { whileLeader } from "../cluster/leader.ts"
import { RuleViolation } from "../errors.ts"
import type { Task, Vm } from "../model/index.ts"
import { Notifier, NotifyError } from "../notify/notifier.ts"
import { now } from "../operations/clock.ts"
import { deleteVm } from "../operations/delete.ts"
import { power } from "../operations/power.ts"
import type { TaskHandle } from "../operations/run-vm-operation.ts"
import { systemActor } from "../operations/system-actor.ts"
import { beginTask, finishTask } from "../operations/tasks.ts"
import { scopeOf } from "../operations/vm-state.ts"
import type { Actor } from "../rules/context.ts"
import { Store } from "../store/ports.ts"
import { dueStep } from "./due.ts"
import { reclaimMail } from "./mail.ts"
import type { ReclaimCandidate, ReclaimNotice, ReclaimOutcome, ReclaimStep } from "./model.ts"

/** A VM another operation holds: the expiry step waits for the next round rather than recording a refusal. */
class VmBusy extends Data.TaggedError("ReclaimVmBusy") {}

/** The policy's operation, run as the platform under the expiry step's task; yields what it did. */
const applyPolicy = (candidate: ReclaimCandidate, vm: Vm, actor: Actor, parentId: string) => {
  const settle = <E, R>(started: Effect.Effect<TaskHandle, E, R>, done: ReclaimOutcome) =>
    Effect.exit(Effect.flatMap(started, (handle) => handle.done)).pipe(
      Effect.flatMap((exit) => {
        if (Exit.isSuccess(exit))
          return Effect.succeed<ReclaimOutcome>(exit.value.state === "succeeded" ? done : "refused")
        const failure = Cause.squash(exit.cause)
        if (failure instanceof RuleViolation && failure.rule === "vm-busy") return Effect.fail(new VmBusy())
        return Effect.succeed<ReclaimOutcome>("refused")
      }),
    )
  switch (candidate.policy) {
    case "notify-only":
      return Effect.succeed<ReclaimOutcome>("kept")
    case "stop":
      return vm.state === "stopped"
        ? Effect.succeed<ReclaimOutcome>("already-stopped")
        : settle(power(actor, vm.id, "stop", { parentId }), "stopped")
    case "recycle":
      return settle(deleteVm(actor, vm.id, { parentId }), "recycled")
    case "destroy":
      return settle(deleteVm(actor, vm.id, { destroy: true, parentId }), "destroyed")
  }
}

/** The owner's address, if the owner is still a user of the VM's company (R1's rule for who may be mailed). */
const ownerAddress = Effect.fn("reclaim.ownerAddress")(function* (vm: Vm) {
  const store = yield* Store
  const owner = yield* store.users.get(vm.ownerId).pipe(Effect.option)
  return owner._tag === "Some" && owner.value.companyId === vm.companyId ? [owner.value.email] : []
})

const deliver = (to: ReadonlyArray<string>, mail: Parameters<Notifier["Service"]["send"]>[0]) =>
  to.length === 0
    ? Effect.fail(
        new NotifyError({
          notifier: "none",
          message: "the VM's owner has no address in its company",
          retryable: false,
        }),
      )
    : Notifier.use((notifier) => notifier.send(mail))

/**
 * One step for one VM, as a task of the platform: the reminder before the date, or at the date the department's
 * policy (its own task under this one) and the reminder after. The step is recorded once done, so that a new
 * round, or a new leader, does not repeat it; a VM busy with another operation is tried again next round.
 */
const runStep = Effect.fn("reclaim.step")(function* (candidate: ReclaimCandidate, step: ReclaimStep, at: Date) {
  const store = yield* Store
  const found = yield* store.vms.get(candidate.vmId).pipe(Effect.option)
  if (found._tag === "None") return undefined
  const vm = found.value
  const actor = systemActor(vm)
  const scope = scopeOf(vm)
  const task: Task = yield* beginTask({
    operation: step === "notice" ? "vm.reclaim-notice" : "vm.reclaim",
    actor,
    scope,
    vmId: vm.id,
    params: { reclaimAt: candidate.reclaimAt.toISOString(), policy: candidate.policy },
  })
  const applied =
    step === "notice"
      ? Exit.succeed<ReclaimOutcome>("reminded")
      : yield* Effect.exit(applyPolicy(candidate, vm, actor, task.id))
  if (Exit.isFailure(applied)) {
    yield* finishTask(
      task,
      scope,
      Exit.fail(new Error("The VM is busy with another operation; reclaim tries again shortly.")),
    )
    return undefined
  }
  const outcome = applied.value
  const to = yield* ownerAddress(vm)
  const sent = yield* Effect.exit(deliver(to, reclaimMail({ step, outcome, to, vm, reclaimAt: candidate.reclaimAt })))
  const notice: ReclaimNotice = {
    vmId: vm.id,
    reclaimAt: candidate.reclaimAt,
    step,
    at,
    taskId: task.id,
    outcome,
    recipients: to,
    delivered: Exit.isSuccess(sent),
    error: Exit.isSuccess(sent) ? null : String(Cause.squash(sent.cause)),
  }
  yield* store.reclaimNotices.insert(notice)
  yield* finishTask(
    task,
    scope,
    outcome === "refused"
      ? Exit.fail(new Error(`The department's reclaim policy (${candidate.policy}) was refused; see the sub-task.`))
      : Exit.succeed({ outcome, delivered: notice.delivered }),
  )
  return notice
})

/**
 * R5: one round at `at` over the VMs whose reclaim date is near or past. A VM that fails (the store is away) is
 * logged and taken again next round; the others go on. Yields the steps done in this round.
 */
export const reclaimRound = Effect.fn("reclaim.round")(function* (at: Date) {
  const store = yield* Store
  const candidates = yield* store.reclaimNotices.due(at)
  const done = yield* Effect.forEach(
    candidates,
    (candidate) => {
      const step = dueStep(candidate, at)
      return step === undefined
        ? Effect.succeed(undefined)
        : runStep(candidate, step, at).pipe(
            Effect.catchCause((cause) =>
              Effect.logError(`reclaim of VM ${candidate.vmId} failed; next round tries again`, cause).pipe(
                Effect.as(undefined),
              ),
            ),
          )
    },
    { concurrency: 4 },
  )
  return done.filter((notice): notice is ReclaimNotice => notice !== undefined)
})

/** The reclaim job: a round every `interval` on the cluster's leader only, so that one agent mails and acts. */
export const ReclaimJobLayer = (interval: Duration.Duration) =>
  Layer.effectDiscard(
    Effect.forkScoped(
      whileLeader(
        Effect.forever(
          Effect.flatMap(now, reclaimRound).pipe(
            Effect.catchCause((cause) => Effect.logError("a reclaim round failed", cause)),
            Effect.andThen(Effect.sleep(interval)),
          ),
        ),
      ),
    ),
  )
