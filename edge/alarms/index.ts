/** Local alarms: threshold rules on accepted readings, announced on the local broker and a hook. */
export { AlarmsSchema, resolveAlarmsConfig, type AlarmsConfig } from './config.js';
export { AlarmEvaluator, type AlarmEvaluatorOptions, type AlarmPublish } from './evaluator.js';
export type { AlarmEvent } from './event.js';
