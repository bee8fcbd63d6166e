import { runService } from '@hub/service-host';
import { intakeService } from './intake.service.js';

await runService(intakeService);
