/** Small HTTP helpers shared by the sandbox's FHIR, token and admin endpoints. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IssueSeverity, OperationOutcome } from '../fhir/resources';
import { BodyReadError, decodeUtf8, readBodyBytes } from '../http/bounded-body';

export interface OutcomeIssue {
  severity: IssueSeverity;
  /** FHIR issue-type code: invalid, login, forbidden, not-found, not-supported, throttled, transient, exception… */
  code: string;
  diagnostics: string;
  expression?: string[];
}

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** An HTTP answer decided somewhere in the pipeline. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly issueCode: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly severity: IssueSeverity = 'error',
    readonly issues?: OutcomeIssue[],
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}

/** The request body as text: bounded in bytes, decoded once as UTF-8 (invalid UTF-8 refused). */
export async function readBody(req: IncomingMessage): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readBodyBytes(req);
  } catch (e) {
    if (e instanceof BodyReadError && e.reason === 'too-large') {
      throw new HttpProblem(413, 'too-costly', 'Corps de requête trop volumineux', { Connection: 'close' });
    }
    throw new HttpProblem(400, 'incomplete', 'Corps de requête interrompu');
  }
  const text = decodeUtf8(bytes);
  if (text === undefined) throw new HttpProblem(400, 'invalid', 'Corps de requête qui n’est pas en UTF-8');
  return text;
}

export interface ResponseOptions {
  status: number;
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** Fault injection: send only the first half of the body. */
  truncate?: boolean;
}

export function sendJson(res: ServerResponse, options: ResponseOptions): void {
  let text = JSON.stringify(options.body);
  if (options.truncate) text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  const payload = Buffer.from(text, 'utf8');
  res.writeHead(options.status, {
    'Content-Type': options.contentType ?? FHIR_JSON,
    'Content-Length': String(payload.length),
    'Cache-Control': 'no-store',
    Date: new Date().toUTCString(),
    ...options.headers,
  });
  res.end(payload);
}

/** A raw answer of the fault injection: the body, status and content type exactly as configured. */
export function sendRaw(res: ServerResponse, raw: { status: number; contentType: string; body: string }): void {
  const payload = Buffer.from(raw.body, 'utf8');
  res.writeHead(raw.status, {
    'Content-Type': raw.contentType,
    'Content-Length': String(payload.length),
    'Cache-Control': 'no-store',
    Date: new Date().toUTCString(),
  });
  res.end(payload);
}

export function sendProblem(res: ServerResponse, problem: HttpProblem): void {
  const body: OperationOutcome = {
    resourceType: 'OperationOutcome',
    issue: problem.issues ?? [{ severity: problem.severity, code: problem.issueCode, diagnostics: problem.message }],
  };
  sendJson(res, { status: problem.status, headers: problem.headers, body });
}
