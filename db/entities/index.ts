import { ApiKeySchema } from './api-key.js';
import { CalendarEventSchema } from './calendar-event.js';
import { ClientSchema } from './client.js';
import { ExpenseSchema } from './expense.js';
import { InvoiceSchema } from './invoice.js';
import { JobDocumentSchema } from './job-document.js';
import { JobNoteSchema } from './job-note.js';
import { JobSchema } from './job.js';
import { MessageSchema } from './message.js';
import { PaymentSchema } from './payment.js';
import { QuoteSchema } from './quote.js';
import { RefreshTokenSchema } from './refresh-token.js';
import { SecurityEventSchema } from './security-event.js';
import { SyncLogSchema } from './sync-log.js';
import { UserSchema } from './user.js';
import { VendorConnectionSchema } from './vendor-connection.js';
import { WebhookEventSchema } from './webhook-event.js';

export { ApiKey } from './api-key.js';
export { CalendarEvent } from './calendar-event.js';
export { Client, type PostalAddress } from './client.js';
export { Expense } from './expense.js';
export { Invoice } from './invoice.js';
export { Job } from './job.js';
export { JobDocument, type DocumentShare } from './job-document.js';
export { JobNote } from './job-note.js';
export { Message } from './message.js';
export { Payment } from './payment.js';
export { Quote } from './quote.js';
export { RefreshToken } from './refresh-token.js';
export { SecurityEvent } from './security-event.js';
export { SyncLog } from './sync-log.js';
export { User } from './user.js';
export { VendorConnection, type SyncCursors } from './vendor-connection.js';
export { WebhookEvent } from './webhook-event.js';
export * from './enums.js';

/** Every entity, in the order MikroORM discovers them; the ORM config passes this list, never a glob. */
export const allEntities = [
  ClientSchema,
  JobSchema,
  MessageSchema,
  SyncLogSchema,
  UserSchema,
  RefreshTokenSchema,
  ApiKeySchema,
  VendorConnectionSchema,
  QuoteSchema,
  InvoiceSchema,
  PaymentSchema,
  ExpenseSchema,
  JobNoteSchema,
  CalendarEventSchema,
  WebhookEventSchema,
  SecurityEventSchema,
  JobDocumentSchema,
];
