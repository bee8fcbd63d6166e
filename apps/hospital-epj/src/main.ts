import { runService } from '@hub/service-host';
import { hospitalEpjService } from './hospital-epj.service.js';

await runService(hospitalEpjService);
