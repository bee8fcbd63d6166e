import { runService } from '@hub/service-host';
import { validationService } from './validation.service.js';

await runService(validationService);
