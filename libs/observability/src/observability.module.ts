import { Module, type DynamicModule, type InjectionToken, type OptionalFactoryDependency } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController, READINESS_CHECKS, type ReadinessCheck } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';
import { startDefaultMetrics } from './metrics.registry.js';

export interface ObservabilityOptions {
  service: string;
  /** Builds the readiness checks from providers of the importing app. */
  readiness?: {
    inject?: Array<InjectionToken | OptionalFactoryDependency>;
    useFactory: (...deps: never[]) => ReadinessCheck[] | Promise<ReadinessCheck[]>;
  };
  /** Modules that export what `readiness.inject` names. */
  imports?: DynamicModule['imports'];
}

/** Health (`/health/live`, `/health/ready`) and metrics (`/metrics`) for one service. */
@Module({})
export class ObservabilityModule {
  static forRoot(opts: ObservabilityOptions): DynamicModule {
    startDefaultMetrics(opts.service);
    return {
      module: ObservabilityModule,
      imports: [TerminusModule.forRoot({ logger: false }), ...(opts.imports ?? [])],
      controllers: [HealthController, MetricsController],
      providers: [
        {
          provide: READINESS_CHECKS,
          inject: opts.readiness?.inject ?? [],
          useFactory: opts.readiness?.useFactory ?? (() => []),
        },
      ],
    };
  }
}
