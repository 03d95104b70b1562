import { Effect } from "effect"
import { type Kysely, sql } from "kysely"
import { itemJoin, itemOf } from "./own-rows.ts"
import type { ItemRef, VmLockRepository } from "./ports.ts"
import { preparedMark } from "./prepared.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"
import { shapedStatements } from "./shaped-statement.ts"
import { affinityGroupIdsOf, vmCodec } from "./vm.codec.ts"
import { vmFactsColumns, vmFactsOf } from "./vm-facts.ts"

/** Prefix match in LIKE: % _ and \ in a holder's name are literal. */
const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

export const makeVmLockRepository = (db: Kysely<DB>): VmLockRepository => {
  // Compiled once per shape (with counts or not, which item), as the task's statements (shaped-statement.ts).
  const statements = shapedStatements()

  // One round trip (a statement prepared once per connection): the conditional upsert claims a free lock of an
  // existing VM (a held one is left alone), and the select reads the VM (its counts and the item the operation acts
  // on, if asked) in the same statement. Under READ COMMITTED the select sees every write committed before the
  // statement began, so a claim that succeeds reads as fresh as any read under the lock.
  const claim = Effect.fnUntraced(function* claim(
    vmId: string,
    holder: string,
    operation: string,
    at: Date,
    options: { readonly facts?: boolean; readonly item?: ItemRef } = {},
  ) {
    const facts = options.facts === true
    const shape = `${facts}|${options.item?.kind ?? ""}`
    const query = statements(shape, [vmId, holder, operation, at, options.item?.id], (slot) => {
      const id = slot(0)
      const counts = facts ? sql`, ${vmFactsColumns(id)}` : sql``
      const item = options.item === undefined ? { columns: sql``, join: sql`` } : itemJoin(options.item.kind, slot(4))
      return sql`${sql.raw(preparedMark)}
        with claim as (
          insert into vm_locks (vm_id, holder, operation, taken_at)
          select ${id}, ${slot(1)}, ${slot(2)}, ${slot(3)} where exists (select 1 from vms where id = ${id})
          on conflict (vm_id) do update
            set holder = excluded.holder, operation = excluded.operation, taken_at = excluded.taken_at
            where vm_locks.holder is null
          returning holder
        )
        select vms.*, ${affinityGroupIdsOf} as affinity_group_ids, (select holder from claim) as claimed_by ${counts}
          ${item.columns}
        from vms ${item.join} where vms.id = ${id}
      `.compile(db)
    })
    const { rows } = yield* run("vmLocks.claim", () =>
      db.executeQuery<Record<string, unknown> & { readonly claimedBy: string | null }>(query),
    )
    const row = rows[0]
    if (row === undefined) return { claimed: false, vm: undefined }
    // The VM's codec reads its own fields only: the counts and the item's columns beside them need no removing.
    const read = options.item === undefined ? {} : { item: itemOf(options.item, row) }
    return {
      claimed: row.claimedBy === holder,
      vm: vmCodec.decode(row),
      ...(facts ? { facts: vmFactsOf(row as never) } : {}),
      ...read,
    }
  })

  const release = Effect.fnUntraced(function* release(vmId: string, holder: string) {
    yield* run("vmLocks.release", () =>
      db
        .updateTable("vmLocks")
        .set({ holder: null, operation: null, takenAt: null })
        .where("vmId", "=", vmId)
        .where("holder", "=", holder)
        .execute(),
    )
  })

  const holder = Effect.fn("vmLocks.holder")(function* (vmId: string) {
    const row = yield* run("vmLocks.holder", () =>
      db.selectFrom("vmLocks").select("holder").where("vmId", "=", vmId).executeTakeFirst(),
    )
    return row?.holder ?? undefined
  })

  const releaseStale = Effect.fn("vmLocks.releaseStale")(function* (prefix: string, keep: string) {
    // The operation as it was held: the update's `returning` sees the new (freed) row, the CTE the old one.
    return yield* run("vmLocks.releaseStale", () =>
      db
        .with("stale", (db) =>
          db
            .selectFrom("vmLocks")
            .select(["vmId", "operation"])
            .where("holder", "like", likePrefix(prefix))
            .where("holder", "<>", keep)
            .forUpdate(),
        )
        .updateTable("vmLocks")
        .set({ holder: null, operation: null, takenAt: null })
        .from("stale")
        .whereRef("vmLocks.vmId", "=", "stale.vmId")
        .where("vmLocks.holder", "like", likePrefix(prefix))
        .where("vmLocks.holder", "<>", keep)
        .returning(["stale.vmId as vmId", "stale.operation as operation"])
        .execute(),
    )
  })

  return { claim, release, holder, releaseStale }
}
