#!/usr/bin/env node
/**
 * A portal's backend in ~60 lines, for #21 portal sign-in: the portal signs its user in (here: one fixed user), mints
 * that user a short-lived hyperx token with an admin's token, and hands it to the page; the page gives the elements a
 * `tokenProvider` that asks this backend again before the token expires (and on a 401). The admin token never reaches
 * the browser. Plain Node (18+), no dependencies:
 *
 *   HYPERX_URL=http://127.0.0.1:8080 HYPERX_ADMIN_TOKEN=hx_… PORTAL_USER_ID=<user id> \
 *     node ui-widgets/examples/portal-backend.mjs          # then open http://127.0.0.1:3000
 *
 * The agent must allow the portal's origin: HYPERX_CORS_ORIGINS=http://127.0.0.1:3000 (README, "Widgets").
 */
import { createServer } from "node:http"
import { pathToFileURL } from "node:url"

/** The page: the bundle's one script tag, an element, and the token flow. */
const pageHtml = (agentUrl) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Portal</title>
<script type="module" src="${agentUrl}/widgets/hyperx-widgets.js"></script></head>
<body><h1>My portal</h1><main></main>
<script type="module">
  // The portal's own session cookie authenticates this call; the answer is { token, expiresAt }.
  const sessionToken = async () => {
    const reply = await fetch("/session-token", { method: "POST" })
    if (!reply.ok) throw new Error("signed out of the portal")
    return reply.json()
  }
  // The element is added once it has a token (an element without one says "Not signed in" and sends hx-error).
  const { token, expiresAt } = await sessionToken()
  const list = document.createElement("hx-vm-list")
  list.setAttribute("api-base", "${agentUrl}")
  list.token = token // a property: the token stays out of the DOM
  list.tokenExpires = expiresAt
  list.tokenProvider = sessionToken // asked before expiresAt and on a 401; the list keeps its page and selection
  list.addEventListener("hx-error", (event) => console.warn("hyperx:", event.detail.code, event.detail.message))
  document.querySelector("main").append(list)
</script></body></html>`

/** POST {agent}/api/v1/tokens as the admin: a token for `userId` that lives `ttlSeconds`. */
export const mintSessionToken = async ({ agentUrl, adminToken, userId, ttlSeconds }) => {
  const reply = await fetch(`${agentUrl}/api/v1/tokens`, {
    method: "POST",
    headers: { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "portal session", userId, ttlSeconds }),
  })
  if (reply.status !== 201) throw new Error(`hyperx refused the token: ${reply.status} ${await reply.text()}`)
  const { secret, token } = await reply.json()
  return { token: secret, expiresAt: token.expiresAt }
}

/** The portal's HTTP server: `/` the page, `POST /session-token` a fresh token for the signed-in user. */
export const portalBackend = (options) =>
  createServer(async (request, response) => {
    if (request.method === "POST" && request.url === "/session-token") {
      // A real portal checks its own session here and picks the hyperx user that matches it.
      try {
        const fresh = await mintSessionToken(options)
        response.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" })
        response.end(JSON.stringify(fresh))
      } catch (error) {
        response.writeHead(502, { "Content-Type": "text/plain" }).end(String(error))
      }
      return
    }
    response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(pageHtml(options.agentUrl))
  })

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const env = (name) => {
    if (process.env[name]) return process.env[name]
    console.error(`set ${name}`)
    process.exit(2)
  }
  const options = {
    agentUrl: (process.env.HYPERX_URL ?? "http://127.0.0.1:8080").replace(/\/+$/, ""),
    adminToken: env("HYPERX_ADMIN_TOKEN"),
    userId: env("PORTAL_USER_ID"),
    ttlSeconds: Number(process.env.PORTAL_TOKEN_TTL ?? 900),
  }
  const port = Number(process.env.PORT ?? 3000)
  portalBackend(options).listen(port, "127.0.0.1", () => console.log(`portal on http://127.0.0.1:${port}`))
}
