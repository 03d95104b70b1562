import { randomBytes, randomUUID } from "node:crypto"
import { after, before } from "node:test"
import { Effect, Layer, ManagedRuntime } from "effect"
import type { Hono } from "hono"
import { issueToken } from "../../core/auth/tokens.ts"
import type { HostDeviceSource } from "../../core/devices/source.ts"
import type { HostConfig, Task, User, Vm } from "../../core/index.ts"
import { coreLayer, Store, type StoreError, VmLocks } from "../../core/index.ts"
import { seedVm, seedWorld, type World } from "../../core/operations/testing/world.ts"
import { type StoreBackend, sampleRows } from "../../core/store/testing.ts"
import { type FakeDriver, makeFakeDriver } from "../../plugins/fake/index.ts"
import { type AppOptions, createApp } from "../app.ts"
import type { AgentEnv, AgentRuntime, AgentServices } from "../env.ts"

export type Who = "owner" | "admin" | "superadmin" | "outsider" | "salesUser"

export interface CallOptions {
  /** Whose token to send; null sends none. Default: the owner's. */
  readonly as?: Who | null
  /** A raw Authorization header instead of a token. */
  readonly authorization?: string
  readonly body?: unknown
  /** Sent as is with Content-Type: application/json (broken JSON, huge bodies). */
  readonly rawBody?: string
  readonly lang?: string
  readonly headers?: Readonly<Record<string, string>>
}

export interface Reply<T = unknown> {
  readonly status: number
  readonly body: T
  readonly response: Response
}

export interface AgentHarness {
  readonly app: Hono<AgentEnv>
  readonly runtime: AgentRuntime
  readonly world: World
  readonly fake: FakeDriver
  /** The world's users, and a plain user of the second department ("sales"). */
  readonly users: World["users"] & { readonly salesUser: User }
  /** Each user's bearer secret. */
  readonly tokens: Readonly<Record<Who, string>>
  readonly run: <A, E>(effect: Effect.Effect<A, E, AgentServices>) => Promise<A>
  readonly request: (method: string, path: string, options?: CallOptions) => Promise<Response>
  /** A request whose answer is JSON, parsed. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read replies loosely, as an API client would
  readonly call: <T = any>(method: string, path: string, options?: CallOptions) => Promise<Reply<T>>
  readonly seedVm: (overrides?: Partial<Vm>) => Promise<Vm>
  /** Give a VM a NIC with this primary IP (on a subnet of its own). */
  readonly addNic: (vmId: string, ip: string) => Promise<void>
  /** Wait until a task has finished and its VM's lock is free again. */
  readonly settle: (taskId: string) => Promise<Task>
}

/** What the agent's core gets besides the fake driver: the host's devices (a fake sysfs tree's, X1–X4). */
export interface HarnessExtras {
  readonly devices?: HostDeviceSource["Service"]
  /** Host settings besides the harness's own (the image library's folder and upload limit). */
  readonly hostConfig?: Partial<HostConfig["Service"]>
  /** A logger layer instead of Effect's default one (#21: request and task-failure logs). */
  readonly logging?: Layer.Layer<never>
}

/**
 * The agent over a real store backend and the fake driver for the tests of the enclosing describe: built before the
 * first test, disposed after the last. Tests share one world and database; give each its own VMs.
 */
