import { type Kysely, sql } from "kysely"

/**
 * IPAM (#15, C6, C8, N1–N4): every address a NIC holds, primary or secondary, is one row, and the primary key
 * (subnet, address) is what makes handing one address to two NICs impossible, whatever the callers do at once.
 * nics.primary_ip and nics.secondary_ips stay as the NIC's view; this table is the ledger the allocator reads.
 * nic_id has no foreign key: a batch allocates its addresses before its NIC rows exist (C8), in a transaction of
 * its own, and releases them by NIC id.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .alterTable("subnets")
    .addColumn("reserved", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute()

  await db.schema
    .createTable("ip_addresses")
    .addColumn("subnet_id", "text", (c) => c.notNull().references("subnets.id").onDelete("cascade"))
    .addColumn("address", "text", (c) => c.notNull())
    .addColumn("nic_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('primary', 'secondary')`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("ip_addresses_pkey", ["subnet_id", "address"])
    .execute()
  await db.schema.createIndex("ip_addresses_nic_id_idx").on("ip_addresses").column("nic_id").execute()

  // the addresses NICs already hold join the ledger
  await sql`
    insert into ip_addresses (subnet_id, address, nic_id, kind)
    select subnet_id, primary_ip, id, 'primary' from nics
    union all
    select subnet_id, jsonb_array_elements_text(secondary_ips), id, 'secondary' from nics
    on conflict do nothing
  `.execute(db)
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.dropTable("ip_addresses").execute()
  await db.schema.alterTable("subnets").dropColumn("reserved").execute()
}
