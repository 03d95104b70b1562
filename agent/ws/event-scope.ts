import { canSee } from "../../core/auth/scope.ts"
import type { PlatformEvent } from "../../core/model/event.ts"
import type { Actor } from "../../core/rules/context.ts"

/**
 * G1 on the event stream, the same as on GET /tasks/{id}: an event reaches whoever may see its resource (the VM's
 * owner, its department's admins, superadmins), and a task event also reaches the user who started the task.
 */
export const eventVisibleTo = (actor: Actor, event: PlatformEvent): boolean =>
  canSee(actor, event) || (event._tag === "task" && event.task.userId === actor.userId)

/**
 * An event as a JSON text frame: the PlatformEvent itself with its id in the stream (when it has one), dates as ISO
 * strings (as the REST routes send them).
 */
export const eventFrame = (event: PlatformEvent, id?: string): string =>
  JSON.stringify(id === undefined ? event : { ...event, id })
