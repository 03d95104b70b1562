/**
 * One row per VM with what a search by name tests and sums, under vms's column names, kept by a trigger on vms
 * (migration 2026_12_06_0301): the totals of a search by name read these narrow rows instead of the VMs' own.
 */
export interface VmSearchTable {
  id: string
  searchText: string
  defaultIp: string | null
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
