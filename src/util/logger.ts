// Structured logging: one line per event, component first, then a message and key=value pairs.
// Quiet by default (warnings and errors); -v shows info, -vv debug.

export type Level = 'error' | 'warn' | 'info' | 'debug';
const rank: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  /** A logger for a sub-component: its name is prefixed to every line. */
  child(component: string): Logger;
}

export interface LoggerOptions {
  level?: Level;
  component?: string;
  write?: (line: string) => void;
}

function fmt(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  if (v instanceof Error) return JSON.stringify(v.message);
  return JSON.stringify(v);
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'warn';
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const component = opts.component ?? 'tug';
  const log = (l: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (rank[l] > rank[level]) return;
    const kv = fields
      ? Object.entries(fields)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => ` ${k}=${fmt(v)}`)
          .join('')
      : '';
    write(`${new Date().toISOString()} ${l.toUpperCase()} ${component}: ${msg}${kv}`);
  };
  return {
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
    child: (c) => createLogger({ level, write, component: `${component}/${c}` }),
  };
}

export const silentLogger: Logger = createLogger({ level: 'error', write: () => {} });
