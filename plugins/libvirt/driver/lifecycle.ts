import { mkdir, rm } from "node:fs/promises"
import { Deferred, Effect, Fiber, Stream } from "effect"
import type { DomainInfo, PowerState, ShutdownOptions } from "../../../core/driver/driver.ts"
import { DriverError, HypervisorFailure } from "../../../core/driver/errors.ts"
import type { VmSpec } from "../../../core/driver/spec.ts"
import { firstImageProblem } from "../../qemu/image-check.ts"
import type { LibvirtError } from "../virsh/errors.ts"
import { parseDisks } from "../virsh/xml-read.ts"
import { domainXmlFor } from "../xml/domain-xml.ts"
import { type DomainXmlOptions, MANAGED_TITLE } from "../xml/options.ts"
import type { DriverContext } from "./context.ts"
import { domainDir, serialPaths } from "./options.ts"
import { accessProblems } from "./paths.ts"

/** How often an unanswered ACPI button is pressed again: a guest still booting has no handler for it yet. */
const PRESS_AGAIN_MS = 5_000
const POLL_MS = 250

const ignoreKind =
  (...kinds: ReadonlyArray<LibvirtError["kind"]>) =>
  <A>(effect: Effect.Effect<A, LibvirtError>) =>
    effect.pipe(
      Effect.asVoid,
      Effect.catchIf(
        (error: LibvirtError) => kinds.includes(error.kind),
        () => Effect.void,
      ),
    )

