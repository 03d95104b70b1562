import { Effect, type Scope } from "effect"
import type { StoreError } from "../errors.ts"
import { makeAlarmEventRepository } from "./alarm-events.repository.ts"
import { makeCatalogRepositories } from "./catalog.repository.ts"
import { makeClusterSettingsRepository } from "./cluster-settings.repository.ts"
import { makeCostRepository } from "./cost.repository.ts"
import { type Database, type DatabaseOptions, openDatabase } from "./database.ts"
import { makeExtrasRepositories } from "./extras.repository.ts"
import { makeFiguresRepository } from "./figures.repository.ts"
import { makeHostRepositories } from "./host.repository.ts"
import { makeIpamRepository } from "./ipam.repository.ts"
import { makeMetricsRepository } from "./metrics.repository.ts"
import { migrateToLatest } from "./migrator.ts"
import { makeNetworkRepositories } from "./network.repository.ts"
import { makeOrgRepositories } from "./org.repository.ts"
import { makePlatformEventRepository } from "./platform-events.repository.ts"
import { Store } from "./ports.ts"
import { makeQuotaRepository } from "./quota.repository.ts"
import { makeReclaimNoticeRepository } from "./reclaim-notices.repository.ts"
import { makeStorageRepositories } from "./storage.repository.ts"
import { makeTaskRepository } from "./task.repository.ts"
import { makeVmRepository } from "./vm.repository.ts"
import { makeVmLockRepository } from "./vm-lock.repository.ts"
import { makeVmSecretRepository } from "./vm-secret.repository.ts"

/** The Store over an open (and migrated) database. */
export const makeStore = ({ db, dialect }: Database): Store["Service"] =>
  Store.of({
    dialect,
    vms: makeVmRepository(db),
    tasks: makeTaskRepository(db),
    vmLocks: makeVmLockRepository(db),
    quotas: makeQuotaRepository(db),
    metrics: makeMetricsRepository(db),
    figures: makeFiguresRepository(db),
    alarmEvents: makeAlarmEventRepository(db),
    platformEvents: makePlatformEventRepository(db),
    reclaimNotices: makeReclaimNoticeRepository(db),
    clusterSettings: makeClusterSettingsRepository(db),
    vmSecrets: makeVmSecretRepository(db),
    costs: makeCostRepository(db),
    ipam: makeIpamRepository(db),
    ...makeOrgRepositories(db),
    ...makeCatalogRepositories(db),
    ...makeHostRepositories(db),
    ...makeStorageRepositories(db),
    ...makeNetworkRepositories(db),
    ...makeExtrasRepositories(db),
  })

/** Migrate an open database to the latest schema and put the Store over it. */
export const storeOver = (database: Database): Effect.Effect<Store["Service"], StoreError> =>
  migrateToLatest(database.db).pipe(Effect.as(makeStore(database)))

/** Open, migrate, and serve the Store for the life of the scope. */
export const openStore = (options: DatabaseOptions): Effect.Effect<Store["Service"], StoreError, Scope.Scope> =>
  openDatabase(options).pipe(Effect.flatMap(storeOver))
