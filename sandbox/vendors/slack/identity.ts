/**
 * The sandbox workspace and the app installed in it. Fixed ids (Slack ids are upper-case letters and digits with a
 * type prefix: T team, A app, U user, B bot) so the values an app stores survive a reset.
 */
export const SLACK_IDENTITY = {
  teamId: 'T0SANDBOX01',
  teamName: 'Sandbox Field Services',
  teamDomain: 'sandbox-field-services',
  enterpriseId: null,
  appId: 'A0SANDBOX01',
  botId: 'B0SANDBOX01',
  botUserId: 'U0SANDBOXBOT',
  /** The workspace member who installed the app (the `authed_user` of an OAuth exchange). */
  installerUserId: 'U0SANDBOXADM',
  clientId: '1000000000001.2000000000002',
  clientSecret: 'sandbox-slack-client-secret-0123456789ab',
  signingSecret: 'sandbox-slack-signing-secret-0123456789abcdef',
  /** The deprecated verification token Slack still puts in every event envelope. */
  verificationToken: 'sandboxVerificationToken01',
  /** A ready-made, never-expiring bot token with every scope (as issued before token rotation was turned on). */
  botToken: 'xoxb-1000000000001-2000000000002-sandboxBotToken0123456789',
} as const;

/** The bot scopes the sandbox app may request; the ready-made token has them all. */
export const BOT_SCOPES = [
  'channels:read',
  'channels:history',
  'chat:write',
  'reactions:read',
  'reactions:write',
  'files:read',
  'files:write',
] as const;

export function workspaceUrl(): string {
  return `https://${SLACK_IDENTITY.teamDomain}.slack.com/`;
}
