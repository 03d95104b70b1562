import type { ReactiveController, ReactiveControllerHost } from "lit"
import type { ApiClient } from "../api/client.ts"
import type { Quote } from "../api/types.ts"
import type { QuoteBody } from "./form.ts"

/**
 * C7: asks POST /vms/quote for the current choice once the user pauses, keeps only the newest answer, and holds the
 * quote or the API's message for the wizard to show.
 */
export class QuoteController implements ReactiveController {
  quote: Quote | undefined
  error: string | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private seq = 0
  private readonly host: ReactiveControllerHost
  private readonly client: () => ApiClient
  private readonly report: (error: unknown) => string

  constructor(host: ReactiveControllerHost, client: () => ApiClient, report: (error: unknown) => string) {
    this.host = host
    this.client = client
    this.report = report
    host.addController(this)
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    clearTimeout(this.timer)
  }

  /** The choice changed: quote it in a moment (undefined: nothing to quote yet). */
  request(body: QuoteBody | undefined): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.fetch(body), 250)
  }

  clear(): void {
    this.seq++
    this.quote = undefined
    this.error = undefined
    this.host.requestUpdate()
  }

  private async fetch(body: QuoteBody | undefined) {
    const seq = ++this.seq
    if (body === undefined) return this.clear()
    try {
      const quote = await this.client().post<Quote>("/vms/quote", body)
      if (seq !== this.seq) return
      this.quote = quote
      this.error = undefined
    } catch (error) {
      if (seq === this.seq) this.error = this.report(error)
    }
    this.host.requestUpdate()
  }
}
