import { html, LitElement, type PropertyDeclarations, type PropertyValues, type TemplateResult } from "lit"
import { ApiClient, ApiError } from "../api/client.ts"
import { type EventFeed, eventFeed } from "../api/events.ts"
import { TaskWatch } from "../api/tasks.ts"
import type { PlatformEvent, Task } from "../api/types.ts"
import {
  type HxErrorDetail,
  HxErrorEvent,
  HxTaskFinishedEvent,
  HxTaskStartedEvent,
  HxTokenExpiringEvent,
  HxTokenNeededEvent,
} from "../events.ts"
import { type Locale, localeOf, type Messages, messagesFor, resolveLocale } from "../i18n/index.ts"
import { operationName } from "../i18n/operations.ts"
import { watchLang } from "./lang-watch.ts"
import { askProvider, expiryOf, renewalDelay, type TokenProvider } from "./token-renewal.ts"

/**
 * What every hx- element shares: the api-base, token and lang attributes, an API client built from them, the
 * shared events stream, task following and error reporting as DOM events. Reactive fields are `declare`d and set in
 * constructors: class-field initialisers would shadow Lit's accessors (useDefineForClassFields) and stop re-rendering.
 */
export abstract class HxElement extends LitElement {
  static override properties: PropertyDeclarations = {
    apiBase: { attribute: "api-base" },
    token: {},
    tokenExpires: { attribute: "token-expires" },
    tokenProvider: { attribute: false },
    lang: {},
    live: { state: true },
    expired: { state: true },
  }

  /** The agent's URL or API root; empty: the agent that served the bundle. */
  declare apiBase: string
  /** The caller's bearer token (hx_…). */
  declare token: string
  /** When the token expires (ISO date or epoch ms, as `POST /tokens` answered); empty: never or unknown. */
  declare tokenExpires: string
  /** #21: asked for a fresh token before `tokenExpires` and when the API answers 401 (portal sign-in). */
  declare tokenProvider: TokenProvider | undefined
  /** en, zh, zh-CN, zh-Hans…; empty: the nearest ancestor's lang, then the browser's. */
  declare lang: string
  /** Whether the events stream is open. */
  declare protected live: boolean
  /** The API refused the token and no fresh one came: the element shows its signed-out state. */
  declare protected expired: boolean

  /** Whether the element follows the events stream (the console does not need it). */
  protected readonly followsEvents: boolean = true
  protected readonly tasks: TaskWatch
  private clientKey = ""
  private cachedClient: ApiClient | undefined
  private unsubscribe: (() => void) | undefined
  private unwatchLang: (() => void) | undefined
  private feed: EventFeed | undefined
  private renewTimer: ReturnType<typeof setTimeout> | undefined
  private renewing: Promise<string | undefined> | undefined
  /** A token this element got from its provider: setting it keeps what the element shows (no reload). */
  private renewedToken = ""

  constructor() {
    super()
    this.apiBase = ""
    this.token = ""
    this.tokenExpires = ""
    this.tokenProvider = undefined
    this.lang = ""
    this.live = false
    this.expired = false
    this.tasks = new TaskWatch(
      () => this.client,
      (task) => {
        const name = operationName(task.operation, this.locale)
        const summary = task.state === "failed" ? this.t.common.taskFailed(name) : this.t.common.taskSucceeded(name)
        this.dispatchEvent(new HxTaskFinishedEvent(task, summary))
        this.taskFinished(task)
      },
    )
  }

  get locale(): Locale {
    return this.lang ? resolveLocale(this.lang) : localeOf(this)
  }

  /** This element's text in its language. */
  protected get t(): Messages {
    return messagesFor(this.locale)
  }

  protected get client(): ApiClient {
    const key = `${this.apiBase}\n${this.token}\n${this.locale}`
    if (this.cachedClient === undefined || key !== this.clientKey) {
      this.cachedClient = new ApiClient({
        base: this.apiBase,
        token: this.token,
        locale: this.locale,
        renew: () => this.renewToken("needed"),
      })
      this.clientKey = key
    }
    return this.cachedClient
  }

  protected get ready(): boolean {
    return this.token !== "" && !this.expired
  }

  private toldNoToken = false

  /**
   * What an element shows before it has a token: a neutral line for the user. The portal's developer hears of it
   * once, as hx-error with code "no-token", not through text on the page.
   */
  protected signedOut(): TemplateResult {
    // A refused token was told already, as the request's hx-error.
    if (!this.toldNoToken && !this.expired) {
      this.toldNoToken = true
      queueMicrotask(() =>
        this.dispatchEvent(new HxErrorEvent({ status: 0, code: "no-token", message: this.t.common.noToken })),
      )
    }
    return html`<p class="muted" part="signed-out" data-signed-out>${this.t.common.signedOut}</p>`
  }

