import { httpPort } from '@hub/config';
import { epjSimSettings, hospitalEpjModule, hospitalEpjSettings } from '@hub/epj-sim';
import type { ServiceDefinition } from '@hub/service-host';

const settings = { ...epjSimSettings, ...hospitalEpjSettings, httpPort: httpPort('HOSPITAL_EPJ_PORT', 3010) };

/**
 * Hospital EPJ simulator (DIPS-like) for Sykehuset Telemark: runs patient stays through the
 * chain via intake (`POST /v1/stays`) and reads the hospital's inbox (docs/simulators.md).
 */
export const hospitalEpjService: ServiceDefinition<typeof settings> = {
  name: 'hospital-epj',
  settings,
  module: (config, kafka) => hospitalEpjModule({ config, kafka }),
};
