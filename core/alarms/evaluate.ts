import { randomUUID } from "node:crypto"
import { Duration, Effect } from "effect"
import { EventBus } from "../events/bus.ts"
import { defaultMetricsPolicy, type MetricsPolicy } from "../metrics/policy.ts"
import type { AlarmRule } from "../model/extras.ts"
import type { Vm } from "../model/vm.ts"
import { type Mail, Notifier, NotifyError } from "../notify/notifier.ts"
import { now } from "../operations/clock.ts"
import { scopeOf } from "../operations/vm-state.ts"
import { Store } from "../store/ports.ts"
import { judge } from "./judge.ts"
import { alarmMail } from "./mail.ts"
import type { AlarmEvent } from "./model.ts"

/** The recipients' addresses, only of users still in the VM's company (R1, G1: a user may have moved since). */
const addressesFor = Effect.fn("alarms.addressesFor")(function* (rule: AlarmRule, vm: Vm) {
  const store = yield* Store
  const users = yield* Effect.forEach(rule.recipientUserIds, (id) => store.users.get(id).pipe(Effect.option))
  return users.flatMap((u) => (u._tag === "Some" && u.value.companyId === vm.companyId ? [u.value.email] : []))
})

const deliver = (mail: Mail) =>
  mail.to.length === 0
    ? Effect.fail(new NotifyError({ notifier: "none", message: "no recipient in the VM's company", retryable: false }))
    : Notifier.use((notifier) => notifier.send(mail))

/** One rule: judge its window; on a change, mail and record it. Yields the event recorded, if any. */
const evaluateRule = Effect.fn("alarms.evaluateRule")(function* (
  rule: AlarmRule,
  firing: boolean,
  at: Date,
  policy: MetricsPolicy,
) {
  const store = yield* Store
  const found = yield* store.vms.get(rule.vmId).pipe(Effect.option)
  if (found._tag === "None") return undefined
  const vm = found.value
  // R1: only VMs whose monitoring is installed have alarms; a VM in the recycle bin is not watched.
  if (!vm.monitoringInstalled || vm.recycledAt !== null) return undefined
  const windowStart = new Date(at.getTime() - rule.durationMinutes * 60_000)
  const samples = yield* store.metrics.series(vm.id, "raw", windowStart, new Date(at.getTime() + 1))
  const verdict = judge({ ...rule, firing, now: at, intervalMs: Duration.toMillis(policy.interval), samples })
  if (verdict._tag === "hold") return undefined
  const kind = verdict._tag === "fire" ? "fired" : "recovered"
  const to = yield* addressesFor(rule, vm)
  const mail = alarmMail({ ...rule, kind, to, vm, valuePercent: verdict.valuePercent, at })
  const sent = yield* Effect.result(deliver(mail))
  if (sent._tag === "Failure" && sent.failure.retryable) {
    // Not recorded: the alarm's state has not changed yet, so the next round judges and sends again.
    yield* Effect.logWarning(`alarm ${rule.id}: mail not sent, will try again: ${sent.failure.message}`)
    return undefined
  }
  const event: AlarmEvent = {
    id: randomUUID(),
    ruleId: rule.id,
    vmId: vm.id,
    kind,
    metric: rule.metric,
    valuePercent: verdict.valuePercent,
    thresholdPercent: rule.thresholdPercent,
    at,
    recipients: to,
    delivered: sent._tag === "Success",
    error: sent._tag === "Failure" ? sent.failure.message : null,
  }
  yield* store.alarmEvents.insert(event)
  if (kind === "fired") yield* store.alarmRules.update(rule.id, { lastFiredAt: at })
  // M2: an open monitoring tab shows the change without a reload
  yield* EventBus.use((bus) =>
    bus.publish({
      _tag: "vm-alarm",
      ...scopeOf(vm),
      vmId: vm.id,
      ruleId: rule.id,
      kind,
      metric: rule.metric,
      valuePercent: verdict.valuePercent,
      thresholdPercent: rule.thresholdPercent,
      at,
    }),
  )
  return event
})

/**
 * R1, M2: one evaluation round over every enabled alarm rule, a plain effect: the agent runs it every interval
 * now, and the cluster's leader will run it once the cluster lands (#16), so that one agent mails, not every one.
 * A firing alarm mails once when it fires and once when it recovers; while it stays on, nothing more. Each change is
 * also a `vm-alarm` event on the bus. Yields what fired and recovered in this round. A rule that fails (the store is
 * away) is logged; the others go on.
 */
export const evaluateAlarms = Effect.fn("alarms.evaluate")(function* (policy: MetricsPolicy = defaultMetricsPolicy) {
  const store = yield* Store
  const at = yield* now
  const rules = yield* store.alarmRules.list({ enabled: true })
  const latest = yield* store.alarmEvents.latestByRule(rules.map((r) => r.id))
  const firing = new Set(latest.filter((e) => e.kind === "fired").map((e) => e.ruleId))
  const events = yield* Effect.forEach(
    rules,
    (rule) =>
      evaluateRule(rule, firing.has(rule.id), at, policy).pipe(
        Effect.catchCause((cause) =>
          Effect.logError(`alarm ${rule.id} could not be evaluated`, cause).pipe(Effect.as(undefined)),
        ),
      ),
    { concurrency: 4 },
  )
  return events.filter((e): e is AlarmEvent => e !== undefined)
})

/** The evaluation every collector interval, for as long as the surrounding scope lives (the agent's jobs). */
export const runAlarmEvaluator = (policy: MetricsPolicy = defaultMetricsPolicy) =>
  Effect.forever(
    evaluateAlarms(policy).pipe(
      Effect.catchCause((cause) => Effect.logError("an alarm round failed", cause)),
      Effect.andThen(Effect.sleep(policy.interval)),
    ),
  )
