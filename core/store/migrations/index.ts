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
import * as vmListIndexes from "./2026_12_06_0010_vm_list_indexes.ts"
import * as vmTotals from "./2026_12_06_0011_vm_totals.ts"
import * as vmLocks from "./2026_12_06_0012_vm_locks.ts"
import * as ipAddresses from "./2026_12_06_0020_ip_addresses.ts"
import * as clusterHosts from "./2026_12_06_0030_cluster_hosts.ts"
import * as metrics from "./2026_12_06_0040_metrics.ts"
import * as alarmEvents from "./2026_12_06_0041_alarm_events.ts"
import * as costs from "./2026_12_06_0042_costs.ts"
import * as vmPasswordPending from "./2026_12_06_0080_vm_password_pending.ts"
import * as reclaimNotices from "./2026_12_06_0100_reclaim_notices.ts"
import * as catalogRetired from "./2026_12_06_0101_catalog_retired.ts"
import * as vmListCovering from "./2026_12_06_0120_vm_list_covering.ts"
import * as vmHaPriority from "./2026_12_06_0140_vm_ha_priority.ts"
import * as hostDeviceInventory from "./2026_12_06_0170_host_device_inventory.ts"
import * as imageChecksums from "./2026_12_06_0171_image_checksums.ts"
import * as vmDefaultIp from "./2026_12_06_0190_vm_default_ip.ts"
import * as clusterSettings from "./2026_12_06_0200_cluster_settings.ts"
import * as vmKeyPairs from "./2026_12_06_0220_vm_key_pairs.ts"
import * as platformEvents from "./2026_12_06_0240_platform_events.ts"
import * as vmListKept from "./2026_12_06_0300_vm_list_kept.ts"
import * as seedImagePasswords from "./2026_12_07_0100_seed_image_passwords.ts"
import * as hostAgentStopped from "./2026_12_07_0110_host_agent_stopped.ts"

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
  "2026_12_06_0010_vm_list_indexes": vmListIndexes,
  "2026_12_06_0011_vm_totals": vmTotals,
  "2026_12_06_0012_vm_locks": vmLocks,
  "2026_12_06_0020_ip_addresses": ipAddresses,
  "2026_12_06_0030_cluster_hosts": clusterHosts,
  "2026_12_06_0040_metrics": metrics,
  "2026_12_06_0041_alarm_events": alarmEvents,
  "2026_12_06_0042_costs": costs,
  "2026_12_06_0080_vm_password_pending": vmPasswordPending,
  "2026_12_06_0100_reclaim_notices": reclaimNotices,
  "2026_12_06_0101_catalog_retired": catalogRetired,
  "2026_12_06_0120_vm_list_covering": vmListCovering,
  "2026_12_06_0140_vm_ha_priority": vmHaPriority,
  "2026_12_06_0170_host_device_inventory": hostDeviceInventory,
  "2026_12_06_0171_image_checksums": imageChecksums,
  "2026_12_06_0190_vm_default_ip": vmDefaultIp,
  "2026_12_06_0200_cluster_settings": clusterSettings,
  "2026_12_06_0220_vm_key_pairs": vmKeyPairs,
  "2026_12_06_0240_platform_events": platformEvents,
  "2026_12_06_0300_vm_list_kept": vmListKept,
  "2026_12_07_0100_seed_image_passwords": seedImagePasswords,
  "2026_12_07_0110_host_agent_stopped": hostAgentStopped,
}
