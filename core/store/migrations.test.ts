import assert from "node:assert/strict"
import { after, before, describe, it } from "node:test"
import { Effect, Exit, Scope } from "effect"
import { type Kysely, sql } from "kysely"
import type { Database } from "./database.ts"
import { migrations } from "./migrations/index.ts"
import { migrateDown, migrateToLatest } from "./migrator.ts"
import { Store } from "./ports.ts"
import type { DB } from "./schema.ts"
import { makeStore } from "./store.ts"
import { insertWorld, sampleBundle, sampleRows, sampleWorld, storeBackends } from "./testing.ts"

const allTables = [
  "affinity_groups",
  "alarm_rules",
  "api_tokens",
  "backups",
  "companies",
  "departments",
  "disks",
  "flavors",
  "host_devices",
  "hosts",
  "images",
  "key_pairs",
  "networks",
  "nics",
  "prices",
  "quotas",
  "schedules",
  "snapshots",
  "subnets",
  "tasks",
  "users",
  "vm_affinity_groups",
  "vm_totals",
  "vm_totals_deltas",
  "vms",
]

/**
 * Tables added after 0011 (#12: VM locks; #15: IP addresses; #20: metrics, alarms, cost; #21: events; #16: cluster
 * settings; #18: VM key pairs; #23: VM tags and search rows); undone first below.
 */
const laterTables = [
  "alarm_events",
  "cluster_settings",
  "ip_addresses",
  "metric_samples",
  "platform_events",
  "reclaim_notices",
  "vm_daily_costs",
  "vm_holdings",
  "vm_key_pairs",
  "vm_locks",
  "vm_search",
  "vm_tags",
]
const latestTables = [...allTables, ...laterTables].sort()
/** Migrations after the list's (metrics, alarms, costs, …): each adds tables of its own, undone first below. */
const laterMigrations = Object.keys(migrations).filter((name) => name > "2026_12_06_0011_vm_totals")

/** The application's tables (Kysely's own bookkeeping left out). */
const tables = (db: Kysely<DB>) =>
  Effect.promise(async () => {
    const { rows } = await sql<{ name: string }>`
      select table_name as name from information_schema.tables
      where table_schema = 'public' and table_name not like 'kysely%' order by table_name
    `.execute(db)
    return rows.map((row) => row.name)
  })

