import type { ApiClient } from "../api/client.ts"
import type { AllowedAction, Task, VmDetail } from "../api/types.ts"
import { changeLoginMethod, setAffinityGroups, setVmKeys } from "./login-dialogs.ts"

/** What running an action gave back: tasks to follow, or a password to show once. */
export interface ActionResult {
  readonly tasks: ReadonlyArray<Task>
  readonly password?: string | null
}

/** An input some actions ask for first (rename, remarks, reclaim date). */
export type ActionInput =
  | "name"
  | "remarks"
  | "reclaim"
  | "flavor"
  | "sockets"
  | "host"
  | "clone"
  | "image"
  | "image-name"
  | "owner"
  | "login"

/**
 * How the widget carries out each action the API may offer. Whether an action is allowed NOW, and why not, comes
 * only from the detail's allowedActions (the server's rules); this table only knows which call performs it.
 */
export interface ActionSpec {
  /** Shown even when refused (greyed out with the reason); the rest appear only when allowed. */
  readonly primary: boolean
  /** Ask before doing it: it powers off, resets or deletes. */
  readonly confirm: boolean
  readonly input?: ActionInput
  /** The console opens in the portal, through an event, not through a call here. */
  readonly local?: "console"
  /** `secret`: a password typed beside the input (clone), never kept by the widget after the call. */
  readonly run?: (client: ApiClient, detail: VmDetail, input: string, secret: string) => Promise<ActionResult>
}

type Reply = { readonly task: Task }
type Patched = { readonly tasks: ReadonlyArray<Task> }

const path = (detail: VmDetail) => `/vms/${encodeURIComponent(detail.vm.id)}`
const one = (reply: Reply): ActionResult => ({ tasks: [reply.task] })
const stopBody = (force: boolean, detach: string) => ({
  ...(force ? { force: true } : {}),
  ...(detach === "detach" ? { detachDevices: true } : {}),
})
const patch = (body: Readonly<Record<string, unknown>>) => async (client: ApiClient, detail: VmDetail) =>
  ({ tasks: (await client.patch<Patched>(path(detail), body)).tasks }) as ActionResult

