import type { EventReport } from '../loop/compliance.js';
import type { VtnGridEvent } from './events.js';

/**
 * A report of metered power (openadr3.yaml reportRequest; report-payloads DEMAND, "power
 * usage for an interval", MEAN, in KW) for minutes of one VTN event, from the compliance record.
 */
export function reportOf(e: VtnGridEvent, clientName: string, minutes: EventReport['intervals']): object {
  return {
    programID: e.programId,
    eventID: e.eventId,
    clientName,
    reportName: `${e.source} metered`,
    payloadDescriptors: [{ objectType: 'REPORT_PAYLOAD_DESCRIPTOR', payloadType: 'DEMAND', readingType: 'MEAN', units: 'KW', accuracy: null, confidence: null }],
    resources: [
      {
        resourceName: clientName,
        // Minutes are sub-intervals of the event's interval: they carry its id (User Guide 7.5).
        intervals: minutes.map((m) => ({
          id: e.intervalId,
          intervalPeriod: { start: new Date(m.startMs).toISOString(), duration: 'PT1M' },
          payloads: [{ type: 'DEMAND', values: [Math.round(m.meanW) / 1e3] }],
        })),
      },
    ],
  };
}