for (const backend of storeBackends) {
  describe(`store on ${backend.name}: migrations`, { skip: backend.skip }, () => {
    // One database for this file: the tests below run in order on it.
    let scope: Scope.Closeable | undefined
    let database: Database | undefined
    before(async () => {
      scope = await Effect.runPromise(Scope.make())
      database = await Effect.runPromise(backend.database().pipe(Scope.provide(scope)))
    })
    after(() => (scope === undefined ? undefined : Effect.runPromise(Scope.close(scope, Exit.void))))
    const open = () => {
      assert.ok(database, "the database did not open")
      return database
    }

    it("migrations run to the latest, down step by step and all the way, and up again", () =>
      Effect.runPromise(
        Effect.gen(function* () {
          const { db } = open()
          const names = Object.keys(migrations)
          assert.deepEqual(yield* migrateToLatest(db), names)
          assert.deepEqual(yield* tables(db), latestTables)
          assert.deepEqual(yield* migrateToLatest(db), [])
          assert.deepEqual(yield* migrateDown(db, laterMigrations.length), [...laterMigrations].reverse())

          const withoutTotals = allTables.filter((table) => !table.startsWith("vm_totals"))
          assert.deepEqual(yield* migrateDown(db, 1), ["2026_12_06_0011_vm_totals"])
          assert.deepEqual(yield* tables(db), withoutTotals)
          // The five next only add columns and indexes: every other table is still there after undoing them.
          assert.deepEqual(yield* migrateDown(db, 5), [
            "2026_12_06_0010_vm_list_indexes",
            "2026_11_26_0009_vm_tags_index",
            "2026_11_26_0008_vm_disk_gib",
            "2026_11_26_0007_disks_vm_size",
            "2026_11_26_0006_vm_search_text",
          ])
          assert.deepEqual(yield* tables(db), withoutTotals)
          assert.deepEqual(yield* migrateDown(db, 1), ["2026_11_26_0005_tasks"])
          assert.deepEqual(
            yield* tables(db),
            withoutTotals.filter((table) => table !== "tasks"),
          )
          assert.deepEqual(yield* migrateDown(db), names.slice(0, -(7 + laterMigrations.length)).reverse())
          assert.deepEqual(yield* tables(db), [])

          assert.deepEqual(yield* migrateToLatest(db), names)
          assert.deepEqual(yield* tables(db), latestTables)
        }),
      ))

    it("the store works on the re-migrated schema; sessions run in UTC; columns are snake_case", () =>
      Effect.runPromise(
        Effect.gen(function* () {
          const opened = open()
          yield* migrateToLatest(opened.db)
          const world = yield* insertWorld(sampleWorld())
          const bundle = sampleBundle(world)
          const store = yield* Store
          yield* store.vms.insertBundles([bundle])
          assert.deepEqual(yield* store.vms.get(bundle.vm.id), bundle.vm)

          const { rows } = yield* Effect.promise(() =>
            sql<{ timeZone: string }>`select current_setting('TimeZone') as "timeZone"`.execute(opened.db),
          )
          assert.equal(rows[0]?.timeZone, "UTC")
          const columns = yield* Effect.promise(async () => {
            const result = await sql<{ name: string }>`
              select column_name as name from information_schema.columns where table_name = 'vms'
            `.execute(opened.db)
            return result.rows.map((row) => row.name)
          })
          for (const column of ["memory_mib", "cores_per_socket", "recycled_at", "display_name"]) {
            assert.ok(columns.includes(column), `vms.${column}`)
          }
        }).pipe(Effect.provideService(Store, makeStore(open()))),
      ))

    it("#15 0020 puts the addresses the NICs already hold into IPAM's ledger", () =>
      Effect.runPromise(
        Effect.gen(function* () {
          const { db } = open()
          const store = yield* Store
          const world = yield* insertWorld(sampleWorld())
          const bundle = sampleBundle(world, { nic: { primaryIp: "10.9.0.10", secondaryIps: ["10.9.0.11"] } })
          yield* store.vms.insertBundles([bundle])
          const since0020 = laterMigrations.filter((name) => name >= "2026_12_06_0020_ip_addresses")
          assert.deepEqual(yield* migrateDown(db, since0020.length), [...since0020].reverse())
          assert.deepEqual(yield* migrateToLatest(db), since0020)
          const ledger = yield* store.ipam.list({ subnetId: world.subnet.id })
          const nicId = bundle.nics[0]?.id ?? ""
          assert.deepEqual(ledger, [
            { subnetId: world.subnet.id, nicId, kind: "primary", address: "10.9.0.10" },
            { subnetId: world.subnet.id, nicId, kind: "secondary", address: "10.9.0.11" },
          ])
        }).pipe(Effect.provideService(Store, makeStore(open()))),
      ))

    it("R6 R11 0100 lets the seeded tiny guest's VMs have their password set and shown; other images keep theirs", () =>
      Effect.runPromise(
        Effect.gen(function* () {
          const { db } = open()
          const store = yield* Store
          const kernel = { kind: "kernel" as const, kernel: "/k", initrd: "/i", cmdline: "console=ttyS0" }
          yield* store.images.insert(sampleRows.image({ id: "tiny-linux", boot: kernel, passwordManaged: false }))
          const other = yield* store.images.insert(sampleRows.image({ passwordManaged: false }))
          const since0100 = laterMigrations.filter((name) => name >= "2026_12_07_0100_seed_image_passwords")
          assert.deepEqual(yield* migrateDown(db, since0100.length), [...since0100].reverse())
          assert.deepEqual(yield* migrateToLatest(db), since0100)
          assert.equal((yield* store.images.get("tiny-linux")).passwordManaged, true)
          assert.equal((yield* store.images.get(other.id)).passwordManaged, false)
        }).pipe(Effect.provideService(Store, makeStore(open()))),
      ))

    it("L5 0008 gives the VMs already there the sum of their attached disks", () =>
      Effect.runPromise(
        Effect.gen(function* () {
          const { db } = open()
          const store = yield* Store
          const world = yield* insertWorld(sampleWorld())
          const bundle = sampleBundle(world, { disk: { sizeGiB: 25 } })
          const data = sampleRows.disk({ departmentId: world.department.id, ownerId: world.user.id })
          yield* store.vms.insertBundles([{ ...bundle, disks: [...bundle.disks, { ...data, vmId: bundle.vm.id }] }])
          const bare = sampleBundle(world)
          yield* store.vms.insertBundles([{ ...bare, disks: [] }])

          // Down and up again past 0008; 0011 then counts the VMs already there into the kept totals (L5).
          const since0008 = [
            "2026_11_26_0008_vm_disk_gib",
            "2026_11_26_0009_vm_tags_index",
            "2026_12_06_0010_vm_list_indexes",
            "2026_12_06_0011_vm_totals",
            ...laterMigrations,
          ]
          assert.deepEqual(yield* migrateDown(db, since0008.length), [...since0008].reverse())
          assert.deepEqual(yield* migrateToLatest(db), since0008)
          const page = yield* store.vms.query({ scope: { departmentId: world.department.id } })
          const listed = Object.fromEntries(page.rows.map((row) => [row.vm.id, row.diskGiB]))
          assert.deepEqual(listed, { [bundle.vm.id]: 25 + data.sizeGiB, [bare.vm.id]: 0 })
          assert.equal(page.totals.diskGiB, 25 + data.sizeGiB)
        }).pipe(Effect.provideService(Store, makeStore(open()))),
      ))
  })
}
