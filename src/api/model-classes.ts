/**
 * Whether a labelled set fits a model for evaluation; shared by the core (before a start) and the
 * Evaluate page (as soon as both are chosen). Pure: no Node, no DOM.
 */
import { msg, type Message } from '../i18n/message';
import { text } from '../i18n/translate';
import type { DatasetReport } from './dataset';

/**
 * Why a labelled set cannot score a model, or null when it can: it must have exactly the model's
 * classes, in the model's order. AUCMEDI's evaluation merges the predictions with the labels and then
 * cuts the table by position, not by class name: any other set of classes scores the wrong columns
 * against each other, or fails. A class the set has no images of can only be given as an all-0 column
 * of a one-hot annotation file: an empty class folder gets no label column in AUCMEDI
 * (io_directory.py, `pd.get_dummies`) and its evaluation fails.
 */
/** Why a set cannot score a model: English sentences (the core's language) and the same as catalog messages. */
export interface ModelClassesProblem {
  message: string;
  action: string;
  i18n: { message: Message; action: Message };
}

export function modelClassesProblem(wanted: readonly string[], report: Pick<DatasetReport, 'classes' | 'interface' | 'multiLabel'>): ModelClassesProblem | null {
  const given = report.classes.map((c) => c.name);
  if (given.length === wanted.length && given.every((name, i) => name === wanted[i])) return null;
  const list = (names: string[]) => `${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`;
  const unknown = given.filter((name) => !wanted.includes(name));
  const missing = wanted.filter((name) => !given.includes(name));
  const oneHot = report.interface === 'csv' && report.multiLabel;
  const header = `SAMPLE,${wanted.join(',')}`;
  const known = wanted.join(', ');
  const localized = (message: Message, action: Message): ModelClassesProblem => ({ message: text(message), action: text(action), i18n: { message, action } });
  if (unknown.length > 0) {
    return localized(msg('dataset:modelClasses.unknown.message', { count: unknown.length, names: list(unknown), known }), msg('dataset:modelClasses.unknown.action'));
  }
  if (missing.length > 0) {
    const count = missing.length;
    const names = list(missing);
    return localized(
      msg('dataset:modelClasses.missing.message', { count, name: missing[0]!, names, known }),
      report.interface === 'directory'
        ? msg('dataset:modelClasses.missing.actionFolder', { count, names, header })
        : oneHot
          ? msg('dataset:modelClasses.missing.actionOneHot', { count, names })
          : msg('dataset:modelClasses.missing.actionSingleLabel', { header }),
    );
  }
  return localized(
    msg('dataset:modelClasses.order.message', { given: given.join(', '), known }),
    oneHot ? msg('dataset:modelClasses.order.actionOneHot', { header }) : msg('dataset:modelClasses.order.action', { header }),
  );
}
