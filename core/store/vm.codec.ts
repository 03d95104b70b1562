import { sql } from "kysely"
import { Vm } from "../model/index.ts"
import { codecOf } from "./codec.ts"

export const vmCodec = codecOf(Vm, { json: ["tags", "components"] })

/** A VM's affinity groups, in order, as one column of a query over vms. */
export const affinityGroupIdsOf = sql<ReadonlyArray<string>>`coalesce((
  select jsonb_agg(m.affinity_group_id order by m.position) from vm_affinity_groups m where m.vm_id = vms.id
), '[]'::jsonb)`
