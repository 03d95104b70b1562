/**
 * L5 totals per (company, department, owner, state, flavor, recycled), kept by triggers on vms (migration
 * 2026_12_06_0011): vm_totals, and vm_totals_deltas not folded into it yet (same columns, several rows per key).
 */
export interface VmTotalsTable {
  companyId: string
  departmentId: string
  ownerId: string
  state: string
  flavorId: string
  recycled: boolean
  vms: string
  cpus: string
  memoryMiB: string
  diskGiB: string
}
