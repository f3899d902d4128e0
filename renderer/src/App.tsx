import { DatasetPage } from './pages/DatasetPage';
import { NotYetPage } from './pages/NotYetPage';
import { SetupPage } from './pages/SetupPage';
import { useAppStore } from './store';
import { PAGES } from './store/navigation';

export function App() {
  const page = useAppStore((s) => s.page);
  const goTo = useAppStore((s) => s.goTo);
  const engineOk = useAppStore((s) => s.engineStatus?.ok);
  const current = PAGES.find((p) => p.id === page)!;

  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          AUCMEDI <span>Desk</span>
        </div>
        <ul>
          {PAGES.map((p) => (
            <li key={p.id}>
              <button
                type="button"
                className={p.id === page ? 'nav-item active' : 'nav-item'}
                aria-current={p.id === page ? 'page' : undefined}
                onClick={() => goTo(p.id)}
                data-testid={`nav-${p.id}`}
              >
                {p.label}
                {p.id === 'setup' && engineOk === false && <span className="dot" aria-label="needs attention" />}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main className="content" data-testid={`page-${page}`}>
        {page === 'setup' ? <SetupPage /> : page === 'dataset' ? <DatasetPage /> : <NotYetPage title={current.label} />}
      </main>
    </div>
  );
}
