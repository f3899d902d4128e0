import { describe, expect, it } from 'vitest';
import { compareNames } from '../../../src/dataset/problems';
import { pandasChanges, pandasColumn, pandasSortedClasses } from '../../../src/dataset/pandas';

describe("pandas' reading of a CSV column, as AUCMEDI meets it", () => {
  it('types a column as pandas does: all whole numbers, all numbers, all True/False, else text', () => {
    expect(pandasColumn(['1', '2', '10']).kind).toBe('integer');
    expect(pandasColumn(['01', '-3', '+4']).kind).toBe('integer');
    expect(pandasColumn(['1', '2.5']).kind).toBe('float');
    expect(pandasColumn(['1e3', '.5', 'inf']).kind).toBe('float');
    expect(pandasColumn(['1', 'NA']).kind).toBe('float'); // NaN turns an int column into floats
    expect(pandasColumn(['True', 'false']).kind).toBe('boolean');
    expect(pandasColumn(['1', 'a']).kind).toBe('text');
    expect(pandasColumn(['benign', 'null']).missing).toEqual(['null']);
  });

  it('says which names would not come back as written', () => {
    expect(pandasChanges(['benign', 'malignant'])).toBeNull();
    expect(pandasChanges(['1', '2', '10'])).toBeNull();
    expect(pandasChanges(['01', '02'])).toEqual({ reason: 'number', examples: ['01', '02'] });
    expect(pandasChanges(['1.5', '2'])).toMatchObject({ reason: 'number' });
    expect(pandasChanges(['True', 'False'])).toMatchObject({ reason: 'boolean' });
    expect(pandasChanges(['benign', 'NA'])).toEqual({ reason: 'missing', examples: ['NA'] });
    // one name with a letter keeps the whole column text: 01 stays 01
    expect(pandasChanges(['01', 'x'])).toBeNull();
  });

  it("orders classes as np.unique of the parsed column: whole numbers by value, text by code point", () => {
    expect(pandasSortedClasses(['10', '2', '1'], compareNames)).toEqual(['1', '2', '10']);
    expect(pandasSortedClasses(['b', 'B', 'a', '10', '2'], compareNames)).toEqual(['10', '2', 'B', 'a', 'b']);
    expect(pandasSortedClasses(['-1', '3', '0'], compareNames)).toEqual(['-1', '0', '3']);
  });
});
