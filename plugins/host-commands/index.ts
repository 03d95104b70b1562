/**
 * Host commands for drivers: a small helper process (helper.mjs) forks every command on the agent's behalf, so that a
 * command costs ~2 ms instead of the 10–50 ms of forking the agent itself. `run` waits for a command; `launch` starts
 * one in its own session that outlives the agent (a hypervisor process).
 */
export {
  CommandFailed,
  type CommandOutcome,
  describeExit,
  type ExitStatus,
  type HostCommands,
  type LaunchedProcess,
  makeHostCommands,
  type RunOptions,
} from "./host-commands.ts"
