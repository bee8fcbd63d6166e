import { readFile } from 'node:fs/promises';
import { HubError } from '@hub/errors';

export const CredentialErrorCodes = {
  Missing: 'EPJ.CREDENTIALS_MISSING',
} as const;

/**
 * The tokens `npm run setup` wrote once to `.data/secrets/credentials.json`
 * (`{ "parties": { "<herId>": "<token>" }, "operator": "<token>" }`, docs/delivery-design.md).
 * Re-read when a party is missing, so a setup run after the simulator started is picked up.
 */
export class CredentialsFile {
  private parties: Record<string, string> | undefined;

  constructor(private readonly path: string) {}

  async tokenFor(herId: number | string): Promise<string> {
    const key = String(herId);
    if (!this.parties?.[key]) this.parties = await this.read();
    const token = this.parties[key];
    if (!token) {
      // Retriable: an environment not set up yet is not bad input; the event waits for it.
      throw new HubError(CredentialErrorCodes.Missing, `no token for party ${key} in ${this.path} (run npm run setup)`, { retriable: true });
    }
    return token;
  }

  private async read(): Promise<Record<string, string>> {
    try {
      const json = JSON.parse(await readFile(this.path, 'utf8')) as { parties?: Record<string, string> };
      return json.parties ?? {};
    } catch (err) {
      throw new HubError(CredentialErrorCodes.Missing, `cannot read credentials file ${this.path}: ${(err as Error).message}`, { retriable: true, cause: err });
    }
  }
}
