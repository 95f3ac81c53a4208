// Original file: proto/wattpack/v1/scheduler.proto


export interface GetSiteRequest {
}

export interface GetSiteRequest__Output {
}
