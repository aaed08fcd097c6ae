// The `process` runtime: containers as host processes (see runtime.ts for the on-disk layout and mount mapping).
export { ProcessRuntime, mountEnvName, type ProcessRuntimeOptions } from './runtime.js';
export { parseCriLine, lineText, followLog, type LogLine } from './cri-log.js';
export { resolveProgram, DEFAULT_PATH } from './resolve-path.js';
