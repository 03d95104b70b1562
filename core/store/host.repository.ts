import { Effect } from "effect"
import type { Kysely } from "kysely"
import { AffinityGroup, Host, HostDevice } from "../model/index.ts"
import { codecOf } from "./codec.ts"
import type { HostDeviceRepository, Repository } from "./ports.ts"
import { makeRepository } from "./repository.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"

export interface HostRepositories {
  readonly hosts: Repository<Host>
  readonly hostDevices: HostDeviceRepository
  readonly affinityGroups: Repository<AffinityGroup>
}

const hostDeviceCodec = codecOf(HostDevice)

const makeHostDeviceRepository = (db: Kysely<DB>): HostDeviceRepository => {
  const plain = makeRepository(db, { table: "hostDevices", resource: "host-device", codec: hostDeviceCodec })
  const claim = Effect.fn("host-device.claim")(function* (ids: ReadonlyArray<string>, vmId: string) {
    if (ids.length === 0) return []
    const rows = yield* run("host-device.claim", async () => {
      const partial = Symbol("partial claim")
      try {
        return await db.transaction().execute(async (trx) => {
          const claimed = await trx
            .updateTable("hostDevices")
            .set({ vmId })
            .where("id", "in", ids)
            .where("vmId", "is", null)
            .where("present", "=", true)
            .where((w) => w.or([w("kind", "<>", "gpu"), w("iommuGroup", "is not", null)]))
            .returningAll()
            .execute()
          // all or none: failing the transaction takes back a partial claim
          if (claimed.length !== ids.length) throw partial
          return claimed
        })
      } catch (error) {
        if (error === partial) return undefined
        throw error
      }
    })
    return rows === undefined ? undefined : rows.map(hostDeviceCodec.decode)
  })
  const release = Effect.fn("host-device.release")(function* (ids: ReadonlyArray<string>, vmId: string) {
    if (ids.length === 0) return
    yield* run("host-device.release", () =>
      db.updateTable("hostDevices").set({ vmId: null }).where("id", "in", ids).where("vmId", "=", vmId).execute(),
    )
  })
  return { ...plain, claim, release }
}

export const makeHostRepositories = (db: Kysely<DB>): HostRepositories => ({
  hosts: makeRepository(db, { table: "hosts", resource: "host", codec: codecOf(Host, { json: ["networkIds"] }) }),
  hostDevices: makeHostDeviceRepository(db),
  affinityGroups: makeRepository(db, {
    table: "affinityGroups",
    resource: "affinity-group",
    codec: codecOf(AffinityGroup),
  }),
})
