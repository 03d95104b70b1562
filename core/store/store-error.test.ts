import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { StoreError } from "../errors.ts"
import { isRetryable, toStoreError } from "./store-error.ts"

const pgError = (code: string, message = "boom") => Object.assign(new Error(message), { code })

describe("store errors", () => {
  it("serialisation failures, deadlocks, connection exceptions and broken sockets are retryable", () => {
    for (const code of ["40001", "40P01", "08006", "08001", "57P01", "ECONNREFUSED", "ECONNRESET"]) {
      assert.equal(isRetryable(pgError(code)), true, code)
    }
    assert.equal(isRetryable(new Error("Connection terminated unexpectedly")), true)
  })

  it("#14 a server that cannot write for now (disk full, I/O error, read-only, out of memory) is retryable, so 503", () => {
    for (const code of ["53100", "53200", "53300", "58030", "25006", "ENOSPC", "EROFS", "EIO"]) {
      assert.equal(isRetryable(pgError(code)), true, code)
    }
  })

  it("#14 a read-only file system under the server (42501 with EROFS's message) is retryable; a real permission error is not", () => {
    const readOnly = 'could not open file "pg_tblspc/16384/PG_15_202209061/5/16385_fsm": Read-only file system'
    assert.equal(isRetryable(pgError("42501", readOnly)), true)
    assert.equal(isRetryable(pgError("42501", "permission denied for table vms")), false)
  })

  it("constraint violations and syntax errors are not retryable", () => {
    for (const code of ["23505", "23503", "42601", "22P02"]) assert.equal(isRetryable(pgError(code)), false, code)
  })

  it("a failure becomes a StoreError naming the operation, SQLSTATE and constraint", () => {
    const cause = Object.assign(pgError("23505", "duplicate key value"), { constraint: "vms_hostname_key" })
    const error = toStoreError("vm.insertBundles")(cause)
    assert.ok(error instanceof StoreError)
    assert.equal(error.operation, "vm.insertBundles")
    assert.equal(error.retryable, false)
    assert.match(error.message, /duplicate key value \(SQLSTATE 23505, constraint vms_hostname_key\)/)
  })
})
