import { randomBytes } from "node:crypto"
import { isDeepStrictEqual } from "node:util"
import { Effect } from "effect"
import { defineCase } from "../case.ts"
import { check, fail } from "../failure.ts"
import { systemDiskId } from "../spec.ts"

const MiB = 1024 * 1024

/** A fresh ed25519 public key line: 32 random bytes in the OpenSSH wire format. */
const sshKey = (comment: string) => {
  const type = Buffer.from("ssh-ed25519")
  const wire = Buffer.alloc(4 + type.length + 4 + 32)
  wire.writeUInt32BE(type.length, 0)
  type.copy(wire, 4)
  wire.writeUInt32BE(32, 4 + type.length)
  randomBytes(32).copy(wire, 8 + type.length)
  return `ssh-ed25519 ${wire.toString("base64")} ${comment}`
}

export const guestCases = [
  defineCase({
    id: "guestAgent.credentials",
    capability: "guestAgent",
    title: "the guest agent sets a user's password (stored hashed, replaced on the next call) and SSH keys (replaced)",
    run: (t) =>
      Effect.gen(function* () {
        const agent = yield* t.group("guestAgent")
        const vm = yield* t.vm({ shared: true })
        const user = t.config.guestUser
        const fingerprint = t.guest(`${user}'s password`, (probe, driver) =>
          probe.passwordFingerprint(driver, vm.name, user),
        )
        yield* t.step("ping", agent.ping(vm.name))

        const before = yield* fingerprint
        const first = `Hx-${randomBytes(6).toString("hex")}`
        yield* t.step("set a password", agent.setPassword(vm.name, user, first))
        const afterFirst = yield* fingerprint
        yield* check(afterFirst !== undefined && afterFirst !== before, `${user}'s password did not change`)
        yield* check(!afterFirst?.includes(first), `the guest stores ${user}'s password in clear`)
        const second = `Hx-${randomBytes(6).toString("hex")}`
        yield* t.step("set another password", agent.setPassword(vm.name, user, second))
        yield* check((yield* fingerprint) !== afterFirst, `a second password for ${user} did not replace the first`)

        const authorized = t.guest(`${user}'s keys`, (probe, driver) => probe.authorizedKeys(driver, vm.name, user))
        const pair = [sshKey("hxc@one"), sshKey("hxc@two")]
        yield* t.step("set two SSH keys", agent.setAuthorizedKeys(vm.name, user, pair))
        const got = yield* authorized
        yield* check(isDeepStrictEqual([...got], pair), `the guest accepts ${JSON.stringify(got)} for ${user}`)
        const single = [sshKey("hxc@three")]
        yield* t.step("replace them with one key", agent.setAuthorizedKeys(vm.name, user, single))
        const replaced = yield* authorized
        yield* check(
          isDeepStrictEqual([...replaced], single),
          `after a replace the guest accepts ${JSON.stringify(replaced)}`,
        )
      }),
  }),

  defineCase({
    id: "guestAgent.filesystems",
    capability: "guestAgent",
    title: "the guest agent reports the guest's mounted file systems with plausible usage",
    run: (t) =>
      Effect.gen(function* () {
        const agent = yield* t.group("guestAgent")
        const vm = yield* t.vm({ shared: true })
        const systems = yield* t.step("fileSystems", agent.fileSystems(vm.name))
        yield* check(systems.length > 0, "the guest agent reports no file system")
        for (const fs of systems)
          yield* check(
            fs.mountpoint !== "" && fs.usedBytes >= 0 && fs.totalBytes > 0 && fs.usedBytes <= fs.totalBytes,
            `implausible usage for ${JSON.stringify(fs.mountpoint)}: ${fs.usedBytes} of ${fs.totalBytes} bytes`,
          )
      }),
  }),

  defineCase({
    id: "guestAgent.quiesce",
    capability: "guestAgent",
    title: "freezing the guest's file systems answers how many froze (at least one); thawing answers as many",
    applies: (driver) =>
      driver.quiesce === undefined ? "the driver has no quiesce group (optional with guestAgent)" : undefined,
    run: (t) =>
      Effect.gen(function* () {
        const quiesce = t.driver.quiesce
        if (quiesce === undefined) return yield* fail("the driver has no quiesce group")
        const vm = yield* t.vm({ shared: true })
        const frozen = yield* t.step("freeze", quiesce.freeze(vm.name))
        const thawed = yield* t.step("thaw", quiesce.thaw(vm.name))
        yield* check(frozen >= 1, `freeze froze ${frozen} file systems`)
        yield* check(thawed === frozen, `freeze froze ${frozen} file systems, thaw thawed ${thawed}`)
        const thawedFile = `${t.config.guest.diskDir}/hxc-thawed`
        yield* t.guest(`write ${thawedFile} after the thaw`, (probe, driver) =>
          probe.write(driver, vm.name, thawedFile, "writable"),
        )
      }),
  }),

  defineCase({
    id: "stats.running",
    capability: "metrics",
    title: "stats of a running domain give plausible CPU, memory and per-disk figures, newer on each call",
    run: (t) =>
      Effect.gen(function* () {
        const stats = yield* t.group("stats")
        const vm = yield* t.vm({ shared: true })
        const first = yield* t.step("stats", stats(vm.name))
        const configured = vm.spec.memoryMiB * MiB
        yield* check(
          Number.isFinite(first.cpuPercent) && first.cpuPercent >= 0 && first.cpuPercent <= 100 * vm.spec.cpus,
          `cpuPercent ${first.cpuPercent} for ${vm.spec.cpus} vCPU`,
        )
        yield* check(
          first.memoryTotalBytes > 0 && first.memoryTotalBytes <= configured,
          `memoryTotalBytes ${first.memoryTotalBytes} for a ${vm.spec.memoryMiB} MiB domain`,
        )
        yield* check(
          first.memoryUsedBytes >= 0 && first.memoryUsedBytes <= first.memoryTotalBytes,
          `memoryUsedBytes ${first.memoryUsedBytes} of ${first.memoryTotalBytes}`,
        )
        const system = first.disks.find((disk) => disk.id === systemDiskId)
        yield* check(
          system !== undefined,
          `stats list disks ${first.disks.map((disk) => disk.id).join(", ")}, not "${systemDiskId}"`,
        )
        yield* check(
          system !== undefined && system.readBytes >= 0 && system.writeBytes >= 0,
          "the system disk's byte counters are negative",
        )
        const second = yield* t.step("stats again", stats(vm.name))
        yield* check(
          second.at.getTime() >= first.at.getTime(),
          `the second sample (${second.at.toISOString()}) is older than the first (${first.at.toISOString()})`,
        )
      }),
  }),
]
