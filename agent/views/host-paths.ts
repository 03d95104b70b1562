/**
 * Host file paths (disk images, backing files, QEMU's own messages about them) are the host's business: admins see
 * them, plain users see a disk by its name and a file by its base name (#14). One place decides, for every route and
 * the event stream.
 */
import { Schema } from "effect"
import { Disk } from "../../core/index.ts"
import type { PlatformEvent } from "../../core/model/event.ts"
import type { Task } from "../../core/model/task.ts"
import type { Actor } from "../../core/rules/context.ts"

/** Department admins and superadmins run the host's storage; plain users do not see where it lives. */
export const seesHostPaths = (actor: Actor): boolean => actor.role !== "user"

const { path, backingPath, ...diskFields } = Disk.fields

/** A disk as the API shows it: `path` and `backingPath` only for admins. */
export const DiskSeen = Schema.Struct({
  ...diskFields,
  /** The image file on the host (admins only). */
  path: Schema.optionalKey(path),
  /** The base of a copy-on-write overlay (admins only). */
  backingPath: Schema.optionalKey(backingPath),
})
export type DiskSeen = typeof DiskSeen.Type

export const diskSeenBy =
  (actor: Actor) =>
  <D extends Disk>(disk: D): Omit<D, "path" | "backingPath"> & DiskSeen => {
    if (seesHostPaths(actor)) return disk
    const { path: _path, backingPath: _backingPath, ...rest } = disk
    return rest
  }

/** An absolute path of two or more segments, as QEMU and qemu-img quote them (up to a quote, comma or space). */
const absolutePath = /(?<![\w.~:/-])\/(?:[^\s/'",:;()[\]]+\/)+([^\s/'",:;()[\]]+)/g

/** A message with each host path cut to its last segment (`/var/lib/hyperx/disks/a.qcow2` → `a.qcow2`). */
export const withoutHostPaths = (text: string): string => text.replace(absolutePath, "$1")

export const taskSeenBy =
  (actor: Actor) =>
  (task: Task): Task =>
    seesHostPaths(actor) || task.error === null
      ? task
      : { ...task, error: { ...task.error, message: withoutHostPaths(task.error.message) } }

/** An event as `actor` may read it: a task's error and a state change's reason without host paths for users. */
export const eventSeenBy = (actor: Actor, event: PlatformEvent): PlatformEvent => {
  if (seesHostPaths(actor)) return event
  switch (event._tag) {
    case "task":
      return { ...event, task: taskSeenBy(actor)(event.task) }
    case "vm-state":
      return { ...event, reason: withoutHostPaths(event.reason) }
    case "vm-removed":
    case "vm-migration":
    case "vm-alarm":
      return event
  }
}
