import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from "lit"
import type { ApiClient } from "../api/client.ts"
import type { AllowedAction, BatchOutcome, BatchResult, Task, VmDetail, VmState } from "../api/types.ts"
import type { HxErrorDetail } from "../events.ts"
import type { Messages } from "../i18n/index.ts"
import { stateBadge } from "../internal/state-badge.ts"

/** L7: what a selection can be asked to do. The API refuses what it does not support yet, and the dialog says so. */
export const batchActions = ["start", "stop", "reboot", "delete", "snapshot"] as const
export type BatchAction = (typeof batchActions)[number]

export interface SelectedVm {
  readonly id: string
  readonly name: string
  readonly state: VmState | undefined
}

/** What the dialog needs from the list that owns it. */
export interface BatchPort {
  readonly client: () => ApiClient
  readonly t: () => Messages
  readonly taskStarted: (task: Task) => void
  readonly report: (error: unknown) => HxErrorDetail
  readonly dialog: () => HTMLDialogElement | null
  /** The batch went through: the list reloads and forgets the selection. */
  readonly done: () => void
}

interface BatchState {
  readonly action: BatchAction
  readonly vms: ReadonlyArray<SelectedVm>
  /** Each VM's allowedActions as the API computed them; "missing" when the VM could not be read. */
  readonly verdicts: ReadonlyMap<string, ReadonlyArray<AllowedAction> | "missing">
  readonly checking: boolean
  readonly force: boolean
  readonly destroy: boolean
  readonly phase: "confirm" | "submitting" | "done"
  readonly outcomes?: ReadonlyArray<BatchOutcome>
  readonly error?: HxErrorDetail
}

/** The allowedActions entry that decides this batch for one VM (force and destroy pick their own operation). */
const verdictName = (state: BatchState): string => {
  if (state.action === "stop" || state.action === "reboot") return state.force ? `force-${state.action}` : state.action
  if (state.action === "delete") return state.destroy ? "destroy" : "delete"
  return state.action
}

const detailConcurrency = 6

/** Why the API refuses the action for one selected VM. */
interface Warning {
  readonly message: string
  readonly rule?: string
}

/**
 * When every selected VM refuses (checked, none allowed), running would only collect refusals: "Run" is disabled with
 * the reason: the one message they share, or that none allows it; and the rule, when they share one.
 */
const refusedByAll = (state: BatchState, warnings: ReadonlyMap<string, Warning>, t: Messages): Warning | undefined => {
  if (state.checking || state.vms.length === 0 || !state.vms.every((vm) => warnings.has(vm.id))) return undefined
  const all = [...warnings.values()]
  const only = (values: ReadonlyArray<string | undefined>) => (new Set(values).size === 1 ? values[0] : undefined)
  const rule = only(all.map((warning) => warning.rule))
  return { message: only(all.map((warning) => warning.message)) ?? t.batch.allRefused, ...(rule ? { rule } : {}) }
}

/**
 * The confirm dialog of a batch (L7): it lists the selected VMs, asks the API what each allows now and warns about
 * the ones whose state refuses the action (the server's own verdict, never a table of states kept here), then runs
 * POST /batch and shows each VM's outcome with the rule's message.
 */
export class BatchController implements ReactiveController {
  state: BatchState | undefined
  private readonly host: ReactiveControllerHost
  private readonly port: BatchPort

  constructor(host: ReactiveControllerHost, port: BatchPort) {
    this.host = host
    this.port = port
    host.addController(this)
  }

  hostConnected(): void {}

  async open(action: BatchAction, vms: ReadonlyArray<SelectedVm>): Promise<void> {
    this.state = { action, vms, verdicts: new Map(), checking: true, force: false, destroy: false, phase: "confirm" }
    this.host.requestUpdate()
    await this.host.updateComplete
    const dialog = this.port.dialog()
    if (dialog !== null && !dialog.open) dialog.showModal()
    const verdicts = new Map<string, ReadonlyArray<AllowedAction> | "missing">()
    const queue = [...vms]
    const worker = async () => {
      for (let vm = queue.shift(); vm !== undefined; vm = queue.shift()) {
        try {
          const detail = await this.port.client().get<VmDetail>(`/vms/${encodeURIComponent(vm.id)}`)
          verdicts.set(vm.id, detail.allowedActions)
        } catch {
          verdicts.set(vm.id, "missing")
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(detailConcurrency, vms.length) }, worker))
    if (this.state?.vms !== vms) return
    this.update({ verdicts, checking: false })
  }

  close(): void {
    this.port.dialog()?.close()
    this.state = undefined
    this.host.requestUpdate()
  }

  /** The VMs the API says refuse the action now, with its message and rule. */
  warnings(state: BatchState): ReadonlyMap<string, Warning> {
    const name = verdictName(state)
    const warnings = new Map<string, Warning>()
    for (const vm of state.vms) {
      const verdict = state.verdicts.get(vm.id)
      if (verdict === "missing") warnings.set(vm.id, { message: this.port.t().batch.notFound })
      const entry = verdict === "missing" ? undefined : verdict?.find((action) => action.action === name)
      if (entry !== undefined && !entry.allowed) {
        warnings.set(vm.id, { message: entry.message ?? entry.rule ?? "", ...(entry.rule ? { rule: entry.rule } : {}) })
      }
    }
    return warnings
  }

