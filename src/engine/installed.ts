import { access } from 'node:fs/promises';
import path from 'node:path';

/** Places where a Docker engine (or Docker Desktop) is installed, per platform. */
export function installLocations(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  if (platform === 'win32') {
    const programFiles = env.ProgramFiles || 'C:\\Program Files';
    return [path.win32.join(programFiles, 'Docker', 'Docker', 'Docker Desktop.exe'), path.win32.join(programFiles, 'Docker', 'Docker', 'resources', 'dockerd.exe')];
  }
  if (platform === 'darwin') return ['/Applications/Docker.app', '/usr/local/bin/dockerd', '/opt/homebrew/bin/dockerd'];
  const pathDirs = (env.PATH || '').split(':').filter(Boolean);
  const dirs = [...new Set([...pathDirs, '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin'])];
  return [...dirs.map((dir) => path.posix.join(dir, 'dockerd')), '/opt/docker-desktop/bin/com.docker.backend'];
}

export async function isEngineInstalled(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): Promise<boolean> {
  for (const location of installLocations(platform, env)) {
    try {
      await access(location);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}