export const useAgent = (
  backend: StoreBackend,
  { devices, hostConfig, logging, ...options }: Partial<Omit<AppOptions, "runtime">> & HarnessExtras = {},
): AgentHarness => {
  let state:
    | {
        runtime: ManagedRuntime.ManagedRuntime<AgentServices, StoreError>
        app: Hono<AgentEnv>
        world: World
        fake: FakeDriver
        salesUser: User
        tokens: Record<Who, string>
      }
    | undefined
  const host: HostConfig["Service"] = {
    hostId: randomUUID(),
    storageDir: "/var/lib/hyperx/disks",
    shutdownTimeoutMs: 2000,
    secretKey: randomBytes(32),
    ...hostConfig,
  }
  before(async () => {
    const fake = await Effect.runPromise(makeFakeDriver({ bootDelayMs: 0, shutdownDelayMs: 0 }))
    const layer: Layer.Layer<AgentServices, StoreError> = Layer.merge(
      coreLayer({ host, drivers: [fake.driver], ...(devices === undefined ? {} : { devices }) }),
      backend.layer(),
    )
    const runtime = ManagedRuntime.make(logging === undefined ? layer : Layer.provideMerge(layer, logging))
    const world = await runtime.runPromise(seedWorld(fake.driver.name, host.hostId))
    const salesUser = await runtime.runPromise(
      Store.use((s) =>
        s.users.insert({
          id: randomUUID(),
          name: "seller",
          email: "seller@example.test",
          role: "user",
          companyId: world.users.outsider.companyId,
          departmentId: world.users.outsider.departmentId,
          createdAt: new Date("2026-11-26T00:00:00Z"),
        }),
      ),
    )
    const users = { ...world.users, salesUser }
    const tokens = {} as Record<Who, string>
    for (const who of Object.keys(users) as Array<Who>) {
      tokens[who] = (await runtime.runPromise(issueToken(users[who].id, `test-${who}`))).secret
    }
    const app = createApp({ runtime, logError: () => {}, ...options })
    state = { runtime, app, world, fake, salesUser, tokens }
  })
  after(() => state?.runtime.dispose())
  const live = () => {
    if (!state) throw new Error("useAgent: used before its before() hook")
    return state
  }
  const request: AgentHarness["request"] = (method, path, o = {}) => {
    const { tokens, app } = live()
    const headers: Record<string, string> = { ...o.headers }
    const who = o.as === undefined ? "owner" : o.as
    if (o.authorization !== undefined) headers.Authorization = o.authorization
    else if (who !== null) headers.Authorization = `Bearer ${tokens[who]}`
    if (o.lang !== undefined) headers["Accept-Language"] = o.lang
    let body: string | undefined
    if (o.rawBody !== undefined || o.body !== undefined) {
      body = o.rawBody ?? JSON.stringify(o.body)
      headers["Content-Type"] ??= "application/json"
    }
    return Promise.resolve(app.request(path, { method, headers, ...(body === undefined ? {} : { body }) }))
  }
  const run: AgentHarness["run"] = (effect) => live().runtime.runPromise(effect)
  return {
    get app() {
      return live().app
    },
    get runtime() {
      return live().runtime
    },
    get world() {
      return live().world
    },
    get fake() {
      return live().fake
    },
    get tokens() {
      return live().tokens
    },
    get users() {
      return { ...live().world.users, salesUser: live().salesUser }
    },
    run,
    request,
    call: async (method, path, o) => {
      const response = await request(method, path, o)
      const text = await response.text()
      return { status: response.status, body: text === "" ? undefined : JSON.parse(text), response }
    },
    seedVm: (overrides = {}) => run(seedVm(live().world, overrides)),
    addNic: (vmId, ip) =>
      run(
        Effect.gen(function* () {
          const store = yield* Store
          const network = yield* store.networks.insert(sampleRows.network())
          const subnet = yield* store.subnets.insert(sampleRows.subnet({ networkId: network.id }))
          yield* store.nics.insert(sampleRows.nic({ vmId, subnetId: subnet.id, primaryIp: ip }))
        }),
      ),
    settle: async (taskId) => {
      for (let i = 0; i < 4000; i++) {
        const task = await run(Store.use((s) => s.tasks.get(taskId)))
        const busy = task.vmId !== null && (await run(VmLocks.use((l) => Effect.succeed(l.isHeld(task.vmId ?? "")))))
        if ((task.state === "succeeded" || task.state === "failed") && !busy) return task
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      throw new Error(`task ${taskId} did not finish`)
    },
  }
}
