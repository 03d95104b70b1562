import { Effect } from "effect"
import type { Kysely } from "kysely"
import { NotFound, StoreError } from "../errors.ts"
import { canonicalAddress, parseAddress } from "../ipam/address.ts"
import { IpamRefusal } from "../ipam/errors.ts"
import { freeCountNumber, judgeAgainst, nextFree, type Pool, poolOf, usedNumbers } from "../ipam/pool.ts"
import type { Nic } from "../model/network.ts"
import { nicCodec } from "./network.repository.ts"
import { untyped } from "./repository.ts"
import type { DB } from "./schema.ts"
import { toStoreError } from "./store-error.ts"

export type IpKind = "primary" | "secondary"

/** One address wanted for a NIC: a fixed one, or the subnet's next free one when `address` is absent. */
export interface IpRequest {
  readonly subnetId: string
  readonly nicId: string
  readonly kind: IpKind
  readonly address?: string
}

export interface IpAllocation {
  readonly subnetId: string
  readonly nicId: string
  readonly kind: IpKind
  readonly address: string
}

export interface SubnetUsage {
  readonly subnetId: string
  readonly used: number
  readonly free: number
}

export interface IpAllocationFilter {
  readonly subnetId?: string
  readonly nicId?: string
}

type Q<A> = Effect.Effect<A, StoreError>

/** IPAM's ledger: addresses are handed out here and nowhere else. */
export interface IpamRepository {
  /**
   * Every request or none (C8): fixed addresses first, then the lowest free ones, in request order. Allocations
   * on one subnet are serialised by a lock on its row; the primary key (subnet, address) stops any other writer.
   */
  allocate(
    requests: ReadonlyArray<IpRequest>,
  ): Effect.Effect<ReadonlyArray<IpAllocation>, IpamRefusal | NotFound | StoreError>
  /**
   * N1: a new NIC and its primary address in one transaction: an empty primaryIp takes the subnet's next free
   * address, a given one is taken as fixed; a refusal or a failed insert leaves neither the NIC nor the address.
   */
  insertNic(nic: Nic): Effect.Effect<Nic, IpamRefusal | NotFound | StoreError>
  /** Give back a NIC's addresses (all of them, or the ones listed); returns how many were released. */
  release(nicId: string, addresses?: ReadonlyArray<string>): Q<number>
  list(filter?: IpAllocationFilter): Q<ReadonlyArray<IpAllocation>>
  /** Used and free addresses of each subnet asked for (every subnet without ids). */
  usage(subnetIds?: ReadonlyArray<string>): Q<ReadonlyArray<SubnetUsage>>
  /** The same per network, over all its subnets (the create wizard's free-IP counts, C6). */
  networkUsage(networkIds?: ReadonlyArray<string>): Q<ReadonlyArray<NetworkUsage>>
}

export interface NetworkUsage {
  readonly networkId: string
  readonly used: number
  readonly free: number
}

type SubnetRow = { id: string; cidr: string; gateway: string; rangeStart: string; rangeEnd: string; reserved: unknown }

const reservedOf = (value: unknown): ReadonlyArray<string> =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : []

const poolOfRow = (row: SubnetRow): Pool => {
  const pool = poolOf({ ...row, reserved: reservedOf(row.reserved) })
  if (pool === undefined) {
    throw new StoreError({ operation: "ipam", message: `subnet ${row.id} has an invalid layout`, retryable: false })
  }
  return pool
}

const subnetColumns = ["id", "cidr", "gateway", "rangeStart", "rangeEnd", "reserved"] as const

/** A refusal or a missing subnet thrown inside a transaction keeps its type; anything else is the database's. */
const caught = (operation: string) => (cause: unknown) =>
  cause instanceof IpamRefusal || cause instanceof NotFound ? cause : toStoreError(operation)(cause)

/** Allocate inside the caller's transaction (a VM create's, C8): the same locks, the same all-or-nothing. */
export const allocateIn = async (trx: Kysely<DB>, requests: ReadonlyArray<IpRequest>): Promise<Array<IpAllocation>> => {
  const subnetIds = [...new Set(requests.map((request) => request.subnetId))].sort()
  // lock the subnets in one order, so two batches over the same subnets cannot deadlock
  const rows = await trx
    .selectFrom("subnets")
    .select(subnetColumns)
    .where("id", "in", subnetIds)
    .orderBy("id")
    .forUpdate()
    .execute()
  const pools = new Map(rows.map((row) => [row.id, poolOfRow(row)]))
  const missing = subnetIds.find((id) => !pools.has(id))
  if (missing !== undefined) throw new NotFound({ resource: "subnet", id: missing })
  const held = await trx
    .selectFrom("ipAddresses")
    .select(["subnetId", "address"])
    .where("subnetId", "in", subnetIds)
    .execute()
  const used = new Map<string, Set<string>>(subnetIds.map((id) => [id, new Set()]))
  for (const row of held) used.get(row.subnetId)?.add(row.address)

  const out: Array<IpAllocation | undefined> = requests.map(() => undefined)
  // Each subnet's ledger as numbers once: judging each fixed address against the whole ledger text was quadratic
  // (5,000 fixed addresses on a subnet holding 5,000 took 30 s, bench/api-list's seed).
  const usedAsNumbers = new Map<string, Set<bigint>>()
  requests.forEach((request, index) => {
    if (request.address === undefined) return
    const pool = pools.get(request.subnetId) as Pool
    const taken = used.get(request.subnetId) as Set<string>
    let numbers = usedAsNumbers.get(request.subnetId)
    if (numbers === undefined) {
      numbers = usedNumbers(pool, taken)
      usedAsNumbers.set(request.subnetId, numbers)
    }
    const verdict = judgeAgainst(pool, request.address, numbers)
    if (verdict !== "free") {
      throw new IpamRefusal({
        reason: { _tag: "AddressUnavailable", subnetId: request.subnetId, address: request.address, verdict },
      })
    }
    const address = canonicalAddress(request.address) as string
    taken.add(address)
    numbers.add(parseAddress(address)?.value as bigint)
    out[index] = { subnetId: request.subnetId, nicId: request.nicId, kind: request.kind, address }
  })
  for (const subnetId of subnetIds) {
    const pool = pools.get(subnetId) as Pool
    const taken = used.get(subnetId) as Set<string>
    const waiting = requests.flatMap((request, index) =>
      request.subnetId === subnetId && request.address === undefined ? [index] : [],
    )
    if (waiting.length === 0) continue
    const addresses = nextFree(pool, taken, waiting.length)
    if (addresses === undefined) {
      throw new IpamRefusal({
        reason: { _tag: "NoFreeIps", subnetId, free: freeCountNumber(pool, taken), needed: waiting.length },
      })
    }
    waiting.forEach((index, position) => {
      const request = requests[index] as IpRequest
      out[index] = { ...request, address: addresses[position] as string }
    })
  }
  const allocations = out.filter((allocation): allocation is IpAllocation => allocation !== undefined)
  await trx.insertInto("ipAddresses").values(allocations).execute()
  return allocations
}

