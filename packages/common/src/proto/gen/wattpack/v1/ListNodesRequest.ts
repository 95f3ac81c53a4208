// Original file: proto/wattpack/v1/scheduler.proto


export interface ListNodesRequest {
}

export interface ListNodesRequest__Output {
}
