import { useEffect } from 'react';
import { useT } from '../i18n';
import { useAppStore } from '../store';
import { AboutCard } from './AboutCard';
import { BundleCard } from './BundleCard';
import { EndpointCard } from './EndpointCard';
import { EngineCard } from './EngineCard';
import { EnginesCard } from './EnginesCard';
import { GpuCard } from './GpuCard';
import { ImagesCard } from './ImagesCard';
import { LanguageCard } from './LanguageCard';
import { SupportCard } from './SupportCard';
import { WeightsCard } from './WeightsCard';

export function SetupPage() {
  const t = useT();
  const engineOk = useAppStore((s) => s.engineStatus?.ok ?? false);
  const engineVersion = useAppStore((s) => s.engineStatus?.info?.version);
  const imageRef = useAppStore((s) => s.settings?.imageRef);
  const listImages = useAppStore((s) => s.listImages);
  const detectGpus = useAppStore((s) => s.detectGpus);
  useEffect(() => {
    if (engineOk) void listImages();
  }, [engineOk, engineVersion, imageRef, listImages]);
  useEffect(() => {
    if (engineOk) void detectGpus();
  }, [engineOk, engineVersion, imageRef, detectGpus]);

  return (
    <>
      <header className="page-header">
        <h1>{t('setup:page.title')}</h1>
        <p className="muted">{t('setup:page.intro')}</p>
      </header>
      <BundleCard />
      <EngineCard />
      {engineOk && <ImagesCard />}
      <WeightsCard />
      {engineOk && <GpuCard />}
      <EndpointCard />
      <EnginesCard />
      <LanguageCard />
      <SupportCard />
      <AboutCard />
    </>
  );
}
