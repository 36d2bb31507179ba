import { authTest, oauthV2Access } from './auth.js';
import { chatPostMessage } from './chat.js';
import { conversationsHistory, conversationsList, conversationsReplies } from './conversations.js';
import { filesCompleteUploadExternal, filesGetUploadURLExternal } from './files.js';
import { reactionsAdd } from './reactions.js';
import type { SlackMethod } from './types.js';

/** The Web API methods the simulator serves, with their rate-limit tier and required scope. */
export const SLACK_METHODS: Readonly<Record<string, SlackMethod>> = {
  'auth.test': authTest,
  'oauth.v2.access': oauthV2Access,
  'chat.postMessage': chatPostMessage,
  'conversations.list': conversationsList,
  'conversations.history': conversationsHistory,
  'conversations.replies': conversationsReplies,
  'reactions.add': reactionsAdd,
  'files.getUploadURLExternal': filesGetUploadURLExternal,
  'files.completeUploadExternal': filesCompleteUploadExternal,
};
