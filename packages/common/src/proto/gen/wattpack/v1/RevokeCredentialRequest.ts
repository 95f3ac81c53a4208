// Original file: proto/wattpack/v1/scheduler.proto


export interface RevokeCredentialRequest {
  'kind'?: (string);
  'name'?: (string);
  'serials'?: (string)[];
}

export interface RevokeCredentialRequest__Output {
  'kind': (string);
  'name': (string);
  'serials': (string)[];
}
