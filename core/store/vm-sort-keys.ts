// The columns the VM list sorts by. Free of imports so that the browser widgets can share the list.
export const vmSortKeys = [
  "displayName",
  "hostname",
  "state",
  "createdAt",
  "cpus",
  "memoryMiB",
  "diskGiB",
  "ownerName",
  "flavorName",
  "hostName",
] as const
export type VmSortKey = (typeof vmSortKeys)[number]
