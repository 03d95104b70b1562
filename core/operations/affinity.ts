import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import { InvalidInput, NotFound } from "../errors.ts"
import type { AffinityGroup, AffinityPolicy } from "../model/host.ts"
import type { Actor } from "../rules/context.ts"
import { orgRules } from "../rules/org.ts"
import { type AffinityContext, regularRules } from "../rules/regular.ts"
import { checkRules } from "../rules/rule.ts"
import { Store } from "../store/ports.ts"
import { now } from "./clock.ts"
import { runVmOperation } from "./run-vm-operation.ts"
import type { RecordWork, VmOperation } from "./vm-operation.ts"

export interface AffinityGroupRequest {
  readonly name: string
  readonly policy: AffinityPolicy
  /** Default the caller's department. */
  readonly departmentId?: string
}

/** G1: the department whose groups are asked for; another one than the caller's is a superadmin's to see. */
const visibleDepartment = (actor: Actor, departmentId: string) =>
  actor.role === "superadmin" || actor.departmentId === departmentId
    ? Store.use((store) => store.departments.get(departmentId))
    : Effect.fail(new NotFound({ resource: "department", id: departmentId }))

/** R10, C3: a department's affinity groups (its users choose among them), by name. */
export const listAffinityGroups = Effect.fn("operations.listAffinityGroups")(function* (
  actor: Actor,
  departmentId: string = actor.departmentId,
) {
  const department = yield* visibleDepartment(actor, departmentId)
  const groups = yield* Store.use((store) => store.affinityGroups.list({ departmentId: department.id }))
  return [...groups].sort((a, b) => a.name.localeCompare(b.name))
})

/** R10: an admin makes a group for their department (a superadmin for any): affinity or anti-affinity. */
export const createAffinityGroup = Effect.fn("operations.createAffinityGroup")(function* (
  actor: Actor,
  request: AffinityGroupRequest,
) {
  const store = yield* Store
  const name = request.name.trim()
  if (name === "" || name.length > 64)
    return yield* new InvalidInput({ message: "A group's name is 1 to 64 characters" })
  const department = yield* store.departments.get(request.departmentId ?? actor.departmentId)
  yield* checkRules("org.department-edit", orgRules["org.department-edit"], { actor, department })
  const group: AffinityGroup = {
    id: randomUUID(),
    departmentId: department.id,
    name,
    policy: request.policy,
    createdAt: yield* now,
  }
  return yield* store.affinityGroups.insert(group)
})

/** R10: an admin deletes one of their department's groups; its VMs leave it (their next placement ignores it). */
export const deleteAffinityGroup = Effect.fn("operations.deleteAffinityGroup")(function* (actor: Actor, id: string) {
  const store = yield* Store
  const group = yield* store.affinityGroups.get(id)
  const department = yield* visibleDepartment(actor, group.departmentId).pipe(
    Effect.catchTag("NotFound", () => Effect.fail(new NotFound({ resource: "affinity group", id }))),
  )
  yield* checkRules("org.department-edit", orgRules["org.department-edit"], { actor, department })
  yield* store.affinityGroups.remove(id)
})

/**
 * R10: the groups a stopped VM belongs to (joining and leaving is setting the list), several at once, all its
 * department's. Placement reads them when the VM is placed again (HA failover; cluster placement at start).
 */
export const affinityOperation: VmOperation<
  "full",
  ReadonlyArray<string>,
  AffinityContext,
  void,
  RecordWork<AffinityContext, void, unknown>
> = {
  operation: "vm.affinity",
  reads: "full",
  context: (base, ids) =>
    Effect.map(
      Effect.forEach([...new Set(ids)], (id) => Store.use((store) => store.affinityGroups.get(id))),
      (groups) => ({ ...base, groups }),
    ),
  rules: regularRules.affinity,
  task: ({ vm, groups }) => ({ params: { from: vm.affinityGroupIds, to: groups.map((g) => g.id) } }),
  work: {
    kind: "record",
    write: ({ vm, groups }) =>
      Effect.map(
        Store.use((store) => store.vms.update(vm.id, { affinityGroupIds: groups.map((g) => g.id) }, vm.version)),
        (written) => ({ affinityGroupIds: written.affinityGroupIds }),
      ),
  },
}

/** R10: returns the finished task. */
export const setAffinityGroups = (actor: Actor, vmId: string, groupIds: ReadonlyArray<string>) =>
  runVmOperation(affinityOperation, actor, vmId, groupIds)
