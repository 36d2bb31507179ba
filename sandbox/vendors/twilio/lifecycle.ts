import type { Delivery } from '../../core/deliveries.js';
import type { Sandbox } from '../../core/sandbox.js';
import { outcomeFor } from './history.js';
import { priceOf, type MessageRecord, type MessageStatus } from './message.js';
import type { ResolvedOptions } from './options.js';
import { sendTwilioWebhook, type FormParams } from './signing.js';

/** `RawDlrDoneDate` as carriers report it: YYMMDDhhmm, UTC. */
function dlrDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\D/g, '').slice(2, 12);
}

/**
 * Moves an accepted message through Twilio's statuses on a timer ([DOC] outbound message status guide):
 * accepted (Messaging Service) → queued → sent → delivered, or → failed / undelivered with an error code for
 * the recipients named in `outcomes`. Every transition after the initial status is POSTed to the message's
 * StatusCallback; callbacks of one message go out one after the other, so they arrive in order.
 */
export class MessageLifecycle {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly sandbox: Sandbox,
    private readonly options: ResolvedOptions,
  ) {}

  reset(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private steps(message: MessageRecord): MessageStatus[] {
    const outcome = outcomeFor(message.to, this.options.outcomes);
    const head: MessageStatus[] = message.status === 'accepted' ? ['queued'] : [];
    if (outcome?.status === 'failed') return [...head, 'failed'];
    return [...head, 'sent', outcome?.status ?? 'delivered'];
  }

  start(message: MessageRecord, statusCallback: string | undefined, delivery: Delivery): void {
    const outcome = outcomeFor(message.to, this.options.outcomes);
    let callbacks: Promise<unknown> = Promise.resolve();
    this.steps(message).forEach((status, index) => {
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          const now = Date.now();
          message.status = status;
          message.dateUpdated = now;
          message.from ??= this.options.phoneNumbers[0] ?? null;
          if (status === 'sent') {
            message.dateSent = now;
            message.price = priceOf(message.body);
          }
          if ((status === 'failed' || status === 'undelivered') && outcome) {
            message.errorCode = outcome.errorCode;
            message.errorMessage = outcome.errorMessage;
          }
          Object.assign(delivery.detail, { status, errorCode: message.errorCode });
          if (statusCallback) {
            const params = this.callbackParams(message, now);
            callbacks = callbacks.then(() => sendTwilioWebhook(this.sandbox, this.options, statusCallback, params));
          }
        },
        this.options.stepDelayMs * (index + 1),
      );
      timer.unref();
      this.timers.add(timer);
    });
  }

  private callbackParams(message: MessageRecord, now: number): FormParams {
    const params: FormParams = {
      AccountSid: this.options.accountSid,
      ApiVersion: '2010-04-01',
      From: message.from ?? '',
      MessageSid: message.sid,
      MessageStatus: message.status,
      SmsSid: message.sid,
      SmsStatus: message.status,
      To: message.to,
    };
    if (message.messagingServiceSid) params.MessagingServiceSid = message.messagingServiceSid;
    if (message.errorCode !== null) params.ErrorCode = String(message.errorCode);
    if (message.status === 'delivered' || message.status === 'undelivered') params.RawDlrDoneDate = dlrDate(now);
    return params;
  }
}
