import { Schema } from "effect"
import { Id, NonNegativeInt, Timestamp } from "./common.ts"
import { AlarmMetric } from "./extras.ts"
import { Task } from "./task.ts"
import { VmState } from "./vm.ts"

/** Where an event belongs, so that streams can filter it by the caller's scope (G1). */
const Scope = { companyId: Id, departmentId: Id, ownerId: Id }

export const TaskEvent = Schema.TaggedStruct("task", { ...Scope, task: Task, at: Timestamp })
export type TaskEvent = typeof TaskEvent.Type

/** A VM changed state; cause "platform" for our own operations, "outside" for what the driver saw happen. */
export const VmStateEvent = Schema.TaggedStruct("vm-state", {
  ...Scope,
  vmId: Id,
  from: VmState,
  to: VmState,
  cause: Schema.Literals(["platform", "outside", "recovery"]),
  reason: Schema.String,
  at: Timestamp,
})
export type VmStateEvent = typeof VmStateEvent.Type

export const VmRemovedEvent = Schema.TaggedStruct("vm-removed", { ...Scope, vmId: Id, at: Timestamp })

/**
 * R9: a live migration's progress, sampled on the source host (at most twice a second, and at every phase change):
 * what was sent, what remains, how fast the guest dirties memory, the pause the hypervisor expects at the switch-over.
 */
export const VmMigrationEvent = Schema.TaggedStruct("vm-migration", {
  ...Scope,
  vmId: Id,
  taskId: Id,
  phase: Schema.Literals(["disks", "memory", "post-copy", "completed", "failed", "cancelled"]),
  transferredBytes: NonNegativeInt,
  remainingBytes: NonNegativeInt,
  dirtyPagesRate: NonNegativeInt,
  expectedDowntimeMs: NonNegativeInt,
  at: Timestamp,
})
export type VmMigrationEvent = typeof VmMigrationEvent.Type

/** R1 M2: one of the VM's alarm rules fired or recovered (the round that mailed it; its history has the line). */
export const VmAlarmEvent = Schema.TaggedStruct("vm-alarm", {
  ...Scope,
  vmId: Id,
  ruleId: Id,
  kind: Schema.Literals(["fired", "recovered"]),
  metric: AlarmMetric,
  valuePercent: Schema.Number,
  thresholdPercent: Schema.Number,
  at: Timestamp,
})
export type VmAlarmEvent = typeof VmAlarmEvent.Type

export const PlatformEvent = Schema.Union([TaskEvent, VmStateEvent, VmRemovedEvent, VmMigrationEvent, VmAlarmEvent])
export type PlatformEvent = typeof PlatformEvent.Type
