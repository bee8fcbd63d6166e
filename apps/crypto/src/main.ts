import { runService } from '@hub/service-host';
import { cryptoService } from './crypto.service.js';

await runService(cryptoService);
