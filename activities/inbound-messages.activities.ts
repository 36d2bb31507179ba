import { clientIdByAddress, threadKeyOf } from '../db/repositories/messages.js';
import type { InboundMessageInput } from '../workflows/record-inbound-message.js';
import type { ActivityDeps } from './deps.js';

/** The unique vendor-id column an inbound message is keyed by, so a second recording of it is a no-op. */
function vendorIdColumns(input: InboundMessageInput): Record<string, string | null> {
  switch (input.vendor) {
    case 'twilio':
      return { twilio_sid: input.vendorMessageId };
    case 'google':
      return { gmail_message_id: input.vendorMessageId };
    case 'sendgrid':
      return { sendgrid_id: input.vendorMessageId };
    case 'slack':
      return { slack_channel: input.slackChannel ?? null, slack_ts: input.vendorMessageId.split(':').pop() ?? null };
  }
}

export function createInboundMessageActivities({ orm, events }: ActivityDeps) {
  return {
    /**
     * Stores an inbound message once, linked to the client whose phone or email sent it and to the conversation
     * it continues (a reply in a thread our outbound message started keeps that message's client, job and thread).
     */
    async recordInboundMessage(input: InboundMessageInput): Promise<{ messageId: string }> {
      const connection = orm.em.fork().getConnection();
      const ids = vendorIdColumns(input);
      const [conflictColumn] = input.vendor === 'slack' ? ['slack_channel, slack_ts'] : Object.keys(ids);
      const findExisting = async () => {
        const where = Object.keys(ids).map((column) => `${column} = ?`);
        const rows = await connection.execute<{ id: string }[]>(
          `select id from messages where ${where.join(' and ')} limit 1`,
          Object.values(ids),
        );
        return rows[0] ?? null;
      };
      const existing = await findExisting();
      if (existing) return { messageId: existing.id };

      const threadRoot = input.vendorThreadId ?? (input.threadTs && input.slackChannel ? input.threadTs : null);
      const [started] = threadRoot
        ? await connection.execute<{ clientId: string | null; jobId: string | null; threadKey: string | null }[]>(
            `select client_id as "clientId", job_id as "jobId", thread_key as "threadKey" from messages
              where (vendor_thread_id = ? or (slack_channel = ? and slack_ts = ?)) and channel = ?
              order by created_at asc limit 1`,
            [threadRoot, input.slackChannel ?? null, threadRoot, input.channel],
          )
        : [];
      const clientId =
        started?.clientId ??
        (input.channel === 'slack' ? null : await clientIdByAddress(orm.em.fork(), input.channel, input.from));
      const threadKey =
        started?.threadKey ??
        threadKeyOf(input.channel, {
          clientId,
          address: input.from,
          slackChannel: input.slackChannel ?? null,
          threadTs: input.threadTs ?? null,
        });
      const columns = {
        channel: input.channel,
        direction: 'inbound',
        status: 'received',
        vendor: input.vendor,
        connection_id: input.connectionId,
        client_id: clientId,
        job_id: started?.jobId ?? null,
        from_address: input.from,
        to_address: input.to,
        subject: input.subject ?? null,
        body: input.body,
        thread_key: threadKey,
        vendor_thread_id: input.vendorThreadId ?? input.threadTs ?? null,
        created_at: new Date(input.receivedAt),
        ...ids,
      };
      const inserted = await connection.execute<{ id: string }[]>(
        `insert into messages (${Object.keys(columns).join(', ')}) values (${Object.keys(columns)
          .map(() => '?')
          .join(', ')}) on conflict (${conflictColumn}) do nothing returning id`,
        Object.values(columns),
      );
      // A concurrent recording of the same message won the insert.
      if (!inserted[0]) return { messageId: (await findExisting())!.id };
      await events.publish('message.status', {
        id: inserted[0].id,
        channel: input.channel,
        direction: 'inbound',
        status: 'received',
        clientId,
        jobId: started?.jobId ?? null,
        threadKey,
      });
      return { messageId: inserted[0].id };
    },
  };
}
