import type { AlarmEventsTable } from "./alarm-events.table.ts"
import type { FlavorsTable, ImagesTable } from "./catalog.table.ts"
import type { ClusterSettingsTable } from "./cluster-settings.table.ts"
import type { VmDailyCostsTable, VmHoldingsTable } from "./cost.table.ts"
import type { AlarmRulesTable, KeyPairsTable, VmKeyPairsTable } from "./extras.table.ts"
import type { AffinityGroupsTable, HostDevicesTable, HostsTable } from "./host.table.ts"
import type { MetricSamplesTable } from "./metrics.table.ts"
import type { IpAddressesTable, NetworksTable, NicsTable, SubnetsTable } from "./network.table.ts"
import type {
  ApiTokensTable,
  CompaniesTable,
  DepartmentsTable,
  PricesTable,
  QuotasTable,
  UsersTable,
} from "./org.table.ts"
import type { PlatformEventsTable } from "./platform-events.table.ts"
import type { ReclaimNoticesTable } from "./reclaim-notices.table.ts"
import type { BackupsTable, DisksTable, SchedulesTable, SnapshotsTable } from "./storage.table.ts"
import type { TasksTable } from "./task.table.ts"
import type { VmAffinityGroupsTable, VmsTable } from "./vm.table.ts"
import type { VmSearchTable, VmTagsTable } from "./vm-list-kept.table.ts"
import type { VmLocksTable } from "./vm-lock.table.ts"
import type { VmTotalsTable } from "./vm-totals.table.ts"

/** The whole database as Kysely sees it (camelCase; the plugin maps to the snake_case columns). */
export interface DB {
  companies: CompaniesTable
  departments: DepartmentsTable
  users: UsersTable
  apiTokens: ApiTokensTable
  quotas: QuotasTable
  prices: PricesTable
  flavors: FlavorsTable
  images: ImagesTable
  hosts: HostsTable
  clusterSettings: ClusterSettingsTable
  hostDevices: HostDevicesTable
  affinityGroups: AffinityGroupsTable
  vms: VmsTable
  vmAffinityGroups: VmAffinityGroupsTable
  vmTotals: VmTotalsTable
  vmTotalsDeltas: VmTotalsTable
  vmTags: VmTagsTable
  vmSearch: VmSearchTable
  vmLocks: VmLocksTable
  disks: DisksTable
  snapshots: SnapshotsTable
  backups: BackupsTable
  schedules: SchedulesTable
  networks: NetworksTable
  subnets: SubnetsTable
  nics: NicsTable
  ipAddresses: IpAddressesTable
  keyPairs: KeyPairsTable
  vmKeyPairs: VmKeyPairsTable
  alarmRules: AlarmRulesTable
  tasks: TasksTable
  metricSamples: MetricSamplesTable
  alarmEvents: AlarmEventsTable
  platformEvents: PlatformEventsTable
  reclaimNotices: ReclaimNoticesTable
  vmHoldings: VmHoldingsTable
  vmDailyCosts: VmDailyCostsTable
}
