import { ALERT_POLICIES, AlertConditions } from './alert.conditions.js';
import { AlertDrafts } from './alert.drafts.js';

describe('AlertDrafts.messageMisdirected', () => {
  const avvik = {
    msgId: 'e396525d-a51d-5178-9aae-eae0b7a3b259',
    conversationId: '2c4f2c1e-1d2a-4b3c-9e8f-7a6b5c4d3e2f',
    msgType: 'DIALOG_AVVIK',
    sender: { herId: 9100100, name: 'Skien kommune' },
    receiver: { herId: 9100000, name: 'Sykehuset Telemark HF' },
  };

  it("tells the reported message's sender, once per DIALOG_AVVIK, naming both MsgIds", () => {
    const d = AlertDrafts.messageMisdirected({ avvik, originalMsgId: '2c4f2c1e-1d2a-4b3c-9e8f-7a6b5c4d3e2f', to: 9100000 });
    expect(d).toMatchObject({
      condition: AlertConditions.MessageMisdirected,
      partyHerId: 9100000,
      msgId: '2c4f2c1e-1d2a-4b3c-9e8f-7a6b5c4d3e2f',
      dedupeKey: `message-misdirected:${avvik.msgId}:9100000`,
      severity: ALERT_POLICIES['message-misdirected'].severity,
    });
    expect(d.subject).toContain('Feil adressat');
    expect(d.subject).toContain('Skien kommune');
    expect(d.body).toContain(avvik.msgId);
    expect(d.body).toContain('ingen applikasjonskvittering');
  });
});
