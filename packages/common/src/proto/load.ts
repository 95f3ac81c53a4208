import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { readAsset } from '../build/assets.js';
import type { ProtoGrpcType as NodeProto } from './gen/node.js';
import type { ProtoGrpcType as SchedulerProto } from './gen/scheduler.js';

/** In the order they import each other; read through readAsset so a single binary carries them. */
export const PROTO_FILES = ['proto/wattpack/v1/node.proto', 'proto/wattpack/v1/accounting.proto', 'proto/wattpack/v1/scheduler.proto'];

// Must match the options in scripts/gen-proto.mjs, which generated the types.
const LOADER_OPTIONS: protoLoader.Options = {
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

export type WattpackProto = NodeProto & SchedulerProto;

let cached: WattpackProto | undefined;

/**
 * The wattpack.v1 services and messages, loaded once per process. Parsed from text (not
 * proto-loader's loadSync, which only reads files): both files land in one root, so the
 * import between them needs no include path. Field names become camelCase as loadSync makes them.
 */
export function loadProto(): WattpackProto {
  if (!cached) {
    const root = new protobuf.Root();
    for (const file of PROTO_FILES) protobuf.parse(readAsset(file), root, { keepCase: false });
    cached = grpc.loadPackageDefinition(protoLoader.fromJSON(root.toJSON(), LOADER_OPTIONS)) as unknown as WattpackProto;
  }
  return cached;
}
