import type { VendorFactory } from '../core/sandbox.js';
import { createAirtableSimulator } from './airtable/index.js';
import { createGoogleSimulator } from './google/index.js';
import { createJobberSimulator } from './jobber/index.js';
import { createQuickbooksSimulator } from './quickbooks/index.js';
import { createSendgridSimulator } from './sendgrid/index.js';
import { createSlackSimulator } from './slack/index.js';
import { createTwilioSimulator } from './twilio/index.js';

/** Every vendor simulator with its documented defaults, as `npm run sandbox` and `npm start` serve them. */
export const ALL_SIMULATORS: readonly VendorFactory[] = [
  createJobberSimulator,
  createQuickbooksSimulator,
  createGoogleSimulator,
  createSlackSimulator,
  createTwilioSimulator,
  createSendgridSimulator,
  createAirtableSimulator,
];
