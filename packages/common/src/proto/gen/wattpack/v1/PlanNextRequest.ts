// Original file: proto/wattpack/v1/scheduler.proto


export interface PlanNextRequest {
}

export interface PlanNextRequest__Output {
}
