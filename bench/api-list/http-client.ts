import { Worker } from "node:worker_threads"

export interface ClientRequest {
  readonly id: number
  readonly path: string
  readonly wantsBody: boolean
}

export interface ClientReply {
  readonly id: number
  readonly ms: number
  readonly status: number
  readonly text: string | undefined
}

/**
 * GET requests to the agent, sent one at a time from a worker thread (client.mjs) with a bearer token and timed there.
 * In the agent's own thread the client's fetch took ~10 % of the thread's time and added its garbage to the agent's
 * collections, so the tail the bench reported was partly its own (#23). `close` ends the worker.
 */
export const httpClient = (origin: string, secret: string) => {
  const worker = new Worker(new URL("./client.mjs", import.meta.url), { workerData: { origin, secret } })
  const waiting = new Map<number, (reply: ClientReply) => void>()
  worker.on("message", (reply: ClientReply) => {
    waiting.get(reply.id)?.(reply)
    waiting.delete(reply.id)
  })
  let next = 0
  const send = (path: string, wantsBody: boolean) =>
    new Promise<ClientReply>((resolve) => {
      const id = next++
      waiting.set(id, resolve)
      worker.postMessage({ id, path, wantsBody } satisfies ClientRequest)
    })
  /** The time of one request (ms); a status other than 200 is an error. */
  const timed = async (path: string) => {
    const reply = await send(path, false)
    if (reply.status !== 200) throw new Error(`${path}: ${reply.status} ${reply.text}`)
    return reply.ms
  }
  /** The JSON body of one request. */
  const json = async <T>(path: string): Promise<T> => {
    const reply = await send(path, true)
    if (reply.status !== 200) throw new Error(`${path}: ${reply.status} ${reply.text}`)
    return JSON.parse(reply.text ?? "null") as T
  }
  return { timed, json, close: () => worker.terminate() }
}