export const actionSpecs: Readonly<Record<string, ActionSpec>> = {
  start: { primary: true, confirm: false, run: async (c, d) => one(await c.post<Reply>(`${path(d)}/start`, {})) },
  // B6: the stop dialog (shown while the VM holds devices) answers "detach" to detach them once it is off
  stop: {
    primary: true,
    confirm: false,
    run: async (c, d, detach) => one(await c.post<Reply>(`${path(d)}/stop`, stopBody(false, detach))),
  },
  "force-stop": {
    primary: false,
    confirm: true,
    run: async (c, d, detach) => one(await c.post<Reply>(`${path(d)}/stop`, stopBody(true, detach))),
  },
  reboot: { primary: true, confirm: false, run: async (c, d) => one(await c.post<Reply>(`${path(d)}/reboot`, {})) },
  "force-reboot": {
    primary: false,
    confirm: true,
    run: async (c, d) => one(await c.post<Reply>(`${path(d)}/reboot`, { force: true })),
  },
  console: { primary: true, confirm: false, local: "console" },
  delete: { primary: true, confirm: true, run: async (c, d) => one(await c.delete<Reply>(path(d))) },
  destroy: {
    primary: false,
    confirm: true,
    run: async (c, d) => one(await c.delete<Reply>(path(d), { destroy: true })),
  },
  restore: {
    primary: false,
    confirm: false,
    run: async (c, d) => one(await c.post<Reply>(`/recycle-bin/${encodeURIComponent(d.vm.id)}/restore`, {})),
  },
  purge: {
    primary: false,
    confirm: true,
    run: async (c, d) => one(await c.delete<Reply>(`/recycle-bin/${encodeURIComponent(d.vm.id)}`)),
  },
  rename: { primary: false, confirm: false, input: "name", run: (c, d, name) => patch({ displayName: name })(c, d) },
  remarks: { primary: false, confirm: false, input: "remarks", run: (c, d, text) => patch({ remarks: text })(c, d) },
  "reclaim-date": {
    primary: false,
    confirm: false,
    input: "reclaim",
    run: (c, d, date) => patch({ reclaimAt: date === "" ? null : new Date(`${date}T00:00:00`).toISOString() })(c, d),
  },
  ha: { primary: false, confirm: false, run: (c, d) => patch({ haEnabled: !d.vm.haEnabled })(c, d) },
  "deletion-protection": {
    primary: false,
    confirm: false,
    run: (c, d) => patch({ deletionProtected: !d.vm.deletionProtected })(c, d),
  },
  "show-password": {
    primary: false,
    confirm: false,
    run: async (c, d) => {
      const reply = await c.post<{ password: string | null; task: Task }>(`${path(d)}/password`, {})
      return { tasks: [reply.task], password: reply.password }
    },
  },
  // K1: the dialog offers the flavors (the detail loads them); the VM starts again by itself afterwards.
  resize: {
    primary: false,
    confirm: false,
    input: "flavor",
    run: async (c, d, flavorId) => one(await c.post<Reply>(`${path(d)}/resize`, { flavorId })),
  },
  // K4: the API judges the number (sockets-divide-cpus) and shows its rule when it refuses.
  sockets: {
    primary: false,
    confirm: false,
    input: "sockets",
    run: async (c, d, sockets) => one(await c.post<Reply>(`${path(d)}/sockets`, { sockets: Number(sockets) })),
  },
  // R9: the dialog offers the other hosts with their free capacity; empty: placement chooses.
  migrate: {
    primary: false,
    confirm: false,
    input: "host",
    run: async (c, d, hostId) => one(await c.post<Reply>(`${path(d)}/migrate`, hostId === "" ? {} : { hostId })),
  },
  // R11 random: the new password is shown once, as show-password shows it; the guest takes it at the next start.
  "reset-password": {
    primary: false,
    confirm: true,
    run: async (c, d) => {
      const reply = await c.post<{ password: string; task: Task }>(`${path(d)}/reset-password`, {})
      return { tasks: [reply.task], password: reply.password }
    },
  },
  // K2: the dialog offers the images (the detail loads them); the VM runs again on its new system disk afterwards.
  reinstall: {
    primary: false,
    confirm: false,
    input: "image",
    run: async (c, d, imageId) => one(await c.post<Reply>(`${path(d)}/reinstall`, { imageId })),
  },
  // K3: the image's name; the image joins the department's catalogue once the task succeeded.
  "create-image": {
    primary: false,
    confirm: false,
    input: "image-name",
    run: async (c, d, name) => one(await c.post<Reply>(`${path(d)}/create-image`, { name })),
  },
  // R3: the dialog offers the users the caller sees; the API names what stands in the way (snapshots, power state).
  "change-owner": {
    primary: false,
    confirm: false,
    input: "owner",
    run: async (c, d, ownerId) => one(await c.post<Reply>(`${path(d)}/owner`, { ownerId })),
  },
  // R13: password ↔ SSH key (the dialog asks for a key pair or a new password); X5: the VM's key pairs, stopped only
  "login-method": { primary: false, confirm: false, input: "login", run: changeLoginMethod },
  "ssh-keys": { primary: false, confirm: false, input: "login", run: setVmKeys },
  // R10: join and leave the department's affinity groups while stopped (checkboxes; none: the VM leaves them all)
  affinity: { primary: false, confirm: false, input: "login", run: setAffinityGroups },
  // R8: a new display name and password (empty: random, shown once like show-password); the clone is a new VM.
  clone: {
    primary: false,
    confirm: false,
    input: "clone",
    run: async (c, d, name, password) => {
      const body = password === "" ? { name } : { name, password }
      const reply = await c.post<{ password: string; task: Task }>(`${path(d)}/clone`, body)
      return { tasks: [reply.task], password: reply.password }
    },
  },
}

/** The actions to show, in the API's order: primary ones always, the others only while allowed. */
export const visibleActions = (
  allowed: ReadonlyArray<AllowedAction>,
): { primary: ReadonlyArray<AllowedAction>; more: ReadonlyArray<AllowedAction> } => {
  const known = allowed.filter((entry) => actionSpecs[entry.action] !== undefined)
  return {
    primary: known.filter((entry) => actionSpecs[entry.action]?.primary),
    more: known.filter((entry) => !actionSpecs[entry.action]?.primary && entry.allowed),
  }
}

/** The initial value of an action's input, from the VM as it is. */
export const inputValue = (input: ActionInput, detail: VmDetail): string => {
  if (input === "name" || input === "clone") return detail.vm.displayName
  if (input === "remarks") return detail.vm.remarks
  if (input === "flavor") return detail.vm.flavorId
  if (input === "image") return detail.vm.imageId
  if (input === "owner") return detail.vm.ownerId
  if (input === "image-name") return ""
  if (input === "sockets") return String(detail.vm.sockets)
  if (input === "host" || input === "login") return ""
  return detail.vm.reclaimAt === null ? "" : detail.vm.reclaimAt.slice(0, 10)
}
