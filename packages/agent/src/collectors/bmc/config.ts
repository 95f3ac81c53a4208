import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { WattpackError, describeIssues, readYamlFile } from '@wattpack/common/daemon';

/** Where the agent reads host power: a Redfish BMC over HTTPS, or ipmitool (in-band) where Redfish is absent. */
export type BmcChoice = { kind: 'redfish'; url: string; username: string; password: string; ca?: string; chassisId?: string } | { kind: 'ipmi' };

export interface BmcFlags {
  /** "ipmi", or the BMC's https:// URL (Redfish). */
  bmc?: string;
  /** YAML or JSON { username, password } for Redfish. */
  bmcCredentials?: string;
  /** PEM of the CA that signed the BMC's certificate. */
  bmcCa?: string;
  bmcChassis?: string;
}

const credentialsSchema = z.strictObject({ username: z.string().min(1), password: z.string().min(1) });
const invalid = (message: string) => new WattpackError('INVALID_ARGUMENT', message);

/** The flags, checked: each error names its flag. */
export function resolveBmc(f: BmcFlags): BmcChoice | undefined {
  if (!f.bmc) {
    if (f.bmcCredentials || f.bmcCa || f.bmcChassis) throw invalid('--bmc-credentials, --bmc-ca and --bmc-chassis need --bmc <https://bmc-address | ipmi>');
    return undefined;
  }
  if (f.bmc === 'ipmi') return { kind: 'ipmi' };
  let url: URL;
  try {
    url = new URL(f.bmc);
  } catch {
    throw invalid(`--bmc "${f.bmc}": use ipmi, or the BMC's Redfish address as https://host[:port]`);
  }
  if (url.protocol !== 'https:') throw invalid(`--bmc "${f.bmc}": Redfish is spoken over https:// only (credentials must not cross the network in the clear)`);
  if (!f.bmcCredentials) throw invalid('--bmc-credentials: give the file with the BMC user ({ username, password }) for Redfish');
  const parsed = credentialsSchema.safeParse(readYamlFile(f.bmcCredentials));
  if (!parsed.success) throw invalid(`--bmc-credentials ${f.bmcCredentials}: ${describeIssues(parsed.error)}`);
  let ca: string | undefined;
  if (f.bmcCa) {
    try {
      ca = readFileSync(f.bmcCa, 'utf8');
    } catch (err) {
      throw invalid(`--bmc-ca ${f.bmcCa}: ${(err as Error).message}`);
    }
  }
  return { kind: 'redfish', url: url.origin, ...parsed.data, ...(ca ? { ca } : {}), ...(f.bmcChassis ? { chassisId: f.bmcChassis } : {}) };
}
