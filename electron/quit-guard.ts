import type { RunRecord } from '../src/api/runs';

export type QuitChoice = 'leave-running' | 'stop-runs' | 'cancel';

export interface QuitQuestion {
  message: string;
  detail: string;
  buttons: string[];
  defaultId: number;
  cancelId: number;
}

const CHOICES: QuitChoice[] = ['leave-running', 'stop-runs', 'cancel'];

/** What to ask when the user quits while runs are going: leave them running (found again at the next start), stop them, or stay. */
export function quitQuestion(active: RunRecord[]): QuitQuestion | null {
  if (active.length === 0) return null;
  const what = active.length === 1 ? `A ${active[0]!.mode} run is still going.` : `${active.length} runs are still going.`;
  return {
    message: what,
    detail:
      'Leave running: the training goes on in Docker and AUCMEDI Desk shows it again, with all its progress, when you open it next time. Stop: the runs end now; a standard training keeps its best model so far, a minimal or advanced one keeps none.',
    buttons: ['Leave running and quit', 'Stop the runs and quit', 'Do not quit'],
    defaultId: 0,
    cancelId: 2,
  };
}

export const quitChoice = (buttonIndex: number): QuitChoice => CHOICES[buttonIndex] ?? 'cancel';
