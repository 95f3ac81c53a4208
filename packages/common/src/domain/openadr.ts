import { z } from 'zod';

/**
 * The site's OpenADR 3 VEN (docs/grid.md): the scheduler polls the utility's VTN for events
 * of its programs and turns them into grid events; reports of metered power go back.
 */
export const openadrSchema = z.strictObject({
  /** The VTN's base URL, e.g. https://vtn.utility.example/openadr3/3.1.1 (http only on loopback, for tests). */
  vtnUrl: z
    .string()
    .url('a URL such as https://vtn.example/openadr3')
    .refine((u) => u.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(u), 'https, or http on loopback only'),
  /** A file holding the bearer token (OAuth2 client credentials are obtained out of band). */
  tokenFile: z.string().min(1),
  /** Program names to follow; unset: every program the VTN lists for this VEN. */
  programs: z.array(z.string().min(1)).optional(),
  /** Seconds between polls. */
  pollS: z.number().int().min(1).max(3600).default(30),
  /** Our VEN's name in reports (clientName). */
  venName: z.string().min(1).default('wattpack'),
});
export type OpenAdrConfig = z.output<typeof openadrSchema>;
