/** The ComputerSystem.Reset types a DMTF mockup system allows (Redfish ResetType); the simulator acts on the power ones. */
export const RESET_TYPES = ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'Nmi', 'ForceOn', 'PushPowerButton'] as const;
export type ResetType = (typeof RESET_TYPES)[number];
