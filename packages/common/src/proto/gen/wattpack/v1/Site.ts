// Original file: proto/wattpack/v1/scheduler.proto

import type { PowerSplit as _wattpack_v1_PowerSplit, PowerSplit__Output as _wattpack_v1_PowerSplit__Output } from '../../wattpack/v1/PowerSplit.js';
import type { GridEvent as _wattpack_v1_GridEvent, GridEvent__Output as _wattpack_v1_GridEvent__Output } from '../../wattpack/v1/GridEvent.js';
import type { GpuWatts as _wattpack_v1_GpuWatts, GpuWatts__Output as _wattpack_v1_GpuWatts__Output } from '../../wattpack/v1/GpuWatts.js';
import type { TeamShare as _wattpack_v1_TeamShare, TeamShare__Output as _wattpack_v1_TeamShare__Output } from '../../wattpack/v1/TeamShare.js';
import type { Meter as _wattpack_v1_Meter, Meter__Output as _wattpack_v1_Meter__Output } from '../../wattpack/v1/Meter.js';
import type { GridEventReport as _wattpack_v1_GridEventReport, GridEventReport__Output as _wattpack_v1_GridEventReport__Output } from '../../wattpack/v1/GridEventReport.js';
import type { OpenAdr as _wattpack_v1_OpenAdr, OpenAdr__Output as _wattpack_v1_OpenAdr__Output } from '../../wattpack/v1/OpenAdr.js';

export interface Site {
  'name'?: (string);
  'capW'?: (number | string);
  'reserveFraction'?: (number | string);
  'pue'?: (number | string);
  'allocated'?: (_wattpack_v1_PowerSplit | null);
  'measured'?: (_wattpack_v1_PowerSplit | null);
  'nodesReady'?: (number);
  'gpusTotal'?: (number);
  'gpusAllocated'?: (number);
  'jobsPending'?: (number);
  'jobsRunning'?: (number);
  'minersMining'?: (number);
  'minersCurtailed'?: (number);
  'effectiveCapW'?: (number | string);
  'gridEvents'?: (_wattpack_v1_GridEvent)[];
  'miningW'?: (number | string);
  'aiW'?: (number | string);
  'retiredW'?: (number | string);
  'heldGpus'?: (_wattpack_v1_GpuWatts | null);
  'teams'?: ({[key: string]: _wattpack_v1_TeamShare});
  'meter'?: (_wattpack_v1_Meter | null);
  'eventReports'?: (_wattpack_v1_GridEventReport)[];
  'openadr'?: (_wattpack_v1_OpenAdr | null);
}

export interface Site__Output {
  'name': (string);
  'capW': (number);
  'reserveFraction': (number);
  'pue': (number);
  'allocated': (_wattpack_v1_PowerSplit__Output | null);
  'measured': (_wattpack_v1_PowerSplit__Output | null);
  'nodesReady': (number);
  'gpusTotal': (number);
  'gpusAllocated': (number);
  'jobsPending': (number);
  'jobsRunning': (number);
  'minersMining': (number);
  'minersCurtailed': (number);
  'effectiveCapW': (number);
  'gridEvents': (_wattpack_v1_GridEvent__Output)[];
  'miningW': (number);
  'aiW': (number);
  'retiredW': (number);
  'heldGpus': (_wattpack_v1_GpuWatts__Output | null);
  'teams': ({[key: string]: _wattpack_v1_TeamShare__Output});
  'meter': (_wattpack_v1_Meter__Output | null);
  'eventReports': (_wattpack_v1_GridEventReport__Output)[];
  'openadr': (_wattpack_v1_OpenAdr__Output | null);
}
