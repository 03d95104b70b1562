import { bodyLimit } from "hono/body-limit"
import { apiErrors } from "../errors/messages.ts"

/** Request bodies above the limit are refused with 413 before anything reads them. */
export const limitBodies = (maxBytes: number) =>
  bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw apiErrors.payloadTooLarge(maxBytes)
    },
  })
