/**
 * The core over the QEMU driver, for integrity tests and benchmarks that go through hyperx's own operations: the
 * core's services (as test-support/core.ts builds them for the fake), a fresh database on the test server, and a
 * world whose image is the tiny test guest (kernel boot; data disks that do not mount are formatted).
 */
import { randomBytes, randomUUID } from "node:crypto"
import { join } from "node:path"
import { after, before } from "node:test"
import { Effect, Layer, ManagedRuntime } from "effect"
import type { HostConfig } from "../../../core/config.ts"
import type { StoreError } from "../../../core/errors.ts"
import { coreLayer } from "../../../core/layer.ts"
import type { Task } from "../../../core/model/index.ts"
import type { Vm } from "../../../core/model/vm.ts"
import { createVms } from "../../../core/operations/create.ts"
import type { TaskHandle } from "../../../core/operations/run-vm-operation.ts"
import { seedWorld, type World } from "../../../core/operations/testing/world.ts"
import type { DatabaseOptions } from "../../../core/store/database.ts"
import { Store } from "../../../core/store/ports.ts"
import { openStore } from "../../../core/store/store.ts"
import { storeBackend } from "../../../core/store/testing.ts"
import type { QemuDriver } from "./driver.ts"
import { makeTestHost, openDriver, type ScopedDriver, type TestHost, waitForBoot } from "./testing.ts"

type CoreServices = Layer.Success<ReturnType<typeof coreLayer>> | Store

export interface QemuCore {
  readonly host: TestHost
  readonly driver: QemuDriver
  readonly world: World
  readonly config: HostConfig["Service"]
  readonly run: <A, E>(effect: Effect.Effect<A, E, CoreServices>) => Promise<A>
  /** Runs an operation and waits for its task; fails unless the task succeeded. */
  readonly complete: <E>(operation: Effect.Effect<TaskHandle, E, CoreServices>) => Promise<Task>
  /** Creates one VM from the guest image with `createVms` (started, unless asked not to) and waits for its boot. */
  readonly createVm: (options?: {
    readonly dataDisksGiB?: ReadonlyArray<number>
    readonly start?: boolean
    /** The VM's password (R6); default a random one. */
    readonly password?: string
  }) => Promise<Vm>
  readonly vm: (id: string) => Promise<Vm>
  readonly dispose: () => Promise<void>
}

export interface QemuCoreOptions {
  /** Where the records live; default a fresh database on the store tests' server (core/store/testing.ts). */
  readonly database?: DatabaseOptions
  /** The driver as the core sees it (a bench times its calls); default the driver itself. */
  readonly coreDriver?: (driver: QemuDriver) => QemuDriver
}

export const makeQemuCore = async (options: QemuCoreOptions = {}): Promise<QemuCore> => {
  const host = await makeTestHost()
  let scoped: ScopedDriver | undefined
  let runtime: ManagedRuntime.ManagedRuntime<CoreServices, StoreError> | undefined
  const dispose = async () => {
    await runtime?.dispose()
    await scoped?.close()
    host.cleanup()
  }
  try {
    scoped = await openDriver(host)
    const driver = scoped.driver
    const config: HostConfig["Service"] = {
      hostId: randomUUID(),
      storageDir: join(host.stateDir, "disks"),
      shutdownTimeoutMs: 60_000,
      secretKey: randomBytes(32),
    }
    const storeLayer =
      options.database === undefined ? storeBackend.layer() : Layer.effect(Store, openStore(options.database))
    const live = ManagedRuntime.make(
      Layer.merge(coreLayer({ host: config, drivers: [options.coreDriver?.(driver) ?? driver] }), storeLayer),
    )
    runtime = live
    const world = await live.runPromise(
      Effect.gen(function* () {
        const seeded = yield* seedWorld(driver.name, config.hostId)
        const store = yield* Store
        const image = yield* store.images.update(seeded.image.id, {
          location: host.manifest.systemDisk,
          format: "qcow2",
          boot: {
            kind: "kernel",
            kernel: host.manifest.kernel,
            initrd: host.manifest.initrd,
            cmdline: `${host.manifest.cmdline} hyperx.mkfs=1`,
          },
        })
        return { ...seeded, image }
      }),
    )
    const run: QemuCore["run"] = (effect) => live.runPromise(effect)
    const complete: QemuCore["complete"] = async (operation) => {
      const task = await run(Effect.flatMap(operation, (handle) => handle.done))
      if (task.state !== "succeeded") throw new Error(`${task.operation} ${task.state}: ${JSON.stringify(task.error)}`)
      return task
    }
    const vm = (id: string) => run(Store.use((store) => store.vms.get(id)))
    return {
      host,
      driver,
      world,
      config,
      run,
      complete,
      vm,
      createVm: async (options = {}) => {
        const start = options.start ?? true
        const [handle] = await run(
          createVms(world.actors.owner, {
            count: 1,
            name: `vm_${randomBytes(3).toString("hex")}`,
            imageId: world.image.id,
            flavorId: world.flavor.id,
            dataDisks: (options.dataDisksGiB ?? []).map((sizeGiB) => ({ sizeGiB })),
            start,
            ...(options.password === undefined ? {} : { password: options.password }),
          }),
        )
        if (!handle) throw new Error("createVms made no VM")
        const task = await complete(Effect.succeed(handle))
        const made = await vm(task.vmId ?? "")
        if (start) await waitForBoot(driver, made.hostname)
        return made
      },
      dispose,
    }
  } catch (error) {
    await dispose()
    throw error
  }
}

/** The QEMU core for the tests of the enclosing describe: made before the first, disposed after the last. */
export const useQemuCore = (): QemuCore => {
  let core: QemuCore | undefined
  before(async () => {
    core = await makeQemuCore()
  })
  after(() => core?.dispose())
  const live = () => {
    if (!core) throw new Error("useQemuCore: used before its before() hook")
    return core
  }
  return {
    get host() {
      return live().host
    },
    get driver() {
      return live().driver
    },
    get world() {
      return live().world
    },
    get config() {
      return live().config
    },
    run: (effect) => live().run(effect),
    complete: (operation) => live().complete(operation),
    createVm: (options) => live().createVm(options),
    vm: (id) => live().vm(id),
    dispose: () => live().dispose(),
  }
}
