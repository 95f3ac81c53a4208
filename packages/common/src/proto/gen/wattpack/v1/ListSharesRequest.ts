// Original file: proto/wattpack/v1/accounting.proto


export interface ListSharesRequest {
}

export interface ListSharesRequest__Output {
}
