import type { HubMessage } from '../model/index.js';
import type { ChainEvent } from './conversation.state-machine.js';
import type { Direction } from './chain.rules.js';

/** The chain view of a parsed message; the caller knows which side sent it. */
export function chainEventOf(message: HubMessage, direction: Direction): ChainEvent {
  const payload = message.documents[0]?.refDoc.content;
  const info = message.msgInfo;
  return {
    msgId: info.msgId,
    type: info.type.v ?? '',
    direction,
    ...(payload?.kind === 'plo' ? { forsendelsesstatus: payload.forsendelsesstatus, ...(payload.svarPaaForesporsel !== undefined ? { svarPaaForesporsel: payload.svarPaaForesporsel } : {}) } : {}),
    ...(info.conversationRef ? { conversationRef: info.conversationRef } : {}),
  };
}
