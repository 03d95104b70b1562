// biome-ignore lint/suspicious/noExplicitAny: tests read replies loosely, as an API client would
type Json = any

/**
 * A JSON client of one agent's API for end-to-end tests, as a token holder: the reply's status and parsed body
 * (undefined when empty). `base` and `token` are read at each call, since an agent's address and token are known
 * only once it runs.
 */
export const jsonApi =
  (base: () => string, token: () => string | undefined) =>
  async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const reply = await fetch(`${base()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token()}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await reply.text()
    return { status: reply.status, body: text === "" ? undefined : JSON.parse(text) }
  }
