/**
 * Technical logs: rotating files (0600), one named logger per module. They never contain personal data: messages
 * are written by our code with ids only, and every argument goes through redact(), which masks by key (any key
 * whose words look like a name, an identifier, a birth date, a contact, a secret) and by value (NIR/NIA, dates,
 * e-mails, phone numbers, JWTs, PEM blocks, `password=` forms, bearer tokens) wherever they sit in a string.
 */
import fs from 'node:fs';
import path from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogSink {
  write(line: string): void;
}

const MASK = '[masqué]';

/** Words of a key that make its value sensitive, whatever the key's case and style (camelCase, snake_case…). */
const SENSITIVE_KEY_WORDS = new Set([
  // secrets
  'password',
  'passwd',
  'passphrase',
  'pwd',
  'secret',
  'token',
  'authorization',
  'cookie',
  'credential',
  'credentials',
  'pin',
  'puk',
  'key',
  'p12',
  'pkcs12',
  'pem',
  'assertion',
  // identity
  'name',
  'names',
  'nom',
  'noms',
  'prenom',
  'prenoms',
  'family',
  'given',
  'civility',
  'birth',
  'birthdate',
  'birthplace',
  'naissance',
  'ins',
  'nir',
  'nia',
  'ssn',
  'securite',
  'individual',
  'individu',
  'person',
  'patient',
  'guardian',
  'tuteur',
  // contact
  'address',
  'addresses',
  'adresse',
  'telecom',
  'telecoms',
  'phone',
  'telephone',
  'tel',
  'mobile',
  'email',
  'mail',
  'courriel',
]);
/** Sensitive words glued to others in a key (`clientsecret`, `accesstoken`, `datenaissance`). */
const SENSITIVE_KEY_FRAGMENTS = /password|passphrase|secret|token|birth|naissance|prenom|familyname|givenname/i;

export function isSensitiveKey(key: string): boolean {
  const words = key
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return words.some((w) => SENSITIVE_KEY_WORDS.has(w)) || SENSITIVE_KEY_FRAGMENTS.test(key);
}

const SEP = '[\\s.-]?';
/** Value detectors, applied in order (PEM first: its base64 would otherwise be cut up by the others). */
const VALUE_DETECTORS: readonly (readonly [RegExp, string])[] = [
  [/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|$)/g, '[bloc PEM masqué]'],
  [/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?/g, '[jeton masqué]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [masqué]'],
  [
    /\b((?:client_secret|client_assertion|password|passwd|passphrase|pwd|secret|access_token|refresh_token|id_token|token|pin)\s*[=:]\s*)("?)[^\s&"]+\2/gi,
    `$1${MASK}`,
  ],
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g, '[courriel masqué]'],
  // NIR / NIA: sex or category digit, year, month, department (2A/2B in Corsica), commune, order, optional key.
  [
    new RegExp(
      `(?<![0-9A-Za-z])[0-9]${SEP}[0-9]{2}${SEP}[0-9]{2}${SEP}(?:[0-9]{2}|2[AB])${SEP}[0-9]{3}${SEP}[0-9]{3}(?:${SEP}[0-9]{2})?(?![0-9A-Za-z])`,
      'gi',
    ),
    '[numéro masqué]',
  ],
  // Phone numbers: French (0X or +33 X then four pairs) and international (+ then 8 to 15 digits).
  [/(?:\+33\s?|0033\s?|(?<![0-9])0)[1-9](?:[\s.-]?[0-9]{2}){4}(?![0-9])/g, '[téléphone masqué]'],
  [/\+[1-9](?:[\s.-]?[0-9]){7,14}(?![0-9])/g, '[téléphone masqué]'],
  // Dates: dd/mm/yyyy (or - .), yyyy-mm-dd, yyyymmdd.
  [/(?<![0-9])[0-3]?[0-9][/.-][01]?[0-9][/.-](?:19|20)?[0-9]{2}(?![0-9])/g, '[date masquée]'],
  [/(?<![0-9])(?:19|20)[0-9]{2}-?[01][0-9]-?[0-3][0-9](?![0-9])/g, '[date masquée]'],
  // Any other long run of digits (an identifier we did not foresee).
  [/(?<![0-9])[0-9]{11,}(?![0-9])/g, '[numéro masqué]'],
];

function redactString(text: string): string {
  let out = text;
  for (const [pattern, replacement] of VALUE_DETECTORS) out = out.replace(pattern, replacement);
  return out;
}

const MAX_REDACT_DEPTH = 8;

export function redact(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' || typeof value === 'symbol' ? String(typeof value) : value;
  }
  if (depth >= MAX_REDACT_DEPTH || seen.has(value)) return '[…]';
  seen.add(value);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return '[octets masqués]';
  if (value instanceof Date) return '[date masquée]';
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return {
      name: value.name,
      message: redactString(value.message),
      ...(typeof code === 'string' || typeof code === 'number' ? { code: redact(code, depth + 1, seen) } : {}),
      ...(value.stack ? { stack: redactString(value.stack.split('\n').slice(1, 8).join('\n')) } : {}),
    };
  }
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redact(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSensitiveKey(k) ? MASK : redact(v, depth + 1, seen);
  return out;
}

/** Size-based rotation: app.log, app.1.log … app.<keep>.log. */
export class RotatingFileSink implements LogSink {
  private size: number;
  constructor(
    private readonly file: string,
    private readonly maxBytes = 2 * 1024 * 1024,
    private readonly keep = 5,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.size = fs.existsSync(file) ? fs.statSync(file).size : 0;
    // Files written by an older version may be world-readable: logs are for the operator only.
    if (this.size > 0) fs.chmodSync(file, 0o600);
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

/**
 * Faults nothing caught (a bug: requests and IPC calls have their own error boundary) reach the log file, not
 * only stderr. The process keeps running: every write is committed transaction by transaction, and stopping the
 * referent's session on a stray fault would lose more than it protects.
 */
export function logProcessFaults(target: NodeJS.Process = process): void {
  const log = createLogger('processus');
  target.on('uncaughtException', (error, origin) => {
    log.error(`Exception non interceptée (${origin})`, error);
    target.stderr.write(
      `Exception non interceptée consignée dans le journal : ${String(redact(error instanceof Error ? error.message : error))}\n`,
    );
  });
  target.on('unhandledRejection', (reason) => {
    log.error('Promesse rejetée sans traitement', reason);
    target.stderr.write('Promesse rejetée sans traitement, consignée dans le journal.\n');
  });
}
