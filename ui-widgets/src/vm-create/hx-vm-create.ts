import { html, nothing, type PropertyDeclarations } from "lit"
import { offeredRoutes, offers } from "../api/capabilities.ts"
import type { Created, Flavor, Image, Items, Network, PlatformEvent, Task, User } from "../api/types.ts"
import { HxVmCreatedEvent } from "../events.ts"
import { HxElement } from "../internal/hx-element.ts"
import { stateStyles, themeStyles } from "../internal/styles.ts"
import { namesOf, renderCreated } from "./created.ts"
import {
  type Choices,
  type CreateForm,
  checkForm,
  createBody,
  demandOf,
  emptyForm,
  type FieldKey,
  fieldOfRule,
  quoteBody,
  type Refusal,
  refusalsOf,
  type Step,
  steps,
} from "./form.ts"
import { renderQuote } from "./quote.ts"
import { QuoteController } from "./quote-controller.ts"
import { renderStep, type StepView } from "./steps.ts"
import { createStyles } from "./styles.ts"

/**
 * <hx-vm-create>: the five-step create wizard (C1–C8): basic info, image, configuration, network, confirm. The
 * manual's input rules show beside each field as the user types, the department's remaining quota and the price
 * beside every step (POST /vms/quote), and the API's own refusal, if any, beside the field it names.
 */
export class HxVmCreate extends HxElement {
  static override styles = [themeStyles, stateStyles, createStyles]
  static override properties: PropertyDeclarations = {
    currency: {},
    step: { state: true },
    reached: { state: true },
    form: { state: true },
    touched: { state: true },
    images: { state: true },
    flavors: { state: true },
    networks: { state: true },
    users: { state: true },
    submitting: { state: true },
    serverRefusal: { state: true },
    error: { state: true },
    created: { state: true },
    progress: { state: true },
    names: { state: true },
  }

  /** ISO 4217 code for prices (the API's are minor units of the platform's currency); default CNY. */
  declare currency: string
  declare protected step: number
  declare protected reached: number
  declare protected form: CreateForm
  declare protected touched: ReadonlySet<FieldKey>
  declare protected images: ReadonlyArray<Image>
  declare protected flavors: ReadonlyArray<Flavor>
  /** C6: the networks the caller may choose, with free-IP counts (empty when the agent has none). */
  declare protected networks: ReadonlyArray<Network>
  /** C1: whom the VMs may be made for (GET /users: oneself for a user, the department or all for admins). */
  declare protected users: ReadonlyArray<User>
  declare protected submitting: boolean
  declare protected serverRefusal: { readonly field: FieldKey; readonly message: string } | undefined
  declare protected error: string | undefined
  declare protected created: Created | undefined
  declare protected progress: ReadonlyMap<string, Task>
  /** The created VMs' names (generated ones are known only once the API made them). */
  declare protected names: ReadonlyMap<string, string>

  private readonly quotes: QuoteController

  constructor() {
    super()
    this.currency = "CNY"
    this.step = 0
    this.reached = 0
    this.form = emptyForm
    this.touched = new Set()
    this.images = []
    this.flavors = []
    this.networks = []
    this.users = []
    this.submitting = false
    this.serverRefusal = undefined
    this.error = undefined
    this.created = undefined
    this.progress = new Map()
    this.names = new Map()
    this.quotes = new QuoteController(
      this,
      () => this.client,
      (error) => this.report(error).message,
    )
  }

  /** Start over with an empty form. */
  reset(): void {
    this.form = emptyForm
    this.touched = new Set()
    this.step = 0
    this.reached = 0
    this.created = undefined
    this.progress = new Map()
    this.quotes.clear()
    this.serverRefusal = undefined
    this.error = undefined
    // the free-IP counts changed with the VMs just created
    if (this.ready) void this.reload()
  }

  protected override async reload(): Promise<void> {
    try {
      const routes = await offeredRoutes(this.client)
      const [images, flavors, networks, users] = await Promise.all([
        this.client.get<Items<Image>>("/images"),
        this.client.get<Items<Flavor>>("/flavors"),
        offers(routes, "GET", "/networks") ? this.client.get<Items<Network>>("/networks") : { items: [] },
        // Without the list the wizard still creates for the signed-in user: a failure here asks nothing more.
        offers(routes, "GET", "/users")
          ? this.client.get<Items<User>>("/users").catch((): Items<User> => ({ items: [] }))
          : { items: [] },
      ])
      this.images = images.items
      this.flavors = flavors.items
      this.networks = networks.items
      this.users = users.items
      this.error = undefined
    } catch (error) {
      this.error = this.report(error).message
    }
  }

  protected override platformEvent(event: PlatformEvent): void {
    if (event._tag === "task" && this.progress.has(event.task.id)) {
      this.progress = new Map(this.progress).set(event.task.id, event.task)
    }
  }

  protected override taskFinished(task: Task): void {
    if (this.progress.has(task.id)) this.progress = new Map(this.progress).set(task.id, task)
  }

  private get choices(): Choices {
    return {
      image: this.images.find((image) => image.id === this.form.imageId),
      flavor: this.flavors.find((flavor) => flavor.id === this.form.flavorId),
      networks: this.networks,
      now: new Date(),
    }
  }

  private get currentStep(): Step {
    return steps[this.step] ?? "basic"
  }

