import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { readAsset } from '../build/assets.js';
import type { ProtoGrpcType as NodeProto } from './gen/node.js';
import type { ProtoGrpcType as SchedulerProto } from './gen/scheduler.js';

/** The services' files; what they import is loaded too. Read through readAsset so a single binary carries them. */
export const PROTO_FILES = ['wattpack/v1/node.proto', 'wattpack/v1/scheduler.proto'];

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
 * proto-loader's loadSync, which only reads files): every file lands in one root, following
 * their imports. Field names become camelCase as loadSync makes them.
 */
export function loadProto(): WattpackProto {
  if (!cached) {
    const root = new protobuf.Root();
    const seen = new Set<string>();
    const load = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      // Import paths are relative to proto/, as for protoc -I proto.
      for (const imported of protobuf.parse(readAsset(`proto/${file}`), root, { keepCase: false }).imports ?? []) load(imported);
    };
    for (const file of PROTO_FILES) load(file);
    cached = grpc.loadPackageDefinition(protoLoader.fromJSON(root.toJSON(), LOADER_OPTIONS)) as unknown as WattpackProto;
  }
  return cached;
}
