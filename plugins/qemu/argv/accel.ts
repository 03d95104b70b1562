import { spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Exit, Option, Schema } from "effect"
import { BOOT_SECTOR_MIN_MEMORY_MIB, bootSector, DEBUG_EXIT_PORT, DEBUG_EXIT_STATUS } from "./boot-sector.ts"
import { Accelerator } from "./runtime.ts"

export interface AcceleratorOptions {
  readonly binary?: string
  /** Where the KVM device lives (tests point it elsewhere). */
  readonly devKvm?: string
  /**
   * How long the probe may take (default 3 s). Working KVM runs it in well under a second; under broken nested
   * virtualisation (these lab machines) KVM needs 8–10 s for it and a Linux guest never gets past its decompressor.
   */
  readonly timeoutMs?: number
  /** Remembers the answer until the host reboots; null: remember only in this process. */
  readonly cacheFile?: string | null
}

const defaultCacheFile = fileURLToPath(new URL("../../../.cache/accel.json", import.meta.url))

const exitStatusOf = (binary: string, args: ReadonlyArray<string>) =>
  Effect.callback<number | null>((resume) => {
    const child = spawn(binary, [...args], { stdio: "ignore" })
    child.once("error", () => resume(Effect.succeed(null)))
    child.once("exit", (code) => resume(Effect.succeed(code)))
    return Effect.sync(() => {
      child.kill("SIGKILL")
    })
  })

/**
 * Boots a one-sector guest with `accel` and tells whether it ran in time: it enters long mode, sweeps 60 MiB of
 * memory and writes to isa-debug-exit, which makes QEMU exit with a known status. False when QEMU refuses the
 * accelerator, fails, or takes longer than the timeout.
 */
export const probeAccelerator = Effect.fn("probeAccelerator")(function* (
  accel: Accelerator,
  options: AcceleratorOptions = {},
) {
  const dir = yield* Effect.promise(() => mkdtemp(join(tmpdir(), "hyperx-accel-")))
  const image = join(dir, "boot.img")
  const probe = Effect.gen(function* () {
    yield* Effect.promise(() => writeFile(image, bootSector("hyperx accelerator probe")))
    const args = [
      ...[
        "-accel",
        accel,
        "-machine",
        "pc",
        "-m",
        String(BOOT_SECTOR_MIN_MEMORY_MIB),
        "-nodefaults",
        "-no-user-config",
        "-display",
        "none",
      ],
      ...["-device", `isa-debug-exit,iobase=0x${DEBUG_EXIT_PORT.toString(16)},iosize=0x04`],
      ...["-blockdev", JSON.stringify({ driver: "file", filename: image, "node-name": "boot" })],
      ...["-device", "ide-hd,bus=ide.0,drive=boot,bootindex=1"],
    ]
    const status = yield* exitStatusOf(options.binary ?? "qemu-system-x86_64", args).pipe(
      Effect.timeoutOption(options.timeoutMs ?? 3_000),
    )
    return Option.isSome(status) && status.value === DEBUG_EXIT_STATUS
  })
  return yield* probe.pipe(Effect.ensuring(Effect.promise(() => rm(dir, { recursive: true, force: true }))))
})

const Remembered = Schema.Struct({ bootId: Schema.String, binary: Schema.String, accel: Accelerator })

const bootId = () => {
  const path = "/proc/sys/kernel/random/boot_id"
  return existsSync(path) ? readFileSync(path, "utf8").trim() : "unknown"
}

const recall = (file: string, binary: string) =>
  Effect.promise(() => readFile(file, "utf8").catch(() => "")).pipe(
    Effect.map((text) => {
      const decoded = Schema.decodeUnknownExit(Schema.fromJsonString(Remembered))(text)
      return Exit.isSuccess(decoded) && decoded.value.bootId === bootId() && decoded.value.binary === binary
        ? decoded.value.accel
        : undefined
    }),
  )

const remember = (file: string, binary: string, accel: Accelerator) =>
  Effect.promise(async () => {
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, `${JSON.stringify({ bootId: bootId(), binary, accel })}\n`)
  }).pipe(Effect.ignore)

const detectUncached = (options: AcceleratorOptions) =>
  Effect.gen(function* () {
    const forced = process.env.HYPERX_ACCEL
    if (forced === "kvm" || forced === "tcg") return forced
    if (!existsSync(options.devKvm ?? "/dev/kvm")) return "tcg"
    const binary = options.binary ?? "qemu-system-x86_64"
    const file = options.cacheFile === undefined ? defaultCacheFile : options.cacheFile
    const known = file === null ? undefined : yield* recall(file, binary)
    if (known !== undefined) return known
    const accel: Accelerator = (yield* probeAccelerator("kvm", options)) ? "kvm" : "tcg"
    if (file !== null) yield* remember(file, binary, accel)
    return accel
  })

const detections = new Map<string, Effect.Effect<Accelerator>>()

/**
 * "kvm" only when the KVM device exists and a probe guest really runs under it in time (where nested
 * virtualisation is broken, KVM guests crawl or hang); otherwise "tcg". Env HYPERX_ACCEL=kvm|tcg skips the probe.
 * Cached per process, and in `cacheFile` until the host reboots.
 */
export const detectAccelerator = (options: AcceleratorOptions = {}): Effect.Effect<Accelerator> => {
  const key = JSON.stringify(options)
  let detection = detections.get(key)
  if (detection === undefined) {
    detection = Effect.runSync(Effect.cached(detectUncached(options)))
    detections.set(key, detection)
  }
  return detection
}
