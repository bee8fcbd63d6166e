import { runService } from '@hub/service-host';
import { profilAdapterService } from './profil-adapter.service.js';

await runService(profilAdapterService);
