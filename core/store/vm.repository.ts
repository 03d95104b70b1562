import { Clock, Effect } from "effect"
import { type Kysely, sql } from "kysely"
import { NotFound, RuleViolation, VersionConflict } from "../errors.ts"
import { IpamRefusal } from "../ipam/errors.ts"
import type { Nic, Vm } from "../model/index.ts"
import { type Admission, admit } from "./admission.ts"
import { applyDiskGiBChanges, diskCodec, diskGiBChanges } from "./disk.repository.ts"
import { allocateIn } from "./ipam.repository.ts"
import { nicCodec } from "./network.repository.ts"
import type { VmBundle, VmFilter, VmRepository } from "./ports.ts"
import { untyped } from "./repository.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"
import { affinityGroupIdsOf, vmCodec } from "./vm.codec.ts"
import { vmDetailReads } from "./vm-detail.ts"
import { vmFacts, vmFactsColumns, vmFactsOf } from "./vm-facts.ts"
import { queryVms, type VmQuery } from "./vm-query.ts"
import { queryVmSheet, type VmListField } from "./vm-sheet.ts"

/** Columns of the vms row; affinity groups live in their own table. */
const vmColumns = (vm: Partial<Vm>) => {
  const { affinityGroupIds: _, ...columns } = vmCodec.encode(vm)
  return columns
}

const memberships = (vmId: string, groupIds: ReadonlyArray<string>) =>
  groupIds.map((affinityGroupId, position) => ({ vmId, affinityGroupId, position }))

/** Every VM column plus its affinity groups, in order. */
const selectVms = (db: Kysely<DB>) =>
  db.selectFrom("vms").selectAll("vms").select(affinityGroupIdsOf.as("affinityGroupIds"))

/** LIKE treats % _ and \ as special; a display name prefix must match literally. */
export const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

/**
 * C6, C8: the NICs' primary addresses from IPAM's ledger, in the insert's transaction: a fixed one as given, an empty
 * one the subnet's next free one. IPAM's refusal (no free IP, address taken) rolls the whole batch back.
 */
const withAddresses = async (trx: Kysely<DB>, bundles: ReadonlyArray<VmBundle>): Promise<ReadonlyArray<Nic>> => {
  const nics = bundles.flatMap((bundle) => bundle.nics)
  if (nics.length === 0) return []
  const allocations = await allocateIn(
    trx,
    nics.map((nic) => ({
      subnetId: nic.subnetId,
      nicId: nic.id,
      kind: "primary" as const,
      ...(nic.primaryIp === "" ? {} : { address: nic.primaryIp }),
    })),
  )
  const addressOf = new Map(allocations.map((allocation) => [allocation.nicId, allocation.address]))
  return nics.map((nic) => ({ ...nic, primaryIp: addressOf.get(nic.id) ?? nic.primaryIp }))
}

/**
 * Each VM's default NIC's address (vms.default_ip, migration 0190), chosen as the nics trigger chooses it, so that a
 * new VM's row is written once: the trigger then finds it set and leaves it.
 */
export const defaultIps = (nics: ReadonlyArray<Nic>): ReadonlyMap<string, string> => {
  const chosen = new Map<string, Nic>()
  for (const nic of nics) {
    const before = chosen.get(nic.vmId)
    const earlier =
      before === undefined ||
      nic.createdAt.getTime() < before.createdAt.getTime() ||
      (nic.createdAt.getTime() === before.createdAt.getTime() && nic.id < before.id)
    if (nic.isDefault && earlier) chosen.set(nic.vmId, nic)
  }
  return new Map([...chosen].map(([vmId, nic]) => [vmId, nic.primaryIp]))
}

type UpdateOutcome =
  | { readonly kind: "updated"; readonly row: Record<string, unknown> }
  | { readonly kind: "missing" }
  | { readonly kind: "conflict" }
  | { readonly kind: "refused"; readonly refusal: RuleViolation }

