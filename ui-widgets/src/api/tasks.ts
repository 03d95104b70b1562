import type { ApiClient } from "./client.ts"
import type { PlatformEvent, Task } from "./types.ts"

const finished = (task: Task) => task.state === "succeeded" || task.state === "failed"
const pollMs = 2000

/**
 * Follows tasks an element started until each finishes: the events stream says so at once, and a slow poll of
 * GET /tasks/{id} covers a dropped stream. Each task is reported once.
 */
export class TaskWatch {
  private readonly pending = new Map<string, Task>()
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
    if (finished(task)) {
      queueMicrotask(() => this.onFinished(task))
      return
    }
    this.pending.set(task.id, task)
    this.timer ??= setInterval(() => void this.poll(), pollMs)
  }

  handle(event: PlatformEvent): void {
    if (event._tag === "task" && this.pending.has(event.task.id) && finished(event.task)) this.finish(event.task)
  }

  dispose(): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.pending.clear()
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
