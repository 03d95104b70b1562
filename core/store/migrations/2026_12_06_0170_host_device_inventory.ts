import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * X1–X4: what a host's inventory (sysfs) tells of each passthrough device: its ids, the GPU's IOMMU group, the host
 * driver bound, and whether it is still there. A device is held by at most one VM (`vm_id`, claimed by a conditional
 * write); a GPU without IOMMU group is never held.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .alterTable("host_devices")
    .addColumn("vendor_id", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("product_id", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("iommu_group", "text")
    .addColumn("driver", "text")
    .addColumn("present", "boolean", (c) => c.notNull().defaultTo(true))
    .execute()
  await db.schema
    .alterTable("host_devices")
    .addCheckConstraint("host_devices_gpu_needs_iommu", sql`kind <> 'gpu' or vm_id is null or iommu_group is not null`)
    .execute()
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.alterTable("host_devices").dropConstraint("host_devices_gpu_needs_iommu").execute()
  await db.schema
    .alterTable("host_devices")
    .dropColumn("present")
    .dropColumn("driver")
    .dropColumn("iommu_group")
    .dropColumn("product_id")
    .dropColumn("vendor_id")
    .execute()
}
