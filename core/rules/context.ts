import type { OsFamily } from "../model/catalog.ts"
import type { Role } from "../model/org.ts"
import type { Vm } from "../model/vm.ts"
import type { VmFacts } from "../store/ports.ts"

/** Who is asking. */
export interface Actor {
  readonly userId: string
  readonly role: Role
  readonly companyId: string
  readonly departmentId: string
}

/** What a rule that reads only the VM's own record may look at: no counts, no image, so nothing more is read. */
export interface VmRecordContext {
  readonly actor: Actor
  readonly vm: Vm
}

/** What a rule that weighs the VM's snapshots, backups, schedules or devices may look at: the record and its counts. */
export interface VmCountsContext extends VmRecordContext {
  readonly facts: VmFacts
}

/** What a rule about an existing VM may look at. */
export interface VmContext extends VmCountsContext {
  readonly osFamily: OsFamily
  /** Whether the VM was installed from an image whose password the platform manages (R6). */
  readonly passwordManaged: boolean
}
