import type { Migration } from "kysely"
import * as org from "./2026_11_26_0001_org.ts"
import * as catalog from "./2026_11_26_0002_catalog.ts"
import * as vms from "./2026_11_26_0003_vms.ts"
import * as storage from "./2026_11_26_0004_storage.ts"
import * as tasks from "./2026_11_26_0005_tasks.ts"
import * as vmSearchText from "./2026_11_26_0006_vm_search_text.ts"
import * as disksVmSize from "./2026_11_26_0007_disks_vm_size.ts"
import * as vmDiskGib from "./2026_11_26_0008_vm_disk_gib.ts"
import * as vmTagsIndex from "./2026_11_26_0009_vm_tags_index.ts"
import * as clusterHosts from "./2026_12_06_0030_cluster_hosts.ts"

/** Every migration, by name; names sort in the order they run. Add new files here. */
export const migrations: Readonly<Record<string, Migration>> = {
  "2026_11_26_0001_org": org,
  "2026_11_26_0002_catalog": catalog,
  "2026_11_26_0003_vms": vms,
  "2026_11_26_0004_storage": storage,
  "2026_11_26_0005_tasks": tasks,
  "2026_11_26_0006_vm_search_text": vmSearchText,
  "2026_11_26_0007_disks_vm_size": disksVmSize,
  "2026_11_26_0008_vm_disk_gib": vmDiskGib,
  "2026_11_26_0009_vm_tags_index": vmTagsIndex,
  "2026_12_06_0030_cluster_hosts": clusterHosts,
}
