import { HubMetrics } from './hub.metrics.js';
import { metricsRegistry } from './metrics.registry.js';

describe('HubMetrics', () => {
  it('counts messages by stage, type, partner and outcome, with unknown for a missing partner', async () => {
    HubMetrics.message({ stage: 'dispatch', type: 'LOG_INNLAGT', partner: 9100100, outcome: 'delivered' });
    HubMetrics.message({ stage: 'dispatch', type: 'LOG_INNLAGT', partner: 9100100, outcome: 'delivered' }, 2);
    HubMetrics.message({ stage: 'intake', type: '', partner: '', outcome: 'refused' });
    const text = await metricsRegistry.getSingleMetricAsString('hub_messages_total');
    expect(text).toContain('hub_messages_total{stage="dispatch",type="LOG_INNLAGT",partner="9100100",outcome="delivered"} 3');
    expect(text).toContain('hub_messages_total{stage="intake",type="unknown",partner="unknown",outcome="refused"} 1');
  });

  it('declares a stage before its first message and times each one', async () => {
    HubMetrics.declareStage('crypto');
    expect(await metricsRegistry.getSingleMetricAsString('hub_stage_duration_seconds')).toContain('hub_stage_duration_seconds_count{stage="crypto"} 0');
    const stop = HubMetrics.startStage('crypto');
    expect(stop()).toBeGreaterThanOrEqual(0);
    expect(await metricsRegistry.getSingleMetricAsString('hub_stage_duration_seconds')).toContain('hub_stage_duration_seconds_count{stage="crypto"} 1');
  });
});
