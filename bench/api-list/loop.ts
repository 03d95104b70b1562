import { randomBytes, randomUUID } from "node:crypto"
import type { AddressInfo } from "node:net"
import { serve } from "@hono/node-server"
import { Effect } from "effect"
import pg from "pg"
import { createApp } from "../../agent/app.ts"
import { makeAgentRuntime } from "../../agent/runtime.ts"
import { issueToken } from "../../core/auth/tokens.ts"
import { layerPostgres } from "../../core/store/layer.ts"
import { makeFakeDriver } from "../../plugins/fake/index.ts"
import { type BenchWorld, seedVms } from "./seed.ts"

/**
 * The list questions profile.ts and tail.ts send in rotation: run.ts's shapes but the deep page by cursor (whose
 * cursor changes with the seed).
 */
export const loopQuestions = (world: BenchWorld): ReadonlyArray<string> => [
  "limit=50",
  "search=shop&state=running,stopped&sort=createdAt&order=desc&limit=50",
  `search=10.20.1&flavorId=${world.flavorIds[0]},${world.flavorIds[1]}&limit=50`,
  "tag=app-role:web&state=running&sort=cpus&order=desc&limit=50",
  `search=user1&hostId=${world.hostIds[2]}&sort=displayName&limit=100`,
  "state=running&sort=memoryMiB&offset=4000&limit=50",
  "search=10.20.3.7&limit=50",
  "search=wiki_db_0099&sort=displayName&limit=50",
]

/** An HTTP server for `fetch` on a free loopback port, with its origin. */
export const listen = (fetch: Parameters<typeof serve>[0]["fetch"]) =>
  new Promise<{ server: ReturnType<typeof serve>; origin: string }>((resolve) => {
    const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve({ server, origin: `http://127.0.0.1:${info.port}` }),
    )
  })

/**
 * An agent over the database at `url` (fake driver), with `vmCount` VMs seeded and analysed (VACUUM ANALYZE, as
 * run.ts does), a superadmin's token and the app: `use` gets them; the runtime is disposed after.
 */
export const withSeededAgent = async <A>(
  url: string,
  vmCount: number,
  use: (agent: {
    readonly world: BenchWorld
    readonly secret: string
    readonly app: ReturnType<typeof createApp>
  }) => Promise<A>,
): Promise<A> => {
  const fake = await Effect.runPromise(makeFakeDriver())
  const host = { hostId: randomUUID(), storageDir: "/tmp", shutdownTimeoutMs: 1000, secretKey: randomBytes(32) }
  const runtime = makeAgentRuntime({ store: layerPostgres(url), host, drivers: [fake.driver] })
  try {
    const world = await runtime.runPromise(seedVms(url, vmCount, () => {}))
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    await admin.query("vacuum analyze")
    await admin.end()
    const { secret } = await runtime.runPromise(issueToken(world.superadmin.id, "bench"))
    const app = createApp({ runtime, logError: (message, error) => process.stderr.write(`${message}: ${error}\n`) })
    return await use({ world, secret, app })
  } finally {
    await runtime.dispose()
  }
}
