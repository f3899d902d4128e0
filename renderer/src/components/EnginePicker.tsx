import { useEffect } from 'react';
import type { EngineListItem } from '../../../src/api';
import { useT } from '../i18n';
import { useAppStore } from '../store';
import { LOCAL_ENGINE } from '../store/placement';
import { Problem } from './Problem';

/** An engine as the choice lists it: this computer's, or a server by its name and how it is reached. */
function optionText(t: ReturnType<typeof useT>, item: EngineListItem): string {
  if (item.kind === 'local') return t('placement:engine.local');
  return item.kind === 'ssh' ? t('placement:engine.optionSsh', { name: item.name }) : t('placement:engine.optionTls', { name: item.name });
}

/**
 * "Where to run" on the Train, Predict and Evaluate pages: this computer's engine or a server added
 * on the Setup page (engines:list, the same list as the Setup page's engine card). Choosing one
 * detects its GPUs, so the processor choice below lists that engine's. A server that cannot see
 * this computer's files says that the data will be uploaded to it. `prefix` names the test ids.
 */
export function EnginePicker({ prefix }: { prefix: string }) {
  const t = useT();
  const list = useAppStore((s) => s.enginesList);
  const listError = useAppStore((s) => s.enginesListError);
  const chosen = useAppStore((s) => s.runEngine);
  const state = useAppStore((s) => s.enginesByName[s.runEngine]);
  const { loadEngines, chooseRunEngine } = useAppStore.getState();

  useEffect(() => {
    if (!useAppStore.getState().enginesList) void loadEngines();
  }, [loadEngines]);
  // A server removed on the Setup page since it was chosen: back to this computer.
  useEffect(() => {
    if (list && !list.some((item) => item.name === chosen)) chooseRunEngine(LOCAL_ENGINE);
  }, [list, chosen, chooseRunEngine]);

  const items = list ?? [];
  const status = state?.status ?? null;
  const remote = chosen !== LOCAL_ENGINE;
  return (
    <div className="field" data-testid={`${prefix}-engine-field`}>
      <label htmlFor={`${prefix}-engine`}>{t('placement:engine.label')}</label>
      <select id={`${prefix}-engine`} value={chosen} onChange={(event) => chooseRunEngine(event.target.value)} disabled={!list} data-testid={`${prefix}-engine`}>
        {!list && <option value={chosen}>{chosen === LOCAL_ENGINE ? t('placement:engine.local') : chosen}</option>}
        {items.map((item) => (
          <option key={item.name} value={item.name}>
            {optionText(t, item)}
          </option>
        ))}
      </select>
      {listError && <Problem error={listError} testId={`${prefix}-engine-error`} />}
      {!remote && items.length <= 1 && list && <p className="muted small">{t('placement:engine.onlyLocal')}</p>}
      {remote && state?.checking && !status && <p className="muted small">{t('placement:engine.checking', { name: chosen })}</p>}
      {remote && status && !status.ok && <Problem error={status} testId={`${prefix}-engine-problem`} />}
      {remote && status?.ok && (
        <p className="small" data-testid={`${prefix}-engine-files`} data-files={status.files ?? 'unknown'}>
          {status.files === 'own-files'
            ? t('placement:engine.uploads', { name: chosen })
            : status.files === 'sees-files'
              ? t('placement:engine.seesFiles', { name: chosen })
              : t('placement:engine.filesUnknown', { name: chosen })}
        </p>
      )}
    </div>
  );
}
