/**
 * What the agent's API sends, as JSON (dates are ISO strings): names for the schemas of the agent's OpenAPI document,
 * whose types openapi.ts holds, generated (ui-widgets/api-types.ts). Change a shape in the agent, never here.
 */
import type { components } from "./openapi.ts"

type Schemas = components["schemas"]

export type Task = Schemas["Task"]
export type TaskState = Task["state"]
export type TaskError = NonNullable<Task["error"]>

/** One list row: `id` and whichever columns were asked for (L3). */
export type VmRow = Schemas["VmRow"]
export type VmPage = Schemas["VmPage"]
/** G3: a recycle-bin row also carries the caller's restore and purge verdicts. */
export type RecycledVmRow = Schemas["RecycledVmRow"]
export type RecycleBinPage = Schemas["RecycleBinPage"]
export type Totals = Schemas["VmTotals"]

export type Vm = Schemas["Vm"]
export type VmState = Vm["state"]
export type Flavor = Schemas["Flavor"]
export type Image = Schemas["Image"]
export type User = Schemas["User"]
export type Host = Schemas["Host"]
/** C7: the owner's department's remaining quota (null: unlimited) and prices in minor units per day. */
export type Quote = Schemas["VmQuote"]

/** The server's verdict on one action for one VM and one caller: render actions from these, never from states. */
export type AllowedAction = Schemas["AllowedAction"]
export type Named = Schemas["Named"]
export type Disk = Schemas["Disk"]
/** A disk as GET /vms/{id}/disks lists it: with how many backups it has and when the last one was made. */
export type DiskWithBackups = Schemas["DiskWithBackups"]
export type DiskListed = Schemas["DiskListed"]
export type Nic = Schemas["Nic"]
/** A VM's NIC as its network tab lists it: the network it is on and the actions it offers now (N2–N6). */
export type VmNic = Schemas["VmNic"]
/** A network the caller may choose, with its subnets and free-IP counts (C6, N1). */
export type Network = Schemas["Network"]
/** M1: a VM's samples as column arrays (what uPlot takes). */
export type MetricSeries = Schemas["MetricSeries"]
/** M3, D5: a VM's daily cost rows and today so far. */
export type VmCosts = Schemas["VmCosts"]
export type DailyCost = Schemas["DailyCost"]
export type HostDevice = Schemas["HostDevice"]
/** R1: a VM's alarm rule, with whether its alarm is on now. */
export type Alarm = Schemas["Alarm"]
export type AlarmMetric = Alarm["metric"]
/** M2: one firing or recovery of an alarm, with whom it mailed. */
export type AlarmEvent = Schemas["AlarmEvent"]
export type VmDetail = Schemas["VmDetail"]

/** A VM snapshot (P1–P5). */
export type Snapshot = Schemas["Snapshot"]
/** A disk backup (V4–V6): full, or an increment on its parent. */
export type Backup = Schemas["Backup"]
export type Origin = Snapshot["origin"]
export type ItemState = Snapshot["state"]
/** A snapshot or backup schedule (P2, P3, V5, V6) as the lists send it, with its next run. */
export type Schedule = Schemas["Schedule"]
export type Period = Schedule["period"]

/** What a list route answers. */
export interface Items<A> {
  readonly items: ReadonlyArray<A>
}

export type BatchOutcome = Schemas["BatchOutcome"]
export type BatchResult = Schemas["BatchAccepted"]
export type Created = Schemas["VmsCreated"]
export type ConsoleTicket = Schemas["ConsoleTicket"]

/** One frame of WS /api/v1/events. */
/** A frame of the events socket: an event, or a `gap` (what was missed since ?since= is no longer kept). */
export type EventFrame = Schemas["PlatformEvent"]
/** An event of the events socket (the feed drops gap frames: the views reload on every reopen anyway). */
export type PlatformEvent = Exclude<EventFrame, { readonly _tag: "gap" }>
