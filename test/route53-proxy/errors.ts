// Route 53's error body (restXml): since 2024 every error, InvalidChangeBatch included, comes
// as ErrorResponse/Error{Type,Code,Message}; an InvalidChangeBatch's Message lists every
// problem as "[first, second]".
import { randomUUID } from 'node:crypto';
import { escapeXml } from './xml.js';

export interface Route53Error {
  readonly status: number;
  readonly type: 'Sender' | 'Receiver';
  readonly code: string;
  readonly message: string;
}

export function errorXml(error: Route53Error, requestId: string = randomUUID()): string {
  return (
    '<?xml version="1.0"?>\n' +
    '<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">' +
    `<Error><Type>${error.type}</Type><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

export function invalidChangeBatch(messages: readonly string[]): Route53Error {
  return {
    status: 400,
    type: 'Sender',
    code: 'InvalidChangeBatch',
    message: `[${messages.join(', ')}]`,
  };
}

export function invalidInput(message: string): Route53Error {
  return { status: 400, type: 'Sender', code: 'InvalidInput', message };
}
