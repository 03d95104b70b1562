import { createServer } from "node:net"
import { Effect } from "effect"

/**
 * A TCP port free on `host` right now (the kernel picks it). Another process could take it before QEMU listens;
 * QEMU then fails to listen and the migration fails cleanly, so the window only costs a retry.
 */
export const freePort = (host: string): Effect.Effect<number, Error> =>
  Effect.callback<number, Error>((resume) => {
    const server = createServer()
    server.once("error", (error) => resume(Effect.fail(error)))
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resume(port > 0 ? Effect.succeed(port) : Effect.fail(new Error("no port"))))
    })
  })