  override connectedCallback(): void {
    super.connectedCallback()
    this.unwatchLang = watchLang(this)
    this.follow()
    this.scheduleRenewal()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.unwatchLang?.()
    this.unwatchLang = undefined
    this.unsubscribe?.()
    this.unsubscribe = undefined
    this.feed = undefined
    this.tasks.dispose()
    clearTimeout(this.renewTimer)
    this.renewTimer = undefined
  }

  protected override willUpdate(changed: PropertyValues): void {
    super.willUpdate(changed)
    const renewed = changed.has("token") && this.token !== "" && this.token === this.renewedToken
    if (changed.has("token")) this.expired = false
    if (changed.has("token") || changed.has("tokenExpires")) this.scheduleRenewal()
    // A refused token also leaves the events stream (which would retry it forever).
    if (changed.has("apiBase") || changed.has("token") || changed.has("expired")) this.follow()
    if (changed.has("apiBase") || (changed.has("token") && !renewed) || changed.has("lang")) {
      if (this.ready) void this.reload()
    }
  }

  /**
   * #21 portal sign-in: get a fresh token, before the current one expires ("expiring") or after the API refused it
   * ("needed"): the page hears hx-token-expiring / hx-token-needed (and may set `token` right then), then the
   * provider is asked. The element keeps what it shows (selection, page, open dialog): only requests change token.
   * Resolves to the fresh token, or undefined when none came.
   */
  protected renewToken(reason: "expiring" | "needed"): Promise<string | undefined> {
    this.renewing ??= this.askForToken(reason).finally(() => {
      this.renewing = undefined
    })
    return this.renewing
  }

  private async askForToken(reason: "expiring" | "needed"): Promise<string | undefined> {
    const stale = this.token
    this.dispatchEvent(
      reason === "expiring" ? new HxTokenExpiringEvent(this.tokenExpires) : new HxTokenNeededEvent(401),
    )
    if (this.token !== stale && this.token !== "") return this.token
    const provider = this.tokenProvider
    if (provider === undefined) return undefined
    try {
      const fresh = await askProvider(provider)
      if (fresh.token === "" || fresh.token === stale) return undefined
      this.renewedToken = fresh.token
      this.token = fresh.token
      this.tokenExpires = fresh.expiresAt
      return fresh.token
    } catch (error) {
      // The portal could not mint one (its session ended): the 401 that follows says so as hx-error.
      if (reason === "expiring") this.report(error)
      return undefined
    }
  }

  private scheduleRenewal() {
    clearTimeout(this.renewTimer)
    this.renewTimer = undefined
    const expiresAt = expiryOf(this.tokenExpires)
    if (expiresAt === undefined || this.token === "" || !this.isConnected) return
    this.renewTimer = setTimeout(() => void this.renewToken("expiring"), renewalDelay(expiresAt, Date.now()))
  }

  /** Fetch what the element shows; called when the connection or language changes and when the stream reopens. */
  protected async reload(): Promise<void> {}

  /** One frame of the events stream. */
  protected platformEvent(_event: PlatformEvent): void {}

  /** A task this element started has finished (after hx-task-finished went out). */
  protected taskFinished(_task: Task): void {}

  /** Announce a task the API accepted and follow it to its end. */
  protected taskStarted(task: Task): void {
    this.dispatchEvent(new HxTaskStartedEvent(task))
    this.tasks.watch(task)
  }

  /** Turn a failure into hx-error and return what the element should show. */
  protected report(error: unknown): HxErrorDetail {
    // A refused token that no renewal replaced: the neutral signed-out state until the page sets a fresh one.
    if (error instanceof ApiError && error.status === 401) this.expired = true
    const detail: HxErrorDetail =
      error instanceof ApiError
        ? {
            status: error.status,
            code: error.code,
            ...(error.rule === undefined ? {} : { rule: error.rule }),
            message: error.code === "network" ? this.t.common.networkError : error.message,
          }
        : { status: 0, code: "client", message: error instanceof Error ? error.message : String(error) }
    this.dispatchEvent(new HxErrorEvent(detail))
    return detail
  }

  private follow() {
    if (!this.followsEvents || !this.isConnected) return
    const url = this.ready ? this.client.socketUrl("/events") : undefined
    if (url === this.feed?.url && this.token === this.feed?.token) return
    const since = this.feed?.lastEventId
    this.unsubscribe?.()
    this.unsubscribe = undefined
    this.feed = undefined
    this.live = false
    if (url === undefined) return
    // A renewed token opens a new stream that starts where the old one was (?since=), so no event is lost between.
    const feed = eventFeed(url, this.token, since)
    this.feed = feed
    let opened = feed.live
    this.live = feed.live
    this.unsubscribe = feed.subscribe(
      (event) => {
        this.tasks.handle(event)
        this.platformEvent(event)
      },
      (live) => {
        this.live = live
        // Reopened after a drop: reload what changed while nobody listened.
        if (live && opened) void this.reload()
        opened ||= live
      },
    )
  }
}
