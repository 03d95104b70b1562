import type { Vm } from "../model/vm.ts"
import type { Actor } from "../rules/context.ts"

/**
 * The platform's own acts (HA restarts, schedule runs, reclaim) are recorded as done by the system in the VM's
 * organisation, so that the VM's owner and admins see them in their task lists.
 */
export const systemActor = (vm: Vm): Actor => ({
  userId: "system",
  role: "superadmin",
  companyId: vm.companyId,
  departmentId: vm.departmentId,
})
