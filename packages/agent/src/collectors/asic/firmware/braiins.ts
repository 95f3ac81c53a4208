import { httpJson, type HttpReply, type HttpRequest } from '../http.js';
import { MinerError } from '../parse-rpc.js';
import { braiinsDetails, braiinsStats } from '../parse-telemetry.js';
import type { MinerAccess, MinerDriver, MinerReading } from './driver.js';

/**
 * Braiins OS through its REST API (/api/v1, which mirrors gRPC braiins.bos.v1): a token
 * from auth/login, miner/stats for hashrate and approximated consumption, miner/details
 * for the model and whether mining is paused, actions/pause and actions/resume.
 */
export class BraiinsDriver implements MinerDriver {
  readonly firmware = 'braiins';
  private token: string | undefined;

  constructor(private readonly access: MinerAccess) {}

  async read(): Promise<MinerReading> {
    const stats = braiinsStats(await this.json('GET', 'miner/stats'));
    const details = braiinsDetails(await this.json('GET', 'miner/details'));
    const model = this.access.model ?? details.model;
    return {
      ...(model ? { model } : {}),
      ...(stats.hashrateThs !== undefined ? { hashrateThs: stats.hashrateThs } : {}),
      ...(stats.powerW !== undefined ? { powerW: stats.powerW, powerSource: 'measured' as const } : {}),
      ...(details.paused !== undefined ? { paused: details.paused } : {}),
      chipTemperaturesC: [],
      fansRpm: [],
    };
  }

  async curtail(): Promise<void> {
    await this.request('PUT', 'actions/pause');
  }

  async resume(): Promise<void> {
    await this.request('PUT', 'actions/resume');
  }

  private async json(method: 'GET' | 'PUT', path: string) {
    const reply = await this.request(method, path);
    if (!reply.json) throw new MinerError('malformed', `${path}: not JSON: ${reply.text.slice(0, 100)}`);
    return reply.json;
  }

  /** One request with the session token; logs in first, and again once if the token expired. */
  private async request(method: 'GET' | 'PUT', path: string, retried = false): Promise<HttpReply> {
    this.token ??= await this.login();
    const req: HttpRequest = { method, headers: { authorization: this.token }, timeoutMs: this.access.timeoutMs };
    try {
      const reply = await httpJson(`${this.access.web}/api/v1/${path}`, req);
      if (reply.status >= 300) throw new MinerError('status', `${method} ${path}: HTTP ${reply.status}: ${reply.text.slice(0, 200)}`);
      return reply;
    } catch (err) {
      if (err instanceof MinerError && err.kind === 'auth' && !retried) {
        this.token = undefined;
        return this.request(method, path, true);
      }
      throw err;
    }
  }

  private async login(): Promise<string> {
    const credentials = this.access.credentials;
    if (!credentials) throw new MinerError('auth', 'Braiins OS needs credentials (username and password) in the miners file');
    const reply = await httpJson(`${this.access.web}/api/v1/auth/login`, { method: 'POST', body: credentials, timeoutMs: this.access.timeoutMs });
    const token = reply.json?.token;
    if (reply.status !== 200 || typeof token !== 'string') throw new MinerError('auth', `login: HTTP ${reply.status}: ${reply.text.slice(0, 200)}`);
    return token;
  }
}
