import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType as NodeProto } from './gen/node.js';
import type { ProtoGrpcType as SchedulerProto } from './gen/scheduler.js';

/** proto/ at the repo root: dist/proto/load.js -> ../../../../proto. */
export const PROTO_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../../proto');

// Must match the options in scripts/gen-proto.mjs, which generated the types.
const LOADER_OPTIONS: protoLoader.Options = {
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

export type WattpackProto = NodeProto & SchedulerProto;

let cached: WattpackProto | undefined;

/** The wattpack.v1 services and messages, loaded once per process. */
export function loadProto(): WattpackProto {
  cached ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(['wattpack/v1/node.proto', 'wattpack/v1/scheduler.proto'], LOADER_OPTIONS),
  ) as unknown as WattpackProto;
  return cached;
}
