/**
 * One row per VM and tag, with the columns of the VM that a tagged list filters on and sums, kept by a trigger on vms
 * (migration 2026_12_06_0300): the totals of a tag filter come from its covering index.
 */
export interface VmTagsTable {
  vmId: string
  key: string
  value: string
  recycledAt: Date | null
  companyId: string
  departmentId: string
  ownerId: string
  state: string
  flavorId: string
  hostId: string | null
  imageId: string
  cpus: number
  memoryMiB: number
  diskGiB: number
}
