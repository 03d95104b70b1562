import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import { NotFound } from "../errors.ts"
import type { AlarmMetric, AlarmRule } from "../model/extras.ts"
import { now } from "../operations/clock.ts"
import { loadVisibleVm, vmContext } from "../operations/vm-context.ts"
import type { Actor } from "../rules/context.ts"
import { regularRules } from "../rules/regular.ts"
import { checkRules } from "../rules/rule.ts"
import { Store } from "../store/ports.ts"

export interface AlarmInput {
  readonly metric: AlarmMetric
  readonly thresholdPercent: number
  readonly durationMinutes: number
  readonly recipientUserIds: ReadonlyArray<string>
  readonly enabled?: boolean
}

export type AlarmPatch = Partial<Omit<AlarmInput, "metric">>

/** A rule with whether its alarm is on now (its newest history event is a firing). */
export interface AlarmView extends AlarmRule {
  readonly firing: boolean
}

const ruleOfVm = Effect.fn("alarms.ruleOfVm")(function* (vmId: string, alarmId: string) {
  const store = yield* Store
  const rule = yield* store.alarmRules.get(alarmId)
  if (rule.vmId !== vmId) return yield* new NotFound({ resource: "alarm-rule", id: alarmId })
  return rule
})

/** R1 for a caller who may see the VM: monitoring installed, not recycled, recipients of the VM's company. */
const checkAlarm = Effect.fn("alarms.check")(function* (
  actor: Actor,
  vmId: string,
  recipientIds: ReadonlyArray<string>,
) {
  const store = yield* Store
  const vm = yield* loadVisibleVm(actor, vmId)
  const recipients = yield* Effect.forEach([...new Set(recipientIds)], (id) =>
    store.users.get(id).pipe(Effect.mapError(() => new NotFound({ resource: "user", id }))),
  )
  const context = { ...(yield* vmContext(actor, vm)), recipients }
  yield* checkRules("vm.alarm", regularRules.alarm, context)
  return vm
})

const withState = Effect.fn("alarms.withState")(function* (rules: ReadonlyArray<AlarmRule>) {
  const store = yield* Store
  const latest = yield* store.alarmEvents.latestByRule(rules.map((r) => r.id))
  const firing = new Set(latest.filter((e) => e.kind === "fired").map((e) => e.ruleId))
  return rules.map((rule): AlarmView => ({ ...rule, firing: firing.has(rule.id) }))
})

export const listAlarms = Effect.fn("alarms.list")(function* (actor: Actor, vmId: string) {
  const store = yield* Store
  yield* loadVisibleVm(actor, vmId)
  const rules = yield* store.alarmRules.list({ vmId })
  return yield* withState([...rules].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()))
})

export const createAlarm = Effect.fn("alarms.create")(function* (actor: Actor, vmId: string, input: AlarmInput) {
  const store = yield* Store
  yield* checkAlarm(actor, vmId, input.recipientUserIds)
  const rule = yield* store.alarmRules.insert({
    id: randomUUID(),
    vmId,
    metric: input.metric,
    thresholdPercent: input.thresholdPercent,
    durationMinutes: input.durationMinutes,
    recipientUserIds: [...new Set(input.recipientUserIds)],
    enabled: input.enabled ?? true,
    lastFiredAt: null,
    createdAt: yield* now,
  })
  return { ...rule, firing: false } satisfies AlarmView
})

export const updateAlarm = Effect.fn("alarms.update")(function* (
  actor: Actor,
  vmId: string,
  alarmId: string,
  patch: AlarmPatch,
) {
  const store = yield* Store
  yield* loadVisibleVm(actor, vmId)
  const rule = yield* ruleOfVm(vmId, alarmId)
  const recipientUserIds =
    patch.recipientUserIds === undefined ? rule.recipientUserIds : [...new Set(patch.recipientUserIds)]
  yield* checkAlarm(actor, vmId, recipientUserIds)
  const updated = yield* store.alarmRules.update(alarmId, { ...patch, recipientUserIds })
  const [view] = yield* withState([updated])
  return view ?? { ...updated, firing: false }
})

export const deleteAlarm = Effect.fn("alarms.delete")(function* (actor: Actor, vmId: string, alarmId: string) {
  const store = yield* Store
  yield* loadVisibleVm(actor, vmId)
  yield* ruleOfVm(vmId, alarmId)
  yield* store.alarmRules.remove(alarmId)
})

/** R1, M2: a VM's alarm history, newest first. */
export const alarmHistory = Effect.fn("alarms.history")(function* (actor: Actor, vmId: string, limit = 100) {
  const store = yield* Store
  yield* loadVisibleVm(actor, vmId)
  return yield* store.alarmEvents.list({ vmId, limit })
})
