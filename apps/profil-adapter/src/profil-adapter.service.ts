import { httpPort } from '@hub/config';
import { epjSimSettings, municipalAdapterModule } from '@hub/epj-sim';
import type { ServiceDefinition } from '@hub/service-host';

const settings = { ...epjSimSettings, httpPort: httpPort('PROFIL_ADAPTER_PORT', 3012) };

/**
 * Profil adapter: the simulated Profil EPJ of every Profil municipality in the registry
 * (docs/simulators.md). Reads their inbox topics (consumer group `epj-profil`), files through
 * Profil's simulated import interface, answers through intake.
 */
export const profilAdapterService: ServiceDefinition<typeof settings> = {
  name: 'profil-adapter',
  settings,
  module: (config, kafka) => municipalAdapterModule({ vendor: 'profil', config, kafka }),
};
