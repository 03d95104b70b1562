import { StoreError } from "../errors.ts"

/** Node socket errors that mean the server is unreachable or the connection broke. */
const connectionErrnos = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH"])

const sqlState = (cause: unknown): string | undefined => {
  if (typeof cause !== "object" || cause === null || !("code" in cause)) return undefined
  return typeof cause.code === "string" ? cause.code : undefined
}

/** What pg says when a connection breaks or cannot be had in time (these errors carry no SQLSTATE). */
const connectionMessages = new RegExp(
  [
    "Connection terminated",
    "connection timeout",
    "timeout exceeded when trying to connect",
    "Client has encountered a connection error",
  ].join("|"),
  "i",
)

/**
 * The server cannot take writes for now: insufficient resources (53: disk full, out of memory, too many
 * connections), an I/O error (58030), a read-only server or file system (25006, EROFS), a full or failing disk
 * (ENOSPC, EIO). Not the caller's fault, and a retry succeeds once the operator frees space or the disk comes back.
 */
const unavailableStates = new Set(["58030", "25006", "ENOSPC", "EROFS", "EIO", "EDQUOT"])

/**
 * PostgreSQL files an EROFS under insufficient privilege (42501, "could not open file …: Read-only file system"): by
 * its message, a file system the server cannot write for now, like the codes above; a genuine permission error
 * stays a failure.
 */
const fileSystemMessages = /Read-only file system|No space left on device|Input\/output error|Disk quota exceeded/

/**
 * Serialisation failures, deadlocks, connection exceptions (08), shutdowns (57P0x), broken sockets, and a server
 * that cannot take writes for now: worth a retry (the API answers 503, an outcome is written again later).
 */
export const isRetryable = (cause: unknown): boolean => {
  const code = sqlState(cause)
  if (code !== undefined) {
    if (code === "40001" || code === "40P01" || code.startsWith("08") || code.startsWith("57P0")) return true
    if (code.startsWith("53") || unavailableStates.has(code) || connectionErrnos.has(code)) return true
  }
  const message = cause instanceof Error ? cause.message : String(cause)
  return connectionMessages.test(message) || fileSystemMessages.test(message)
}

const describe = (cause: unknown): string => {
  if (!(cause instanceof Error)) return String(cause)
  const code = sqlState(cause)
  const constraint = "constraint" in cause && typeof cause.constraint === "string" ? cause.constraint : undefined
  const details = [code && `SQLSTATE ${code}`, constraint && `constraint ${constraint}`].filter(Boolean).join(", ")
  return details ? `${cause.message} (${details})` : cause.message
}

/** Every database failure leaves the store as a StoreError naming the operation. */
export const toStoreError =
  (operation: string) =>
  (cause: unknown): StoreError =>
    cause instanceof StoreError
      ? cause
      : new StoreError({ operation, message: describe(cause), retryable: isRetryable(cause) })
