import { BadRequestException, Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post } from '@nestjs/common';
import type { StayRunner, StayMunicipalityParty } from '../stays/stay.runner.js';
import type { StayTracker, StayView } from '../stays/stay.tracker.js';

export const STAYS = Symbol('STAYS');

/** What the stays API needs. */
export interface StaysContext {
  /** The runner (built on first use: the registry may be seeded after the simulator started). */
  runner(): Promise<StayRunner>;
  readonly tracker: StayTracker;
  /** Municipalities stays can go to (Gerica and Profil ones from the registry). */
  municipalities(): Promise<StayMunicipalityParty[]>;
}

/** `POST /v1/stays`, `GET /v1/stays`, `GET /v1/stays/{id}`: drive and watch patient stays. */
@Controller('v1/stays')
export class StaysController {
  constructor(@Inject(STAYS) private readonly ctx: StaysContext) {}

  /**
   * Starts `count` stays (1–1000), across `municipalities` (HER-ids) or all Gerica and Profil
   * ones; `steps` runs only the first messages of the chain, `replyTimeoutMs` shortens the waits.
   */
  @Post()
  @HttpCode(202)
  async start(@Body() body: { count?: unknown; municipalities?: unknown; steps?: unknown; replyTimeoutMs?: unknown }): Promise<{ stays: StayView[] }> {
    const count = Number(body?.count ?? 1);
    if (!Number.isInteger(count) || count < 1 || count > 1000) throw new BadRequestException({ code: 'EPJ.BAD_STAY_REQUEST', message: 'count must be an integer 1–1000' });
    const steps = body?.steps === undefined ? undefined : Number(body.steps);
    if (steps !== undefined && (!Number.isInteger(steps) || steps < 1)) throw new BadRequestException({ code: 'EPJ.BAD_STAY_REQUEST', message: 'steps must be a positive integer' });
    const replyTimeoutMs = body?.replyTimeoutMs === undefined ? undefined : Number(body.replyTimeoutMs);
    if (replyTimeoutMs !== undefined && (!Number.isInteger(replyTimeoutMs) || replyTimeoutMs < 0 || replyTimeoutMs > 3_600_000)) {
      throw new BadRequestException({ code: 'EPJ.BAD_STAY_REQUEST', message: 'replyTimeoutMs must be an integer 0–3600000' });
    }
    let candidates = await this.ctx.municipalities();
    if (body?.municipalities !== undefined) {
      const wanted = body.municipalities;
      if (!Array.isArray(wanted) || wanted.length === 0) throw new BadRequestException({ code: 'EPJ.BAD_STAY_REQUEST', message: 'municipalities must be a non-empty array of HER-ids' });
      const ids = new Set(wanted.map(Number));
      const unknown = [...ids].filter((id) => !candidates.some((m) => m.herId === id));
      if (unknown.length > 0) throw new BadRequestException({ code: 'EPJ.UNKNOWN_MUNICIPALITY', message: `not a Gerica/Profil municipality in the registry: ${unknown.join(', ')}` });
      candidates = candidates.filter((m) => ids.has(m.herId));
    }
    if (candidates.length === 0) throw new BadRequestException({ code: 'EPJ.NO_MUNICIPALITIES', message: 'no Gerica/Profil municipality in the registry' });
    return { stays: (await this.ctx.runner()).start(count, candidates, { ...(steps ? { steps } : {}), ...(replyTimeoutMs !== undefined ? { replyTimeoutMs } : {}) }) };
  }

  @Get()
  list() {
    return { totals: this.ctx.tracker.totals(), stays: this.ctx.tracker.list() };
  }

  @Get(':id')
  get(@Param('id') id: string): StayView {
    const stay = this.ctx.tracker.get(id);
    if (!stay) throw new NotFoundException({ code: 'EPJ.UNKNOWN_STAY', message: `no stay ${id}` });
    return stay;
  }
}
