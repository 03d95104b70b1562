import type { ApiClient } from "./client.ts"
import type { PlatformEvent, Task } from "./types.ts"

const finished = (task: Task) => task.state === "succeeded" || task.state === "failed"
const pollMs = 2000
/** How many finished tasks the stream told of before their start's answer came back are remembered. */
const earlyKept = 64

/**
 * Follows tasks an element started until each finishes: the events stream says so at once, and a slow poll of
 * GET /tasks/{id} covers a dropped stream. Each task is reported once. A quick task may end on the stream before the
 * request that started it has answered; its end is kept for a while, so it is reported as soon as it is watched, in
 * the order the tasks ended, not a poll later.
 */
export class TaskWatch {
  private readonly pending = new Map<string, Task>()
  private readonly endedUnwatched = new Map<string, Task>()
  private timer: ReturnType<typeof setInterval> | undefined
  private readonly client: () => ApiClient
  private readonly onFinished: (task: Task) => void

  constructor(client: () => ApiClient, onFinished: (task: Task) => void) {
    this.client = client
    this.onFinished = onFinished
  }

  get size(): number {
    return this.pending.size
  }

  watch(task: Task): void {
    const ended = finished(task) ? task : this.endedUnwatched.get(task.id)
    if (ended !== undefined) {
      this.endedUnwatched.delete(task.id)
      queueMicrotask(() => this.onFinished(ended))
      return
    }
    this.pending.set(task.id, task)
    this.timer ??= setInterval(() => void this.poll(), pollMs)
  }

  handle(event: PlatformEvent): void {
    if (event._tag !== "task" || !finished(event.task)) return
    if (this.pending.has(event.task.id)) {
      this.finish(event.task)
      return
    }
    this.endedUnwatched.set(event.task.id, event.task)
    for (const id of this.endedUnwatched.keys()) {
      if (this.endedUnwatched.size <= earlyKept) break
      this.endedUnwatched.delete(id)
    }
  }

  dispose(): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.pending.clear()
    this.endedUnwatched.clear()
  }

  private finish(task: Task) {
    if (!this.pending.delete(task.id)) return
    if (this.pending.size === 0) {
      clearInterval(this.timer)
      this.timer = undefined
    }
    this.onFinished(task)
  }

  private async poll() {
    for (const id of [...this.pending.keys()]) {
      try {
        const task = await this.client().get<Task>(`/tasks/${encodeURIComponent(id)}`)
        if (finished(task)) this.finish(task)
      } catch {
        // The next poll or an event will tell.
      }
    }
  }
}
