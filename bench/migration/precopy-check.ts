/**
 * bench/migration/precopy-check.ts (#17, item 4): does pre-copy of a busy guest under TCG deliver a broken guest, and
 * under which TCG threading? A 256 MiB guest (the driver's command line, moved by hand: raw.ts) keeps rewriting 48
 * tmpfs files of 1 MiB, each random data followed by its own SHA-256 and renamed into place (a file is always whole);
 * it is moved back and forth by plain pre-copy (no pause-first, no post-copy). After each move the writer is stopped
 * and every file checked in the guest: a page the migration missed leaves a file whose data no longer matches its
 * checksum; a guest that panicked or reset prints its boot line again. Per threading mode (`-accel tcg` as the driver
 * starts it, which is multi-threaded TCG, and `tcg,thread=single`): moves, broken files, restarts. JSON on stdout:
 *   node --import tsx bench/migration/precopy-check.ts [--runs N]
 */
import { join } from "node:path"
import { defineGuest, guestSpec, makeTestHost, openDriver } from "../../plugins/qemu/driver/testing.ts"
import { connectAgent, guestShell, type JsonLines } from "../../plugins/qemu/guest/testing.ts"
import { wholeNumberFlag } from "../shared/flags.ts"
import { loadAverages } from "../shared/load.ts"
import { bootRaw, killRaw, type RawGuest, type RawHost, rawMove } from "./raw.ts"

const runs = wholeNumberFlag("--runs", 10)
const progress = (line: string) => process.stderr.write(`${line}\n`)

const WRITER =
  "( k=0; while [ ! -e /run/stop ]; do k=$(( (k + 1) % 48 )); dd if=/dev/urandom of=/run/t bs=1M count=1 2> /dev/null; " +
  's=$(sha256sum /run/t | cut -c1-64); printf %s "$s" >> /run/t; mv /run/t /run/c$k; done; rm /run/stop ) > /dev/null 2>&1 &'
const CHECK =
  "touch /run/stop; i=0; while [ -e /run/stop ] && [ $i -lt 250 ]; do usleep 20000; i=$((i + 1)); done; bad=0; n=0; for f in /run/c*; do n=$((n + 1)); " +
  'a=$(head -c 1048576 $f | sha256sum | cut -c1-64); b=$(tail -c 64 $f); [ "$a" = "$b" ] || bad=$((bad + 1)); done; ' +
  'echo "files=$n bad=$bad"'

interface Outcome {
  readonly accel: string
  moves: number
  brokenMoves: number
  badFiles: number
  restarts: number
  failedMoves: number
  downtimesMs: Array<number>
}

const main = async () => {
  const hostA = await makeTestHost()
  const hostB = await makeTestHost()
  const a = await openDriver(hostA)
  const b = await openDriver(hostB)
  const outcomes: Array<Outcome> = []
  try {
    const modes: ReadonlyArray<readonly [string, (value: string) => string]> = [
      ["multi-threaded (the driver's)", (value) => value],
      ["thread=single", (value) => `${value},thread=single`],
    ]
    for (const [accel, rewrite] of modes) {
      const name = `pc-${outcomes.length}`
      const spec = guestSpec(hostA, name, { memoryMiB: 256 })
      await a.run(defineGuest(a.driver, hostA, spec))
      const A: RawHost = { d: a, host: hostA, accel: rewrite }
      const B: RawHost = { d: b, host: hostB, accel: rewrite }
      let guest: RawGuest = await bootRaw(A, spec, [WRITER])
      const bootIdOf = async (agent: JsonLines) =>
        (await guestShell(agent, "cat /proc/sys/kernel/random/boot_id")).out.trim()
      const first = await connectAgent(join(guest.runDir, "qga.sock"), 60_000)
      let bootId = await bootIdOf(first)
      first.close()
      let here = { at: A, other: B }
      const outcome: Outcome = {
        accel,
        moves: 0,
        brokenMoves: 0,
        badFiles: 0,
        restarts: 0,
        failedMoves: 0,
        downtimesMs: [],
      }
      outcomes.push(outcome)
      try {
        for (let run = 0; run < runs; run++) {
          await new Promise((resolve) => setTimeout(resolve, 1_500))
          const moved = await rawMove(guest, here.other, "shared", false).catch((error: unknown) => {
            progress(`${accel} #${run + 1}: the move failed: ${String(error)}`)
            return undefined
          })
          if (moved === undefined) {
            outcome.failedMoves++
            break
          }
          guest = moved.guest
          here = { at: here.other, other: here.at }
          outcome.moves++
          outcome.downtimesMs.push(moved.downtimeMs)
          const agent = await connectAgent(join(guest.runDir, "qga.sock"), 60_000).catch(() => undefined)
          const answer = agent === undefined ? "no agent" : (await guestShell(agent, CHECK)).out.trim()
          const bad = Number(answer.match(/bad=(\d+)/)?.[1] ?? Number.NaN)
          // A guest whose memory arrived damaged panics and, with panic=-1, boots again: a new boot id.
          const nowId = agent === undefined ? bootId : await bootIdOf(agent)
          const restarted = nowId !== bootId
          bootId = nowId
          if (agent !== undefined) await guestShell(agent, WRITER)
          agent?.close()
          if (Number.isNaN(bad) || bad > 0 || restarted) outcome.brokenMoves++
          if (restarted) outcome.restarts++
          outcome.badFiles += Number.isNaN(bad) ? 0 : bad
          progress(`${accel} #${run + 1}: ${answer}, downtime ${moved.downtimeMs} ms${restarted ? ", RESTARTED" : ""}`)
        }
      } finally {
        killRaw(guest)
      }
    }
  } finally {
    await a.close()
    await b.close()
    hostA.cleanup()
    hostB.cleanup()
  }
  process.stdout.write(
    `${JSON.stringify({ bench: "migration-precopy-check", guestMiB: 256, runs, loadAverage: loadAverages(), outcomes }, null, 2)}\n`,
  )
}

await main()
