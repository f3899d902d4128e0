import { useEffect, useId, useState, type FormEvent } from 'react';
import { Trans } from 'react-i18next';
import type { EngineListItem, EngineStatus, PresentedHostKey } from '../../../src/api';
import type { KeptDataset, PathMapping } from '../../../src/api/types';
import { Problem } from '../components/Problem';
import { useErrorText, useFormat, useT } from '../i18n';
import { useAppStore } from '../store';
import { EMPTY_ENGINE_STATE, type NamedEngineState } from '../store/engines';

const NOT_YET = EMPTY_ENGINE_STATE;

/**
 * Every engine the app can run on: this computer's, and the servers the user added (issue 15).
 * Each with its diagnosis, whether it sees this computer's files, and, for an SSH server whose
 * host key is not trusted yet, the fingerprint to compare with what IT reads on the server.
 */
export function EnginesCard() {
  const t = useT();
  const list = useAppStore((s) => s.enginesList);
  const listError = useAppStore((s) => s.enginesListError);
  const removeError = useAppStore((s) => s.engineRemoveError);
  const loadEngines = useAppStore((s) => s.loadEngines);
  useEffect(() => {
    void loadEngines();
  }, [loadEngines]);

  return (
    <section className="card" aria-labelledby="engines-heading" data-testid="engines-card">
      <header className="card-header">
        <h2 id="engines-heading">{t('enginesCard:title')}</h2>
      </header>
      <p className="muted">{t('enginesCard:intro')}</p>
      {listError && <Problem error={listError} testId="engines-list-error" />}
      {!list && !listError && <p className="muted">{t('enginesCard:loading')}</p>}
      {list && (
        <ul className="engine-list">
          {list.map((item) => (
            <EngineRow key={item.name} item={item} />
          ))}
        </ul>
      )}
      {removeError && <Problem error={removeError} testId="engine-remove-error" />}
      <DockerContexts />
      <AddEngineForm />
    </section>
  );
}

function EngineRow({ item }: { item: EngineListItem }) {
  const t = useT();
  const own = useAppStore((s) => s.enginesByName[item.name]) ?? NOT_YET;
  const live = useAppStore((s) => s.engineStatus);
  const diagnose = useAppStore((s) => s.diagnoseNamedEngine);
  const removeEngine = useAppStore((s) => s.removeEngine);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const headingId = useId();

  // This computer's engine is watched by the core (its events keep engineStatus current): the newer of
  // the two wins, and whether it sees this computer's files comes from this card's own diagnosis.
  const status: EngineStatus | null =
    item.kind === 'local' && live && (!own.status || live.checkedAt >= own.status.checkedAt) ? { ...live, files: live.ok ? own.status?.files : undefined } : own.status;
  const stateText = own.checking ? t('enginesCard:state.checking') : status ? t(`enginesCard:state.${status.code}`) : t('enginesCard:state.notChecked');
  const badge = !status || own.checking ? '' : status.ok ? 'badge-ok' : status.code === 'ENGINE_HOST_KEY_UNKNOWN' ? 'badge-warn' : 'badge-bad';

  return (
    <li className="engine-row" data-testid="engine-row" data-engine-name={item.name} aria-labelledby={headingId}>
      <div className="engine-row-head">
        <div className="engine-row-title">
          <h3 id={headingId} className="engine-name">
            {item.name}
          </h3>
          <span className="tag">{t(`enginesCard:kind.${item.kind}`)}</span>
        </div>
        <span className={`badge ${badge}`} role="status" aria-live="polite" data-testid="engine-row-state">
          {stateText}
        </span>
      </div>
      <dl className="facts engine-facts">
        <dt>{t('enginesCard:address')}</dt>
        <dd>
          <code data-testid="engine-row-url">{item.url || '–'}</code>
        </dd>
        {status?.info && (
          <>
            <dt>{t('enginesCard:version')}</dt>
            <dd data-testid="engine-row-version">{status.info.version}</dd>
          </>
        )}
        {status?.ok && (
          <>
            <dt>{t('enginesCard:files.label')}</dt>
            <dd data-testid="engine-row-files" data-files={status.files ?? 'unknown'}>
              {t(`enginesCard:files.${status.files ?? 'unknown'}`)}
            </dd>
          </>
        )}
      </dl>
      {status && !status.ok && !status.hostKey && <Problem error={status} testId="engine-row-problem" />}
      {status && !status.ok && status.hostKey && <HostKeyCheck name={item.name} status={status} hostKey={status.hostKey} state={own} />}
      {own.error && <Problem error={own.error} testId="engine-row-error" />}
      {item.kind !== 'local' && item.entry && <SharedFolders name={item.name} mappings={item.entry.pathMappings ?? []} />}
      {own.kept && <KeptDatasets name={item.name} kept={own.kept} />}
      {own.keptError && <Problem error={own.keptError} testId="engine-kept-error" />}
      <div className="row-actions engine-row-actions">
        {confirmRemove ? (
          <div className="confirm engine-remove-confirm" role="alertdialog" aria-label={t('enginesCard:removeQuestion', { name: item.name })}>
            <span>{t('enginesCard:removeQuestion', { name: item.name })}</span>
            <button type="button" className="danger" onClick={() => void removeEngine(item.name)} data-testid="engine-remove-confirm">
              {t('enginesCard:remove')}
            </button>
            <button type="button" className="secondary" onClick={() => setConfirmRemove(false)} data-testid="engine-remove-keep">
              {t('enginesCard:keep')}
            </button>
          </div>
        ) : (
          <>
            <button type="button" onClick={() => void diagnose(item.name)} disabled={own.checking} data-testid="engine-recheck">
              {own.checking ? t('enginesCard:state.checking') : t('enginesCard:recheck')}
            </button>
            {item.kind !== 'local' && (
              <button type="button" className="secondary" onClick={() => setConfirmRemove(true)} data-testid="engine-remove">
                {t('enginesCard:remove')}
              </button>
            )}
          </>
        )}
      </div>
    </li>
  );
}

