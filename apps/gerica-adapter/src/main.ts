import { runService } from '@hub/service-host';
import { gericaAdapterService } from './gerica-adapter.service.js';

await runService(gericaAdapterService);
