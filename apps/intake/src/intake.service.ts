import { Module, type DynamicModule } from '@nestjs/common';
import { httpPort } from '@hub/config';
import { Topics } from '@hub/contracts';
import { KafkaModule, kafkaReadiness, type Kafka } from '@hub/kafka';
import { ObservabilityModule } from '@hub/observability';
import type { ServiceDefinition } from '@hub/service-host';

const settings = { httpPort: httpPort('INTAKE_PORT', 3000) };

/**
 * Intake: the hub's front door. Today it boots with health, readiness (broker)
 * and metrics and creates the topics it produces to; the message API
 * (POST /v1/messages, the EPJ event topic) is built on this in the delivery issue.
 */
@Module({})
class IntakeModule {
  static forRoot(kafka: Kafka): DynamicModule {
    return {
      module: IntakeModule,
      imports: [
        KafkaModule.forRoot({ kafka, producerName: 'intake' }),
        ObservabilityModule.forRoot({ service: 'intake', readiness: { useFactory: () => [kafkaReadiness(kafka)] } }),
      ],
    };
  }
}

export const intakeService: ServiceDefinition<typeof settings> = {
  name: 'intake',
  settings,
  module: (_config, kafka) => IntakeModule.forRoot(kafka),
  produces: [Topics.MessagesAccepted, Topics.EpjEvents],
};
