import { EndpointCard } from './EndpointCard';
import { EngineCard } from './EngineCard';

export function SetupPage() {
  return (
    <>
      <header className="page-header">
        <h1>Setup</h1>
        <p className="muted">Check that this workstation is ready to run AUCMEDI.</p>
      </header>
      <EngineCard />
      <EndpointCard />
    </>
  );
}