export const makeVmRepository = (db: Kysely<DB>): VmRepository => {
  const get = Effect.fn("vm.get")(function* (id: string) {
    const row = yield* run("vm.get", () => selectVms(db).where("vms.id", "=", id).executeTakeFirst())
    if (row === undefined) return yield* new NotFound({ resource: "vm", id })
    return vmCodec.decode(row)
  })

  const list = Effect.fn("vm.list")(function* (filter: VmFilter = {}) {
    if (filter.ids?.length === 0 || filter.states?.length === 0) return []
    const rows = yield* run("vm.list", () => {
      let query = selectVms(db)
      if (filter.ids !== undefined) query = query.where("vms.id", "in", filter.ids)
      if (filter.states !== undefined) query = query.where("vms.state", "in", filter.states)
      if (filter.companyId !== undefined) query = query.where("vms.companyId", "=", filter.companyId)
      if (filter.departmentId !== undefined) query = query.where("vms.departmentId", "=", filter.departmentId)
      if (filter.ownerId !== undefined) query = query.where("vms.ownerId", "=", filter.ownerId)
      if (filter.hostId !== undefined) query = query.where("vms.hostId", "=", filter.hostId)
      if (filter.hostname !== undefined) query = query.where("vms.hostname", "=", filter.hostname)
      if (filter.imageId !== undefined) query = query.where("vms.imageId", "=", filter.imageId)
      if (filter.isoImageId !== undefined) query = query.where("vms.isoImageId", "=", filter.isoImageId)
      if (filter.displayNamePrefix !== undefined) {
        query = query.where("vms.displayName", "like", likePrefix(filter.displayNamePrefix))
      }
      query = query.where("vms.recycledAt", filter.recycled === true ? "is not" : "is", null)
      return query.orderBy("vms.createdAt").orderBy("vms.id").execute()
    })
    return rows.map(vmCodec.decode)
  })

  // One transaction for the whole batch: a clash anywhere (hostname, IP, MAC, missing parent) inserts nothing (C8).
  // With an admission, its check runs first in the same transaction under its locks: a refusal inserts nothing.
  const insertBundles = Effect.fn("vm.insertBundles")(function* (
    bundles: ReadonlyArray<VmBundle>,
    admission?: Admission,
  ) {
    if (bundles.length === 0) return
    // The new VMs' disk totals go in with their rows; only disks given to VMs outside the batch move a total later.
    const added = diskGiBChanges(
      [],
      bundles.flatMap((bundle) => bundle.disks),
    )
    const elsewhere = new Map(added)
    for (const bundle of bundles) elsewhere.delete(bundle.vm.id)
    const refusal = yield* run("vm.insertBundles", () =>
      db
        .transaction()
        .execute(async (trx) => {
          const refused = admission === undefined ? undefined : await admit(trx, admission)
          if (refused !== undefined) return refused
          const t = untyped(trx)
          const nics = await withAddresses(trx, bundles)
          const defaultIp = defaultIps(nics)
          const vms = bundles.map((bundle) => ({
            ...vmColumns(bundle.vm),
            diskGiB: added.get(bundle.vm.id) ?? 0,
            defaultIp: defaultIp.get(bundle.vm.id) ?? null,
          }))
          await t.insertInto("vms").values(vms).execute()
          const groups = bundles.flatMap((bundle) => memberships(bundle.vm.id, bundle.vm.affinityGroupIds))
          if (groups.length > 0) await trx.insertInto("vmAffinityGroups").values(groups).execute()
          const disks = bundles.flatMap((bundle) => bundle.disks.map(diskCodec.encode))
          if (disks.length > 0) await t.insertInto("disks").values(disks).execute()
          await applyDiskGiBChanges(trx, elsewhere)
          if (nics.length > 0) await t.insertInto("nics").values(nics.map(nicCodec.encode)).execute()
          return undefined
        })
        .catch((cause: unknown) => {
          if (cause instanceof IpamRefusal) return cause
          throw cause
        }),
    )
    if (refusal !== undefined) return yield* refusal
  })

  const updateIn = Effect.fnUntraced(function* (
    id: string,
    patch: Parameters<VmRepository["update"]>[1],
    expectedVersion: number | undefined,
    admission: Admission | undefined,
  ) {
    const now = new Date(yield* Clock.currentTimeMillis)
    const {
      id: _id,
      createdAt: _createdAt,
      hostname: _hostname,
      version: _version,
      updatedAt: _updatedAt,
      ...columns
    } = vmColumns(patch)
    const groupIds = patch.affinityGroupIds
    const outcome = yield* run("vm.update", () =>
      db.transaction().execute(async (trx): Promise<UpdateOutcome> => {
        // under the admission's locks, against the figures as they are now: the check and the write hold together
        const refusal = admission === undefined ? undefined : await admit(trx, admission)
        if (refusal !== undefined) return { kind: "refused", refusal }
        let write = untyped(trx)
          .updateTable("vms")
          .set({ ...columns, updatedAt: now, version: sql`version + 1` })
          .where("id", "=", id)
        if (expectedVersion !== undefined) write = write.where("version", "=", expectedVersion)
        const written = await write.executeTakeFirst()
        if (written.numUpdatedRows === 0n) {
          const exists = await trx.selectFrom("vms").select("id").where("id", "=", id).executeTakeFirst()
          return exists === undefined ? { kind: "missing" } : { kind: "conflict" }
        }
        if (groupIds !== undefined) {
          await trx.deleteFrom("vmAffinityGroups").where("vmId", "=", id).execute()
          if (groupIds.length > 0) await trx.insertInto("vmAffinityGroups").values(memberships(id, groupIds)).execute()
        }
        return { kind: "updated", row: await selectVms(trx).where("vms.id", "=", id).executeTakeFirstOrThrow() }
      }),
    )
    if (outcome.kind === "missing") return yield* new NotFound({ resource: "vm", id })
    if (outcome.kind === "conflict") return yield* new VersionConflict({ resource: "vm", id })
    return outcome.kind === "refused" ? outcome.refusal : vmCodec.decode(outcome.row)
  })

  const update = Effect.fn("vm.update")(function* (
    id: string,
    patch: Parameters<VmRepository["update"]>[1],
    expectedVersion?: number,
  ) {
    const written = yield* updateIn(id, patch, expectedVersion, undefined)
    if (written instanceof RuleViolation) return yield* Effect.die(written)
    return written
  })

  // A refusal writes nothing: parallel resizes in one department cannot all pass on the same free quota (G2).
  const updateAdmitted = Effect.fn("vm.updateAdmitted")(function* (
    id: string,
    patch: Parameters<VmRepository["update"]>[1],
    expectedVersion: number,
    admission: Admission,
  ) {
    const written = yield* updateIn(id, patch, expectedVersion, admission)
    if (written instanceof RuleViolation) return yield* written
    return written
  })

  // Alarm rules and affinity memberships go by cascade; devices and the disks kept are released by SET NULL.
  const purge = Effect.fn("vm.purge")(function* (id: string, diskIdsToDelete: ReadonlyArray<string>) {
    yield* run("vm.purge", () =>
      db.transaction().execute(async (trx) => {
        let schedules = trx.deleteFrom("schedules").where("vmId", "=", id)
        if (diskIdsToDelete.length > 0) {
          schedules = trx
            .deleteFrom("schedules")
            .where((eb) => eb.or([eb("vmId", "=", id), eb("diskId", "in", diskIdsToDelete)]))
        }
        await schedules.execute()
        await trx.deleteFrom("snapshots").where("vmId", "=", id).execute()
        // the NICs' addresses go back to IPAM with them
        await trx
          .deleteFrom("ipAddresses")
          .where("nicId", "in", trx.selectFrom("nics").select("id").where("vmId", "=", id))
          .execute()
        await trx.deleteFrom("nics").where("vmId", "=", id).execute()
        if (diskIdsToDelete.length > 0) {
          const deleted = await trx
            .deleteFrom("disks")
            .where("id", "in", diskIdsToDelete)
            .returning(["vmId", "sizeGiB"])
            .execute()
          // The VM's own total goes with its row; a listed disk of another VM still leaves that VM's total right.
          await applyDiskGiBChanges(
            trx,
            diskGiBChanges(
              deleted.filter((disk) => disk.vmId !== id),
              [],
            ),
          )
        }
        await trx.deleteFrom("vms").where("id", "=", id).execute()
      }),
    )
  })

  const query = Effect.fn("vm.query")(function* (q: VmQuery) {
    return yield* run("vm.query", () => queryVms(db, q))
  })

  const sheet = Effect.fn("vm.sheet")(function* (q: VmQuery, fields: ReadonlyArray<VmListField>) {
    return yield* run("vm.sheet", () => queryVmSheet(db, q, fields))
  })

  const facts = Effect.fn("vm.facts")(function* (id: string) {
    return yield* run("vm.facts", () => vmFacts(db, id))
  })

  // One round trip: the VM and its counts, as the lock's claim reads them.
  const getWithFacts = Effect.fn("vm.getWithFacts")(function* (id: string) {
    const { rows } = yield* run("vm.getWithFacts", () =>
      sql<Record<string, unknown>>`
        select vms.*, ${affinityGroupIdsOf} as affinity_group_ids, ${vmFactsColumns(id)} from vms where vms.id = ${id}
      `.execute(db),
    )
    const row = rows[0]
    if (row === undefined) return yield* new NotFound({ resource: "vm", id })
    // The VM's codec reads its own fields only: the counts beside them need no removing.
    return { vm: vmCodec.decode(row), facts: vmFactsOf(row as never) }
  })

  const detail = Effect.fn("vm.detail")(function* (id: string) {
    const reads = yield* run("vm.detail", () => vmDetailReads(db, id))
    if (reads === undefined) return yield* new NotFound({ resource: "vm", id })
    return reads
  })

  return { get, getWithFacts, list, query, sheet, insertBundles, update, updateAdmitted, purge, facts, detail }
}