  protected override render() {
    if (!this.ready) return this.signedOut()
    if (this.created !== undefined) {
      return renderCreated(this.t, this.created, this.progress, this.names, () => this.reset())
    }
    const t = this.t.create
    const choices = this.choices
    const refusals = checkForm(this.form, choices)
    const step = this.currentStep
    const shown = new Map<FieldKey, Refusal | string>()
    for (const [key, refusal] of refusals) if (this.touched.has(key)) shown.set(key, refusal)
    if (this.serverRefusal) shown.set(this.serverRefusal.field, this.serverRefusal.message)
    return html`<section part="base" aria-label=${t.label}>
      <ol class="stepper" part="stepper">
        ${steps.map(
          (name, index) => html`<li><button type="button" part="step-button" data-step=${name}
            aria-current=${index === this.step ? "step" : "false"} ?disabled=${index > this.reached}
            @click=${() => this.goTo(index)}>${index + 1}. ${t.steps[name]}</button></li>`,
        )}
      </ol>
      ${this.error ? html`<p class="banner error" role="alert" part="error">${this.error}</p>` : nothing}
      <div class="layout">
        <form part="step" data-current-step=${step} aria-labelledby="step-title" novalidate
          @submit=${(e: Event) => {
            e.preventDefault()
            this.next()
          }}>
          <h3 id="step-title" tabindex="-1">${t.stepOf(this.step + 1, steps.length, t.steps[step])}</h3>
          ${renderStep(step, this.stepView(shown, choices))}
          <div class="nav" part="nav">
            <button type="button" part="button" ?disabled=${this.step === 0} @click=${() => this.goTo(this.step - 1)}>
              ${t.back}</button>
            ${
              step === "confirm"
                ? html`<button type="submit" class="primary" part="button submit" data-submit ?disabled=${this.submitting}>
                    ${this.submitting ? t.submitting : t.submit}</button>`
                : html`<button type="submit" class="primary" part="button" data-next>${t.next}</button>`
            }
          </div>
        </form>
        ${renderQuote({
          t: this.t,
          locale: this.locale,
          currency: this.currency,
          quote: this.quotes.quote,
          error: this.quotes.error,
          demand: demandOf(this.form, choices),
        })}
      </div>
    </section>`
  }

  private stepView(shown: ReadonlyMap<FieldKey, Refusal | string>, choices: Choices): StepView {
    return {
      t: this.t,
      locale: this.locale,
      currency: this.currency,
      form: this.form,
      shown,
      images: this.images,
      flavors: this.flavors,
      image: choices.image,
      flavor: choices.flavor,
      networks: this.networks,
      users: this.users,
      set: (patch, field) => this.change(patch, field),
      setTag: (key, value) => this.change({ tags: { ...this.form.tags, [key]: value } }, "tags"),
      setDisk: (index, patch) =>
        this.change(
          { dataDisks: this.form.dataDisks.map((disk, i) => (i === index ? { ...disk, ...patch } : disk)) },
          `disk-${index}`,
        ),
      addDisk: () => this.change({ dataDisks: [...this.form.dataDisks, { sizeGiB: "100", storageClass: "" }] }),
      removeDisk: (index) => this.change({ dataDisks: this.form.dataDisks.filter((_, i) => i !== index) }),
      setNetworks: (patch) => this.change(patch, "networks"),
    }
  }

  /** A field changed: it is touched now (its rule shows), and the quote follows the choice. */
  private change(patch: Partial<CreateForm>, field?: FieldKey) {
    this.form = { ...this.form, ...patch }
    if (field !== undefined) this.touched = new Set(this.touched).add(field)
    if (field === "count" || field === "name") this.touched = new Set(this.touched).add("tags")
    if (this.serverRefusal && (field === undefined || field === this.serverRefusal.field))
      this.serverRefusal = undefined
    this.quotes.request(quoteBody(this.form))
  }

  private goTo(index: number) {
    if (index < 0 || index > this.reached) return
    this.step = index
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>("#step-title")?.focus())
  }

  /** Leave the step only when its rules allow; otherwise show every refusal of the step. */
  private next() {
    const step = this.currentStep
    if (step === "confirm") {
      void this.submit()
      return
    }
    const blocking = refusalsOf(step, checkForm(this.form, this.choices))
    if (blocking.length > 0) {
      this.touched = new Set([...this.touched, ...blocking])
      void this.updateComplete.then(() =>
        this.renderRoot
          .querySelector<HTMLElement>(`[data-field="${blocking[0]}"] input, [aria-invalid="true"]`)
          ?.focus(),
      )
      return
    }
    this.reached = Math.max(this.reached, this.step + 1)
    this.goTo(this.step + 1)
  }

  private async submit() {
    const invalid = steps.findIndex((step) => refusalsOf(step, checkForm(this.form, this.choices)).length > 0)
    if (invalid !== -1) {
      this.goTo(invalid)
      this.next()
      return
    }
    this.submitting = true
    this.error = undefined
    try {
      const created = await this.client.post<Created>("/vms", createBody(this.form, this.choices.image, this.networks))
      this.progress = new Map(created.tasks.map((task) => [task.id, task]))
      this.created = created
      this.dispatchEvent(new HxVmCreatedEvent(created))
      for (const task of created.tasks) this.taskStarted(task)
      void namesOf(this.client, created.vmIds).then((names) => {
        this.names = names
      })
    } catch (error) {
      const detail = this.report(error)
      const place = fieldOfRule(detail.rule)
      if (place === undefined) this.error = detail.message
      else {
        this.serverRefusal = { field: place.field, message: detail.message }
        this.goTo(steps.indexOf(place.step))
      }
    } finally {
      this.submitting = false
    }
  }
}
