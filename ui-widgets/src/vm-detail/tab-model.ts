import type { ApiClient } from "../api/client.ts"
import type { Task } from "../api/types.ts"
import type { Locale, Messages } from "../i18n/index.ts"
import { operationName } from "../i18n/operations.ts"
import type { ActionDialog } from "./dialog.ts"

/** What the snapshots and disks tabs need from <hx-vm-detail>: its API client, language, dialog and task following. */
export interface TabHost {
  readonly t: Messages
  readonly locale: Locale
  client(): ApiClient
  /** Announce the failure as hx-error; what to show inline. */
  report(error: unknown): Notice
  /** Announce a task the API accepted and call `then` once it has finished (the tab refreshes as well). */
  follow(task: Task, then: (task: Task) => void): void
  ask(dialog: ActionDialog): void
  update(): void
}

/** An outcome shown beside the control that caused it: the API's refusal (message and rule) or a success. */
export interface Notice {
  readonly kind: "error" | "success"
  readonly message: string
  readonly rule?: string
}

/** A list a tab asks for: not offered by this agent, loading, failed, or loaded. */
export type Loadable<A> =
  | { readonly status: "absent" }
  | { readonly status: "loading" }
  | { readonly status: "error"; readonly message: string }
  | { readonly status: "loaded"; readonly value: A }

/** A field of a task's params or result, when it is a string. */
export const taskField = (value: unknown, key: string): string | undefined => {
  const field = (value as Readonly<Record<string, unknown>> | null | undefined)?.[key]
  return typeof field === "string" ? field : undefined
}

export const newestFirst = <A extends { readonly createdAt: string }>(items: ReadonlyArray<A>): ReadonlyArray<A> =>
  [...items].sort((a, b) => b.createdAt.localeCompare(a.createdAt))

/**
 * One list in a tab and the actions on it. `load` keeps showing the last answer until a newer one arrives (no
 * flashing on refresh); `act` keeps the action's button busy until its task ends and then shows the outcome.
 */
export abstract class TabModel<A> {
  data: Loadable<A> = { status: "loading" }
  notice: Notice | undefined
  readonly busy = new Set<string>()
  protected readonly host: TabHost
  private seq = 0

  constructor(host: TabHost) {
    this.host = host
  }

  protected abstract fetch(): Promise<Loadable<A>>

  async load(): Promise<void> {
    const seq = ++this.seq
    let data: Loadable<A>
    try {
      data = await this.fetch()
    } catch (error) {
      data = { status: "error", message: this.host.report(error).message }
    }
    if (seq !== this.seq) return
    this.data = data
    this.host.update()
  }

  protected async act(
    key: string,
    call: (client: ApiClient) => Promise<{ readonly task: Task }>,
    done: (task: Task) => string,
  ): Promise<void> {
    this.busy.add(key)
    this.notice = undefined
    this.host.update()
    try {
      const { task } = await call(this.host.client())
      this.host.follow(task, (finished) => {
        this.busy.delete(key)
        const error = finished.error
        this.notice =
          finished.state === "succeeded"
            ? { kind: "success", message: done(finished) }
            : {
                kind: "error",
                message:
                  error?.message ?? this.host.t.common.taskFailed(operationName(finished.operation, this.host.locale)),
                ...(error?.rule === undefined ? {} : { rule: error.rule }),
              }
        this.host.update()
      })
    } catch (error) {
      this.busy.delete(key)
      this.notice = this.host.report(error)
      this.host.update()
    }
  }
}
