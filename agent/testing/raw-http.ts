import { request } from "node:http"

export interface RawRequest {
  /** http://127.0.0.1:<port> of the served agent. */
  readonly base: string
  readonly method?: string
  /** Sent exactly as written: fetch() and URL strings would resolve `%2e%2e` and `..` before sending. */
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string | undefined
}

export interface RawReply {
  readonly status: number
  readonly contentType: string
  readonly text: string
}

/** One request on a fresh connection, its path as written (as `curl --path-as-is` sends it). */
export const rawRequest = (options: RawRequest): Promise<RawReply> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(options.base)
    // Node frames a DELETE's body only with a Content-Length it is given.
    const length = options.body === undefined ? {} : { "Content-Length": String(Buffer.byteLength(options.body)) }
    const headers = { ...options.headers, ...length }
    const req = request({ hostname, port, method: options.method ?? "GET", path: options.path, headers, agent: false })
    req.on("response", (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers["content-type"] ?? ""),
          text: Buffer.concat(chunks).toString(),
        }),
      )
    })
    req.on("error", reject)
    req.end(options.body)
  })
