#!/usr/bin/env node
import http from 'node:http';
import { compose, type Services } from './compose';
import { ConfigError, loadConfig } from './config';
import { DataDirLockedError } from './store/data-dir-lock';

const USAGE = `Usage: vigil <command>
  serve [--api-only]        FHIR API (and, unless --api-only, the analysis worker)
  worker                    analysis worker only (needs DATABASE_URL)
  migrate                   apply database migrations and exit
  ingest-guidelines         embed and index guidelines/ (only changed files) and exit
  dead-letters [replay ID]  list jobs that failed every attempt, or queue one again`;

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  const config = loadConfig();
  switch (command) {
    case 'serve':
      return serve(await compose(config, { role: args.includes('--api-only') ? 'api' : 'all' }));
    case 'worker':
      if (!config.databaseUrl) throw new ConfigError('vigil worker needs DATABASE_URL: the embedded database belongs to one process (use vigil serve)');
      return runWorker(await compose(config, { role: 'worker' }));
    case 'migrate': {
      const services = await compose(config, { role: 'api' });
      process.stdout.write('migrations are up to date\n');
      return services.close();
    }
    case 'ingest-guidelines': {
      const services = await compose(config, { role: 'api' });
      const report = await services.ingestGuidelines(progressBar());
      process.stdout.write(`guidelines: ${report.added.length} added, ${report.updated.length} updated, ${report.unchanged} unchanged, ${report.removed.length} removed\n`);
      return services.close();
    }
    case 'dead-letters': {
      const services = await compose(config, { role: 'api' });
      if (args[0] === 'replay' && args[1]) {
        const ok = await services.jobs.replay(args[1]);
        process.stdout.write(ok ? `dead letter ${args[1]} queued again\n` : `no unreplayed dead letter ${args[1]}\n`);
        process.exitCode = ok ? 0 : 1;
      } else {
        for (const d of await services.jobs.deadLetters()) {
          process.stdout.write(`${d.id}\tjob ${d.jobId}\t${d.kind}\t${d.attempts} attempts\t${d.createdAt}\t${d.replayedAt ? 'replayed' : 'waiting'}\t${d.error}\n`);
        }
      }
      return services.close();
    }
    default:
      process.stdout.write(USAGE + '\n');
      process.exitCode = command ? 2 : 0;
  }
}

async function serve(services: Services): Promise<void> {
  const report = await services.ingestGuidelines();
  services.log.info({ ...report, added: report.added.length, updated: report.updated.length, removed: report.removed.length }, 'guidelines indexed');
  await services.start();
  const server = http.createServer(services.app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new ConfigError(`Port ${services.config.port} is already in use: stop the other process or set PORT`) : err);
    });
    server.listen(services.config.port, resolve);
  }).catch(async (err: unknown) => {
    await services.close();
    throw err;
  });
  const address = `http://localhost:${services.config.port}/fhir/R4`;
  services.log.info({ port: services.config.port, database: services.db.engine, queue: services.dispatcher.name, ehr: services.ehr.name }, 'Vigil is listening');
  if (!services.config.apiKeys && !services.generatedApiKey) {
    services.log.info({ apiKeyFile: `${services.config.dataDir}/api-key` }, 'using the API key generated on first start');
  }
  if (services.generatedApiKey) {
    // Shown once, on the terminal only (not in the logs); it is kept in the data directory.
    process.stdout.write(
      `\nVigil generated an API key for this data directory (${services.config.dataDir}/api-key).\n` +
        `Use it as: Authorization: Bearer ${services.generatedApiKey}\n` +
        `Try: curl -H "Authorization: Bearer ${services.generatedApiKey}" ${address}/metadata\n\n`,
    );
  }
  onShutdown(async () => {
    services.log.info('shutting down: finishing requests and the current job');
    await new Promise((resolve) => server.close(resolve));
    await services.close();
  });
}

async function runWorker(services: Services): Promise<void> {
  await services.ingestGuidelines();
  await services.start();
  services.log.info({ queue: services.dispatcher.name, ehr: services.ehr.name }, 'Vigil worker started');
  onShutdown(async () => {
    services.log.info('worker shutting down');
    await services.close();
  });
}

function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

function progressBar(): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (done, total) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    process.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
  };
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError || err instanceof DataDirLockedError ? err.message : err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});

