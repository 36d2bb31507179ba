import type { TokenSource } from '../integrations/core/tokens.js';
import { createCalendarWriter, type CalendarWriter } from '../integrations/google/calendar-writes.js';
import { createDriveClient, type DriveClient } from '../integrations/google/drive.js';
import { createGmailClient, type GmailClient } from '../integrations/google/gmail.js';
import { createJobberClient, type JobberClient } from '../integrations/jobber/client.js';
import { createSendgridClient, type SendgridClient } from '../integrations/sendgrid/client.js';
import { createSlackClient, type SlackClient } from '../integrations/slack/client.js';
import { createTwilioClient, type TwilioClient } from '../integrations/twilio/client.js';
import type { ConnectionRef, ConnectionSecrets, VendorClientTuning } from './vendor-clients.js';

/**
 * The vendor clients outbound actions use (sends, quotes, calendar writes, Drive), built per call from a
 * connection's secrets; injected through VendorClients so tests can tune timeouts.
 */
export interface ActionClients {
  twilio(connection: ConnectionRef, secrets: ConnectionSecrets): TwilioClient;
  sendgrid(secrets: ConnectionSecrets): SendgridClient;
  slack(secrets: ConnectionSecrets): SlackClient;
  jobber(secrets: ConnectionSecrets, tokens: TokenSource): JobberClient;
  calendar(secrets: ConnectionSecrets, tokens: TokenSource): CalendarWriter;
  gmail(secrets: ConnectionSecrets, tokens: TokenSource): GmailClient;
  drive(secrets: ConnectionSecrets, tokens: TokenSource): DriveClient;
}

export function defaultActionClients(tuning: VendorClientTuning = {}): ActionClients {
  const timeout = tuning.timeoutMs ? { timeoutMs: tuning.timeoutMs } : {};
  const google = (secrets: ConnectionSecrets, tokens: TokenSource) => ({
    tokens,
    ...timeout,
    ...(secrets.endpoints?.rootUrl ? { rootUrl: secrets.endpoints.rootUrl } : {}),
  });
  return {
    twilio: (connection, secrets) =>
      createTwilioClient({
        accountSid: connection.externalAccountId,
        authToken: secrets.accessToken,
        ...timeout,
        ...(secrets.endpoints?.endpointUrl ? { endpointUrl: secrets.endpoints.endpointUrl } : {}),
      }),
    sendgrid: (secrets) =>
      createSendgridClient({
        apiKey: secrets.accessToken,
        ...timeout,
        ...(secrets.endpoints?.endpointUrl ? { endpointUrl: secrets.endpoints.endpointUrl } : {}),
      }),
    slack: (secrets) =>
      createSlackClient({
        token: secrets.accessToken,
        ...timeout,
        ...(secrets.endpoints?.endpointUrl ? { endpointUrl: secrets.endpoints.endpointUrl } : {}),
      }),
    jobber: (secrets, tokens) =>
      createJobberClient({
        tokens,
        ...timeout,
        ...(secrets.endpoints?.graphqlUrl ? { graphqlUrl: secrets.endpoints.graphqlUrl } : {}),
      }),
    calendar: (secrets, tokens) =>
      createCalendarWriter({
        ...google(secrets, tokens),
        ...(secrets.calendarId ? { calendarId: secrets.calendarId } : {}),
      }),
    gmail: (secrets, tokens) => createGmailClient(google(secrets, tokens)),
    drive: (secrets, tokens) => createDriveClient(google(secrets, tokens)),
  };
}
