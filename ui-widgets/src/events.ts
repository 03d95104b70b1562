import type { Created, Task } from "./api/types.ts"

/**
 * The DOM events the elements send out. Every one bubbles and is composed, so a portal hears it on the element, on
 * any ancestor or on document, also through shadow roots. Each is a typed class with its type as a static field.
 */
const options = { bubbles: true, composed: true } as const

/** <hx-vm-list>: the selected VMs changed. */
export class HxSelectionChangeEvent extends CustomEvent<{ readonly vmIds: ReadonlyArray<string> }> {
  static readonly type = "hx-selection-change"
  constructor(vmIds: ReadonlyArray<string>) {
    super(HxSelectionChangeEvent.type, { ...options, detail: { vmIds } })
  }
}

/** <hx-vm-list>: the user opened a VM (its name); a portal shows <hx-vm-detail vm-id=…>. */
export class HxVmOpenEvent extends CustomEvent<{ readonly vmId: string }> {
  static readonly type = "hx-vm-open"
  constructor(vmId: string) {
    super(HxVmOpenEvent.type, { ...options, detail: { vmId } })
  }
}

/** <hx-vm-detail>: the user asked for the console (B5); a portal shows <hx-vm-console vm-id=…>. */
export class HxConsoleOpenEvent extends CustomEvent<{ readonly vmId: string }> {
  static readonly type = "hx-console-open"
  constructor(vmId: string) {
    super(HxConsoleOpenEvent.type, { ...options, detail: { vmId } })
  }
}

/** Any element: the API accepted an operation; its task runs now (G4). */
export class HxTaskStartedEvent extends CustomEvent<{ readonly task: Task }> {
  static readonly type = "hx-task-started"
  constructor(task: Task) {
    super(HxTaskStartedEvent.type, { ...options, detail: { task } })
  }
}

/** Any element: a task it started has finished, `succeeded` or `failed` (with the task's error). */
/** A task the element started ended; `summary` says what and how in the element's language, for a toast. */
export class HxTaskFinishedEvent extends CustomEvent<{ readonly task: Task; readonly summary: string }> {
  static readonly type = "hx-task-finished"
  constructor(task: Task, summary: string) {
    super(HxTaskFinishedEvent.type, { ...options, detail: { task, summary } })
  }
}

/** <hx-vm-create>: the API accepted the wizard's request; the VMs are provisioning. */
export class HxVmCreatedEvent extends CustomEvent<Created> {
  static readonly type = "hx-vm-created"
  constructor(created: Created) {
    super(HxVmCreatedEvent.type, { ...options, detail: created })
  }
}

export interface HxErrorDetail {
  /** HTTP status; 0 when the agent could not be reached. */
  readonly status: number
  readonly code: string
  /** The platform rule that refused, when one did. */
  readonly rule?: string
  /** In the element's language. */
  readonly message: string
}

/** Any element: a request failed; the element shows the message too. */
export class HxErrorEvent extends CustomEvent<HxErrorDetail> {
  static readonly type = "hx-error"
  constructor(detail: HxErrorDetail) {
    super(HxErrorEvent.type, { ...options, detail })
  }
}

/**
 * Any element (#21 portal sign-in): its token expires soon. A page without `tokenProvider` sets a fresh `token` (and
 * `tokenExpires`) on the element now; with one, the element is already asking it.
 */
export class HxTokenExpiringEvent extends CustomEvent<{ readonly expiresAt: string }> {
  static readonly type = "hx-token-expiring"
  constructor(expiresAt: string) {
    super(HxTokenExpiringEvent.type, { ...options, detail: { expiresAt } })
  }
}

/**
 * Any element (#21): the API refused the token (expired or revoked). With a `tokenProvider` the element asks it and
 * retries the request once; without, or if that fails, it shows its neutral signed-out state and sends hx-error.
 */
export class HxTokenNeededEvent extends CustomEvent<{ readonly status: number }> {
  static readonly type = "hx-token-needed"
  constructor(status: number) {
    super(HxTokenNeededEvent.type, { ...options, detail: { status } })
  }
}

export type HxConsoleStatus = "idle" | "ticket" | "connecting" | "connected" | "disconnected" | "failed"

/** <hx-vm-console>: the connection's state changed. */
export class HxConsoleStatusEvent extends CustomEvent<{ readonly status: HxConsoleStatus }> {
  static readonly type = "hx-console-status"
  constructor(status: HxConsoleStatus) {
    super(HxConsoleStatusEvent.type, { ...options, detail: { status } })
  }
}

declare global {
  interface HTMLElementEventMap {
    "hx-selection-change": HxSelectionChangeEvent
    "hx-vm-open": HxVmOpenEvent
    "hx-console-open": HxConsoleOpenEvent
    "hx-task-started": HxTaskStartedEvent
    "hx-task-finished": HxTaskFinishedEvent
    "hx-vm-created": HxVmCreatedEvent
    "hx-error": HxErrorEvent
    "hx-console-status": HxConsoleStatusEvent
    "hx-token-expiring": HxTokenExpiringEvent
    "hx-token-needed": HxTokenNeededEvent
  }
}
