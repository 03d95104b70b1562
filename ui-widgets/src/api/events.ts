import type { EventFrame, PlatformEvent } from "./types.ts"

export type EventListener = (event: PlatformEvent) => void
/** Called with true when the stream (re)opens, so a view can reload what it missed, and false when it drops. */
export type LiveListener = (live: boolean) => void

interface Subscriber {
  readonly onEvent: EventListener
  readonly onLive: LiveListener
}

const maxBackoffMs = 15_000

/**
 * One WebSocket to /api/v1/events shared by every element with the same agent and token. It opens with the first
 * subscriber, reconnects with backoff while anyone listens, and closes after the last one leaves. The token travels
 * as a subprotocol (`hyperx.bearer.…`), never in the URL, which proxies log; on reconnect `?since=` the last event's
 * id asks the agent for what was missed (a `gap` frame when it no longer has it: the views reload as on any reopen).
 */
export class EventFeed {
  readonly url: string
  readonly token: string
  private readonly subscribers = new Set<Subscriber>()
  private socket: WebSocket | undefined
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private failures = 0
  private isLive = false
  private lastId: string | undefined

  constructor(url: string, token: string, since?: string) {
    this.url = url
    this.token = token
    this.lastId = since
  }

  get live(): boolean {
    return this.isLive
  }

  /** The id of the last event heard, to resume from. */
  get lastEventId(): string | undefined {
    return this.lastId
  }

  subscribe(onEvent: EventListener, onLive: LiveListener): () => void {
    const subscriber = { onEvent, onLive }
    this.subscribers.add(subscriber)
    if (this.socket === undefined && this.retryTimer === undefined) this.open()
    return () => {
      this.subscribers.delete(subscriber)
      if (this.subscribers.size === 0) this.close()
    }
  }

  private open() {
    this.retryTimer = undefined
    const url = this.lastId === undefined ? this.url : withQuery(this.url, "since", this.lastId)
    const socket = new WebSocket(url, ["hyperx.v1", `hyperx.bearer.${this.token}`])
    this.socket = socket
    socket.addEventListener("open", () => {
      this.failures = 0
      this.setLive(true)
    })
    socket.addEventListener("message", (message) => {
      if (typeof message.data !== "string") return
      let event: EventFrame
      try {
        event = JSON.parse(message.data) as EventFrame
      } catch {
        return
      }
      if (event._tag === "gap") return
      this.lastId = event.id
      for (const subscriber of this.subscribers) subscriber.onEvent(event)
    })
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return
      this.socket = undefined
      this.setLive(false)
      if (this.subscribers.size === 0) return
      const delay = Math.min(maxBackoffMs, 500 * 2 ** this.failures)
      this.failures += 1
      this.retryTimer = setTimeout(() => this.open(), delay)
    })
  }

  private close() {
    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    const socket = this.socket
    this.socket = undefined
    this.isLive = false
    socket?.close(1000)
  }

  private setLive(live: boolean) {
    if (this.isLive === live) return
    this.isLive = live
    for (const subscriber of this.subscribers) subscriber.onLive(live)
  }
}

const withQuery = (url: string, name: string, value: string) =>
  `${url}${url.includes("?") ? "&" : "?"}${name}=${encodeURIComponent(value)}`

const feeds = new Map<string, EventFeed>()

/** The shared feed for one agent's events URL and token; a new one resumes after `since` (a renewed token's). */
export const eventFeed = (url: string, token: string, since?: string): EventFeed => {
  const key = `${url} ${token}`
  let feed = feeds.get(key)
  if (feed === undefined) {
    feed = new EventFeed(url, token, since)
    feeds.set(key, feed)
  }
  return feed
}
