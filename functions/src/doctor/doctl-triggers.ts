/**
 * The scheduled triggers of the connected functions namespace, as `doctl serverless triggers
 * list -o json` prints them (doctl's do.ServerlessTrigger: name, function, is_enabled,
 * scheduled_details.cron, scheduled_runs.last_run_at). doctl holds the DigitalOcean token; this
 * only runs it, with nothing of ours on its command line.
 */
import { execFile } from 'node:child_process';
import type { DeployedTrigger } from './functions-checks.ts';

interface DoctlTrigger {
  name?: string;
  function?: string;
  is_enabled?: boolean;
  scheduled_details?: { cron?: string };
  scheduled_runs?: { last_run_at?: string };
}

export function doctlTriggers(doctl = 'doctl', timeoutMs = 30_000): () => Promise<DeployedTrigger[]> {
  return () =>
    new Promise((resolve, reject) => {
      execFile(
        doctl,
        ['serverless', 'triggers', 'list', '-o', 'json'],
        { timeout: timeoutMs },
        (error, stdout, stderr) => {
          if (error) {
            const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
            reject(
              new Error(
                missing
                  ? 'doctl is not installed here'
                  : `doctl failed: ${(stderr || error.message).trim().split('\n')[0]}`,
              ),
            );
            return;
          }
          try {
            const listed = (JSON.parse(stdout || '[]') ?? []) as DoctlTrigger[];
            resolve(
              listed.map((trigger) => ({
                name: trigger.name ?? '',
                function: trigger.function ?? '',
                enabled: trigger.is_enabled === true,
                ...(trigger.scheduled_details?.cron ? { cron: trigger.scheduled_details.cron } : {}),
                ...(trigger.scheduled_runs?.last_run_at
                  ? { lastRunAt: trigger.scheduled_runs.last_run_at }
                  : {}),
              })),
            );
          } catch {
            reject(new Error('doctl printed something that is not JSON'));
          }
        },
      );
    });
}
