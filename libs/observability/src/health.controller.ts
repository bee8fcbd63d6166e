import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { maskPersonIds } from '@hub/errors';

/** A dependency the service needs before it can do useful work (broker, database …). */
export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when the dependency answers; rejects with the reason otherwise. */
  check(): Promise<void>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/**
 * `/health/live`: the process is up (restart it if not). `/health/ready`: every
 * dependency answers (route traffic to it). Kubernetes probes use these.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(this.checks.map((c) => () => this.probe(c)));
  }

  private async probe(c: ReadinessCheck): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(c.name);
    try {
      await c.check();
      return session.up();
    } catch (err) {
      return session.down({ message: maskPersonIds(err instanceof Error ? err.message : String(err)) });
    }
  }
}
