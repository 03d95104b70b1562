/**
 * The tables the list keeps beside vms (migration 2026_12_06_0300), filled by a trigger on vms, with vms's column
 * names so that the list's filters apply to them unchanged: what a tag filter or a search tests and sums.
 */
interface VmListedColumns {
  /** The VM's id. */
  id: string
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

/** One row per VM and tag: a tag filter's totals from its covering index. */
export interface VmTagsTable extends VmListedColumns {
  key: string
  value: string
}

/** One row per VM: a name search's totals from these narrow rows and their trigram index. */
export interface VmSearchTable extends VmListedColumns {
  searchText: string
  defaultIp: string | null
}
