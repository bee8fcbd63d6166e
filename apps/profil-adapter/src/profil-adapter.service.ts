import { httpPort } from '@hub/config';
import { epjSimSettings, municipalAdapterModule } from '@hub/epj-sim';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ServiceDefinition } from '@hub/service-host';

/**
 * The simulated Profil import takes the document base64-encoded in JSON: a 10 MB document (intake's
 * limit) is about 14 MB there. Express's default (100 kB) refused every document over ~70 kB with
 * 413, and the adapter dead-lettered the message as EPJ.PROFIL_IMPORT_REFUSED (seen in the bench's
 * 100 kB and 1 MB phases).
 */
const IMPORT_BODY_LIMIT = '16mb';

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
  configureHttp: (app) => {
    (app as NestExpressApplication).useBodyParser('json', { limit: IMPORT_BODY_LIMIT });
  },
};
