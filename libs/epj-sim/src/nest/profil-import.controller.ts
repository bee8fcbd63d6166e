import { Body, Controller, HttpException, Inject, Post, Res } from '@nestjs/common';
import { HubError } from '@hub/errors';
import { ProfilImportService, type ProfilImportRequest, type ProfilImportResponse } from '../vendor-import/profil-http-import.js';

export const PROFIL_IMPORT_SERVICE = Symbol('PROFIL_IMPORT_SERVICE');

/** Profil's simulated HTTP import interface, served by the Profil adapter on its own port. */
@Controller()
export class ProfilImportController {
  constructor(@Inject(PROFIL_IMPORT_SERVICE) private readonly service: ProfilImportService) {}

  /** 201 when filed now, 200 when the message was already in the journal; 400 `{code, message}` for a bad request. */
  @Post('import')
  async import(@Body() body: ProfilImportRequest, @Res({ passthrough: true }) res: { status(code: number): unknown }): Promise<ProfilImportResponse> {
    try {
      const result = await this.service.import(body);
      res.status(result.filed ? 201 : 200);
      return result;
    } catch (err) {
      const e = HubError.from(err);
      throw new HttpException({ code: e.code, message: e.message }, e.retriable ? 503 : 400);
    }
  }
}
