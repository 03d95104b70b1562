// `hyperx doctor` (#22): checks the host before (or beside) a running agent and says what to fix. Each check is one
// line: ok, warn (the agent runs, with less), or fail (the agent cannot do its job); exit 1 when any check fails.
import { execFile } from "node:child_process"
import { existsSync, statfsSync } from "node:fs"
import { promisify } from "node:util"
import { Effect } from "effect"
import pg from "pg"
import { detectAccelerator } from "../../plugins/qemu/index.ts"
import type { AgentConfig } from "../start/config.ts"

const run = promisify(execFile)

export interface Check {
  readonly name: string
  readonly status: "ok" | "warn" | "fail"
  readonly detail: string
  /** What to do about a warn or a fail. */
  readonly fix?: string
}

const firstLine = async (command: string, args: ReadonlyArray<string>) =>
  run(command, [...args], { timeout: 10_000 }).then(
    ({ stdout, stderr }) => (stdout || stderr).split("\n")[0]?.trim() ?? "",
    () => undefined,
  )

const qemu = async (): Promise<Check> => {
  const line = await firstLine("qemu-system-x86_64", ["--version"])
  return line === undefined
    ? { name: "qemu", status: "fail", detail: "qemu-system-x86_64 not found", fix: "apt-get install qemu-system-x86" }
    : { name: "qemu", status: "ok", detail: line }
}

const qemuImg = async (): Promise<Check> => {
  const line = await firstLine("qemu-img", ["--version"])
  return line === undefined
    ? { name: "qemu-img", status: "fail", detail: "qemu-img not found", fix: "apt-get install qemu-utils" }
    : { name: "qemu-img", status: "ok", detail: line }
}

/** The agent's own accelerator detection: KVM only when a probe guest really runs under it in time. */
const kvm = async (): Promise<Check> => {
  const accel = await Effect.runPromise(detectAccelerator({ cacheFile: null }))
  if (accel === "kvm") return { name: "kvm", status: "ok", detail: "KVM usable (probe guest ran in time)" }
  const detail = existsSync("/dev/kvm")
    ? "/dev/kvm exists but a probe guest did not run under it in time: guests run under TCG (slow)"
    : "no /dev/kvm: guests run under TCG (slow)"
  return {
    name: "kvm",
    status: "warn",
    detail,
    fix: "enable virtualisation in the firmware (or nested virtualisation), load kvm_intel/kvm_amd, add the user to group kvm",
  }
}

const libvirt = async (): Promise<Check> => {
  const line = await firstLine("virsh", ["-c", "qemu:///system", "version", "--daemon"])
  return line === undefined
    ? {
        name: "libvirt",
        status: "fail",
        detail: "virsh cannot reach qemu:///system",
        fix: "apt-get install libvirt-daemon-system libvirt-clients; systemctl start libvirtd",
      }
    : { name: "libvirt", status: "ok", detail: line }
}

const tool = async (name: string, args: ReadonlyArray<string>, fix: string): Promise<Check> => {
  const line = await firstLine(name, args)
  return line === undefined
    ? { name, status: "warn", detail: `${name} not found: bridged and routed networks are unavailable`, fix }
    : { name, status: "ok", detail: line }
}

const disk = (dataDir: string): Check => {
  let folder = dataDir
  while (!existsSync(folder) && folder !== "/") folder = folder.slice(0, folder.lastIndexOf("/")) || "/"
  const stats = statfsSync(folder)
  const freeGiB = (stats.bavail * stats.bsize) / 1024 ** 3
  const detail = `${freeGiB.toFixed(1)} GiB free in ${folder}`
  return freeGiB < 5
    ? {
        name: "disk",
        status: "warn",
        detail,
        fix: "free space or point --data / HYPERX_DATA elsewhere (5 GiB or more)",
      }
    : { name: "disk", status: "ok", detail }
}

const database = async (config: AgentConfig): Promise<Check> => {
  if (config.databaseUrl === undefined) {
    return {
      name: "database",
      status: "ok",
      detail: `embedded PostgreSQL in ${config.dataDir}/pg (started by the agent)`,
    }
  }
  const client = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: 5_000 })
  const version = await client
    .connect()
    .then(() => client.query<{ server_version: string }>("show server_version"))
    .then((result) => result.rows[0]?.server_version)
    .catch((error: unknown) => (error instanceof Error ? new Error(error.message) : new Error(String(error))))
    .finally(() => client.end().catch(() => undefined))
  const where = new URL(config.databaseUrl).host || "local socket"
  return version instanceof Error || version === undefined
    ? {
        name: "database",
        status: "fail",
        detail: `DATABASE_URL (${where}) unreachable: ${version instanceof Error ? version.message : "no answer"}`,
        fix: "start PostgreSQL, or fix DATABASE_URL (user, password, host, database), or unset it for the embedded one",
      }
    : { name: "database", status: "ok", detail: `PostgreSQL ${version} at ${where}` }
}

/**
 * Every check for this configuration (the driver decides whether QEMU and libvirt matter): QEMU for qemu and libvirt
 * (libvirt runs it too); libvirt when it is the driver (a failure then) or installed; a driver module's own host needs
 * are its author's to document.
 */
export const runDoctor = async (config: AgentConfig): Promise<ReadonlyArray<Check>> => {
  const builtIn = typeof config.driver === "string"
  const hypervisor = !builtIn || config.driver === "fake" ? [] : await Promise.all([qemu(), qemuImg(), kvm()])
  const libvirtMatters = config.driver === "libvirt" || (await firstLine("virsh", ["--version"])) !== undefined
  return [
    ...hypervisor,
    ...(libvirtMatters ? [await libvirt()] : []),
    await tool("ip", ["-V"], "apt-get install iproute2"),
    await tool("nft", ["--version"], "apt-get install nftables"),
    await tool("dnsmasq", ["--version"], "apt-get install dnsmasq-base"),
    disk(config.dataDir),
    await database(config),
  ]
}

export const formatChecks = (checks: ReadonlyArray<Check>): ReadonlyArray<string> =>
  checks.flatMap((check) => [
    `${check.status.padEnd(4)}  ${check.name.padEnd(8)}  ${check.detail}`,
    ...(check.fix === undefined ? [] : [`${" ".repeat(16)}fix: ${check.fix}`]),
  ])
