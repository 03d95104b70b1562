// The bench's HTTP client, in a worker thread of its own (http-client.ts): fetch's work and its garbage stay off the
// agent's event loop and heap. Each request is timed here, from the call to the last byte of the body. Plain
// JavaScript: a worker thread does not get tsx's loader.
import { performance } from "node:perf_hooks"
import { parentPort, workerData } from "node:worker_threads"

const { origin, secret } = workerData
parentPort?.on("message", async ({ id, path, wantsBody }) => {
  const started = performance.now()
  const response = await fetch(`${origin}${path}`, { headers: { Authorization: `Bearer ${secret}` } })
  const body = await response.arrayBuffer()
  const ms = performance.now() - started
  const text = wantsBody || response.status !== 200 ? new TextDecoder().decode(body) : undefined
  parentPort?.postMessage({ id, ms, status: response.status, text })
})
