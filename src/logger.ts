import type { LogLevel } from './config';

/** A tiny leveled logger writing one JSON line per event to stderr (machine- and grep-friendly). */
export class Logger {
  private static readonly order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

  constructor(
    private readonly level: LogLevel = 'info',
    private readonly context: Record<string, unknown> = {},
  ) {}

  child(context: Record<string, unknown>): Logger {
    return new Logger(this.level, { ...this.context, ...context });
  }

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.write('debug', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.write('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.write('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.write('error', msg, fields);
  }

  private write(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (Logger.order[level] < Logger.order[this.level]) return;
    const line = { time: new Date().toISOString(), level, msg, ...this.context, ...fields };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  }
}
