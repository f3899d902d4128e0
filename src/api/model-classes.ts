/**
 * Whether a labelled set fits a model for evaluation; shared by the core (before a start) and the
 * Evaluate page (as soon as both are chosen). Pure: no Node, no DOM.
 */
import type { DatasetReport } from './dataset';

/**
 * Why a labelled set cannot score a model, or null when it can: it must have exactly the model's
 * classes, in the model's order. AUCMEDI's evaluation merges the predictions with the labels and then
 * cuts the table by position, not by class name: any other set of classes scores the wrong columns
 * against each other, or fails. A class the set has no images of can only be given as an all-0 column
 * of a one-hot annotation file: an empty class folder gets no label column in AUCMEDI
 * (io_directory.py, `pd.get_dummies`) and its evaluation fails.
 */
export function modelClassesProblem(wanted: readonly string[], report: Pick<DatasetReport, 'classes' | 'interface' | 'multiLabel'>): { message: string; action: string } | null {
  const given = report.classes.map((c) => c.name);
  if (given.length === wanted.length && given.every((name, i) => name === wanted[i])) return null;
  const list = (names: string[]) => `${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`;
  const unknown = given.filter((name) => !wanted.includes(name));
  const missing = wanted.filter((name) => !given.includes(name));
  const oneHot = report.interface === 'csv' && report.multiLabel;
  const oneHotHeader = `SAMPLE,${wanted.join(',')}`;
  if (unknown.length > 0) {
    return {
      message: `The labelled set has ${unknown.length === 1 ? 'a class' : 'classes'} the model does not know: ${list(unknown)}. The model knows ${wanted.join(', ')}.`,
      action: "Rename the class folders (or CSV classes) to the model's class names, or choose the model trained for these classes.",
    };
  }
  if (missing.length > 0) {
    const them = missing.length === 1 ? `"${missing[0]}"` : `${missing.length} classes (${list(missing)})`;
    return {
      message: `The labelled set lacks ${missing.length === 1 ? 'the class' : 'the'} ${them} of the model (${wanted.join(', ')}): AUCMEDI scores a model only against labels with all of its classes.`,
      action:
        report.interface === 'directory'
          ? `If the set has images of ${list(missing)}, put them in ${missing.length === 1 ? 'a class folder of that name' : 'class folders of those names'}. Otherwise give the set as one folder of all its images with a one-hot annotation file, header ${oneHotHeader}, 1 under each image's class and all 0 in the ${missing.length === 1 ? 'column' : 'columns'} of ${list(missing)} (AUCMEDI's evaluation fails on an empty class folder).`
          : oneHot
            ? `Add ${missing.length === 1 ? 'a column' : 'columns'} for ${list(missing)} to the annotation file (all 0 if the set has no such images).`
            : `A SAMPLE,CLASS file names only the classes it uses: write the labels one-hot instead, with the header ${oneHotHeader}.`,
    };
  }
  return {
    message: `The labelled set has the model's classes, but in another order (${given.join(', ')}) than the model (${wanted.join(', ')}): AUCMEDI would compare them by position.`,
    action: oneHot
      ? `Put the annotation file's class columns in the model's order: ${oneHotHeader}.`
      : `This model keeps its classes in the order of its one-hot training file: give the labels as a one-hot annotation file with the header ${oneHotHeader}.`,
  };
}