export const makeIpamRepository = (db: Kysely<DB>): IpamRepository => ({
  allocate: (requests) =>
    requests.length === 0
      ? Effect.succeed([])
      : Effect.tryPromise({
          try: () => db.transaction().execute((trx) => allocateIn(trx, requests)),
          catch: caught("ipam.allocate"),
        }),

  insertNic: (nic) =>
    Effect.tryPromise({
      try: () =>
        db.transaction().execute(async (trx) => {
          const [allocation] = await allocateIn(trx, [
            {
              subnetId: nic.subnetId,
              nicId: nic.id,
              kind: "primary",
              ...(nic.primaryIp === "" ? {} : { address: nic.primaryIp }),
            },
          ])
          const inserted = { ...nic, primaryIp: allocation?.address ?? nic.primaryIp }
          await untyped(trx).insertInto("nics").values(nicCodec.encode(inserted)).execute()
          return inserted
        }),
      catch: caught("ipam.insertNic"),
    }),

  release: (nicId, addresses) =>
    Effect.tryPromise({
      try: async () => {
        let query = db.deleteFrom("ipAddresses").where("nicId", "=", nicId)
        if (addresses !== undefined) {
          if (addresses.length === 0) return 0
          query = query.where(
            "address",
            "in",
            addresses.map((address) => canonicalAddress(address) ?? address),
          )
        }
        const result = await query.executeTakeFirst()
        return Number(result.numDeletedRows)
      },
      catch: toStoreError("ipam.release"),
    }),

  list: (filter = {}) =>
    Effect.tryPromise({
      try: async () => {
        let query = db.selectFrom("ipAddresses").select(["subnetId", "nicId", "kind", "address"])
        if (filter.subnetId !== undefined) query = query.where("subnetId", "=", filter.subnetId)
        if (filter.nicId !== undefined) query = query.where("nicId", "=", filter.nicId)
        return await query.orderBy("subnetId").orderBy("createdAt").orderBy("address").execute()
      },
      catch: toStoreError("ipam.list"),
    }),

  usage: (subnetIds) =>
    Effect.tryPromise({
      try: async () =>
        (await usageOf(db, subnetIds === undefined ? undefined : { column: "id", ids: subnetIds })).map(
          ({ networkId: _, ...usage }) => usage,
        ),
      catch: toStoreError("ipam.usage"),
    }),

  networkUsage: (networkIds) =>
    Effect.tryPromise({
      try: async () => {
        const bySubnet = await usageOf(
          db,
          networkIds === undefined ? undefined : { column: "networkId", ids: networkIds },
        )
        const byNetwork = new Map<string, { networkId: string; used: number; free: number }>()
        for (const { networkId, used, free } of bySubnet) {
          const sum = byNetwork.get(networkId) ?? { networkId, used: 0, free: 0 }
          byNetwork.set(networkId, {
            networkId,
            used: sum.used + used,
            free: Math.min(sum.free + free, Number.MAX_SAFE_INTEGER),
          })
        }
        return [...byNetwork.values()].sort((a, b) => a.networkId.localeCompare(b.networkId))
      },
      catch: toStoreError("ipam.networkUsage"),
    }),
})

/** Each subnet's used and free counts, for the subnets whose id or network is listed (all without a filter). */
const usageOf = async (
  db: Kysely<DB>,
  filter: { readonly column: "id" | "networkId"; readonly ids: ReadonlyArray<string> } | undefined,
): Promise<ReadonlyArray<SubnetUsage & { readonly networkId: string }>> => {
  if (filter !== undefined && filter.ids.length === 0) return []
  let subnets = db.selectFrom("subnets").select([...subnetColumns, "networkId"])
  if (filter !== undefined) subnets = subnets.where(filter.column, "in", filter.ids)
  const rows = await subnets.orderBy("id").execute()
  if (rows.length === 0) return []
  const held = await db
    .selectFrom("ipAddresses")
    .select(["subnetId", "address"])
    .where(
      "subnetId",
      "in",
      rows.map((row) => row.id),
    )
    .execute()
  return rows.map((row) => {
    const used = held.filter((address) => address.subnetId === row.id).map((address) => address.address)
    return {
      subnetId: row.id,
      networkId: row.networkId,
      used: used.length,
      free: freeCountNumber(poolOfRow(row), used),
    }
  })
}
