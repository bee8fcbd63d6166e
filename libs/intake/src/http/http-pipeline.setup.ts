import { Inject, Injectable, Module, type InjectionToken, type OnModuleInit, type Type } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { getLogger } from '@hub/observability';
import { parserPlaceholders } from './request-body.reader.js';

export const INTAKE_HTTP_OPTIONS = Symbol('INTAKE_HTTP_OPTIONS');

export interface IntakeHttpOptions {
  /** The controllers the OpenAPI document describes. */
  controllers: Type[];
  /** Tokens the controllers inject: placeholders in the preview app that scans them. */
  dependencies: InjectionToken[];
}

/** The OpenAPI document of the given controllers, scanned from a preview app (nothing is instantiated). */
export async function buildOpenApiDocument(controllers: Type[], dependencies: InjectionToken[]): Promise<OpenAPIObject> {
  @Module({ controllers, providers: dependencies.map((provide) => ({ provide, useValue: {} })) })
  class IntakeDocsModule {}
  const app = await NestFactory.create(IntakeDocsModule, { preview: true, logger: false, abortOnError: false });
  try {
    const config = new DocumentBuilder()
      .setTitle('Samhandling hub intake')
      .setDescription(
        "The hub's front door: submit PLO messages (MsgHead XML, AppRec XML or typed JSON events), read their trace and " +
          'conversations, and read the partner registry. Errors are `{code, message, details}` with stable codes.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build();
    return SwaggerModule.createDocument(app, config);
  } finally {
    await app.close().catch(() => undefined);
  }
}

/**
 * Sets up the HTTP pipeline before Nest initialises the app (this provider is created
 * during NestFactory.create, before `listen()` registers parsers and routes):
 * - placeholders for Nest's own body parsers, so bodies are read only by RequestBodyGuard,
 *   after authentication and the rate limit, with intake's limit (see request-body.reader.ts
 *   for why this must happen before Nest initialises);
 * - Swagger UI at `/docs` and the JSON at `/docs-json`, registered on the HTTP adapter
 *   directly because the service host does not hand the INestApplication to the module. The
 *   document is built once, on first request, from a preview app of the same controllers.
 */
@Injectable()
export class IntakeHttpPipeline implements OnModuleInit {
  private readonly log = getLogger(IntakeHttpPipeline.name);
  private document?: OpenAPIObject;

  constructor(
    @Inject(HttpAdapterHost) adapterHost: HttpAdapterHost,
    @Inject(INTAKE_HTTP_OPTIONS) private readonly options: IntakeHttpOptions,
  ) {
    const adapter = adapterHost.httpAdapter;
    if (!adapter) return; // no HTTP server (a microservice-only context)
    for (const placeholder of parserPlaceholders()) adapter.use(placeholder);
    const facade = {
      // What SwaggerModule.setup reads from an INestApplication.
      config: { getGlobalPrefix: () => '' },
      getHttpAdapter: () => adapter,
      useStaticAssets: (path: string, opts: unknown) => (adapter as unknown as { useStaticAssets(p: string, o: unknown): void }).useStaticAssets(path, opts),
    };
    SwaggerModule.setup('docs', facade as never, () => this.openApi(), { jsonDocumentUrl: 'docs-json', customSiteTitle: 'Samhandling hub intake API' });
  }

  private openApi(): OpenAPIObject {
    if (!this.document) throw new Error('the OpenAPI document is not built yet');
    return this.document;
  }

  /** Builds the document during init, so the first request to /docs finds it. */
  async onModuleInit(): Promise<void> {
    try {
      this.document = await buildOpenApiDocument(this.options.controllers, this.options.dependencies);
    } catch (err) {
      this.log.warn('could not build the OpenAPI document', { err: String(err) });
    }
  }
}