/**
 * The server's host key, to be compared with what IT reads on the server. The user accepts it only by
 * typing (or pasting) the fingerprint IT gave: the field is never filled in, and the core compares what
 * was typed with the key the server presents at that moment.
 */
function HostKeyCheck({ name, status, hostKey, state }: { name: string; status: EngineStatus; hostKey: PresentedHostKey; state: NamedEngineState }) {
  const t = useT();
  const errorText = useErrorText();
  const trust = useAppStore((s) => s.trustEngineHostKey);
  const [typed, setTyped] = useState('');
  const inputId = useId();
  const changed = status.code === 'ENGINE_HOST_KEY_CHANGED';

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (await trust(name, typed.trim())) setTyped('');
  };

  // The core's sentence says what the server presents (and, for a changed key, the warning); the
  // fingerprint stands out below it, then how to compare it and the field to restate it.
  return (
    <div className={changed ? 'host-key host-key-changed' : 'host-key'} role={changed ? 'alert' : 'status'} data-testid="engine-host-key" data-host={hostKey.hostName}>
      <p className="host-key-title" data-testid="engine-row-problem">
        {errorText(status).message}
      </p>
      <p className="host-key-fingerprint">
        <code data-testid="engine-host-key-fingerprint">{hostKey.fingerprint}</code>
      </p>
      <p className="small">
        <Trans t={t} i18nKey="enginesCard:hostKey.compare" components={{ code: <code /> }} />
      </p>
      {changed && <p className="small">{t('enginesCard:hostKey.changedAdvice')}</p>}
      <form className="host-key-form" onSubmit={(event) => void onSubmit(event)}>
        <label htmlFor={inputId} className="field-label">
          {t('enginesCard:hostKey.inputLabel')}
        </label>
        <div className="inline-form">
          <input
            id={inputId}
            data-testid="engine-trust-input"
            value={typed}
            placeholder={t('enginesCard:hostKey.placeholder')}
            autoComplete="off"
            spellCheck={false}
            onChange={(event) => setTyped(event.target.value)}
          />
          <button type="submit" disabled={state.trusting || typed.trim() === ''} data-testid="engine-trust-submit">
            {state.trusting ? t('enginesCard:hostKey.accepting') : t('enginesCard:hostKey.submit')}
          </button>
        </div>
      </form>
      {state.trustError && <Problem error={state.trustError} testId="engine-trust-error" />}
      {status.detail && (
        <details className="small muted">
          <summary>{t('common:problem.detailsForIt')}</summary>
          <code>{status.detail}</code>
        </details>
      )}
    </div>
  );
}

