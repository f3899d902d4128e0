import { describe, expect, it } from 'vitest';
import { learningCurvesCsv } from '../../../src/runs/curves-csv';

describe('learning curves as CSV', () => {
  it('writes one row per epoch of each model, every metric in the order Keras printed it, gaps empty', () => {
    const csv = learningCurvesCsv([
      { epoch: 1, model: 0, phase: 'frozen', seconds: 21, metrics: { loss: 0.7, auc: 0.6, val_loss: 0.65 } },
      { epoch: 2, model: 0, phase: 'frozen', seconds: null, metrics: { loss: null, auc: 0.7, val_loss: 0.6, lr: 1e-4 } },
      { epoch: 1, model: 1, phase: 'frozen', seconds: 20, metrics: { loss: 0.8 } },
    ]);
    expect(csv).toBe(['model,epoch,phase,seconds,loss,auc,val_loss,lr', '0,1,frozen,21,0.7,0.6,0.65,', '0,2,frozen,,,0.7,0.6,0.0001', '1,1,frozen,20,0.8,,,', ''].join('\n'));
  });

  it('guards a metric name a spreadsheet would run as a formula', () => {
    expect(learningCurvesCsv([{ epoch: 1, model: 0, phase: 'frozen', seconds: 1, metrics: { '=cmd': 1 } }]).split('\n')[0]).toBe(`model,epoch,phase,seconds,"'=cmd"`);
  });
});
