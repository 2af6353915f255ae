// HTTP status for the core's stable error codes (README.md, "Errors"). The body is always
// { code, message, details } and never a stack trace.
import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common'
import type { Request, Response } from 'express'

/** An error the service raises itself (request shape, idempotency), with the same body shape. */
export class ServiceError extends Error {
  constructor(readonly code: string, message: string, readonly status: number, readonly details: Record<string, unknown> = {}) {
    super(message)
  }
}

/** A festival-core error: an Error with a string `.code` (and `.family`, `.details`). */
export function isCoreError(e: unknown): e is Error & { code: string; family?: string; details?: Record<string, unknown> } {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && typeof (e as { family?: unknown }).family === 'string'
}

/** The mapping, by code: first match wins. */
export function statusForCode(code: string): number {
  // The server's own state failed a check: not the client's fault.
  if (code === 'RECONCILE_INVALID_STATE' || code === 'WALLET_LEDGER_CORRUPT' || /_STATE_INVALID$/.test(code)) return 500
  // The request itself is malformed: wrong types, bad amounts, bad bytes. Fix the request.
  if (code.startsWith('INPUT_') || code.startsWith('MONEY_') || code === 'OFFLINE_MALFORMED' || code === 'OFFLINE_INVALID_KEY'
    || code === 'OFFLINE_INVALID_AMOUNT' || code === 'TAG_INVALID_UID' || code === 'TICKET_INVALID' || /_INVALID_(CONFIG|QUANTITY|AMOUNT|ZONE)$/.test(code)) return 400
  // Something the request names does not exist.
  if (code.includes('UNKNOWN') || code.endsWith('_NOT_FOUND')) return 404
  // The same id was already used for something else: retrying the same request never helps.
  if (code.includes('DUPLICATE') || code.endsWith('_CONFLICT') || code === 'TAG_WALLET_ALREADY_LINKED' || code === 'IDEMPOTENCY_KEY_REUSED') return 409
  // Well-formed, but the rules refuse it in the current state (insufficient funds, blocked
  // wallet, ticket already used, revoked device...): 422, a business decision.
  return 422
}

@Catch()
export class FestivalExceptionFilter implements ExceptionFilter {
  catch(e: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>()
    const req = host.switchToHttp().getRequest<Request>()
    const [status, body] = errorBody(e, req)
    if (!res.headersSent) res.status(status).json(body)
  }
}

export function errorBody(e: unknown, req?: Request): [number, { code: string; message: string; details: Record<string, unknown> }] {
  if (e instanceof ServiceError) return [e.status, { code: e.code, message: e.message, details: e.details }]
  if (isCoreError(e)) return [statusForCode(e.code), { code: e.code, message: e.message, details: e.details ?? {} }]
  if (e instanceof HttpException) {
    const status = e.getStatus()
    const code = status === 404 ? 'HTTP_NOT_FOUND' : status === 405 ? 'HTTP_METHOD_NOT_ALLOWED' : `HTTP_${status}`
    return [status, { code, message: status === 404 && req ? `no route ${req.method} ${req.path}` : e.message, details: {} }]
  }
  // Everything else is a bug or an outage: log it here, tell the client only the code.
  console.error('internal error:', e)
  return [500, { code: 'INTERNAL', message: 'internal error (logged on the server)', details: {} }]
}
