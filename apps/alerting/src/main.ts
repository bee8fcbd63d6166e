import { runService } from '@hub/service-host';
import { alertingService } from './alerting.service.js';

await runService(alertingService);