/** A path typed or chosen with the file dialog. */
function FileField({ label, value, onChange, testId, hint }: { label: string; value: string; onChange(value: string): void; testId: string; hint?: string }) {
  const t = useT();
  const pick = useAppStore((s) => s.pickEngineFile);
  const inputId = useId();
  return (
    <div className="field">
      <label htmlFor={inputId}>{label}</label>
      <div className="file-field">
        <input id={inputId} data-testid={testId} value={value} placeholder={t('enginesCard:add.filePlaceholder')} spellCheck={false} onChange={(event) => onChange(event.target.value)} />
        <button
          type="button"
          className="secondary"
          onClick={() =>
            void pick().then((file) => {
              if (file) onChange(file);
            })
          }
          data-testid={`${testId}-choose`}
        >
          {t('enginesCard:add.choose')}
        </button>
      </div>
      {hint && <p className="muted small">{hint}</p>}
    </div>
  );
}

/** The docker CLI's contexts that can be added and are not yet (by address), each with its Import button. */
function DockerContexts() {
  const t = useT();
  const contexts = useAppStore((s) => s.dockerContexts);
  const list = useAppStore((s) => s.enginesList);
  const adding = useAppStore((s) => s.engineAdding);
  const addEngine = useAppStore((s) => s.addEngine);
  const added = new Set((list ?? []).map((item) => item.url));
  const offered = contexts.filter((found) => found.entry && !added.has(found.url));
  if (offered.length === 0) return null;
  return (
    <div className="engine-contexts" data-testid="engine-contexts">
      <h3>{t('enginesCard:contexts.title')}</h3>
      <p className="muted small">{t('enginesCard:contexts.intro')}</p>
      <ul>
        {offered.map((found) => (
          <li key={found.context} data-testid="engine-context" data-context={found.context}>
            <strong>{found.context}</strong> <code>{found.url}</code>{' '}
            <button type="button" className="secondary" disabled={adding} onClick={() => void addEngine(found.entry!)} data-testid="engine-context-import">
              {t('enginesCard:contexts.import')}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function AddEngineForm() {
  const t = useT();
  const adding = useAppStore((s) => s.engineAdding);
  const error = useAppStore((s) => s.engineAddError);
  const addEngine = useAppStore((s) => s.addEngine);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [ca, setCa] = useState('');
  const [cert, setCert] = useState('');
  const [key, setKey] = useState('');
  const [identity, setIdentity] = useState('');
  const nameId = useId();
  const urlId = useId();

  const address = url.trim();
  const scheme = address.startsWith('tcp://') ? 'tcp' : address.startsWith('ssh://') ? 'ssh' : null;
  const tlsComplete = [ca, cert, key].every((file) => file.trim() !== '');
  const ready = name.trim() !== '' && scheme !== null && (scheme !== 'tcp' || tlsComplete) && !adding;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (!ready) return;
    const added = await addEngine({
      name: name.trim(),
      url: address,
      tls: scheme === 'tcp' ? { ca: ca.trim(), cert: cert.trim(), key: key.trim() } : null,
      identityFile: scheme === 'ssh' && identity.trim() ? identity.trim() : null,
    });
    if (added) {
      for (const clear of [setName, setUrl, setCa, setCert, setKey, setIdentity]) clear('');
    }
  };

  return (
    <form className="engine-add" onSubmit={(event) => void onSubmit(event)} aria-labelledby="engine-add-heading" data-testid="engine-add">
      <h3 id="engine-add-heading">{t('enginesCard:add.title')}</h3>
      <p className="muted small">{t('enginesCard:add.intro')}</p>
      <div className="fields">
        <div className="field">
          <label htmlFor={nameId}>{t('enginesCard:add.name')}</label>
          <input id={nameId} data-testid="engine-add-name" value={name} placeholder={t('enginesCard:add.namePlaceholder')} spellCheck={false} autoComplete="off" onChange={(event) => setName(event.target.value)} />
          <p className="muted small">{t('enginesCard:add.nameHint')}</p>
        </div>
        <div className="field">
          <label htmlFor={urlId}>{t('enginesCard:add.url')}</label>
          <input id={urlId} data-testid="engine-add-url" value={url} placeholder={t('enginesCard:add.urlPlaceholder')} spellCheck={false} autoComplete="off" onChange={(event) => setUrl(event.target.value)} />
          <p className="muted small">{t('enginesCard:add.urlHint')}</p>
        </div>
      </div>
      {scheme === 'tcp' && (
        <div className="fields" data-testid="engine-add-tls">
          <FileField label={t('enginesCard:add.ca')} value={ca} onChange={setCa} testId="engine-add-ca" />
          <FileField label={t('enginesCard:add.cert')} value={cert} onChange={setCert} testId="engine-add-cert" />
          <FileField label={t('enginesCard:add.key')} value={key} onChange={setKey} testId="engine-add-key" />
        </div>
      )}
      {scheme === 'ssh' && <FileField label={t('enginesCard:add.identity')} value={identity} onChange={setIdentity} testId="engine-add-identity" hint={t('enginesCard:add.identityHint')} />}
      {address !== '' && scheme === null && <p className="muted small" data-testid="engine-add-hint">{t('enginesCard:add.needScheme')}</p>}
      {scheme === 'tcp' && !tlsComplete && <p className="muted small" data-testid="engine-add-hint">{t('enginesCard:add.needTls')}</p>}
      <div className="actions">
        <button type="submit" disabled={!ready} data-testid="engine-add-submit">
          {adding ? t('enginesCard:add.adding') : t('enginesCard:add.submit')}
        </button>
      </div>
      {error && <Problem error={error} testId="engine-add-error" />}
    </form>
  );
}

/** The images kept on a server for later runs on the same data, each removable (they are sent again when needed). */
function KeptDatasets({ name, kept }: { name: string; kept: KeptDataset[] }) {
  const t = useT();
  const format = useFormat();
  const remove = useAppStore((s) => s.removeKeptDataset);
  return (
    <div className="engine-kept" data-testid="engine-kept">
      <p className="small">{kept.length ? t('enginesCard:kept.intro', { count: kept.length }) : t('enginesCard:kept.none')}</p>
      {kept.length > 0 && (
        <ul className="plain-list">
          {kept.map((entry) => (
            <li key={entry.volume} data-testid="engine-kept-item" data-volume={entry.volume}>
              <code>{entry.folder || entry.volume}</code>
              {entry.createdAt && <span className="muted small"> · {t('enginesCard:kept.since', { when: format.dateTime(entry.createdAt) })}</span>}{' '}
              <button type="button" className="secondary small" onClick={() => void remove(name, entry.volume)} data-testid="engine-kept-remove">
                {t('enginesCard:kept.remove')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Folders shared with the server (IT mounts the same share on both): runs on them use the files in place. */
function SharedFolders({ name, mappings }: { name: string; mappings: PathMapping[] }) {
  const t = useT();
  const setShared = useAppStore((s) => s.setSharedFolders);
  const pick = useAppStore((s) => s.pickSharedFolder);
  const [local, setLocal] = useState('');
  const [remote, setRemote] = useState('');
  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (await setShared(name, [...mappings.filter((mapping) => mapping.local !== local), { local, remote }])) {
      setLocal('');
      setRemote('');
    }
  };
  return (
    <div className="engine-shared" data-testid="engine-shared">
      <p className="small muted">{t('enginesCard:shared.intro')}</p>
      {mappings.length > 0 && (
        <ul className="plain-list">
          {mappings.map((mapping) => (
            <li key={mapping.local} data-testid="engine-shared-item" data-local={mapping.local}>
              {t('enginesCard:shared.item', { local: mapping.local, remote: mapping.remote })}{' '}
              <button type="button" className="secondary small" onClick={() => void setShared(name, mappings.filter((other) => other.local !== mapping.local))} data-testid="engine-shared-remove">
                {t('enginesCard:shared.remove')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="row-actions" onSubmit={(event) => void add(event)}>
        <button type="button" className="secondary" onClick={() => void pick().then((chosen) => chosen && setLocal(chosen))} data-testid="engine-shared-choose">
          {local ? local : t('enginesCard:shared.choose')}
        </button>
        <input aria-label={t('enginesCard:shared.remoteLabel')} placeholder={t('enginesCard:shared.remotePlaceholder')} value={remote} onChange={(event) => setRemote(event.target.value)} data-testid="engine-shared-remote" />
        <button type="submit" disabled={!local || !remote.startsWith('/')} data-testid="engine-shared-add">
          {t('enginesCard:shared.add')}
        </button>
      </form>
    </div>
  );
}
