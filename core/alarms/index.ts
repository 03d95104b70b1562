export { evaluateAlarms, runAlarmEvaluator } from "./evaluate.ts"
export { judge, metricValue, type Verdict } from "./judge.ts"
export { alarmMail } from "./mail.ts"
export {
  type AlarmInput,
  type AlarmPatch,
  type AlarmView,
  alarmHistory,
  createAlarm,
  deleteAlarm,
  listAlarms,
  updateAlarm,
} from "./manage.ts"
export { AlarmEvent, AlarmEventKind } from "./model.ts"
