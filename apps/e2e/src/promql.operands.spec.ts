import { dashboardExpressions, dataOperands, runnableQuery, splitTopLevel } from './promql.operands.js';

describe('PromQL operands of dashboard and alert expressions', () => {
  it('queries the left side of a threshold, not the threshold', () => {
    expect(dataOperands('max by (receiver) (hub_apprec_overdue) > 0')).toEqual(['max by (receiver) (hub_apprec_overdue)']);
    expect(dataOperands('(min by (party, purpose) (x) - time()) / 86400 < 30')).toEqual(['(min by (party, purpose) (x) - time()) / 86400']);
  });

  it('splits set operators first and drops their matching modifiers', () => {
    expect(dataOperands('a == 0\nand on (partner)\navg_over_time(a[7d]) > 0.002')).toEqual(['a', 'avg_over_time(a[7d])']);
    expect(dataOperands('max by (instance) (up{job="h", k="true"}) == 1 unless on (instance) count by (instance) (lag)')).toEqual([
      'max by (instance) (up{job="h", k="true"})',
      'count by (instance) (lag)',
    ]);
  });

  it('checks the series behind absent() instead of the absence', () => {
    expect(dataOperands('absent(hub_kafka_consumer_lag{job="samhandling-hub"})')).toEqual(['hub_kafka_consumer_lag{job="samhandling-hub"}']);
    expect(dataOperands('absent_over_time(up{job="x"}[5m])')).toEqual(['up{job="x"}']);
  });

  it('leaves operators inside selectors, strings and brackets alone', () => {
    expect(splitTopLevel('rate(x{status=~"a|b", v!="c>d"}[5m]) >= 2', ['==', '!=', '>=', '<=', '>', '<'])).toEqual(['rate(x{status=~"a|b", v!="c>d"}[5m])', '2']);
    expect(dataOperands('sum by (stage, outcome) (rate(hub_messages_total[5m]))')).toEqual(['sum by (stage, outcome) (rate(hub_messages_total[5m]))']);
    expect(dataOperands('hub_error_total > bool 1')).toEqual(['hub_error_total']);
  });

  it('finds every target and variable query of a dashboard', () => {
    const d = {
      title: 'D',
      panels: [{ type: 'row', title: 'R', panels: [{ type: 'stat', title: 'S', targets: [{ expr: 'a' }] }] }, { type: 'timeseries', title: 'T', targets: [{ expr: 'b' }, { expr: 'c' }] }],
      templating: { list: [{ name: 'p', query: { query: 'label_values(hub_party_up, party)' } }] },
    };
    expect(dashboardExpressions(d).map((e) => e.expr)).toEqual(['a', 'b', 'c', 'label_values(hub_party_up, party)']);
    expect(runnableQuery('label_values(hub_party_up, party)', {})).toBe('hub_party_up');
    expect(runnableQuery('rate(x{p="$partner"}[$__rate_interval])', { __rate_interval: '1m', partner: '9100100' })).toBe('rate(x{p="9100100"}[1m])');
  });
});
