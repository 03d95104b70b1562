import * as net from "node:net"
import { Data, Effect, Schedule, type Scope } from "effect"

export class SocketConnectFailed extends Data.TaggedError("SocketConnectFailed")<{
  readonly path: string
  readonly detail: string
}> {}

const connectOnce = (path: string) =>
  Effect.callback<net.Socket, SocketConnectFailed>((resume) => {
    const socket = net.createConnection(path)
    const onError = (error: Error) => {
      socket.destroy()
      resume(Effect.fail(new SocketConnectFailed({ path, detail: error.message })))
    }
    socket.once("error", onError)
    socket.once("connect", () => {
      socket.off("error", onError)
      resume(Effect.succeed(socket))
    })
    return Effect.sync(() => socket.destroy())
  })

/**
 * Connects to a unix socket, retrying while it does not exist or refuses (QEMU creates it 50–150 ms after spawn)
 * until `timeoutMs`. Closing the scope destroys the socket.
 */
export const connectUnixSocket = (
  path: string,
  options: { readonly timeoutMs: number },
): Effect.Effect<net.Socket, SocketConnectFailed, Scope.Scope> => {
  let lastDetail = "no attempt finished"
  const connect = connectOnce(path).pipe(
    Effect.tapError((error) => Effect.sync(() => (lastDetail = error.detail))),
    Effect.retry({ schedule: Schedule.spaced("50 millis") }),
    Effect.timeoutOrElse({
      duration: options.timeoutMs,
      orElse: () =>
        Effect.fail(
          new SocketConnectFailed({ path, detail: `not reachable within ${options.timeoutMs} ms: ${lastDetail}` }),
        ),
    }),
  )
  return Effect.acquireRelease(connect, (socket) => Effect.sync(() => socket.destroy()), { interruptible: true })
}
