// The image a container needs, by pull policy: force_pull_image → always pull;
// otherwise a local image is used as it is and only a missing one is pulled.
// A failed pull (no registry reachable, unknown image) is a launch failure
// naming the image and Docker's cause.

import type { Logger } from '@tessera/common';
import type Docker from 'dockerode';

import { ContainerLaunchError } from '../containerizer.js';

export async function ensureImage(docker: Docker, image: string, forcePull: boolean, logger: Logger): Promise<void> {
  if (!forcePull && (await isLocal(docker, image))) return;
  logger.info({ image, forcePull }, forcePull ? 'pulling image (force_pull_image)' : 'pulling image (not present locally)');
  try {
    const progress = await docker.pull(image);
    // The pull is done when its progress stream ends; an error may come as a progress message.
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(progress, (err: Error | null, events: Array<{ error?: string }>) => {
        const failed = err ?? events.find((e) => e.error);
        if (failed) reject(new Error(failed instanceof Error ? failed.message : String(failed.error)));
        else resolve();
      });
    });
  } catch (err) {
    const cause = err instanceof Error ? err.message : String(err);
    throw new ContainerLaunchError(`cannot pull image '${image}': ${cause.trim()}`);
  }
}

async function isLocal(docker: Docker, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw new ContainerLaunchError(`cannot inspect image '${image}': ${(err as Error).message}`);
  }
}
