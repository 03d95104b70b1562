/**
 * Host commands for drivers, forked by the agent: `run` waits for a command; `launch` starts one in its own session
 * that outlives the agent (a hypervisor process). The command helper process earlier versions had is gone (#13).
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
