import { defineSignal } from '@temporalio/workflow';

/** Our status vocabulary as a vendor event moves it (read only sets `read_at`). */
export type MessageStatusChange = 'sent' | 'delivered' | 'failed' | 'read';

/** One vendor status report (Twilio status callback, SendGrid event), already verified and mapped by the API. */
export interface MessageStatusUpdate {
  status: MessageStatusChange;
  /** The vendor's own word for it (`undelivered`, `bounce`, `open`, …). */
  vendorStatus: string;
  /** When the vendor says it happened (ISO 8601). */
  at: string;
  errorCode?: string;
  errorMessage?: string;
}

/** Vendor status reports reach the message's delivery workflow as this signal (signal-with-start). */
export const messageStatusSignal = defineSignal<[MessageStatusUpdate]>('messageStatus');

/** A job's schedule or status changed: its Calendar event must follow. */
export const jobScheduleChangedSignal = defineSignal<[{ reason: string }]>('jobScheduleChanged');
