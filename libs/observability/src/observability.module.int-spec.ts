import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { configureLogging } from './logger.js';
import { NestLoggerAdapter } from './nest-logger.adapter.js';
import { ObservabilityModule } from './observability.module.js';

describe('ObservabilityModule over real HTTP', () => {
  let app: INestApplication;
  let base: string;
  let dbUp = true;

  beforeAll(async () => {
    configureLogging({ service: 'obs-test', level: 'silent' });
    @Module({
      imports: [
        ObservabilityModule.forRoot({
          service: 'obs-test',
          readiness: {
            useFactory: () => [
              { name: 'database', check: async () => { if (!dbUp) throw new Error('connection refused for 13116900216'); } },
            ],
          },
        }),
      ],
    })
    class AppModule {}
    app = await NestFactory.create(AppModule, { logger: new NestLoggerAdapter() });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(async () => app?.close());

  it('serves Prometheus metrics with process metrics and the service label', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const body = await res.text();
    expect(body).toMatch(/process_resident_memory_bytes\{service="obs-test"\}/);
  });

  it('reports live always, and ready only while the dependency answers', async () => {
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    dbUp = false;
    const res = await fetch(`${base}/health/ready`);
    expect(res.status).toBe(503);
    const body = await res.text();
    expect(body).toContain('database');
    expect(body).not.toContain('13116900216');
  });
});
