import { HubError } from '@hub/errors';
import { AppRecError, parseDocument, type AppRec } from '@hub/plo';
import { ReceiptErrorCodes } from './receipt-error.codes.js';
import type { ExpectationStatus, ReceiptErrorEntry } from './receipt.model.js';

/** An AppRec as the receipt tracker needs it. */
export interface ReceivedAppRec {
  /** AppRec/Id. */
  apprecId: string;
  /** AppRec/GenDate as written. */
  genDate: string;
  /** Kodeverk 8258 status mapped: 1 → OK, 2 → REJECTED, 3 → PARTIAL (Helfo only). */
  status: Exclude<ExpectationStatus, 'OPEN'>;
  /** The 8258 value as written ("1", "2", "3"). */
  statusCode: string;
  /** Every `Error` (kodeverk 8221) with its `OT` text. */
  errors: ReceiptErrorEntry[];
  /** OriginalMsgId: the message this AppRec answers. */
  original: {
    /** Original MsgId. */
    msgId: string;
    /** Original GenDate, as written. */
    issueDate: string;
    /** Original MsgInfo/Type (kodeverk 8279). */
    msgType: string;
  };
  /** HER-ids named in AppRec/Sender: `Inst/Id` first, then each `Dept/Id`. */
  senderHerIds: string[];
}

const STATUS_OF: Record<string, ReceivedAppRec['status']> = { '1': 'OK', '2': 'REJECTED', '3': 'PARTIAL' };

/**
 * Reads an AppRec document (v1.1 or v1.0). A document that is not an AppRec, or whose
 * Status is not kodeverk 8258, is an error with a stable code (the caller records it as
 * unmatched: an AppRec is never dropped).
 */
export function readAppRec(xml: string | Uint8Array): ReceivedAppRec {
  let appRec: AppRec;
  try {
    const doc = parseDocument(xml);
    if (doc.kind !== 'AppRec') throw new HubError(ReceiptErrorCodes.AppRecUnreadable, 'the document is a MsgHead, not an AppRec');
    appRec = doc.appRec;
  } catch (err) {
    if (err instanceof HubError) throw err;
    throw new HubError(ReceiptErrorCodes.AppRecUnreadable, `the AppRec cannot be read: ${(err as Error).message}`, { cause: err });
  }
  return fromAppRec(appRec);
}

/** Maps a parsed AppRec (see readAppRec). */
export function fromAppRec(appRec: AppRec): ReceivedAppRec {
  const statusCode = appRec.status.v?.trim() ?? '';
  const status = STATUS_OF[statusCode];
  if (!status) {
    throw new HubError(ReceiptErrorCodes.AppRecStatusUnknown, `AppRec status '${statusCode}' is not a kodeverk 8258 value (1, 2 or 3)`, {
      metadata: { apprecId: appRec.id, status: statusCode },
    });
  }
  if (!appRec.originalMsgId.id) throw new HubError(ReceiptErrorCodes.AppRecUnreadable, 'AppRec/OriginalMsgId/Id is empty');
  const inst = appRec.sender.inst;
  const senderHerIds = [inst?.id, ...(inst?.depts ?? []).map((d) => d.id), appRec.sender.hcProf?.id].filter(
    (id): id is string => typeof id === 'string' && /^\d{1,9}$/.test(id),
  );
  return {
    apprecId: appRec.id,
    genDate: appRec.genDate,
    status,
    statusCode,
    errors: appRec.errors.map((e) => {
      const code = e.v?.trim() ?? '';
      const dn = e.dn ?? (code in AppRecError ? AppRecError[code as keyof typeof AppRecError] : undefined);
      return { code, ...(dn ? { dn } : {}), ...(e.ot ? { ot: e.ot } : {}), ...(e.s ? { s: e.s } : {}) };
    }),
    original: {
      msgId: appRec.originalMsgId.id.trim(),
      issueDate: appRec.originalMsgId.issueDate,
      msgType: appRec.originalMsgId.msgType.v?.trim() ?? '',
    },
    senderHerIds,
  };
}

/**
 * Whether OriginalMsgId/IssueDate names the original GenDate. GenDate is often written
 * without a zone (Norwegian local time), so a zone-less value matches when its wall-clock
 * time equals the GenDate in Europe/Oslo or in UTC; with a zone, the instants must match
 * to the second.
 */
export function issueDateMatches(issueDate: string, genDate: Date): boolean {
  const text = issueDate.trim();
  if (!text) return false;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text);
  if (hasZone) {
    const t = Date.parse(text);
    return !Number.isNaN(t) && Math.abs(t - genDate.getTime()) < 1000;
  }
  const wall = text.slice(0, 19);
  return wall === wallClock(genDate, 'UTC') || wall === wallClock(genDate, 'Europe/Oslo');
}

/** One formatter per zone: building an Intl.DateTimeFormat costs far more than formatting with it (every AppRec needs two). */
const wallClockFormats = new Map<string, Intl.DateTimeFormat>();

function wallClock(date: Date, timeZone: string): string {
  let format = wallClockFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    });
    wallClockFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}
