import { describe, expect, it } from 'vitest';
import { capture } from '../../../test-fixtures/hardware.js';
import { estimatePowerW, braiinsDetails, braiinsStats, detectFirmware, hashrateThs, luxosPowerW, luxosProfiles, statsReadings } from './parse-telemetry.js';
import { checkStatus, num, parseRpcReply, pick } from './parse-rpc.js';
import { nameplateOf } from './models.js';

const asic = (file: string) => parseRpcReply(capture(`asic/${file}`));

describe('cgminer RPC replies', () => {
  it('parses every recorded reply as it is', () => {
    for (const f of ['antminer/s19pro-stock-summary.json', 'antminer/s19pro-stock-stats.json', 'antminer/s19pro-stock-devs.json', 'antminer/s19pro-stock-pools.json', 'antminer/s19xp-vnish-stats.raw.json', 'antminer/s21-stock-stats-fixture.json', 'luxos/power.json', 'luxos/profiles.json']) {
      expect(checkStatus(asic(f), f).STATUS).toBeDefined();
    }
  });

  it('repairs NUL terminators, trailing commas, "}{", "[,{", bare inf/nan and raw newlines in strings', () => {
    expect(parseRpcReply('{"STATUS":[{"STATUS":"S"}],"id":1}\0')).toEqual({ STATUS: [{ STATUS: 'S' }], id: 1 });
    expect(parseRpcReply('{"a":[1,2,],"b":{"c":1,},}')).toEqual({ a: [1, 2], b: { c: 1 } });
    expect(parseRpcReply('{"STATS":[{"Type":"S9"}{"GHS 5s":1}]}')).toEqual({ STATS: [{ Type: 'S9' }, { 'GHS 5s': 1 }] });
    expect(parseRpcReply('{"DEVS":[,{"ID":0}]}')).toEqual({ DEVS: [{ ID: 0 }] });
    expect(parseRpcReply('{"GHS av":inf,"x":-inf,"y":nan,"z":NaN}')).toEqual({ 'GHS av': null, x: null, y: null, z: null });
    expect(parseRpcReply('{"Msg":"line one\nline two"}')).toEqual({ Msg: 'line one line two' });
    // Repairs leave string contents alone.
    expect(parseRpcReply('{"Msg":"a,} }{ inf",}')).toEqual({ Msg: 'a,} }{ inf' });
    // Two top-level objects: one reply in two parts.
    expect(parseRpcReply('{"STATUS":[{"STATUS":"S"}]}{"SUMMARY":[{"Elapsed":1}]}')).toEqual({ STATUS: [{ STATUS: 'S' }], SUMMARY: [{ Elapsed: 1 }] });
  });

  it('rejects truncated buffers and garbage with a clear error, never a crash', () => {
    const text = capture('asic/antminer/s19pro-stock-summary.json');
    expect(() => parseRpcReply(text.slice(0, 300))).toThrow(/^truncated reply \(\d+ bytes\)/);
    expect(() => parseRpcReply('\u0001<html>502 Bad Gateway</html>')).toThrow(/^not JSON/);
    expect(() => parseRpcReply('')).toThrow('empty reply');
    expect(() => parseRpcReply('[1,2]')).toThrow('reply is not a JSON object');
    expect(() => parseRpcReply('{"a":')).toThrow(expect.objectContaining({ name: 'MinerError', kind: 'malformed' }));
  });

  it('accepts S and I statuses and turns E, F and W into the miner\'s message', () => {
    expect(() => checkStatus(parseRpcReply('{"STATUS":[{"STATUS":"I","Msg":"info"}]}'), 'x')).not.toThrow();
    expect(() => checkStatus(parseRpcReply('{"STATUS":[{"STATUS":"E","Msg":"Invalid command"}]}'), 'bogus')).toThrow('bogus: miner answered E: Invalid command');
    expect(() => checkStatus(parseRpcReply('{"STATUS":[{"STATUS":"W","Msg":"No pools"}]}'), 'pools')).toThrow(/answered W: No pools/);
  });

  it('reads numbers from numbers and numeric strings only; typos are looked up by every spelling', () => {
    expect([num(110566.89), num('140258.58'), num('3250 W'), num(''), num('ooo'), num(null), num(-1)]).toEqual([110566.89, 140258.58, 3250, undefined, undefined, undefined, undefined]);
    const dev = (asic('antminer/s19pro-stock-devs.json').DEVS as never[])[0];
    expect(pick(dev, 'Temperature', 'Tenperature')).toBe(0);
  });
});