export const makeLifecycle = (ctx: DriverContext) => {
  const { client, options, errors } = ctx

  const xmlOptions = (name: string): DomainXmlOptions => {
    const serial = serialPaths(options, name)
    return {
      domainType: options.domainType,
      serialSocket: serial.socket,
      serialLog: serial.log,
      vnc: options.vnc,
      ...(options.emulator === undefined ? {} : { emulator: options.emulator }),
      ...(options.tcgTbCacheMiB === undefined || options.domainType !== "qemu"
        ? {}
        : { tcgTbCacheMiB: options.tcgTbCacheMiB }),
    }
  }

  /** The domain's state, or undefined when libvirt does not know it. */
  const stateIfAny = (operation: string, name: string) =>
    ctx.call(
      operation,
      name,
      client.domainState(name).pipe(
        Effect.catchIf(
          (error: LibvirtError) => error.kind === "domain-not-found",
          () => Effect.succeed(undefined),
        ),
      ),
    )
  const state = (operation: string, name: string) => ctx.call(operation, name, client.domainState(name))

  const fsCall = (operation: string, run: () => Promise<unknown>) =>
    Effect.tryPromise({
      try: run,
      catch: (cause) =>
        new DriverError({
          driver: options.name,
          operation,
          reason: new HypervisorFailure({ message: String(cause), retryable: false }),
        }),
    }).pipe(Effect.asVoid)

  const define = Effect.fn("LibvirtDriver.define")(function* (spec: VmSpec) {
    const operation = "define"
    const xml = yield* domainXmlFor(spec, xmlOptions(spec.name), options.name)
    const unreachable = accessProblems(spec)
    if (unreachable.length > 0) return yield* errors.invalid(operation, unreachable.join("; "))
    yield* ctx.exclusive(spec.name)(
      Effect.gen(function* () {
        const current = yield* stateIfAny(operation, spec.name)
        if (current !== undefined && current.power !== "stopped") {
          return yield* errors.wrongPower(operation, spec.name, current.power)
        }
        yield* fsCall(operation, () => mkdir(domainDir(options, spec.name), { recursive: true, mode: 0o755 }))
        // the same name with another uuid is another VM: replace it, as the contract's define does
        const replace = client.undefine(spec.name).pipe(Effect.andThen(client.defineXml(xml)))
        yield* ctx.call(
          operation,
          spec.name,
          client.defineXml(xml).pipe(
            Effect.catchIf(
              (error: LibvirtError) => /already exists with uuid/i.test(error.message),
              () => replace,
            ),
          ),
        )
        ctx.managed.set(spec.name, true)
      }),
    )
  })

  const undefine = Effect.fn("LibvirtDriver.undefine")(function* (name: string) {
    const operation = "undefine"
    yield* ctx.exclusive(name)(
      Effect.gen(function* () {
        const current = yield* stateIfAny(operation, name)
        if (current !== undefined) {
          if (current.power !== "stopped") return yield* errors.wrongPower(operation, name, current.power)
          yield* ctx.call(operation, name, ignoreKind("domain-not-found")(client.undefine(name)))
        }
        yield* fsCall(operation, () => rm(domainDir(options, name), { recursive: true, force: true }))
        ctx.managed.delete(name)
      }),
    )
  })

  const start = Effect.fn("LibvirtDriver.start")(function* (name: string) {
    const operation = "start"
    yield* ctx.exclusive(name)(
      Effect.gen(function* () {
        const current = yield* state(operation, name)
        if (current.power === "running") return
        if (current.power === "paused") return yield* ctx.call(operation, name, client.resume(name))
        const disks = parseDisks(yield* ctx.call(operation, name, client.dumpXml(name, { inactive: true })))
        const problem = yield* firstImageProblem(
          ctx.qemuImg.outcome,
          disks.flatMap((disk) =>
            disk.device === "disk" && disk.source !== undefined
              ? [
                  {
                    path: disk.source,
                    format: disk.format === "qcow2" || disk.format === "raw" ? disk.format : undefined,
                  },
                ]
              : [],
          ),
        )
        if (problem !== undefined) return yield* errors.invalid(operation, problem)
        yield* ctx.call(operation, name, ignoreKind("already-running")(client.start(name)))
      }),
    )
  })

  const destroy = (operation: string, name: string) =>
    ctx.call(operation, name, ignoreKind("not-running")(client.destroy(name)))

  /** ACPI power button, pressed again while unanswered, until the domain is off or the time is up; then power cut. */
  const powerOff = (operation: string, name: string, timeoutMs: number) =>
    Effect.gen(function* () {
      const deadline = Date.now() + timeoutMs
      let nextPress = 0
      while (Date.now() < deadline) {
        if (Date.now() >= nextPress) {
          yield* ctx.call(operation, name, ignoreKind("not-running")(client.shutdown(name)))
          nextPress = Date.now() + PRESS_AGAIN_MS
        }
        if ((yield* state(operation, name)).power === "stopped") return
        yield* Effect.sleep(POLL_MS)
      }
      yield* destroy(operation, name)
    })

  const shutdown = Effect.fn("LibvirtDriver.shutdown")(function* (name: string, shutdownOptions: ShutdownOptions) {
    const operation = "shutdown"
    yield* ctx.exclusive(name)(
      Effect.gen(function* () {
        const current = yield* state(operation, name)
        if (current.power === "stopped") return
        // a paused or crashed guest cannot hear the power button
        if (shutdownOptions.force || current.power !== "running") return yield* destroy(operation, name)
        yield* powerOff(operation, name, shutdownOptions.timeoutMs)
      }),
    )
  })

  /**
   * libvirt's ACPI reboot: the button, and once the guest is off libvirt resets the same QEMU and lets it run. Done
   * when libvirt reports the reset; a guest that does not react within `rebootTimeoutMs` is reset by force.
   */
  const gracefulReboot = (operation: string, name: string) =>
    Effect.gen(function* () {
      const rebooted = yield* Deferred.make<void>()
      const watcher = yield* client.events.pipe(
        Stream.filter((event) => event.domain === name && event.type === "reboot"),
        Stream.take(1),
        Stream.runDrain,
        Effect.andThen(Deferred.succeed(rebooted, undefined)),
        Effect.forkChild({ startImmediately: true }),
      )
      yield* Effect.yieldNow
      const deadline = Date.now() + options.rebootTimeoutMs
      let done = false
      while (!done && Date.now() < deadline) {
        yield* ctx.call(operation, name, client.reboot(name))
        const waitMs = Math.max(1, Math.min(PRESS_AGAIN_MS, deadline - Date.now()))
        done = (yield* Deferred.await(rebooted).pipe(Effect.timeoutOption(waitMs)))._tag === "Some"
      }
      yield* Fiber.interrupt(watcher)
      if (!done) yield* ctx.call(operation, name, client.reset(name))
    })

  const reboot = Effect.fn("LibvirtDriver.reboot")(function* (
    name: string,
    rebootOptions: { readonly force: boolean },
  ) {
    const operation = "reboot"
    yield* ctx.exclusive(name)(
      Effect.gen(function* () {
        const current = yield* state(operation, name)
        if (current.power !== "running") return yield* errors.wrongPower(operation, name, current.power)
        if (rebootOptions.force) return yield* ctx.call(operation, name, client.reset(name))
        yield* gracefulReboot(operation, name)
      }),
    )
  })

  const infoOf = (name: string, power: PowerState) =>
    power === "stopped"
      ? Effect.succeed<DomainInfo>({ name, power })
      : client
          .pid(name)
          .pipe(Effect.map((pid): DomainInfo => (pid === undefined ? { name, power } : { name, power, pid })))

  const inspect = Effect.fn("LibvirtDriver.inspect")(function* (name: string) {
    const current = yield* state("inspect", name)
    return yield* infoOf(name, current.power)
  })

  /** The domains carrying our title; the host's other domains are not the platform's. */
  const list = Effect.fn("LibvirtDriver.list")(function* () {
    const listed = yield* ctx.call("list", "", client.listDomains())
    ctx.managed.clear()
    for (const domain of listed) ctx.managed.set(domain.name, domain.title === MANAGED_TITLE)
    const ours = listed.filter((domain) => domain.title === MANAGED_TITLE)
    return yield* Effect.forEach(ours, (domain) => infoOf(domain.name, domain.power))
  })

  return { define, undefine, start, shutdown, reboot, inspect, list, state, stateIfAny, destroy }
}

export type Lifecycle = ReturnType<typeof makeLifecycle>
