import { httpPort } from '@hub/config';
import { epjSimSettings, municipalAdapterModule } from '@hub/epj-sim';
import type { ServiceDefinition } from '@hub/service-host';

const settings = { ...epjSimSettings, httpPort: httpPort('GERICA_ADAPTER_PORT', 3011) };

/**
 * Gerica adapter: the simulated Gerica EPJ of every Gerica municipality in the registry
 * (docs/simulators.md). Reads their inbox topics (consumer group `epj-gerica`), files through
 * Gerica's simulated import interface, answers through intake.
 */
export const gericaAdapterService: ServiceDefinition<typeof settings> = {
  name: 'gerica-adapter',
  settings,
  module: (config, kafka) => municipalAdapterModule({ vendor: 'gerica', config, kafka }),
};