describe('miner telemetry from recorded replies', () => {
  it('detects firmware and model from version', () => {
    expect(detectFirmware(asic('antminer/s19pro-stock-version.json'))).toEqual({ firmware: 'antminer', model: 'Antminer S19 Pro', version: '49.0.1.3' });
    expect(detectFirmware(asic('antminer/s21-stock-version-fixture.json'))).toMatchObject({ firmware: 'antminer', model: 'Antminer S21' });
    expect(detectFirmware(asic('luxos/version.json'))).toEqual({ firmware: 'luxos', model: 'Antminer S19k Pro', version: '2025.4.8.220305-57b389c7' });
    // BOSminer's legacy API (no capture of it here: its documented shape).
    expect(detectFirmware(parseRpcReply('{"STATUS":[{"STATUS":"S","Msg":"BOSminer versions","Description":"BOSminer bosminer-plus-tuner 0.9.0"}],"VERSION":[{"BOSminer":"0.9.0","API":"3.7"}]}')).firmware).toBe('braiins');
    // VNish names itself in the model type.
    const vnishType = { STATUS: [{ STATUS: 'S', Description: 'cgminer 4.11.1' }], VERSION: [{ Type: 'Antminer S19 XP (Vnish 1.2.0-rc1)', Cgminer: '4.11.1' }] };
    expect(detectFirmware(vnishType as never)).toEqual({ firmware: 'vnish', model: 'Antminer S19 XP', version: '1.2.0-rc1' });
  });

  it('reads hashrate from summary (number or string), temperatures and fans from stats', () => {
    expect(hashrateThs(asic('antminer/s19pro-stock-summary.json'))).toBeCloseTo(110.567, 3);
    expect(hashrateThs(asic('antminer/s19xp-vnish-summary.raw.json'))).toBeCloseTo(140.259, 3);
    expect(hashrateThs(undefined, asic('antminer/s19-sleeping-stats.json'))).toBe(0);
    const s19pro = statsReadings(asic('antminer/s19pro-stock-stats.json'));
    expect(s19pro.model).toBe('Antminer S19 Pro');
    expect(s19pro.fansRpm).toEqual([6000, 5880, 5040, 5040]);
    expect(s19pro.powerW).toBeUndefined();
    // Dash-joined readings with negative temperatures ("2--1-20-22") on a cold S19.
    expect(statsReadings(asic('antminer/s19pro-stock-stats-foreman.json')).chipTemperaturesC).toEqual([27, 25, 26]);
    expect(statsReadings(asic('antminer/s21-stock-stats-fixture.json')).powerW).toBe(3250);
    // VNish's chain_consumption is 0 on the capture: no reading rather than 0 W.
    expect(statsReadings(asic('antminer/s19xp-vnish-stats.raw.json'))).toMatchObject({ model: 'Antminer S19 XP', chipTemperaturesC: [75, 72, 74] });
    expect(statsReadings(asic('antminer/s19xp-vnish-stats.raw.json')).powerW).toBeUndefined();
  });

  it('LuxOS power and profiles, Braiins OS REST stats and details', () => {
    expect(luxosPowerW(asic('luxos/power.json'))).toBe(1051);
    const profiles = luxosProfiles(asic('luxos/profiles.json'));
    expect(profiles[0]).toEqual({ name: '190MHz', watts: 784, hashrateThs: 39.2 });
    expect(braiinsStats(asic('braiins/rest-miner_stats-v25_07.json'))).toEqual({ hashrateThs: 141.46356540072063, powerW: 3137 });
    expect(braiinsDetails(asic('braiins/rest-miner_details-v25_07.json'))).toEqual({ model: 'Antminer S19 XP', version: '2025-08-06-0-3881c51d-25.07-plus', paused: false });
  });

  it('estimates stock power from the nameplate', () => {
    expect(nameplateOf('Antminer S19 XP (Vnish 1.2.0-rc1)')).toMatchObject({ model: 'Antminer S19 XP', powerW: 3010 });
    expect(nameplateOf('Antminer S19k Pro')!.model).toBe('Antminer S19k Pro');
    expect(estimatePowerW('Antminer S19 Pro', 110)).toBe(3250);
    expect(estimatePowerW('Antminer S19 Pro', 55)).toBe(1625);
    expect(estimatePowerW('Antminer S19 Pro', 0)).toBe(15);
    expect(estimatePowerW('Whatsminer M30S', 90)).toBeUndefined();
  });
});
