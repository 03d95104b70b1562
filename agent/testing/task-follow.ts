import assert from "node:assert/strict"
import { type Client, eventsOf } from "../ws/testing.ts"
import type { jsonApi } from "./json-api.ts"

type Api = ReturnType<typeof jsonApi>

/**
 * For end-to-end tests on a real agent: `ended` waits on the event stream until a task is no longer running and
 * reads it; `act` sends an action, expects 202 and its task's success.
 */
export const followTasks = (http: Api) => {
  const ended = (client: Client, taskId: string) =>
    client
      .until(
        `task ${taskId}`,
        () => eventsOf(client).some((e) => e._tag === "task" && e.task.id === taskId && e.task.state !== "running"),
        180_000,
      )
      .then(async () => (await http("GET", `/api/v1/tasks/${taskId}`)).body)
  const act = async (client: Client, method: string, path: string, body: unknown = {}) => {
    const reply = await http(method, path, body)
    assert.equal(reply.status, 202, JSON.stringify(reply.body))
    const task = await ended(client, reply.body.task.id)
    assert.equal(task.state, "succeeded", JSON.stringify(task.error))
    return task
  }
  return { ended, act }
}
