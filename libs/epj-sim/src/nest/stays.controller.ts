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

  /** Starts `count` stays (1–1000), across `municipalities` (HER-ids) or all Gerica and Profil ones. */
  @Post()
  @HttpCode(202)
  async start(@Body() body: { count?: unknown; municipalities?: unknown }): Promise<{ stays: StayView[] }> {
    const count = Number(body?.count ?? 1);
    if (!Number.isInteger(count) || count < 1 || count > 1000) throw new BadRequestException({ code: 'EPJ.BAD_STAY_REQUEST', message: 'count must be an integer 1–1000' });
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
    return { stays: (await this.ctx.runner()).start(count, candidates) };
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
