import { runService } from '@hub/service-host';
import { receiptTrackerService } from './receipt-tracker.service.js';

await runService(receiptTrackerService);
