/**
 * Technical logs: rotating files, one named logger per module. They never contain personal data: messages are
 * written by our code with ids only, and every argument goes through redact() which masks what looks like a
 * name field, an INS/NIR, a birth date, a token or a secret.
 */
import fs from 'node:fs';
import path from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogSink {
  write(line: string): void;
}

const SENSITIVE_KEYS =
  /^(password|passphrase|secret|client_secret|token|access_token|authorization|pin|key|family|given|name|birth.*|ins|nir|address|telecom|p12)$/i;
const NIR_LIKE = /\b[12]\d{12}(\d{2})?\b/g;
const BEARER = /Bearer\s+[A-Za-z0-9._~+/=-]+/g;
const DATE_LIKE = /\b(19|20)\d{2}-?\d{2}-?\d{2}\b/g;

export function redact(value: unknown): unknown {
  if (typeof value === 'string') {
    return value
      .replace(BEARER, 'Bearer [masqué]')
      .replace(NIR_LIKE, '[numéro masqué]')
      .replace(DATE_LIKE, '[date masquée]');
  }
  if (Array.isArray(value)) return value.map(redact);
  if (value instanceof Error) return { name: value.name, message: redact(value.message) };
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SENSITIVE_KEYS.test(k) ? '[masqué]' : redact(v);
    return out;
  }
  return value;
}

/** Size-based rotation: app.log, app.1.log … app.<keep>.log. */
export class RotatingFileSink implements LogSink {
  private size: number;
  constructor(
    private readonly file: string,
    private readonly maxBytes = 2 * 1024 * 1024,
    private readonly keep = 5,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.size = fs.existsSync(file) ? fs.statSync(file).size : 0;
  }
  write(line: string): void {
    const bytes = Buffer.byteLength(line) + 1;
    if (this.size + bytes > this.maxBytes) this.rotate();
    fs.appendFileSync(this.file, line + '\n', { mode: 0o600 });
    this.size += bytes;
  }
  private rotate(): void {
    const base = this.file.replace(/\.log$/, '');
    for (let i = this.keep - 1; i >= 1; i--) {
      const from = `${base}.${i}.log`;
      if (fs.existsSync(from)) fs.renameSync(from, `${base}.${i + 1}.log`);
    }
    if (fs.existsSync(this.file)) fs.renameSync(this.file, `${base}.1.log`);
    this.size = 0;
  }
}

let sink: LogSink = { write: () => undefined };
let minLevel: LogLevel = 'info';
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function configureLogging(newSink: LogSink, level: LogLevel = 'info'): void {
  sink = newSink;
  minLevel = level;
}

export interface Logger {
  debug(message: string, data?: unknown): void;
  info(message: string, data?: unknown): void;
  warn(message: string, data?: unknown): void;
  error(message: string, data?: unknown): void;
}

export function createLogger(module: string): Logger {
  const log = (level: LogLevel, message: string, data?: unknown) => {
    if (ORDER[level] < ORDER[minLevel]) return;
    const entry: Record<string, unknown> = { at: new Date().toISOString(), level, module, message: redact(message) };
    if (data !== undefined) entry['data'] = redact(data);
    sink.write(JSON.stringify(entry));
  };
  return {
    debug: (m, d) => log('debug', m, d),
    info: (m, d) => log('info', m, d),
    warn: (m, d) => log('warn', m, d),
    error: (m, d) => log('error', m, d),
  };
}
