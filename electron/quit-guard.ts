import type { RunRecord } from '../src/api/runs';
import type { Language } from '../src/i18n/language';
import { desktopT } from '../src/desktop/texts';

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
export function quitQuestion(active: RunRecord[], language: Language = 'en'): QuitQuestion | null {
  if (active.length === 0) return null;
  const t = desktopT(language);
  const mode = active[0]!.mode;
  const what =
    active.length > 1
      ? t('desktop:quit.many', { count: active.length })
      : mode === 'training'
        ? t('desktop:quit.oneTraining')
        : mode === 'prediction'
          ? t('desktop:quit.onePrediction')
          : t('desktop:quit.oneEvaluation');
  return {
    message: what,
    detail: t('desktop:quit.detail'),
    buttons: [t('desktop:quit.leave'), t('desktop:quit.stop'), t('desktop:quit.stay')],
    defaultId: 0,
    cancelId: 2,
  };
}

export const quitChoice = (buttonIndex: number): QuitChoice => CHOICES[buttonIndex] ?? 'cancel';
