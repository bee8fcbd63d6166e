import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { assertNoPersonIdInHeaders } from '../person-id.headers.js';

/**
 * Every intake route, after authentication and the rate limit: a request with a person number in
 * a header is refused with 400 `INTAKE.PERSON_ID_IN_HEADER` before any work, on reads as on
 * submissions (headers are logged and traced in clear). The EPJ event consumer runs the same
 * check on a record's headers and key.
 */
@Injectable()
export class PersonIdHeaderGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    assertNoPersonIdInHeaders(context.switchToHttp().getRequest<IncomingMessage>().headers);
    return true;
  }
}
