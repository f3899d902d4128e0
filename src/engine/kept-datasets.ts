/**
 * The images kept on a server for the next run on the same data (staged runs, src/runs/step-mounts.ts):
 * one volume per dataset fingerprint and list of images, labelled with the folder they came from. The
 * Setup page and `engine datasets NAME` list them; removing one deletes the images from the server.
 */
import type Docker from 'dockerode';
import type { KeptDataset } from '../api/types';
import { localizedException } from '../api/errors';
import { msg } from '../i18n/message';
import { APP_LABEL } from './containers';
import { STAGE_LABEL } from './staging';

export const KEPT_DATASET_PREFIX = 'aucmedi-desk-data-';
export const KEPT_FOLDER_LABEL = 'org.aucmedi-desk.dataset-folder';
export const KEPT_FINGERPRINT_LABEL = 'org.aucmedi-desk.dataset-fingerprint';

export async function listKeptDatasets(docker: Docker): Promise<KeptDataset[]> {
  const { Volumes } = await docker.listVolumes({ filters: { label: [APP_LABEL, `${STAGE_LABEL}=dataset`] } });
  return (Volumes ?? [])
    .filter((volume) => volume.Name.startsWith(KEPT_DATASET_PREFIX))
    .map((volume) => ({
      volume: volume.Name,
      folder: volume.Labels?.[KEPT_FOLDER_LABEL] ?? '',
      fingerprint: volume.Labels?.[KEPT_FINGERPRINT_LABEL] || null,
      createdAt: (volume as { CreatedAt?: string }).CreatedAt ?? null,
    }))
    .sort((a, b) => a.folder.localeCompare(b.folder));
}

/**
 * Removes a kept dataset from the server and returns those left; one a run uses now is refused with
 * a sentence, one already gone is fine.
 */
export async function removeKeptDataset(docker: Docker, volume: string): Promise<KeptDataset[]> {
  const kept = await listKeptDatasets(docker);
  const left = kept.filter((entry) => entry.volume !== volume);
  if (left.length === kept.length) return kept;
  await docker
    .getVolume(volume)
    .remove()
    .catch((error: { statusCode?: number; message?: string }) => {
      if (error.statusCode === 404) return;
      if (error.statusCode === 409) throw localizedException('RUN_ACTIVE', msg('remote:kept.inUse', { volume }), msg('remote:kept.inUseAction'), error.message);
      throw error;
    });
  return left;
}
