import { Controller, Get, Header } from '@nestjs/common';
import { metricsRegistry } from './metrics.registry.js';

/** Prometheus scrape endpoint. */
@Controller()
export class MetricsController {
  @Get('metrics')
  @Header('Content-Type', metricsRegistry.contentType)
  @Header('Cache-Control', 'no-store')
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
