import { Effect, Option } from "effect"
import type { Context, MiddlewareHandler } from "hono"
import { createMiddleware } from "hono/factory"
import type { Host } from "../../core/model/host.ts"
import type { Actor } from "../../core/rules/context.ts"
import { Store } from "../../core/store/ports.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { ApiError } from "../errors/api-error.ts"
import { type ConsoleRelay, relayConsoleTicket } from "./console-proxy.ts"
import { sendForward } from "./forward.ts"
import type { ClusterLink } from "./link.ts"
import { namedBy, owningHost } from "./owning-host.ts"
import { checkForward, forwardHeaders } from "./signature.ts"
import { systemCaller } from "./system-caller.ts"

const refused = (why: string) =>
  new ApiError(401, "forward-refused", {
    en: `A forwarded request was refused (${why}): it must be signed with the cluster secret within 30 s, once`,
    zh: `转发的请求被拒绝（${why}）：须在 30 秒内以集群密钥签名，且只能使用一次`,
  })

/** The path and query the request came with (what a forward's signature covers). */
const pathOf = (c: Context<AgentEnv>) => {
  const url = new URL(c.req.url)
  return `${url.pathname}${url.search}`
}

const bodyOf = async (c: Context<AgentEnv>) =>
  c.req.method === "GET" || c.req.method === "HEAD" ? new Uint8Array() : new Uint8Array(await c.req.arrayBuffer())

/** Whether the request came from another agent of the cluster (checked by acceptForwards before anything else). */
export const isForwarded = (c: Context<AgentEnv>) => c.req.header(forwardHeaders.signature) !== undefined

/** The caller a verified forward names, as an actor: the user's role and organisation as stored now. */
const actorOf = (userId: string) =>
  Store.use((store) => store.users.get(userId)).pipe(
    Effect.map(
      (user): Actor => ({
        userId: user.id,
        role: user.role,
        companyId: user.companyId,
        departmentId: user.departmentId,
      }),
    ),
    Effect.option,
  )

/**
 * #16: a request another agent forwarded: its signature (HMAC with the cluster secret over method, path, body hash,
 * timestamp, caller and sender) must check, its timestamp lie within 30 s of this agent's clock, and its signature
 * be new; then the request runs as the caller it names, with no bearer token. Any doubt: 401 forward-refused. An
 * agent without a cluster secret refuses every forward. Runs before the bearer-token check.
 */
export const acceptForwards = (link: ClusterLink | undefined): MiddlewareHandler<AgentEnv> =>
  createMiddleware<AgentEnv>(async (c, next) => {
    const signature = c.req.header(forwardHeaders.signature)
    const callerId = c.req.header(forwardHeaders.caller)
    const from = c.req.header(forwardHeaders.from)
    const at = Number(c.req.header(forwardHeaders.at) ?? Number.NaN)
    if (signature === undefined && callerId === undefined) return next()
    if (link === undefined) throw refused("this agent has no cluster secret")
    if (signature === undefined || callerId === undefined || from === undefined) throw refused("malformed")
    const facts = { method: c.req.method, path: pathOf(c), body: await bodyOf(c), at, callerId, from }
    const check = checkForward(link.secret, facts, signature, link.now(), link.seen)
    if (!check.ok) throw refused(check.why)
    // The platform itself (the leader's failover) is no user; only the cluster's own routes act for it.
    if (callerId === "system" && !c.req.path.startsWith("/api/v1/cluster/")) throw refused("system outside /cluster")
    const actor = callerId === "system" ? Option.some(systemCaller) : await runEffect(c, actorOf(callerId))
    if (actor._tag === "None") throw refused("unknown caller")
    c.set("actor", actor.value)
    return next()
  })

/** #16: the start of a VM whose host is down runs here: the core moves it to another host first. */
const startsElsewhere = (method: string, rest: string | undefined, host: Host) =>
  method === "POST" && rest === "/start" && host.state === "down"

/**
 * #16: a request about a VM of another host goes to that host's agent, signed, as the same caller; its answer is
 * this one's. Reads of the VM's own record (GET /vms/{id}) are answered here from the shared database; everything
 * under it (actions, disks, snapshots, console tickets, metrics) and every change is forwarded. So are the routes
 * outside /vms/{id} that work on one host's files (owning-host.ts): a deleted VM's restore and purge
 * (/recycle-bin/{id}), an unattached disk's deletion (/disks/{id}), a backup's restore and deletion (/backups/{id}),
 * each to the host of what it names. A forwarded request is never forwarded again. With `consoles`, a console ticket of the VM's host is relayed: the client
 * connects to this agent, which opens the host's console for it. Runs after the bearer-token check.
 */
export const forwardVmRequests = (link: ClusterLink, consoles?: ConsoleRelay): MiddlewareHandler<AgentEnv> =>
  createMiddleware<AgentEnv>(async (c, next) => {
    const named = namedBy(c.req.path)
    if (named === undefined || isForwarded(c)) return next()
    const { id: vmId, rest } = named
    // Reads of a record itself come from the shared database; the disk and recycle-bin lists have no id.
    if (c.req.method === "GET" && (rest === undefined || rest === "/")) return next()
    const host = await runEffect(c, owningHost(named))
    if (host === undefined || host.id === link.hostId || host.address === "") return next()
    if (named.kind === "vm" && startsElsewhere(c.req.method, rest, host)) return next()
    const answer = await sendForward(link, host.address, host.id, c.var.actor, {
      method: c.req.method,
      path: pathOf(c),
      body: await bodyOf(c),
      headers: {
        "content-type": c.req.header("content-type"),
        "accept-language": c.req.header("accept-language"),
        accept: c.req.header("accept"),
        "if-match": c.req.header("if-match"),
      },
    })
    const isTicket = named.kind === "vm" && c.req.method === "POST" && rest === "/console" && consoles !== undefined
    return isTicket ? relayConsoleTicket(consoles, c, vmId, host, answer) : answer
  })
