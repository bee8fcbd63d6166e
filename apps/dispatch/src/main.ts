import { runService } from '@hub/service-host';
import { dispatchService } from './dispatch.service.js';

await runService(dispatchService);