  async run(): Promise<void> {
    const state = this.state
    if (state === undefined || state.phase !== "confirm") return
    this.update({ phase: "submitting" })
    try {
      const body = {
        action: state.action,
        vmIds: state.vms.map((vm) => vm.id),
        ...(state.action === "stop" || state.action === "reboot" ? { force: state.force } : {}),
        ...(state.action === "delete" ? { destroy: state.destroy } : {}),
      }
      const result = await this.port.client().post<BatchResult>("/batch", body)
      this.port.taskStarted(result.task)
      this.update({ phase: "done", outcomes: result.outcomes })
      const children = await this.port.client().get<{ items: ReadonlyArray<Task> }>("/tasks", {
        parentId: result.task.id,
        limit: 500,
      })
      for (const task of children.items) this.port.taskStarted(task)
      this.port.done()
    } catch (error) {
      this.update({ phase: "confirm", error: this.port.report(error) })
    }
  }

  render(): TemplateResult {
    const state = this.state
    const t = this.port.t()
    if (state === undefined) return html`<dialog part="dialog" aria-labelledby="batch-title"></dialog>`
    const warnings = this.warnings(state)
    const blocked = refusedByAll(state, warnings, t)
    const outcomes = new Map((state.outcomes ?? []).map((outcome) => [outcome.vmId, outcome]))
    const title = t.batch.title(t.batch[state.action], state.vms.length)
    return html`<dialog part="dialog" aria-labelledby="batch-title" @close=${() => this.close()}>
      <h2 id="batch-title">${title}</h2>
      ${state.checking ? html`<p role="status" class="muted">${t.batch.checking}</p>` : nothing}
      ${
        warnings.size > 0 && state.phase !== "done"
          ? html`<p class="warning" role="alert">${blocked ? t.batch.allRefused : t.batch.warnings}</p>`
          : nothing
      }
      <ul class="batch-vms" part="batch-list">
        ${state.vms.map((vm) => {
          const warning = warnings.get(vm.id)
          const outcome = outcomes.get(vm.id)
          return html`<li data-vm-id=${vm.id}>
            <strong>${vm.name}</strong> ${vm.state ? stateBadge(vm.state, t) : nothing}
            ${outcome ? this.outcome(outcome, t) : warning ? html`<span class="warning" data-warning data-rule=${warning.rule ?? nothing}>⚠ ${warning.message}</span>` : nothing}
          </li>`
        })}
      </ul>
      ${state.phase !== "done" ? this.options(state, t) : html`<p role="status">${this.summary(state, t)}</p>`}
      ${state.error ? html`<p class="banner error" role="alert" data-rule=${state.error.rule ?? ""}>${state.error.message}</p>` : nothing}
      <div class="dialog-buttons">
        <button type="button" data-close @click=${() => this.close()}>
          ${state.phase === "done" ? t.common.close : t.common.cancel}</button>
        ${
          state.phase === "done"
            ? nothing
            : html`<button type="button" class="primary" data-run
                ?disabled=${state.phase === "submitting" || blocked !== undefined}
                title=${blocked?.message ?? nothing} aria-description=${blocked?.message ?? nothing}
                data-rule=${blocked?.rule ?? nothing} @click=${() => this.run()}>${state.phase === "submitting" ? t.batch.running : t.batch.run}</button>`
        }
      </div>
    </dialog>`
  }

  private options(state: BatchState, t: Messages) {
    const toggle = (key: "force" | "destroy") => (event: Event) =>
      this.update({ [key]: (event.target as HTMLInputElement).checked })
    if (state.action === "stop" || state.action === "reboot") {
      return html`<label><input type="checkbox" .checked=${state.force} @change=${toggle("force")} /> ${t.batch.force}</label>`
    }
    if (state.action === "delete") {
      return html`<label><input type="checkbox" .checked=${state.destroy} @change=${toggle("destroy")} /> ${t.batch.destroy}</label>`
    }
    return nothing
  }

  private outcome(outcome: BatchOutcome, t: Messages) {
    if (outcome.status === "accepted")
      return html`<span class="ok" data-outcome="accepted">✓ ${t.batch.accepted}</span>`
    if (outcome.status === "not-found")
      return html`<span class="warning" data-outcome="not-found">${t.batch.notFound}</span>`
    return html`<span class="warning" data-outcome="refused" data-rule=${outcome.rule ?? ""}
      >⚠ ${t.batch.refused}: ${outcome.message ?? outcome.rule}</span
    >`
  }

  private summary(state: BatchState, t: Messages) {
    const accepted = (state.outcomes ?? []).filter((outcome) => outcome.status === "accepted").length
    return t.batch.result(accepted, state.vms.length)
  }

  private update(patch: Partial<BatchState>) {
    if (this.state === undefined) return
    this.state = { ...this.state, ...patch }
    this.host.requestUpdate()
  }
}
