import { DatasetPage } from './pages/DatasetPage';
import { EvaluatePage } from './pages/EvaluatePage';
import { PredictPage } from './pages/PredictPage';
import { RunPage } from './pages/RunPage';
import { RunsPage } from './pages/RunsPage';
import { SetupPage } from './pages/SetupPage';
import { TrainPage } from './pages/TrainPage';
import { useT } from './i18n';
import { useAppStore } from './store';
import { PAGES, type PageId } from './store/navigation';

/** The product's name, not translated. */
const BRAND = ['AUCMEDI', 'Desk'] as const;

function Page({ page }: { page: PageId }) {
  switch (page) {
    case 'setup':
      return <SetupPage />;
    case 'dataset':
      return <DatasetPage />;
    case 'train':
      return <TrainPage />;
    case 'runs':
      return <RunsPage />;
    case 'run':
      return <RunPage />;
    case 'predict':
      return <PredictPage />;
    case 'evaluate':
      return <EvaluatePage />;
  }
}

export function App() {
  const page = useAppStore((s) => s.page);
  const goTo = useAppStore((s) => s.goTo);
  const engineOk = useAppStore((s) => s.engineStatus?.ok);
  const t = useT();
  /** The run page belongs to Runs in the sidebar. */
  const section = page === 'run' ? 'runs' : page;

  return (
    <div className="shell">
      <nav className="sidebar" aria-label={t('common:nav.label')}>
        <div className="brand">
          {BRAND[0]} <span>{BRAND[1]}</span>
        </div>
        <ul>
          {PAGES.map((p) => (
            <li key={p.id}>
              <button
                type="button"
                className={p.id === section ? 'nav-item active' : 'nav-item'}
                aria-current={p.id === page ? 'page' : undefined}
                onClick={() => goTo(p.id)}
                data-testid={`nav-${p.id}`}
              >
                {t(`common:nav.${p.id}`)}
                {p.id === 'setup' && engineOk === false && <span className="dot" aria-label={t('common:nav.needsAttention')} />}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main className="content" data-testid={`page-${page}`}>
        <Page page={page} />
      </main>
    </div>
  );
}
