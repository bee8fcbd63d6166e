import type { AppRec } from '@hub/plo';
import type { FiledMessage, InboxHooks } from '../inbox/inbox.processor.js';
import type { StayTracker } from './stay.tracker.js';

const HER = (o: { idents: readonly { id: string; typeId: { v?: string } }[] }) => o.idents.find((i) => i.typeId.v?.trim() === 'HER')?.id.trim();

/** Connects the hospital's inbox to its stays: INNLEGGELSESRAPPORT and AppRecs received. */
export class HospitalInboxHooks implements InboxHooks {
  constructor(private readonly tracker: StayTracker) {}

  async afterFiled({ message }: FiledMessage): Promise<void> {
    const info = message.msgInfo;
    if (info.type.v?.trim() !== 'INNLEGGELSESRAPPORT') return;
    const patientId = info.patient?.idents.find((i) => /^\d{11}$/.test(i.id.trim()))?.id.trim();
    const from = Number(HER(info.sender.organisation));
    if (patientId) this.tracker.innleggelsesrapportReceived(patientId, from, info.msgId);
  }

  appRecReceived(appRec: AppRec): void {
    this.tracker.appRecReceived(appRec.originalMsgId.id, { id: appRec.id, status: String(appRec.status.v ?? ''), errors: appRec.errors.map((e) => String(e.v ?? '')) });
  }
}
