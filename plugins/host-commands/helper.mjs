// The command helper: a small Node process, started once by the agent, that starts every host command on its
// behalf. Plain JavaScript on purpose: run without a loader it stays at a few tens of MiB, and forking a process that
// small costs about 2 ms, where forking the agent itself costs 10-50 ms (the time grows with the agent's memory, and
// the agent's event loop stands still meanwhile). Messages arrive and leave over the IPC channel of node's fork();
// host-commands.ts is the other end and documents them.
import { spawn } from "node:child_process"
import { closeSync, openSync } from "node:fs"

/** The commands still running, by request id: what a "kill" message names. */
const running = new Map()

const send = (message) => {
  if (process.connected) process.send(message)
}

/** A command to completion: stdout and stderr as text, the exit code or the signal that ended it. */
const run = ({ id, file, args, input, env }) => {
  const child = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...env } })
  running.set(id, child)
  let stdout = ""
  let stderr = ""
  child.stdout.setEncoding("utf8").on("data", (chunk) => {
    stdout += chunk
  })
  child.stderr.setEncoding("utf8").on("data", (chunk) => {
    stderr += chunk
  })
  child.once("error", (error) => {
    running.delete(id)
    send({ type: "failed", id, message: error.message })
  })
  child.once("close", (code, signal) => {
    if (!running.delete(id)) return
    send({ type: "done", id, code, signal, stdout, stderr })
  })
  // A command that does not read its input must not fail the call: EPIPE on stdin is not the command's outcome.
  child.stdin.on("error", () => {})
  child.stdin.end(input ?? "")
}

/** A process in its own session, its output appended to a log, left running whatever becomes of us (QEMU). */
const launch = ({ id, file, args, logPath }) => {
  let log
  try {
    log = openSync(logPath, "w")
  } catch (error) {
    return send({ type: "failed", id, message: error.message })
  }
  try {
    const child = spawn(file, args, { detached: true, stdio: ["ignore", log, log] })
    child.once("spawn", () => send({ type: "launched", id, pid: child.pid }))
    child.once("error", (error) => send({ type: "failed", id, message: error.message }))
    child.once("exit", (code, signal) => send({ type: "exited", id, code, signal }))
    child.unref()
  } finally {
    closeSync(log)
  }
}

process.on("message", (message) => {
  if (message.type === "run") run(message)
  else if (message.type === "launch") launch(message)
  else if (message.type === "kill") running.get(message.id)?.kill(message.signal)
})

// The agent is gone: so is our reason to live. Commands still running finish on their own; launched ones never cared.
process.on("disconnect", () => process.exit(0))
