import { defineSignal } from '@temporalio/workflow';

/** What a write-back pushes: one of our rows, through one Jobber connection. */
export interface WriteBackInput {
  kind: 'client' | 'job';
  id: string;
  connectionId: string;
}

/** The row changed again: the running write-back pushes once more after its current push. */
export const writeBackRequestedSignal = defineSignal<[]>('writeBackRequested');
