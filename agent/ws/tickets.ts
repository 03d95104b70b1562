import { randomBytes } from "node:crypto"
import type { ConsoleKind } from "../../core/rules/console.ts"
import type { Actor } from "../../core/rules/context.ts"

export type { ConsoleKind }

/**
 * #16: a console of a VM on another host: the ticket that host's agent issued, redeemed there through this agent
 * (agent/cluster/console-proxy.ts).
 */
export interface RemoteConsole {
  readonly hostId: string
  /** Where that host's agent answers (its hosts row). */
  readonly address: string
  readonly ticket: string
}

/** What a ticket lets its bearer do: open one console of one VM, as the actor who asked for it. */
export interface ConsoleGrant {
  readonly vmId: string
  readonly kind: ConsoleKind
  readonly actor: Actor
  /** #16: the console is another host's; this agent relays it. */
  readonly remote?: RemoteConsole
}

export interface IssuedTicket {
  readonly ticket: string
  readonly expiresAt: Date
}

export interface ConsoleTicketOptions {
  /** How long a ticket stays valid; default 60 s. */
  readonly ttlMs?: number
  /** The clock, in epoch milliseconds; tests pass one they can move. */
  readonly now?: () => number
}

/**
 * One-time console tickets (B5), in memory: a browser cannot send a bearer header on a WebSocket, and a token in a
 * URL would outlive the page. A ticket is 32 random bytes, bound to one VM, one console kind and the actor, valid
 * for 60 s and for a single use: `redeem` removes it before anything else happens, so a second use finds nothing.
 */
export class ConsoleTickets {
  readonly ttlMs: number
  private readonly now: () => number
  private readonly grants = new Map<string, ConsoleGrant & { readonly expiresAtMs: number }>()

  constructor(options: ConsoleTicketOptions = {}) {
    this.ttlMs = options.ttlMs ?? 60_000
    this.now = options.now ?? Date.now
  }

  issue(grant: ConsoleGrant): IssuedTicket {
    this.prune()
    const ticket = randomBytes(32).toString("base64url")
    const expiresAtMs = this.now() + this.ttlMs
    this.grants.set(ticket, { ...grant, expiresAtMs })
    return { ticket, expiresAt: new Date(expiresAtMs) }
  }

  /** The grant of a live ticket, used up by this call; undefined for an unknown, used or expired one. */
  redeem(ticket: string): ConsoleGrant | undefined {
    const entry = this.grants.get(ticket)
    if (entry === undefined) return undefined
    this.grants.delete(ticket)
    if (entry.expiresAtMs <= this.now()) return undefined
    const { expiresAtMs: _, ...grant } = entry
    return grant
  }

  /** Tickets issued and neither used nor expired. */
  get size(): number {
    this.prune()
    return this.grants.size
  }

  /** Expired tickets go when the next one is issued, so an agent nobody redeems tickets on never grows. */
  private prune() {
    const at = this.now()
    for (const [ticket, entry] of this.grants) if (entry.expiresAtMs <= at) this.grants.delete(ticket)
  }
}
