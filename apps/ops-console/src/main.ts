import { runService } from '@hub/service-host';
import { opsConsoleService } from './ops-console.service.js';

await runService(opsConsoleService);
